"""A brief suite from any suite: each question becomes a brief of the month before its date on
the question's subject, which `newsqa eval` scores on whether its stories hold the question's
answer articles (or, for a question the articles cannot answer, on showing no story).

The method, written down so that anyone can rebuild the suite: the topic is the question's
subject as a short phrase, found as `qa.reading.subject` finds the subject a passage must be
about. It is the question's named entities (spaCy's small English pipeline; not dates, times,
amounts or nationalities), each once, in the order they stand, joined by ", "; when the question
names nothing, or names only places ("the US" is where, not what), its nouns in order but the
one the wh-word asks for ("which city") follow, joined by spaces. A question with neither is left
out. The brief covers the PERIOD (30 days) before the question's `as_of`: the window the grounded
suites take answer articles from (`since` = `as_of` minus 30 days, as `newsqa brief --since 30d
--as-of AS_OF`); a question without a date gets a brief of the whole store (`as_of` and `since`
null). The row keeps the question's `answer_docs` (not `answer_docs_any`), `expect_abstain`,
`type` and the question itself; its id ends in "-brief".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from qa.reading.subject import NOT_NAMES, asked_for

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

PERIOD = timedelta(days=30)
"""A grounded question's answer articles were published in the 30 days up to its date."""
PLACES = frozenset({"GPE", "LOC"})
"""Entities that say where, not what: a topic of places alone also takes the question's nouns."""


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
            "since": (date.fromisoformat(as_of) - PERIOD).isoformat() if as_of else None,
            "answer_docs": list(row.get("answer_docs") or []),
            "expect_abstain": row["expect_abstain"],
            "question": row["question"],
            **({"type": row["type"]} if row.get("type") else {}),
        }


def subject_phrase(doc: Doc) -> str | None:
    """A parsed question's subject as a phrase: its names, else its nouns but the one asked for;
    None when it has neither."""
    entities = [e for e in doc.ents if e.label_ not in NOT_NAMES]
    names = _once([_without_possessive(e) for e in entities])
    if names and any(e.label_ not in PLACES for e in entities):
        return ", ".join(names)
    asked = asked_for(doc)
    named = {t.i for e in doc.ents for t in e}  # names, and dates or amounts ("this week")
    nouns = [
        t.text for t in doc if t.pos_ in ("NOUN", "PROPN") and t.i not in asked and t.i not in named
    ]
    return " ".join(_once(nouns + names)) or None


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
