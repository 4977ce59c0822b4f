"""Passages sized for reading: a retrieved chunk grown by its article's neighbouring sentences.

Retrieval works on small chunks (sharp matches, whole in MiniLM's window); a reader, and the
answerer, need the sentences around the match. A passage is the hit chunk's sentences plus
neighbours taken alternately after and before it, while the passage stays within `max_chars`.
A chunk that is itself longer than the cap is cut back to the sentences nearest its middle.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

Span = tuple[int, int]


@dataclass(frozen=True)
class Window:
    """A passage's place in its article: [start, end) and its sentences, relative to start."""

    start: int
    end: int
    sentences: tuple[Span, ...]

    def text(self, article_text: str) -> str:
        return article_text[self.start : self.end]

    def overlaps(self, other: Window) -> bool:
        return self.start < other.end and other.start < self.end


def article_sentences(chunks: list[tuple[int, tuple[Span, ...]]]) -> list[Span]:
    """Every sentence of an article as absolute spans, from its chunks' (start, sentence spans)
    (chunks overlap, so shared sentences appear once)."""
    spans = {(start + a, start + b) for start, sentences in chunks for a, b in sentences}
    return sorted(spans)


def expand(sentences: list[Span], hit: Span, max_chars: int) -> Window:
    """The hit's sentences plus neighbours, alternately after and before, within max_chars."""
    starts = [a for a, _ in sentences]
    first = max(0, bisect_right(starts, hit[0]) - 1)
    last = max(first, bisect_left(starts, hit[1]) - 1)
    first, last = _fit(sentences, first, last, max_chars)
    grow_after = True
    while True:
        after_ok = last + 1 < len(sentences) and _size(sentences, first, last + 1) <= max_chars
        before_ok = first > 0 and _size(sentences, first - 1, last) <= max_chars
        if not (after_ok or before_ok):
            break
        if after_ok and (grow_after or not before_ok):
            last += 1
        else:
            first -= 1
        grow_after = not grow_after
    begin = sentences[first][0]
    chosen = sentences[first : last + 1]
    return Window(begin, chosen[-1][1], tuple((a - begin, b - begin) for a, b in chosen))


def free_run(sentences: list[Span], taken: list[Window], hit: Span) -> tuple[list[Span], Span]:
    """The run of sentences around the hit that no taken window of the article holds, and the
    part of the hit inside it (an empty list when taken windows hold the whole hit): a second
    hit next to a passage grows away from it instead of being dropped or repeating it."""
    free = [(a, b) for a, b in sentences if not any(w.start <= a < w.end for w in taken)]
    inside = [i for i, (a, b) in enumerate(free) if a < hit[1] and b > hit[0]]
    if not inside:
        return [], hit
    first = last = inside[0]
    while first > 0 and _adjacent(sentences, free[first - 1], free[first]):
        first -= 1
    while last + 1 < len(free) and _adjacent(sentences, free[last], free[last + 1]):
        last += 1
    run = free[first : last + 1]
    return run, (max(hit[0], run[0][0]), min(hit[1], run[-1][1]))


def _adjacent(sentences: list[Span], a: Span, b: Span) -> bool:
    """True when b is the sentence right after a in the article."""
    i = bisect_left(sentences, a)
    return i + 1 < len(sentences) and sentences[i + 1] == b


def _fit(sentences: list[Span], first: int, last: int, max_chars: int) -> tuple[int, int]:
    """Drop sentences from the longer end until the run fits (one sentence always stays)."""
    while first < last and _size(sentences, first, last) > max_chars:
        if (
            sentences[first + 1][0] - sentences[first][0]
            >= sentences[last][1] - sentences[last - 1][1]
        ):
            first += 1
        else:
            last -= 1
    return first, last


def _size(sentences: list[Span], first: int, last: int) -> int:
    return sentences[last][1] - sentences[first][0]
