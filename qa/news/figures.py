"""Figures that articles of one story give differently: a cost, a count, a share.

A figure is an amount of money, a percentage, or a number with the noun it counts ("14,000
vehicles"). Two figures from different articles are about the same thing when they are of the
same unit (the same currency, both percentages, or the same counted noun) and the words around
them share at least SHARED_WORDS content words ("the repairs are expected to cost £3.2 million"
and "the final cost of the repairs has risen to £4.1 million" share "cost" and "repair"). When
their values differ, the story's articles disagree, or the figure changed between them.

Words every sentence has ("about", "have", "from") say nothing of what a figure is, so the
context holds only words rarer than FUNCTION_ZIPF. Figures more than MAX_RATIO apart are taken
to be of different things (a monthly income and a company's value), and a range ("between $3.6
billion and $3.8 billion", "20-30%") is no pair of differing figures. Figures beside different
names (arrests in Colorado and in Austin) are of different things.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from index_store.terms import terms, words

SHARED_WORDS = 2
WINDOW_WORDS = 8
"""Words either side of a figure that say what it is a figure of."""
MOST_PER_STORY = 3
FUNCTION_ZIPF = 6.0
MAX_RATIO = 3.0
_RANGE_GAP = re.compile(r"\s*(?:-|–|—|to|and|or)\s*", re.IGNORECASE)

_SCALE = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
}
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_MONEY = re.compile(
    rf"(?P<cur>[£$€])\s?(?P<num>{_NUMBER})(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|m|k)\b)?",
    re.IGNORECASE,
)
_PERCENT = re.compile(rf"(?P<num>{_NUMBER})\s?(?:%|per ?cent\b)", re.IGNORECASE)
_COUNT = re.compile(
    rf"(?<![£$€\d.,])(?P<num>{_NUMBER})(?:\s(?P<scale>thousand|million|billion))?\s(?P<noun>[a-z]{{3,}})\b"
)
_NOT_COUNTED = frozenset(
    [
        "am",
        "pm",
        "per",
        "percent",
        "cent",
        "years",
        "year",
        "months",
        "month",
        "weeks",
        "week",
        "days",
        "day",
        "hours",
        "hour",
        "minutes",
        "minute",
        "seconds",
        "second",
        "mph",
        "km",
        "miles",
        "mile",
        "metres",
        "meters",
        "feet",
        "tonnes",
        "of",
        "and",
        "to",
        "in",
        "on",
        "at",
        "a",
        "the",
        "or",
        "by",
        "for",
        "from",
    ]
)
"""Words after a number that name no counted thing (times, distances, durations) or no noun."""
_CALENDAR = frozenset(
    name.lower()
    for name in (*calendar.month_name, *calendar.month_abbr, *calendar.day_name, "Sept")
    if name
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'“])")


@dataclass(frozen=True)
class Found:
    """A figure in an article: where it stands (`offset` in the text), as written, its unit and
    value, and the content words around it."""

    article_id: str
    offset: int
    text: str
    unit: str
    value: float
    context: frozenset[str]
    names: frozenset[str] = frozenset()


def figures_in(article_id: str, text: str) -> list[Found]:
    """Every figure of an article, in text order."""
    found = []
    start = 0
    for sentence in _SENTENCE_END.split(text):
        start = text.find(sentence, start)
        found += _in_sentence(article_id, sentence, start)
        start += len(sentence)
    return found


def differing(articles: list[list[Found]]) -> list[list[Found]]:
    """Groups of figures about the same thing that differ, one per article in the given order
    (oldest article first), each differing from the one before and about the same thing as
    every other; most shared context first; at most MOST_PER_STORY groups."""
    groups: list[tuple[int, list[Found]]] = []
    for i, earlier in enumerate(articles):
        for later in articles[i + 1 :]:
            pair = _best_pair(earlier, later)
            if pair is None:
                continue
            shared, first, second = pair
            group = next((g for _, g in groups if first in g), None)
            if group is None:
                groups.append((shared, [first, second]))
            elif (
                all(f.article_id != second.article_id for f in group)
                and all(_same_thing(f, second) for f in group)
                and not _same_value(group[-1].value, second.value)
            ):
                group.append(second)
    groups.sort(key=lambda g: -g[0])
    return [g for _, g in groups[:MOST_PER_STORY]]


def what_of(group: list[Found]) -> str:
    """The words every figure of the group stands beside, e.g. 'cost, repair'."""
    common = frozenset.intersection(*(f.context for f in group))
    return ", ".join(sorted(common)) or group[0].unit


def _best_pair(earlier: list[Found], later: list[Found]) -> tuple[int, Found, Found] | None:
    """The pair of figures, one per article, most alike in context that differ; a later value
    the earlier article states too is the figure of something else both report (the price of
    eggs beside that of chicken), not a new value."""
    best = None
    for a in earlier:
        for b in later:
            if not _same_thing(a, b) or _same_value(a.value, b.value):
                continue
            if any(e.unit == b.unit and _same_value(e.value, b.value) for e in earlier):
                continue
            shared = len(a.context & b.context)
            if best is None or shared > best[0]:
                best = (shared, a, b)
    return best


def _same_thing(a: Found, b: Found) -> bool:
    near = max(a.value, b.value) <= MAX_RATIO * max(min(a.value, b.value), 1e-9)
    named_apart = bool(a.names and b.names and not a.names & b.names)
    return (
        a.unit == b.unit and near and not named_apart and len(a.context & b.context) >= SHARED_WORDS
    )


def _same_value(a: float, b: float) -> bool:
    return abs(a - b) <= 0.01 * max(abs(a), abs(b))


def _in_sentence(article_id: str, sentence: str, start: int) -> list[Found]:
    found, taken = [], []
    for pattern, unit_of in (
        (_MONEY, lambda m: m["cur"]),
        (_PERCENT, lambda m: "%"),
        (_COUNT, lambda m: m["noun"].lower()),
    ):
        for match in pattern.finditer(sentence):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            unit = unit_of(match)
            value = _value(match)
            if value is None or (pattern is _COUNT and not _counts_a_thing(match, unit)):
                continue
            taken.append((match.start(), match.end()))
            context = _context(sentence, match.start(), match.end(), unit)
            names = _names_near(sentence, match.start(), match.end())
            found.append(
                Found(
                    article_id,
                    start + match.start(),
                    match.group(0).strip(),
                    unit,
                    value,
                    context,
                    names,
                )
            )
    found.sort(key=lambda f: f.offset)
    ranged = _in_ranges(found, sentence, start)
    return [f for f in found if f.offset not in ranged]


def _in_ranges(found: list[Found], sentence: str, start: int) -> set[int]:
    """Offsets of the figures that are ends of a range: two of one unit with only "-", "to",
    "and" or "or" between them."""
    ends = set()
    for a, b in zip(found, found[1:]):
        between = sentence[a.offset - start + len(a.text) : b.offset - start]
        if a.unit == b.unit and _RANGE_GAP.fullmatch(between):
            ends |= {a.offset, b.offset}
    return ends


def _counts_a_thing(match: re.Match, noun: str) -> bool:
    """A number followed by a noun it counts: not a year ("2025 that"), a label ("Category 5
    hurricane", "route 7 bus"), a time or a distance."""
    is_year = re.fullmatch(r"1[89]\d\d|20\d\d", match["num"]) is not None
    before = match.string[: match.start()].split()[-1:]
    labelled = bool(before) and before[0][:1].isupper() or before[:1] in (["route"], ["no."])
    return not (is_year or labelled) and noun not in _NOT_COUNTED and bool(terms(noun))


def _value(match: re.Match) -> float | None:
    try:
        number = float(match["num"].replace(",", ""))
    except ValueError:
        return None
    scale = (match.groupdict().get("scale") or "").lower()
    return number * _SCALE.get(scale, 1.0)


def _names_near(sentence: str, start: int, end: int) -> frozenset[str]:
    """Capitalised words within WINDOW_WORDS of the figure, but the sentence's first word and
    the names of months and days: who or where the figure is of ("17 arrests" in Colorado and
    "13 arrests" in Austin are two counts)."""
    before = sentence[:start].split()
    first = 1 if len(before) > 0 and sentence.startswith(before[0]) else 0
    near = before[first:][-WINDOW_WORDS:] + sentence[end:].split()[:WINDOW_WORDS]
    found = {w.strip(".,;:!?\"'()’“”").lower() for w in near if w[:1].isupper()}
    return frozenset(w for w in found if w and w not in _CALENDAR)


def _context(sentence: str, start: int, end: int, unit: str) -> frozenset[str]:
    """The content words within WINDOW_WORDS of the figure, stemmed."""
    from wordfreq import zipf_frequency

    before = sentence[:start].split()[-WINDOW_WORDS:]
    after = sentence[end:].split()[:WINDOW_WORDS]
    plain = [w for w in words(" ".join(before + after)) if not any(c.isdigit() for c in w)]
    content = [w for w in plain if zipf_frequency(w, "en") < FUNCTION_ZIPF]
    return frozenset(terms(" ".join(content))) - set(terms(unit))
