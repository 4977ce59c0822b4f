"""Evaluation suites: JSONL question files, validated whole before anything is scored.

One JSON object a line: `id`, `question`, `answers` (acceptable gold strings, empty when the
question is unanswerable), `expect_abstain`, and optionally `as_of` (YYYY-MM-DD), `answer_docs`
(ids of articles that contain the answer), `type`, `choices` (the options of a
multiple-choice question, one of which equals a gold string once normalised when the question
is answerable) and `history` (the earlier turns of a conversation, `{"question", "answer"?}`
each, oldest first: the question is then a follow-up, asked after them). Other fields are
kept in `extra` and ignored. Blank lines are skipped. Every problem is reported at once, so a
suite is fixed in one go.

A row with a `brief` key is a brief instead: `id`, `brief` (the topic), its period stated in
full (`as_of` and `since`, each YYYY-MM-DD or null: a brief's stories depend on it, so a row
never leaves it to the day it is run), `expect_abstain` (true when nothing in the store should be
about the topic), and optionally `answer_docs` (the articles its stories should hold),
`question` (the question it was made from) and `type`. A suite may mix both kinds.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from eval.normalize import normalize
from index_store.errors import NewsQAError

_KNOWN_FIELDS = frozenset(
    {
        "id",
        "question",
        "answers",
        "expect_abstain",
        "as_of",
        "answer_docs",
        "type",
        "choices",
        "history",
        "brief",
        "since",
    }  # fmt: skip
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SuiteError(NewsQAError):
    """A suite that cannot be used; `problems` holds one `path:LINE: reason` string each, and
    the message is those lines, one per problem."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class SuiteQuestion:
    """One question of a suite, with what counts as a right answer to it."""

    id: str
    question: str
    answers: tuple[str, ...]
    expect_abstain: bool
    as_of: str | None = None
    answer_docs: tuple[str, ...] = ()
    type: str | None = None
    choices: tuple[str, ...] = ()
    history: tuple[dict[str, str], ...] = ()
    brief: str | None = None
    """A brief row's topic (None for a question): `question` is then the question it was made
    from, and the brief covers `since` to `as_of`."""
    since: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Suite:
    """A validated suite: its questions in file order and a hash that names its content."""

    path: Path
    questions: tuple[SuiteQuestion, ...]
    hash: str


def load_suite(path: str | Path) -> Suite:
    """Read and validate a suite file, raising `SuiteError` that lists every bad line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError([f"{path}: cannot read suite: {exc}"]) from exc
    questions = parse_suite(text.splitlines(), source=str(path))
    return Suite(path=path, questions=questions, hash=suite_hash(questions))


def parse_suite(lines: Iterable[str], source: str = "<suite>") -> tuple[SuiteQuestion, ...]:
    """Validate suite lines; `source` prefixes each problem in the raised `SuiteError`."""
    problems: list[str] = []
    questions: list[SuiteQuestion] = []
    first_line_of: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row, reasons = _parse_line(line)
        qid = row.get("id") if row else None
        if isinstance(qid, str) and qid in first_line_of:
            reasons.append(f"duplicate id {qid!r} (first on line {first_line_of[qid]})")
        elif isinstance(qid, str):
            first_line_of[qid] = number
        problems.extend(f"{source}:{number}: {reason}" for reason in reasons)
        if row is not None and not reasons:
            questions.append(_question_from(row))
    if not problems and not questions:
        problems.append(f"{source}: suite has no questions")
    if problems:
        raise SuiteError(problems)
    return tuple(questions)


def suite_hash(questions: Iterable[SuiteQuestion]) -> str:
    """SHA-256 of the questions' content, so two runs can tell whether they used the same suite.

    Hashes parsed fields rather than file bytes: reformatting or reordering keys keeps the hash.
    Choices are hashed inside `extra`, where they lived before they were a field, so a suite
    keeps the hash its earlier runs recorded.
    """
    canonical = [
        {
            "id": q.id,
            "question": q.question,
            "answers": list(q.answers),
            "expect_abstain": q.expect_abstain,
            "as_of": q.as_of,
            "answer_docs": list(q.answer_docs),
            "type": q.type,
            "extra": {**q.extra, "choices": list(q.choices)} if q.choices else q.extra,
            **({"history": list(q.history)} if q.history else {}),
            **({"brief": q.brief, "since": q.since} if q.brief is not None else {}),
        }
        for q in questions
    ]
    payload = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _parse_line(line: str) -> tuple[dict[str, Any] | None, list[str]]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, [f"bad JSON: {exc.msg} at column {exc.colno}"]
    if not isinstance(row, dict):
        return None, [f"expected a JSON object, got {type(row).__name__}"]
    return row, _brief_problems(row) if "brief" in row else _field_problems(row)


def _question_from(row: dict[str, Any]) -> SuiteQuestion:
    if "brief" in row:
        return _brief_from(row)
    return SuiteQuestion(
        id=row["id"],
        question=row["question"],
        answers=tuple(row["answers"]),
        expect_abstain=row["expect_abstain"],
        as_of=row.get("as_of"),
        answer_docs=tuple(row.get("answer_docs") or ()),
        type=row.get("type"),
        choices=tuple(row.get("choices") or ()),
        history=tuple(row.get("history") or ()),
        extra={key: value for key, value in row.items() if key not in _KNOWN_FIELDS},
    )


def _brief_from(row: dict[str, Any]) -> SuiteQuestion:
    return SuiteQuestion(
        id=row["id"],
        question=row.get("question") or "",
        answers=(),
        expect_abstain=row["expect_abstain"],
        as_of=row["as_of"],
        answer_docs=tuple(row.get("answer_docs") or ()),
        type=row.get("type"),
        brief=row["brief"],
        since=row["since"],
        extra={key: value for key, value in row.items() if key not in _KNOWN_FIELDS},
    )


def _field_problems(row: dict[str, Any]) -> list[str]:
    reasons = _text_problems(row, ("id", "question"))
    reasons.extend(_answers_problems(row))
    reasons.extend(_optional_problems(row))
    return reasons


def _brief_problems(row: dict[str, Any]) -> list[str]:
    reasons = _text_problems(row, ("id", "brief"))
    reasons.extend(_period_problems(row))
    if "expect_abstain" not in row:
        reasons.append("missing field 'expect_abstain'")
    elif not isinstance(row["expect_abstain"], bool):
        reasons.append("'expect_abstain' must be true or false")
    if row.get("question") is not None and not isinstance(row["question"], str):
        reasons.append("'question' must be a string or null")
    reasons.extend(_docs_and_type_problems(row))
    return reasons


def _period_problems(row: dict[str, Any]) -> list[str]:
    """A brief's `as_of` and `since`: both stated, each a date or null, in order."""
    reasons: list[str] = []
    for name in ("as_of", "since"):
        if name not in row:
            reasons.append(f"missing field {name!r}")
        elif row[name] is not None and not _is_iso_date(row[name]):
            reasons.append(f"{name!r} must be a YYYY-MM-DD date or null, got {row[name]!r}")
    since, as_of = row.get("since"), row.get("as_of")
    if _is_iso_date(since) and _is_iso_date(as_of) and since > as_of:
        reasons.append(f"'since' {since} is after 'as_of' {as_of}")
    return reasons


def _text_problems(row: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    reasons: list[str] = []
    for name in names:
        if name not in row:
            reasons.append(f"missing field {name!r}")
        elif not isinstance(row[name], str) or not row[name].strip():
            reasons.append(f"{name!r} must be a non-empty string")
    return reasons


def _answers_problems(row: dict[str, Any]) -> list[str]:
    answers, expect_abstain = row.get("answers"), row.get("expect_abstain")
    reasons: list[str] = []
    if "answers" not in row:
        reasons.append("missing field 'answers'")
    elif not _is_string_list(answers):
        reasons.append("'answers' must be a list of non-empty strings")
    else:
        reasons.extend(
            f"answer {gold!r} is empty once normalised, so nothing can match it"
            for gold in answers
            if not normalize(gold)
        )
    if "expect_abstain" not in row:
        reasons.append("missing field 'expect_abstain'")
    elif not isinstance(expect_abstain, bool):
        reasons.append("'expect_abstain' must be true or false")
    elif _is_string_list(answers) and expect_abstain == bool(answers):
        reasons.append(
            "'expect_abstain' is true but 'answers' is not empty"
            if expect_abstain
            else "'expect_abstain' is false but 'answers' is empty"
        )
    return reasons


def _optional_problems(row: dict[str, Any]) -> list[str]:
    reasons: list[str] = []
    as_of = row.get("as_of")
    if as_of is not None and not _is_iso_date(as_of):
        reasons.append(f"'as_of' must be a YYYY-MM-DD date or null, got {as_of!r}")
    reasons.extend(_docs_and_type_problems(row))
    reasons.extend(_choices_problems(row))
    reasons.extend(_history_problems(row))
    return reasons


def _docs_and_type_problems(row: dict[str, Any]) -> list[str]:
    reasons: list[str] = []
    if row.get("answer_docs") is not None and not _is_string_list(row["answer_docs"]):
        reasons.append("'answer_docs' must be a list of non-empty article ids or null")
    if row.get("type") is not None and not isinstance(row["type"], str):
        reasons.append("'type' must be a string or null")
    return reasons


def _history_problems(row: dict[str, Any]) -> list[str]:
    history = row.get("history")
    if history is None:
        return []
    turns_ok = isinstance(history, list) and all(
        isinstance(turn, dict)
        and isinstance(turn.get("question"), str)
        and turn["question"].strip()
        and isinstance(turn.get("answer", ""), str)
        for turn in history
    )
    return [] if turns_ok else ["'history' must be a list of {question, answer?} strings or null"]


def _choices_problems(row: dict[str, Any]) -> list[str]:
    """A multiple-choice question must offer its gold answer, or no reply could be right."""
    choices, answers = row.get("choices"), row.get("answers")
    if choices is None:
        return []
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        return ["'choices' must be a list of strings or null"]
    if choices and _is_string_list(answers) and answers:
        golds = {normalize(gold) for gold in answers}
        if not any(normalize(choice) in golds for choice in choices):
            return ["no choice equals an answer once normalised, so no choice can be right"]
    return []


def _is_iso_date(value: Any) -> bool:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) and item for item in value)
