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
_NUMBER_WORD = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundred|thousand|million|billion|dozen|half)\b",
    re.I,
)
_CAPITALISED = re.compile(r"(?<![.!?]\s)\b[A-Z][\w'’-]*")
_FULL_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z]\.)?\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b")
_QUESTION_WORD = re.compile(r"\b(which|what|who|whom|whose|where|when|how)\b")
COMMON_ZIPF = 4.5
"""A sentence's first word counts as a name only when rarer than this in general English."""

KINDS = ("time", "number", "person", "place", "name", "other")


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
_AUXILIARY = r"(did|does|do|is|are|was|were|has|have|had|will|would|can|could|should)\b"
_WHICH = rf"^(which|what|in which|in what)\s+(?!{_AUXILIARY})(\w+\s+){{0,2}}"
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
    """One of KINDS, from the question's first question word on ("...in which South American
    city?" asks for a place): a "which <noun>" that is no time, number, person or place asks
    for a name."""
    q = " ".join(question.lower().split())
    found = _QUESTION_WORD.search(q)
    clause = q[found.start() :] if found else q
    for kind, pattern in _KIND_PATTERNS:
        if re.search(pattern, clause):
            return kind
    return "name" if re.search(rf"^which\s+(?!{_AUXILIARY})\w+", clause) else "other"


def offers_kind(sentence: str, kind: str, question: str) -> float:
    """How well the sentence offers something of the wanted kind that the question lacks:
    1 for a clear match (a dated day for "when", a first and last name for "who"), 0.5 for a
    vague one ("on Thursday", a single capitalised word), else 0; 1 for any sentence when the
    kind is "other"."""
    if kind == "time":
        return 1.0 if _DATE.search(sentence) else 0.5 if _VAGUE_TIME.search(sentence) else 0.0
    asked = set(re.findall(r"\w+", question.lower()))
    if kind == "number":
        numbers = re.findall(r"\d+(?:[.,]\d+)*", sentence)
        spelled = (w.lower() for w in _NUMBER_WORD.findall(sentence))
        return float(any(n not in asked for n in numbers) or any(w not in asked for w in spelled))
    if kind == "person":
        full = _FULL_NAME.findall(sentence)
        if any(not set(name.lower().split()) <= asked for name in full):
            return 1.0
        return 0.5 * any(name not in asked for name in names(sentence))
    if kind in ("place", "name"):
        return float(any(name not in asked for name in names(sentence)))
    return 1.0


def novel_answer(sentence: str, question: str) -> float:
    """1 when the sentence holds a name or a number that the question does not: something it
    could answer with, whatever was asked."""
    asked = set(re.findall(r"\w+", question.lower()))
    numbers = re.findall(r"\d+(?:[.,]\d+)*", sentence)
    return float(any(n not in asked for n in [*names(sentence), *numbers]))


def names(sentence: str) -> list[str]:
    """Lower-cased capitalised words: mid-sentence ones, and a first word that is not a common
    English word ("Tesla said", not "The company said")."""
    from wordfreq import zipf_frequency

    found = []
    for match in _CAPITALISED.finditer(sentence):
        word = match.group().lower()
        opening = not sentence[: match.start()].strip(" \"'“‘(")
        if not opening or zipf_frequency(word, "en") < COMMON_ZIPF:
            found.append(word)
    return found
