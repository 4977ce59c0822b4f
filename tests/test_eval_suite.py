"""Suite loading: good suites load whole, bad ones report every bad line with its number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.suite import SuiteError, load_suite, parse_suite, suite_hash

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

GOOD = {"id": "q1", "question": "Who?", "answers": ["Lavrov"], "expect_abstain": False}


def line(**fields) -> str:
    return json.dumps({**GOOD, **fields})


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "suite.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_good_suite_loads_with_optional_and_extra_fields(tmp_path):
    path = write(
        tmp_path,
        [
            line(),
            "",
            line(
                id="q2",
                answers=[],
                expect_abstain=True,
                as_of="2025-01-31",
                type="null",
                answer_docs=["doc-1"],
                choices=["a", "b"],
            ),
            line(id="q3", as_of=None, type=None, answer_docs=None),
        ],
    )
    suite = load_suite(path)
    assert [q.id for q in suite.questions] == ["q1", "q2", "q3"]
    q2 = suite.questions[1]
    assert (q2.answers, q2.expect_abstain, q2.as_of, q2.type) == (
        (),
        True,
        "2025-01-31",
        "null",
    )
    assert q2.answer_docs == ("doc-1",) and q2.choices == ("a", "b") and q2.extra == {}
    assert suite.questions[2].answer_docs == () and suite.questions[2].choices == ()
    assert suite.hash == suite_hash(suite.questions)


def test_every_bad_line_is_reported_with_its_number(tmp_path):
    path = write(
        tmp_path,
        [
            line(),
            "{not json",
            "[1, 2]",
            line(id="q1"),
            line(id="q5", answers=[]),
            line(id="q6", expect_abstain="no", as_of="2025-02-30"),
            json.dumps({"id": "q7", "answers": "Lavrov", "expect_abstain": False}),
            line(id="q8", answers=["Lavrov"], expect_abstain=True, as_of="20250101"),
            line(id="q9", answers=["—"], type=3, answer_docs="doc-1"),
        ],
    )
    with pytest.raises(SuiteError) as error:
        load_suite(path)
    problems = error.value.problems
    expected = [
        (2, "bad JSON"),
        (3, "expected a JSON object, got list"),
        (4, "duplicate id 'q1' (first on line 1)"),
        (5, "'expect_abstain' is false but 'answers' is empty"),
        (6, "'expect_abstain' must be true or false"),
        (6, "'as_of' must be a YYYY-MM-DD date"),
        (7, "missing field 'question'"),
        (7, "'answers' must be a list"),
        (8, "'expect_abstain' is true but 'answers' is not empty"),
        (8, "'as_of' must be a YYYY-MM-DD date or null, got '20250101'"),
        (9, "answer '—' is empty once normalised"),
        (9, "'type' must be a string or null"),
        (9, "'answer_docs' must be a list"),
    ]
    for number, reason in expected:
        assert any(p.startswith(f"{path}:{number}: {reason}") for p in problems), (
            number,
            reason,
        )
    assert len(problems) == len(expected)
    assert str(error.value).splitlines() == list(problems)


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        ([], "suite has no questions"),
        (["", "  "], "suite has no questions"),
        ([json.dumps({**GOOD, "id": ""})], "'id' must be a non-empty string"),
        (
            [json.dumps({k: v for k, v in GOOD.items() if k != "expect_abstain"})],
            "missing field",
        ),
    ],
)
def test_parse_suite_rejects(lines, reason):
    with pytest.raises(SuiteError, match=reason):
        parse_suite(lines, source="s.jsonl")


@pytest.mark.parametrize(
    ("choices", "problem"),
    [
        ("Lavrov", "'choices' must be a list of strings or null"),
        (["Lavrov", 3], "'choices' must be a list of strings or null"),
        ({"a": "Lavrov"}, "'choices' must be a list of strings or null"),
        (
            ["Putin", "Xi"],
            "no choice equals an answer once normalised, so no choice can be right",
        ),
    ],
)
def test_bad_choices_are_one_problem_each(choices, problem):
    with pytest.raises(SuiteError) as error:
        parse_suite([line(choices=choices)], source="s.jsonl")
    assert error.value.problems == (f"s.jsonl:1: {problem}",)


@pytest.mark.parametrize(
    "fields",
    [
        {"choices": None},
        {"choices": []},
        {"choices": ["the LAVROV!", "Putin", ""]},
        {"choices": ["Lavrov", "Putin"], "answers": [], "expect_abstain": True},
        {"choices": ["Putin", "Xi"], "answers": [], "expect_abstain": True},
    ],
)
def test_good_choices_load(fields):
    (question,) = parse_suite([line(**fields)])
    assert question.choices == tuple(fields["choices"] or ())
    assert "choices" not in question.extra


def test_hash_is_the_one_runs_recorded_before_choices_were_a_field():
    """Pinned to the hashes of the code before `choices` was a field (then kept in `extra`)."""
    assert suite_hash(parse_suite([line()])) == (
        "85c2ef7e48bdecb8aa91054550ae0a6b5faa4df9c67a466c80fa6a7ca0c2c7a1"
    )
    assert suite_hash(parse_suite([line(choices=["Lavrov", "Putin"])])) == (
        "376913463de9e918625dec825ee9ddd50246396f24458c89c4d5dfbec06dc0d9"
    )


def test_missing_file_is_a_suite_error(tmp_path):
    with pytest.raises(SuiteError, match="cannot read suite"):
        load_suite(tmp_path / "absent.jsonl")


def test_hash_follows_content_not_formatting():
    compact = parse_suite([line()])
    reordered = '{ "expect_abstain": false, "answers": ["Lavrov"], "question": "Who?", "id": "q1" }'
    spaced = parse_suite([reordered])
    assert suite_hash(compact) == suite_hash(spaced)
    assert suite_hash(compact) != suite_hash(parse_suite([line(question="Who else?")]))


def test_bundled_demo_suite_loads():
    suite = load_suite(REPO / "qa" / "demo" / "demo-qa.jsonl")
    assert sum(q.expect_abstain for q in suite.questions) == 3


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared data is not present")
@pytest.mark.parametrize(
    ("relative", "count", "unanswerable"),
    [
        ("data/seed-qa.jsonl", 8, 2),
        ("data/realtimeqa/questions-2025-small.jsonl", 141, 30),
        ("data/realtimeqa/questions-2025.jsonl", 773, 148),
    ],
)
def test_shared_suites_load_cleanly(relative, count, unanswerable):
    suite = load_suite(SHARED / relative)
    assert len(suite.questions) == count
    assert sum(q.expect_abstain for q in suite.questions) == unanswerable
