"""A BM25 index (bm25s) over every stored chunk, persisted beside the ledger.

It is derived state: rebuilt from the ledger whenever the ledger's generation moved on, and
written to a fresh folder that replaces the old one in a single rename, so a crash mid-write
leaves the previous index intact.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index_store.terms import ANALYZER_VERSION, query_terms, terms
from index_store.vectors import UNDATED, ChunkFilter


@dataclass(frozen=True)
class KeywordHit:
    chunk_id: str
    score: float


class KeywordIndex:
    """BM25 scores for a question over all chunks, with the same filters as the vector side."""

    def __init__(self, retriever, chunk_ids: list[str], epochs: np.ndarray, sources: list[str]):
        self._retriever = retriever
        self.chunk_ids = chunk_ids
        self._epochs = epochs
        self._source_names = sorted(set(sources))
        code = {name: i for i, name in enumerate(self._source_names)}
        self._source_codes = np.array([code[s] for s in sources], dtype=np.int32)
        self._df = np.diff(retriever.scores["indptr"]) if chunk_ids else np.zeros(0)
        self._position: dict[str, int] | None = None

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, int, str]]) -> KeywordIndex:
        """Index (chunk_id, text, epoch, source) rows."""
        import bm25s

        chunk_ids, corpus, epochs, sources = [], [], [], []
        for chunk_id, text, epoch, source in rows:
            chunk_ids.append(chunk_id)
            corpus.append(terms(text))
            epochs.append(epoch)
            sources.append(source)
        retriever = bm25s.BM25()
        if corpus:
            retriever.index(corpus, show_progress=False)
        return cls(retriever, chunk_ids, np.array(epochs, dtype=np.int64), sources)

    def search(self, question: str, n: int, where: ChunkFilter | None = None) -> list[KeywordHit]:
        tokens = query_terms(question)
        if not self.chunk_ids or not tokens or n <= 0:
            return []
        scores = self._retriever.get_scores(tokens)
        if where is not None and not where.is_empty():
            scores = np.where(self._mask(where), scores, 0.0)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top])]
        return [KeywordHit(self.chunk_ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def idf(self, term: str) -> float:
        """Inverse document frequency over chunks; unseen terms count as rare."""
        total = max(len(self.chunk_ids), 1)
        index = self._retriever.vocab_dict.get(term) if self.chunk_ids else None
        df = int(self._df[index]) if index is not None and index < len(self._df) else 0
        return math.log(1 + (total - df + 0.5) / (df + 0.5))

    def epochs(self, chunk_ids: Iterable[str]) -> dict[str, int]:
        """Publication day (epoch seconds, UNDATED when unknown) of each indexed chunk, for the
        recency prior: both retrievers' hits are chunks of this index."""
        if self._position is None:
            self._position = {chunk_id: i for i, chunk_id in enumerate(self.chunk_ids)}
        found = {}
        for chunk_id in chunk_ids:
            i = self._position.get(chunk_id)
            found[chunk_id] = int(self._epochs[i]) if i is not None else UNDATED
        return found

    def admits(self, chunk_ids: Iterable[str], where: ChunkFilter) -> list[bool]:
        """Whether each chunk passes the filter, from the index's own dates and outlets (no
        query to Chroma's metadata); a chunk the index does not hold does not pass."""
        if self._position is None:
            self._position = {chunk_id: i for i, chunk_id in enumerate(self.chunk_ids)}
        mask = self._mask(where)
        positions = [self._position.get(chunk_id) for chunk_id in chunk_ids]
        return [i is not None and bool(mask[i]) for i in positions]

    def _mask(self, where: ChunkFilter) -> np.ndarray:
        mask = np.ones(len(self.chunk_ids), dtype=bool)
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

    def save(self, folder: Path, generation: int) -> None:
        """Write to a sibling temp folder, then swap it in with one rename."""
        temp = folder.with_name(folder.name + f".tmp{os.getpid()}")
        shutil.rmtree(temp, ignore_errors=True)
        temp.mkdir(parents=True)
        if self.chunk_ids:
            self._retriever.save(str(temp / "bm25"), show_progress=False)
        np.save(temp / "epochs.npy", self._epochs)
        meta = {
            "generation": generation,
            "analyzer": ANALYZER_VERSION,
            "chunk_ids": self.chunk_ids,
            "sources": self._sources(),
        }
        (temp / "meta.json").write_text(json.dumps(meta))
        old = folder.with_name(folder.name + f".old{os.getpid()}")
        if folder.exists():
            folder.rename(old)
        temp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> tuple[KeywordIndex, int] | None:
        """The saved index and its generation, or None when there is none readable or it was
        built with another analyzer (then it is rebuilt, as for a stale generation)."""
        import bm25s

        try:
            meta = json.loads((folder / "meta.json").read_text())
            if meta.get("analyzer") != ANALYZER_VERSION:
                return None
            retriever = (
                bm25s.BM25.load(str(folder / "bm25"), mmap=True, show_progress=False)
                if meta["chunk_ids"]
                else bm25s.BM25()
            )
            epochs = np.load(folder / "epochs.npy")
        except (OSError, ValueError, KeyError):
            return None
        return cls(retriever, meta["chunk_ids"], epochs, meta["sources"]), int(meta["generation"])

    def _sources(self) -> list[str]:
        return [self._source_names[c] for c in self._source_codes]
