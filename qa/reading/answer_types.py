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

KINDS = ("money", "percent", "count", "year", "time", "number", "person", "place", "name", "other")
FINE_KINDS = frozenset({"money", "percent", "count", "year"})
"""Kinds whose value has a form a sentence either shows or lacks (a currency amount, a
percentage, a number beside the counted noun, a year): an answer without one does not answer."""


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
_MONEY_WORDS = (
    "cost|costs|costing|pay|pays|paid|earn|earns|earned|salary|salaries|wage|wages|price|prices|"
    "priced|worth|spend|spends|spent|budget|fee|fees|fine|fined|charge|charged|bill|fund|funding|"
    "raise|raised|owe|owed|income|revenue|sell|sold|buy|bought|invest|invested|donate|donated|"
    "aid|award|awarded|compensation|settlement|bonus|fare|fares|rent|valued|value"
)
_MONEY_NOUNS = (
    "salary|salaries|wage|wages|price|prices|cost|costs|worth|budget|fee|fees|fine|bill|"
    "income|revenue|compensation|settlement|bonus|fare|fares|rent|valuation"
)
_KIND_PATTERNS = (
    ("year", rf"^{_WHICH}year\b|^(in )?(what|which) year\b"),
    ("time", rf"^(when\b|{_WHICH}(month|day|date|time|decade|century)\b)"),
    (
        "percent",
        r"^(what|which) (\w+ ){0,2}(percentage|percent|proportion|share)\b|"
        r"^by how much\b.*\b(percent|percentage)\b",
    ),
    ("count", r"^how many\b"),
    (
        "money",
        rf"^how much\b.*\b({_MONEY_WORDS})\b|"
        rf"^(what|which)\b( \w+){{0,4}} ({_MONEY_NOUNS})\b",
    ),
    (
        "number",
        r"^(how (many|much|long|old|far|big|large|tall|high|fast|often)\b|"
        r"(what|which) (\w+ ){0,2}(number|amount|age|rate|total|sum|score|"
        r"temperature|speed)\b)",
    ),
    ("person", rf"^(who|whom|whose)\b|{_WHICH}({_PERSON_NOUNS})\b"),
    ("place", rf"^where\b|{_WHICH}({_PLACE_NOUNS})\b"),
)
_MONEY = re.compile(
    r"[£$€¥₹]\s?\d[\d,.]*|\b\d[\d,.]*\s*(million|billion|trillion|bn|m|k)?\s*(pounds|dollars|"
    r"euros|yen|yuan|rupees|francs|usd|gbp|eur)\b|\b\d+p\b",
    re.I,
)
_PERCENT = re.compile(r"\b\d[\d,.]*\s*(%|per\s?cent\b|percentage points?\b)", re.I)
_FRACTION = re.compile(
    r"\b(one|two|three|four|five|\d+) (in|out of) (\w+)\b|\b(a|one|two) (third|quarter|fifth)s?\b|"
    r"\bhalf\b|\bmajority\b",
    re.I,
)
_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_COUNT_SKIP = frozenset({"more", "fewer", "additional", "extra", "other", "new", "total", "of"})
COUNT_NEAR = 4
"""A count answers "how many <noun>" when it stands within this many words of the noun."""


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
    1 for a clear match (a dated day for "when", a first and last name for "who", a currency
    amount for "how much ... cost", a number beside the counted noun for "how many"), 0.5 for a
    vague one ("on Thursday", a single capitalised word, a bare number), else 0; 1 for any
    sentence when the kind is "other"."""
    if kind == "time":
        return 1.0 if _DATE.search(sentence) else 0.5 if _VAGUE_TIME.search(sentence) else 0.0
    asked = set(re.findall(r"\w+", question.lower()))
    if kind in ("money", "percent", "count", "year"):
        return _offers_value(sentence, kind, question, asked)
    if kind == "number":
        return float(_new_number(sentence, asked))
    if kind == "person":
        full = _FULL_NAME.findall(sentence)
        if any(not set(name.lower().split()) <= asked for name in full):
            return 1.0
        return 0.5 * any(name not in asked for name in names(sentence))
    if kind in ("place", "name"):
        return float(any(name not in asked for name in names(sentence)))
    return 1.0


def shows_value(answer: str, kind: str) -> bool:
    """Whether a short answer has the form a FINE_KINDS question asks for at all (a currency
    amount, a percentage or fraction, a number, a year); other kinds have no form to lack.
    "2027" does not answer "What is the mayor's salary?", whatever passage it cites."""
    if kind == "money":
        return bool(_MONEY.search(answer))
    if kind == "percent":
        return bool(_PERCENT.search(answer) or _FRACTION.search(answer))
    if kind == "count":
        return bool(_NUMBER.search(answer) or _NUMBER_WORD.search(answer))
    if kind == "year":
        return bool(_YEAR.search(answer))
    return True


def _offers_value(sentence: str, kind: str, question: str, asked: set[str]) -> float:
    if kind == "year":
        return float(any(y not in asked for y in (m.group() for m in _YEAR.finditer(sentence))))
    if kind == "count":
        return _count_near_noun(sentence, question, asked)
    pattern = _MONEY if kind == "money" else _PERCENT
    if any(not set(_NUMBER.findall(m.group())) <= asked for m in pattern.finditer(sentence)):
        return 1.0
    if kind == "percent" and _FRACTION.search(sentence):
        return 0.5
    return 0.5 * _new_number(sentence, asked)


def _count_near_noun(sentence: str, question: str, asked: set[str]) -> float:
    """1 when a number the question lacks stands within COUNT_NEAR words of the counted noun
    ("120 jobs", "a crowd of 5,000 spectators"), 0.5 for a number elsewhere."""
    from index_store.terms import terms

    nouns = counted_nouns(question)
    words = sentence.split()
    at_noun = [i for i, w in enumerate(words) if nouns & set(terms(w))]
    numbers = [
        i
        for i, w in enumerate(words)
        if (_NUMBER.search(w) or _NUMBER_WORD.fullmatch(w.strip(",.;:()\"'").lower()))
        and w.strip(",.;:()\"'").lower() not in asked
    ]
    if any(abs(i - j) <= COUNT_NEAR for i in at_noun for j in numbers):
        return 1.0
    return 0.5 if numbers else 0.0


def counted_nouns(question: str) -> set[str]:
    """Stems of the (up to two) words after "how many" that name what is counted ("how many
    undocumented immigrants" → undocument, immigr; "how many more weeks" → week)."""
    from index_store.terms import terms

    found = re.search(r"\bhow many\s+(.*)", question.lower())
    if not found:
        return set()
    words = [w for w in re.findall(r"[\w'-]+", found.group(1)) if w not in _COUNT_SKIP]
    return set(terms(" ".join(words[:2])))


def _new_number(sentence: str, asked: set[str]) -> bool:
    numbers = _NUMBER.findall(sentence)
    spelled = (w.lower() for w in _NUMBER_WORD.findall(sentence))
    return any(n not in asked for n in numbers) or any(w not in asked for w in spelled)


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
