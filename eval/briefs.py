"""Scoring one brief: do its stories hold an article that answers the question it was made from,
or, when nothing in the store should be about its topic, does it show none?

A brief row of a suite is run through the pipeline's `brief(topic, limit=BRIEF_STORIES, since,
as_of)`; the brief's `to_dict()` is kept in the result row's `brief_result` and scored here on
`answer_docs` only (not `answer_docs_any`): the articles that answer the question, so a hit
means the brief shows the story the question is about. `eval.metrics` aggregates the scores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from eval.suite import SuiteQuestion

BRIEF_STORIES = 5
"""A brief shows at most this many stories, as `newsqa brief` does by default."""


@dataclass(frozen=True)
class BriefScore:
    """How one brief did; None marks what does not apply (or could not be seen: the brief
    failed).

    `right`: a brief expecting an abstention shows no story; any other shows a story holding
    one of its `answer_docs` (without any, it shows a story).
    """

    right: bool
    stories: int | None
    story_hit: bool | None
    duplicate: bool | None
    """Two of its stories share an article."""


def is_brief(row: Mapping[str, Any]) -> bool:
    """Whether a result row is a brief's (its suite row had a `brief` topic)."""
    return "brief" in row


def score_brief(question: SuiteQuestion, made: Mapping[str, Any] | None) -> BriefScore:
    """Score a `Brief.to_dict()` (None when the brief failed) against its suite row."""
    if made is None:
        return BriefScore(right=False, stories=None, story_hit=None, duplicate=None)
    stories = made["stories"]
    if question.expect_abstain:
        hit, right = None, not stories
    elif question.answer_docs:
        hit = any(holds_answer_doc(story, question.answer_docs) for story in stories)
        right = hit
    else:
        hit, right = None, bool(stories)
    shown = [set(article_ids(story)) for story in stories]
    return BriefScore(
        right=right,
        stories=len(stories),
        story_hit=hit,
        duplicate=sum(map(len, shown)) != len(set().union(*shown)),
    )


def brief_row(
    question: SuiteQuestion, made: Mapping[str, Any] | None, error: str | None = None
) -> dict[str, Any]:
    """The `results.jsonl` row of one brief: its suite row, the brief made, its scores.

    `error` is the message of a brief that failed; `made` is then None.
    """
    return {
        "id": question.id,
        "brief": question.brief,
        "question": question.question,
        "type": question.type,
        "expect_abstain": question.expect_abstain,
        "as_of": question.as_of,
        "since": question.since,
        "answer_docs": list(question.answer_docs),
        "brief_result": None if made is None else dict(made),
        "metrics": asdict(score_brief(question, made)),
        "timings_ms": dict((made or {}).get("timings_ms") or {}),
        "error": error,
    }


def brief_said(row: Mapping[str, Any]) -> str:
    """A brief row's result in one line, as a comparison or report shows it."""
    made = row.get("brief_result")
    if made is None:
        return f"(error) {row.get('error') or ''}".strip()
    if not made["stories"]:
        return f"(no stories) {made.get('note') or ''}".strip()
    headlines = "; ".join(story["headline"] for story in made["stories"])
    return f"{len(made['stories'])} stories: {headlines}"


def holds_answer_doc(story: Mapping[str, Any], answer_docs: Sequence[str]) -> bool:
    """Whether one story of a brief shows one of the articles that answer its question."""
    return bool(set(article_ids(story)) & set(answer_docs))


def article_ids(story: Mapping[str, Any]) -> list[str]:
    """The ids of the articles a story of a brief shows."""
    return [article["article_id"] for article in story["articles"]]
