"""BM25 over segments of raw term counts, scored at query time with the store's global statistics.

The score of a chunk is the one bm25s gave when it indexed the whole store at once (its default
"lucene" variant, k1 = 1.5, b = 0.75): the document frequency of each question term, the number
of chunks and their average length are summed over the live chunks of every segment at query
time. So an index grown by many small updates ranks exactly as one built from scratch, while an
update only tokenises the new chunks (bm25s itself cannot add documents: its stored scores
already hold idf and average length, xhluca/bm25s#5).

Removed chunks stay in their segment, marked dead, until a merge drops them (`compacted`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from index_store.keyword.segment import Segment, merge
from index_store.terms import query_terms
from index_store.vectors import UNDATED, ChunkFilter

K1, B = 1.5, 0.75
# Merge the newest segment into the one before it once that one is at most this many times
# bigger: segment sizes then shrink geometrically, so a store of n chunks has O(log n) segments
# and each chunk is rewritten O(log n) times over its life.
MERGE_FACTOR = 4
# A segment with more dead chunks than this share is rewritten without them.
MAX_DEAD_SHARE = 0.5


@dataclass(frozen=True)
class KeywordHit:
    chunk_id: str
    score: float


@dataclass(frozen=True)
class Marks:
    """How far into the ledger an index reaches: its generation, the last chunk row (`seq`) and
    the last chunk removal it has taken in."""

    generation: int = 0
    chunk_seq: int = 0
    removal_seq: int = 0


class Part(NamedTuple):
    """A segment with its dead-chunk mask and, once saved, the names of both on disk."""

    segment: Segment
    dead: np.ndarray
    name: str | None = None
    dead_name: str | None = None


class KeywordIndex:
    """BM25 scores for a question over all live chunks, with the same filters as the vector side."""

    def __init__(self, parts: list[Part], marks: Marks) -> None:
        self.parts = [p for p in parts if len(p.segment)]
        self.marks = marks
        segments = [p.segment for p in self.parts]
        self._offsets = np.cumsum([0, *(len(s) for s in segments)])
        self._ids = [chunk_id for s in segments for chunk_id in s.chunk_ids]
        self._lengths = _joined([s.lengths for s in segments], np.int64)
        self._epochs = _joined([s.epochs for s in segments], np.int64)
        self._live = ~_joined([p.dead for p in self.parts], bool)
        self._source_names = sorted({name for s in segments for name in s.source_names})
        code = {name: i for i, name in enumerate(self._source_names)}
        self._source_codes = _joined(
            [
                np.array([code[n] for n in s.source_names], dtype=np.int32)[s.source_codes]
                for s in segments
            ],
            np.int32,
        )
        self._count = int(self._live.sum())
        mean_length = float(self._lengths[self._live].sum()) / max(self._count, 1)
        # The length part of each chunk's BM25 denominator, fixed until the next update.
        # float32, as bm25s stores its scores: 4x faster to score than float64 here.
        norm = K1 * (1 - B + B * self._lengths / max(mean_length, 1e-9))
        self._norm = norm.astype(np.float32)
        self._whole = [not np.any(p.dead) for p in self.parts]
        self._position: dict[str, int] | None = None

    @classmethod
    def build(
        cls, rows: Iterable[tuple[str, str, int, str]], marks: Marks = Marks()
    ) -> KeywordIndex:
        """Index (chunk_id, text, epoch, source) rows from scratch."""
        return cls.from_segment(Segment.build(rows), marks)

    @classmethod
    def from_segment(cls, segment: Segment, marks: Marks) -> KeywordIndex:
        return cls([Part(segment, np.zeros(len(segment), dtype=bool))], marks)

    @property
    def chunk_ids(self) -> list[str]:
        """The live chunks, in ledger order."""
        return [chunk_id for chunk_id, live in zip(self._ids, self._live) if live]

    def search(self, question: str, n: int, where: ChunkFilter | None = None) -> list[KeywordHit]:
        """The best `n` chunks for the question; ties go to the chunk stored first."""
        tokens = query_terms(question)
        if not self._count or not tokens or n <= 0:
            return []
        scores = self.scores(tokens)
        if where is not None and not where.is_empty():
            scores = np.where(self._mask(where), scores, 0.0)
        matched = np.flatnonzero(scores > 0)
        if len(matched) > n:
            kth = np.partition(scores[matched], len(matched) - n)[len(matched) - n]
            matched = matched[scores[matched] >= kth]
        best = matched[np.lexsort((matched, -scores[matched]))][:n]
        return [KeywordHit(self._ids[i], float(scores[i])) for i in best]

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 of every chunk (dead ones score 0) for stemmed query terms; a term given twice
        counts twice, as in bm25s."""
        scores = np.zeros(len(self._live), dtype=np.float32)
        for term in tokens:
            postings = self._live_postings(term)
            df = sum(len(docs) for docs, _ in postings)
            if not df:
                continue
            idf = np.float32(self._idf(df))
            for docs, tfs in postings:
                tf = tfs.astype(np.float32)
                scores[docs] += idf * tf / (tf + self._norm[docs])
        return scores

    def idf(self, term: str) -> float:
        """Inverse document frequency over live chunks; unseen terms count as rare."""
        return self._idf(sum(len(docs) for docs, _ in self._live_postings(term)))

    def _idf(self, df: int) -> float:
        return math.log(1 + (self._count - df + 0.5) / (df + 0.5))

    def _live_postings(self, term: str) -> list[tuple[np.ndarray, np.ndarray]]:
        """(global doc positions, counts) of the live chunks holding `term`, per segment."""
        found = []
        for index, part in enumerate(self.parts):
            postings = part.segment.postings(term)
            if postings is None or not len(postings[0]):
                continue
            docs, tfs = postings[0] + self._offsets[index], postings[1]
            if not self._whole[index]:
                live = self._live[docs]
                docs, tfs = docs[live], tfs[live]
            found.append((docs, tfs))
        return found

    def epochs(self, chunk_ids: Iterable[str]) -> dict[str, int]:
        """Publication day (epoch seconds, UNDATED when unknown) of each indexed chunk, for the
        recency prior: both retrievers' hits are chunks of this index."""
        position = self._positions()
        found = {}
        for chunk_id in chunk_ids:
            i = position.get(chunk_id)
            found[chunk_id] = int(self._epochs[i]) if i is not None else UNDATED
        return found

    def admits(self, chunk_ids: Iterable[str], where: ChunkFilter) -> list[bool]:
        """Whether each chunk passes the filter, from the index's own dates and outlets (no
        query to Chroma's metadata); a chunk the index does not hold does not pass."""
        position = self._positions()
        mask = self._mask(where)
        positions = [position.get(chunk_id) for chunk_id in chunk_ids]
        return [i is not None and bool(mask[i]) for i in positions]

    def _positions(self) -> dict[str, int]:
        """Global position of every live chunk."""
        if self._position is None:
            self._position = {self._ids[i]: int(i) for i in np.flatnonzero(self._live)}
        return self._position

    def _locate(self, position: int) -> tuple[int, int]:
        part = int(np.searchsorted(self._offsets, position, side="right")) - 1
        return part, position - int(self._offsets[part])

    def _mask(self, where: ChunkFilter) -> np.ndarray:
        mask = self._live.copy()
        if where.since_epoch is not None:
            mask &= self._epochs >= where.since_epoch
        if where.until_epoch is not None:
            mask &= (self._epochs >= 0) & (self._epochs <= where.until_epoch)
        if where.as_of_epoch is not None:
            mask &= self._epochs <= where.as_of_epoch
        if where.sources:
            wanted = [i for i, name in enumerate(self._source_names) if name in where.sources]
            mask &= np.isin(self._source_codes, wanted)
        return mask

    def updated(self, removed: Iterable[str], added: Segment | None, marks: Marks):
        """A new index with `removed` chunks dead and `added` as a new segment (an added chunk
        already held is replaced); this one is left as it was, for readers still using it."""
        position = self._positions()
        doomed = [position[c] for c in removed if c in position]
        if added is not None:
            doomed += [position[c] for c in added.chunk_ids if c in position]
        dead = [np.array(p.dead, dtype=bool) for p in self.parts]
        touched = set()
        for i in doomed:
            part, local = self._locate(i)
            dead[part][local] = True
            touched.add(part)
        parts = [
            p._replace(dead=dead[i], dead_name=None) if i in touched else p
            for i, p in enumerate(self.parts)
        ]
        if added is not None and len(added):
            parts.append(Part(added, np.zeros(len(added), dtype=bool)))
        return KeywordIndex(parts, marks)

    def compacted(self) -> KeywordIndex:
        """Merge small newest segments and rewrite mostly-dead ones (see MERGE_FACTOR)."""
        parts = [p for p in self.parts if not np.all(p.dead)]
        while len(parts) >= 2 and _live(parts[-2]) <= MERGE_FACTOR * _live(parts[-1]):
            parts[-2:] = [_merged(parts[-2:])]
        parts = [
            _merged([p]) if np.count_nonzero(p.dead) > MAX_DEAD_SHARE * len(p.dead) else p
            for p in parts
        ]
        return KeywordIndex(parts, self.marks)

    def sizes(self) -> list[tuple[int, int]]:
        """(chunks, dead chunks) of each segment, oldest first."""
        return [(len(p.dead), int(np.count_nonzero(p.dead))) for p in self.parts]


def _live(part: Part) -> int:
    return len(part.dead) - int(np.count_nonzero(part.dead))


def _merged(parts: list[Part]) -> Part:
    segment = merge([(p.segment, p.dead) for p in parts])
    return Part(segment, np.zeros(len(segment), dtype=bool))


def _joined(arrays: list[np.ndarray], dtype) -> np.ndarray:
    if not arrays:
        return np.zeros(0, dtype=dtype)
    return np.concatenate([np.asarray(a) for a in arrays]).astype(dtype, copy=False)
