"""Which spans can answer which kind of question, by the span's entity label.

The kinds are `qa.reading.answer_types.KINDS` (what a question asks for); the labels
are spaCy's OntoNotes entity labels, PROPN for a run of proper nouns no entity covers, "" for a
plain noun phrase. A "how many" question is
answered by a number, never a name; a "which company" question ("person": who did something)
may be answered by an organisation as well as a person.
"""

from __future__ import annotations

import re

_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")
_ANY_ENTITY = 0.6
ORGANISATION_NOUNS = frozenset(
    {
        "company",
        "companies",
        "firm",
        "airline",
        "chain",
        "retailer",
        "brand",
        "bank",
        "network",
        "agency",
        "organisation",
        "organization",
        "group",
        "team",
        "party",
        "school",
        "university",
        "app",
        "platform",
        "automaker",
        "carmaker",
        "manufacturer",
        "giant",
        "publisher",
        "newspaper",
        "outlet",
        "studio",
        "startup",
        "club",
        "league",
        "union",
        "broadcaster",
        "channel",
        "website",
        "service",
        "supermarket",
        "restaurant",
    }
)
"""Focus nouns ("which airline", "which chain") that ask for an organisation, not a person."""
LABEL_FIT: dict[str, dict[str, float]] = {
    "organisation": {
        "ORG": 1.0, "PROPN": 0.8, "PRODUCT": 0.7, "PERSON": 0.3, "GPE": 0.3, "FAC": 0.3, "": 0.2,
    },
    "person": {"PERSON": 1.0, "ORG": 0.7, "PROPN": 0.6, "NORP": 0.4, "GPE": 0.2, "": 0.1},
    "place": {"GPE": 1.0, "LOC": 1.0, "FAC": 1.0, "PROPN": 0.6, "ORG": 0.4, "NORP": 0.3, "": 0.1},
    "time": {"DATE": 1.0, "TIME": 1.0},
    "year": {"DATE": 1.0},
    "money": {"MONEY": 1.0},
    "percent": {"PERCENT": 1.0},
    "count": {"CARDINAL": 1.0, "QUANTITY": 0.7, "MONEY": 0.3},
    "number": {"CARDINAL": 1.0, "QUANTITY": 1.0, "MONEY": 1.0, "PERCENT": 1.0, "DATE": 0.3},
    "name": {
        "ORG": 1.0, "PRODUCT": 1.0, "WORK_OF_ART": 1.0, "EVENT": 1.0, "LAW": 1.0,
        "LANGUAGE": 1.0, "PERSON": 0.8, "GPE": 0.8, "LOC": 0.8, "FAC": 0.8, "NORP": 0.8,
        "PROPN": 0.8,
        "": 0.5,
    },
}  # fmt: skip
"""How well a span with each label answers each kind (unlisted: 0); "other" questions take any
entity at _ANY_ENTITY, a noun phrase at 0.5."""
_NUMERIC = frozenset({"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT"})


def refined_kind(kind: str, focus_words: set[str]) -> str:
    """ "organisation" for a person or name question whose focus noun names one ("which oil
    giant"), else `kind`."""
    if kind in ("person", "name") and focus_words & ORGANISATION_NOUNS:
        return "organisation"
    return kind


def span_fits(kind: str, label: str, text: str) -> float:
    """How well a span of entity `label` ("" for a noun phrase) answers a `kind` question."""
    if kind == "year" and not _YEAR.search(text):
        return 0.0
    if kind in LABEL_FIT:
        return LABEL_FIT[kind].get(label, 0.0)
    if label == "":
        return 0.5
    return _ANY_ENTITY if label not in _NUMERIC else _ANY_ENTITY / 2
