"""A follow-up suite from any suite: each question whose subject has a name is asked again as the
second turn of a conversation that named it first.

The method, written down so that anyone can rebuild the suite: the subject is the question's
first named entity (not a date, time or amount; spaCy's small English pipeline). The first turn
asks "What is the latest news about SUBJECT?"; the follow-up is the question with the subject
replaced by the reference a reader would use: "they" / "their" for a person (the text does not
say which pronoun), "there" for a place after "in", "at" or "to" (which goes with it), "it" /
"its" for anything else. The row keeps its gold answers, choices, date and answer articles,
gains `history` and `full_question` (the question as first written, which `newsqa eval`
searches too, to score `followup_reach`), and its id ends in "-followup". A question naming
nothing is left out; unanswerable questions are kept, so abstention is measured too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.tokens import Span

NOT_SUBJECTS = frozenset(
    {"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT", "NORP"}
)
PLACES = frozenset({"GPE", "LOC", "FAC"})
MODIFIERS = frozenset({"det", "compound", "amod", "nmod"})
"""What goes with a name: "the", "former President"."""
FIRST_TURN = "What is the latest news about {subject}?"


def followups(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The follow-up row of each suite row whose question names a subject."""
    from qa.reading.language import parse

    rows = list(rows)
    for row, doc in zip(rows, parse([row["question"] for row in rows])):
        subject = next((e for e in doc.ents if _stands_alone(e)), None)
        if subject is None:
            continue
        start, end, _ = _reach(subject)
        name = [t for t in doc[start:end] if t.tag_ != "POS"]
        named = "".join(t.text_with_ws for t in name).strip()
        yield {
            **row,
            "id": f"{row['id']}-followup",
            "question": referring(subject),
            "history": [{"question": FIRST_TURN.format(subject=named)}],
            "full_question": row["question"],
        }


def _stands_alone(entity: Span) -> bool:
    """A name that is the subject of its phrase, not a modifier ("Hollywood" in "Hollywood
    veteran"), nor an amount, a time or a nationality."""
    return entity.label_ not in NOT_SUBJECTS and entity.root.dep_ != "compound"


def _reach(subject: Span) -> tuple[int, int, bool]:
    """Where the name stands with what goes with it ("the", "former President", "'s"), and
    whether it is possessive."""
    doc = subject.doc
    start, end = subject.start, subject.end
    possessive = subject[-1].tag_ == "POS" or (end < len(doc) and doc[end].tag_ == "POS")
    if end < len(doc) and doc[end].tag_ == "POS":
        end += 1
    while start > 0 and start <= doc[start - 1].head.i < end and doc[start - 1].dep_ in MODIFIERS:
        start -= 1
    return start, end, possessive


def referring(subject: Span) -> str:
    """The question with its subject (and its titles: "former President") replaced by a
    reference to it."""
    doc = subject.doc
    start, end, possessive = _reach(subject)
    before = doc[start - 1] if start > 0 else None
    if subject.label_ == "PERSON":
        word = "their" if possessive else "they"
    elif subject.label_ in PLACES and before is not None and before.lower_ in ("in", "at", "to"):
        start, word = start - 1, "there"
    else:
        word = "its" if possessive else "it"
    head = doc[:start].text_with_ws
    tail = doc[end:].text_with_ws
    gap = doc[end - 1].whitespace_
    text = f"{head}{word}{gap}{tail}".strip()
    return text[0].upper() + text[1:]
