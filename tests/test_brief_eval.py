"""Briefs in `newsqa eval`: a brief suite made from a question suite, brief rows scored on the
demo store (story recall, no stories, duplicates, latency) beside questions, compared, and bad
brief rows refused one line each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval import load_rows
from qa.cli import app
from tests.conftest import DEMO, read_jsonl

SOURCE = Path(__file__).parent / "data" / "demo-briefs-source.jsonl"
REOPENING = "https://www.aldwen-valley-post.example/news/kellan-bridge-reopens-early"
KELLAN_WEEK = {
    "id": "kellan",
    "brief": "Kellan Bridge",
    "as_of": "2025-05-25",
    "since": "2025-05-18",
    "answer_docs": [REOPENING],
    "expect_abstain": False,
}
FERRY = {"id": "ferry", "brief": "ferry", "as_of": None, "since": None, "expect_abstain": True}
QUAYSIDE = read_jsonl(DEMO / "demo-qa.jsonl")[1]
runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def write_suite(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    return path


def run_folder(suite: Path, store: Path, out: Path) -> dict:
    result = run("eval", suite, "--store", store, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def brief_run(demo_store, tmp_path_factory):
    """Two briefs and a question in one suite, through the CLI once."""
    folder = tmp_path_factory.mktemp("brief-run")
    suite = write_suite(folder / "briefs.jsonl", [KELLAN_WEEK, FERRY, QUAYSIDE])
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NEWSQA_HOME", str(tmp_path_factory.mktemp("newsqa-home")))
        summary = run_folder(suite, demo_store, folder / "run")
    return summary, folder / "run"


def test_make_briefs_writes_the_month_before_each_question_on_its_subject(tmp_path):
    out = tmp_path / "briefs.jsonl"
    result = run("eval", "make-briefs", SOURCE, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"2 briefs of 3 questions written to {out} (1 naming no subject skipped)"
    )
    assert read_jsonl(out) == [
        {
            "id": "kellan-cost-brief",
            "brief": "Kellan Bridge",
            "as_of": "2025-05-25",
            "since": "2025-04-25",
            "answer_docs": [REOPENING],
            "expect_abstain": False,
            "question": "How much did the repairs to Kellan Bridge finally cost?",
            "type": "fact",
        },
        {
            "id": "ferry-time-brief",
            "brief": "ferry",
            "as_of": None,
            "since": None,
            "answer_docs": [],
            "expect_abstain": True,
            "question": "What time does the ferry leave?",
            "type": "null",
        },
    ]
    nowhere = run("eval", "make-briefs", SOURCE, "-o", tmp_path / "no" / "briefs.jsonl")
    assert nowhere.exit_code == 1 and nowhere.stderr.count("\n") == 1
    assert "cannot write the brief suite" in nowhere.stderr


def test_briefs_are_scored_apart_from_the_questions_beside_them(brief_run):
    summary, _ = brief_run
    metrics = summary["metrics"]
    assert (metrics["briefs"], metrics["questions"], metrics["errors"]) == (2, 1, 0)
    assert metrics["story_recall"] == 1.0, "the reopening article is in the bridge story"
    assert metrics["no_stories_rate"] == 1.0, "nothing in the demo is about a ferry"
    assert metrics["brief_duplicates"] == 0.0
    assert metrics["brief_latency_p50_ms"] > 0 and metrics["latency_total_p50_ms"] > 0
    assert metrics["abstain_recall"] is None, "the ferry brief is no question expecting one"
    assert metrics["unanswerable"] == 0 and metrics["answerable"] == 1


def test_a_brief_row_holds_what_the_brief_showed_and_the_report_marks_the_answer_article(
    brief_run,
):
    _, out = brief_run
    kellan, ferry, question = load_rows(out)
    shown = [a["article_id"] for s in kellan["brief_result"]["stories"] for a in s["articles"]]
    assert REOPENING in shown
    assert kellan["metrics"] == {"right": True, "stories": 1, "story_hit": True, "duplicate": False}
    assert ferry["brief_result"]["stories"] == [] and "ferry" in ferry["brief_result"]["note"]
    assert ferry["metrics"]["right"] and ferry["metrics"]["story_hit"] is None
    assert "answer" in question and "brief" not in question
    report = (out / "report.md").read_text()
    assert "brief on 'Kellan Bridge', 2025-05-18 to 2025-05-25" in report
    assert "(answer article) Kellan Bridge reopens three months early" in report
    assert "brief on 'ferry', the whole store" in report and "(no stories)" in report
    assert "brief on" in (out / "report.html").read_text()


def test_a_week_before_the_answer_article_misses_it_and_compare_shows_the_flip(
    brief_run, demo_store, tmp_path
):
    _, first = brief_run
    february = {**KELLAN_WEEK, "as_of": "2025-02-10", "since": "2025-02-03"}
    suite = write_suite(tmp_path / "february.jsonl", [february])
    summary = run_folder(suite, demo_store, tmp_path / "run")
    assert summary["metrics"]["story_recall"] == 0.0
    (row,) = load_rows(tmp_path / "run")
    assert row["metrics"]["stories"] == 1, "the closure story is that week's"
    assert "## Failures (1)" in (tmp_path / "run" / "report.md").read_text()
    compared = run("eval", "compare", first, tmp_path / "run")
    assert compared.exit_code == 0, compared.output
    flips = compared.stdout.split("## Right → wrong (1)")[1].split("## Wrong → right")[0]
    assert "| kellan |" in flips and REOPENING in flips
    assert "1 stories: Kellan Bridge to stay closed" in flips


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"as_of": ...}, "missing field 'as_of'"),
        ({"since": "last week"}, "'since' must be a YYYY-MM-DD date or null, got 'last week'"),
        ({"since": "2025-06-01"}, "'since' 2025-06-01 is after 'as_of' 2025-05-25"),
        ({"brief": " "}, "'brief' must be a non-empty string"),
        ({"expect_abstain": "no"}, "'expect_abstain' must be true or false"),
        (
            {"answer_docs": REOPENING},
            "'answer_docs' must be a list of non-empty article ids or null",
        ),
    ],
)
def test_a_bad_brief_row_is_one_line_naming_its_field(demo_store, tmp_path, change, reason):
    row = {k: v for k, v in {**KELLAN_WEEK, **change}.items() if v is not ...}
    suite = write_suite(tmp_path / "bad.jsonl", [FERRY, row])
    result = run("eval", suite, "--store", demo_store, "--out", tmp_path / "r")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"error: {suite}:2: {reason}"]
    assert not (tmp_path / "r").exists() and "Traceback" not in result.output


def test_a_question_naming_only_a_place_is_briefed_on_what_it_asks_about_there():
    from qa.news.brief_suite import briefs

    row = {
        "id": "hub",
        "question": "Which company will build an engineering hub in Harrowgate?",
        "expect_abstain": False,
        "as_of": "2025-02-01",
    }
    (made,) = briefs([row])
    assert made["brief"] == "engineering hub Harrowgate"
    assert made["since"] == "2025-01-02"
