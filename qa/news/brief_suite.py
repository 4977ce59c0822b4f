"""A brief suite from any suite: each question becomes a brief of the week before its date on the
question's subject, which `newsqa eval` scores on whether its stories hold the question's answer
articles (or, for a question the articles cannot answer, on showing no story).

The method, written down so that anyone can rebuild the suite: the topic is the question's
subject as a short phrase, found as `qa.reading.subject` finds the subject a passage must be
about. It is the question's named entities (spaCy's small English pipeline; not dates, times,
amounts or nationalities), each once, in the order they stand, joined by ", "; when the question
names nothing, its nouns in order but the one the wh-word asks for ("which city"), joined by
spaces. A question with neither is left out. The brief covers the 7 days before the question's
`as_of` (`since` = `as_of` minus 7 days, as `newsqa brief --since 7d --as-of AS_OF`); a
question without a date gets a brief of the whole store (`as_of` and `since` null). The row keeps
the question's `answer_docs` (not `answer_docs_any`), `expect_abstain`, `type` and the question
itself; its id ends in "-brief".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

WEEK = timedelta(days=7)
NOT_NAMES = frozenset(
    {"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT", "NORP"}
)
"""Entities that are no subject, as in `qa.reading.subject`."""


def briefs(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The brief row of each suite question that has a subject."""
    from qa.reading.language import parse

    rows = [row for row in rows if row.get("question")]
    for row, doc in zip(rows, parse([row["question"] for row in rows]), strict=True):
        topic = subject_phrase(doc)
        if topic is None:
            continue
        as_of = row.get("as_of")
        yield {
            "id": f"{row['id']}-brief",
            "brief": topic,
            "as_of": as_of,
            "since": (date.fromisoformat(as_of) - WEEK).isoformat() if as_of else None,
            "answer_docs": list(row.get("answer_docs") or []),
            "expect_abstain": row["expect_abstain"],
            "question": row["question"],
            **({"type": row["type"]} if row.get("type") else {}),
        }


def subject_phrase(doc: Doc) -> str | None:
    """A parsed question's subject as a phrase: its names, else its nouns but the one asked for;
    None when it has neither."""
    names = [_without_possessive(e) for e in doc.ents if e.label_ not in NOT_NAMES]
    if names:
        return ", ".join(_once(names)) or None
    asked_for = {t.head.i for t in doc if t.lower_ in ("which", "what") and t.dep_ == "det"}
    nouns = [t.text for t in doc if t.pos_ in ("NOUN", "PROPN") and t.i not in asked_for]
    return " ".join(_once(nouns)) or None


def _without_possessive(entity: Span) -> str:
    """ "the Golden Globes'" -> "the Golden Globes"."""
    return "".join(t.text_with_ws for t in entity if t.tag_ != "POS").strip()


def _once(phrases: list[str]) -> list[str]:
    """Each phrase with words the search keeps (not "%"), once (as the subject's stems: "US" and
    "U.S." are one), where it first stands."""
    from index_store.terms import terms

    kept: dict[frozenset[str], str] = {}
    for phrase in phrases:
        stems = frozenset(terms(phrase))
        if stems:
            kept.setdefault(stems, phrase)
    return list(kept.values())
