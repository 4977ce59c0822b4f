"""Sentence-aware chunks that always fit the embedding model's window.

MiniLM silently ignores text past 256 tokens, so sizes are counted with the model's own tokenizer,
never estimated from characters or another tokenizer.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Protocol

from index_store.sentences import sentence_spans


class TokenOffsets(Protocol):
    """Gives the character start of every token of a text (the model's tokenizer, no specials)."""

    def __call__(self, text: str) -> list[int]: ...


@dataclass(frozen=True)
class ChunkDraft:
    """A chunk before it has an id: its span in the article and its sentences (relative spans)."""

    position: int
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]
    tokens: int


def chunk_text(
    text: str, token_starts: TokenOffsets, max_tokens: int, overlap_tokens: int
) -> list[ChunkDraft]:
    """Pack whole sentences into chunks of at most `max_tokens`, repeating up to `overlap_tokens`
    of trailing sentences at the start of the next chunk; over-long sentences are cut at words."""
    starts = token_starts(text)
    units = _fit_units(text, sentence_spans(text), starts, max_tokens)
    sizes = [_count(starts, a, b) for a, b in units]
    chunks: list[ChunkDraft] = []
    first = 0
    while first < len(units):
        last, used = first, 0
        while last < len(units) and used + sizes[last] <= max_tokens:
            used += sizes[last]
            last += 1
        chunks.append(_draft(text, units[first:last], len(chunks), used))
        if last == len(units):
            break
        first = _overlap_start(sizes, first, last, overlap_tokens)
    return chunks


def _count(starts: list[int], begin: int, end: int) -> int:
    return bisect_left(starts, end) - bisect_left(starts, begin)


def _fit_units(
    text: str, spans: list[tuple[int, int]], starts: list[int], max_tokens: int
) -> list[tuple[int, int]]:
    """Sentences, with any sentence longer than the window cut at word starts into pieces."""
    units: list[tuple[int, int]] = []
    for begin, end in spans:
        while _count(starts, begin, end) > max_tokens:
            cut_index = bisect_left(starts, begin) + max_tokens
            cut = starts[cut_index]
            while cut > begin and not text[cut - 1].isspace() and cut_index > 0:
                cut_index -= 1
                cut = starts[cut_index]
            if cut <= begin:
                cut = starts[bisect_left(starts, begin) + max_tokens]
            units.append((begin, _rstrip(text, begin, cut)))
            begin = cut
        units.append((begin, end))
    return units


def _rstrip(text: str, begin: int, end: int) -> int:
    while end > begin and text[end - 1].isspace():
        end -= 1
    return end


def _overlap_start(sizes: list[int], first: int, last: int, overlap_tokens: int) -> int:
    """The first sentence of the next chunk: back up over whole sentences within the overlap."""
    start, carried = last, 0
    while start - 1 > first and carried + sizes[start - 1] <= overlap_tokens:
        carried += sizes[start - 1]
        start -= 1
    return start


def _draft(text: str, units: list[tuple[int, int]], position: int, tokens: int) -> ChunkDraft:
    begin, end = units[0][0], units[-1][1]
    relative = tuple((a - begin, b - begin) for a, b in units)
    return ChunkDraft(position, begin, end, text[begin:end], relative, tokens)
