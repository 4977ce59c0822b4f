"""What kind of answer a question wants (a person, a place, a time, a number) and whether a
sentence offers one, by surface cues: no tagger ships offline, and these cues carry most of it."""

from __future__ import annotations

import re

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_DATE = re.compile(
    rf"\b(({_MONTHS})\.?\s+\d{{1,2}}|\d{{1,2}}\s+({_MONTHS})|({_MONTHS})\.?,?\s+\d{{4}}|"
    rf"(1[89]|20)\d\d|\d{{4}}-\d\d-\d\d|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})\b",
    re.I,
)
_VAGUE_TIME = re.compile(
    rf"\b({_MONTHS}|{_WEEKDAYS}|yesterday|today|tomorrow|(last|this|next) (week|month|year)|"
    rf"\d{{1,2}}(:\d\d)?\s*[ap]\.?m\b)",
    re.I,
)
_NUMBER = re.compile(
    r"(\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|dozen|half)\b)",
    re.I,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?\b")

KINDS = ("time", "number", "person", "place", "other")


_PERSON_NOUNS = (
    "person|people|man|woman|official|leader|minister|president|politician|company|companies|"
    "organi[sz]ation|team|group|firm|agency|brand|player|athlete|actor|actress|singer|band|"
    "artist|author|writer|ceo|chief|director|judge|senator|governor|candidate|lawmaker|celebrity|"
    "musician|rapper|star|coach|founder|executive|mayor|king|queen|prince|princess|pope|"
    "billionaire|entrepreneur|nominee|party|network|retailer|airline|automaker|bank|school"
)
_PLACE_NOUNS = (
    "city|cities|state|country|countries|town|region|place|county|island|nation|continent|"
    "location|venue|airport|river|street|province|capital|park|neighborhood|site|area|border"
)
_WHICH = r"^(which|what|in which|in what)\s+(\w+\s+){0,2}"
_KIND_PATTERNS = (
    ("time", rf"^(when\b|{_WHICH}(year|month|day|date|time|decade|century)\b)"),
    (
        "number",
        r"^(how (many|much|long|old|far|big|large|tall|high|fast|often)\b|"
        r"(what|which) (\w+ ){0,2}(percentage|percent|share|number|amount|price|age|"
        r"proportion|rate|total|cost|sum|figure|score|temperature|speed)\b)",
    ),
    ("person", rf"^(who|whom|whose)\b|{_WHICH}({_PERSON_NOUNS})\b"),
    ("place", rf"^where\b|{_WHICH}({_PLACE_NOUNS})\b"),
)


def expected_kind(question: str) -> str:
    """One of KINDS, from the question's opening words."""
    q = " ".join(question.lower().split())
    for kind, pattern in _KIND_PATTERNS:
        if re.search(pattern, q):
            return kind
    return "other"


def offers_kind(sentence: str, kind: str, question: str) -> float:
    """How well the sentence offers something of the wanted kind that the question lacks:
    1 for a clear match (a dated day for "when"), 0.5 for a vague one ("on Thursday"), else 0."""
    if kind == "time":
        return 1.0 if _DATE.search(sentence) else 0.5 if _VAGUE_TIME.search(sentence) else 0.0
    if kind == "number":
        return float(bool(_NUMBER.search(sentence)))
    if kind in ("person", "place"):
        asked = set(re.findall(r"[A-Za-z]+", question.lower()))
        return float(any(name.lower() not in asked for name in _NAME.findall(sentence)))
    return 1.0
