"""Keep the keyword index in step with the ledger at a cost proportional to what changed.

The ledger numbers every chunk row (`chunks.seq`) and every chunk removal (`chunk_removals.seq`)
in increasing order, and the index remembers the last of each it has taken in (`Marks`). Catching
up reads only the rows after those marks: the removals, then the chunks added since. Anyone can
do it from the ledger alone, so a writer killed between its ledger commit and its index update
loses nothing (the next one catches up), and a reader that finds the saved index behind (an
ingest is running) catches up in memory instead of re-tokenising the whole store.

Removals are read before additions: a chunk removed and added again in between is then seen
added, and the generation is read first, so a catch-up that raced a writer is labelled older
than what it holds and is simply caught up again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from index_store.keyword import persist
from index_store.keyword.index import KeywordIndex, Marks
from index_store.keyword.segment import Segment
from index_store.ledger import Ledger
from index_store.vectors import UNDATED


def current_index(
    folder: Path, ledger: Ledger, cached: KeywordIndex | None, *, save: bool
) -> KeywordIndex:
    """The index for the ledger's current generation; `save` (writers only) persists it and
    lets the ledger forget the removals it has taken in."""
    generation = ledger.generation()
    saved = persist.load(folder, known=cached)
    base = saved if save else _newest(cached, saved)
    if base is not None and base.marks.generation == generation:
        return base
    index = caught_up(base, ledger) if base is not None else None
    if index is None and base is not saved and saved is not None:
        index = caught_up(saved, ledger)
    if index is None:
        index = rebuilt(ledger)
    if save:
        index = persist.save(index.compacted(), folder)
        ledger.trim_removals(index.marks.removal_seq)
    return index


def rebuilt(ledger: Ledger) -> KeywordIndex:
    """The index from scratch: every chunk tokenised."""
    generation = ledger.generation()
    removal_seq = ledger.last_removal_seq()
    rows = _Rows(ledger.chunks_after(0))
    segment = Segment.build(rows)
    return KeywordIndex.from_segment(segment, Marks(generation, rows.last_seq, removal_seq))


def caught_up(index: KeywordIndex, ledger: Ledger) -> KeywordIndex | None:
    """`index` with the ledger's changes since its marks, or None when the ledger no longer
    holds them all (a writer has since saved a newer index and trimmed its removal log)."""
    generation = ledger.generation()
    try:
        removals = ledger.removals_after(index.marks.removal_seq)
        if ledger.removals_trimmed_through() > index.marks.removal_seq:
            return None
    except sqlite3.OperationalError:  # a ledger written before the removal log existed
        return None
    rows = _Rows(ledger.chunks_after(index.marks.chunk_seq), index.marks.chunk_seq)
    added = Segment.build(rows)
    marks = Marks(
        generation,
        rows.last_seq,
        max([index.marks.removal_seq, *(seq for seq, _ in removals)]),
    )
    return index.updated((chunk_id for _, chunk_id in removals), added, marks)


def _newest(cached: KeywordIndex | None, saved: KeywordIndex | None) -> KeywordIndex | None:
    if cached is None or (saved is not None and saved.marks.generation > cached.marks.generation):
        return saved
    return cached


class _Rows:
    """(chunk_id, text, epoch, source) rows for the tokeniser, remembering the last seq seen."""

    def __init__(self, rows: Iterable[tuple], last_seq: int = 0) -> None:
        self._rows = rows
        self.last_seq = last_seq

    def __iter__(self) -> Iterator[tuple[str, str, int, str]]:
        for seq, chunk_id, text, epoch, source in self._rows:
            self.last_seq = max(self.last_seq, seq)
            yield chunk_id, text, UNDATED if epoch is None else epoch, source
