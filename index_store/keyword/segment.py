"""One immutable piece of the keyword index: term frequencies of some chunks, stored term-major.

A segment keeps raw counts (how often each term occurs in each chunk, and each chunk's length),
never BM25 scores: scores depend on the whole store (document frequencies, average length), so
precomputed ones (what bm25s stores) go stale whenever any chunk is added or removed. Raw counts
never do, so a segment written once stays valid, and new chunks go to a new small segment.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index_store.terms import terms

# A chunk holds at most 254 model tokens (settings), so no term occurs 65,535 times in one.
_TF = np.uint16
_ARRAYS = ("lengths", "epochs", "source_codes", "indptr", "docs", "tfs")


@dataclass(frozen=True)
class Segment:
    """Chunks `chunk_ids` (in ledger order) and, per term, the chunks holding it with counts:
    the postings of term row r are `docs[indptr[r]:indptr[r + 1]]` (ascending) and `tfs[...]`."""

    chunk_ids: list[str]
    lengths: np.ndarray
    epochs: np.ndarray
    source_names: list[str]
    source_codes: np.ndarray
    vocab: dict[str, int]
    indptr: np.ndarray
    docs: np.ndarray
    tfs: np.ndarray

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        row = self.vocab.get(term)
        if row is None:
            return None
        start, end = int(self.indptr[row]), int(self.indptr[row + 1])
        return self.docs[start:end], self.tfs[start:end]

    def sources(self) -> list[str]:
        return [self.source_names[c] for c in self.source_codes]

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, int, str]]) -> Segment:
        """Tokenise (chunk_id, text, epoch, source) rows: the only step that reads text."""
        chunk_ids, lengths, epochs, sources = [], [], [], []
        vocab: dict[str, int] = {}
        term_rows: list[int] = []
        term_docs: list[int] = []
        counts: list[int] = []
        for doc, (chunk_id, text, epoch, source) in enumerate(rows):
            words = terms(text)
            chunk_ids.append(chunk_id)
            lengths.append(len(words))
            epochs.append(epoch)
            sources.append(source)
            for term, count in Counter(words).items():
                term_rows.append(vocab.setdefault(term, len(vocab)))
                term_docs.append(doc)
                counts.append(count)
        return cls.from_postings(
            chunk_ids,
            np.array(lengths, dtype=np.int32),
            np.array(epochs, dtype=np.int64),
            sources,
            vocab,
            np.array(term_rows, dtype=np.int64),
            np.array(term_docs, dtype=np.int32),
            np.array(counts, dtype=_TF),
        )

    @classmethod
    def from_postings(
        cls,
        chunk_ids: list[str],
        lengths: np.ndarray,
        epochs: np.ndarray,
        sources: list[str],
        vocab: dict[str, int],
        rows: np.ndarray,
        docs: np.ndarray,
        tfs: np.ndarray,
    ) -> Segment:
        """A segment from postings in document order (term row, doc, count)."""
        order = np.argsort(rows, kind="stable")
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(vocab)), out=indptr[1:])
        names = sorted(set(sources))
        code = {name: i for i, name in enumerate(names)}
        return cls(
            chunk_ids=chunk_ids,
            lengths=lengths,
            epochs=epochs,
            source_names=names,
            source_codes=np.array([code[s] for s in sources], dtype=np.int32),
            vocab=vocab,
            indptr=indptr,
            docs=docs[order],
            tfs=tfs[order],
        )

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        for name in _ARRAYS:
            np.save(folder / f"{name}.npy", getattr(self, name))
        meta = {"chunk_ids": self.chunk_ids, "source_names": self.source_names}
        (folder / "meta.json").write_text(json.dumps(meta))
        (folder / "vocab.json").write_text(json.dumps(self.vocab))

    @classmethod
    def load(cls, folder: Path) -> Segment:
        """Arrays are memory-mapped: opening a big segment reads little until it is searched."""
        meta = json.loads((folder / "meta.json").read_text())
        # Plain arrays over the mapping: np.memmap's own slicing costs a Python call per slice.
        arrays = {
            name: np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r")) for name in _ARRAYS
        }
        vocab = json.loads((folder / "vocab.json").read_text())
        return cls(
            chunk_ids=meta["chunk_ids"], source_names=meta["source_names"], vocab=vocab, **arrays
        )


def merge(parts: list[tuple[Segment, np.ndarray]]) -> Segment:
    """One segment holding the live chunks of `parts` (segment, dead mask), in their order,
    without tokenising anything again."""
    chunk_ids: list[str] = []
    sources: list[str] = []
    vocab: dict[str, int] = {}
    rows, docs, tfs, lengths, epochs = [], [], [], [], []
    offset = 0
    for segment, dead in parts:
        live = ~np.asarray(dead, dtype=bool)
        new_doc = np.where(live, np.cumsum(live) - 1 + offset, -1)
        kept = np.flatnonzero(live)
        chunk_ids += [segment.chunk_ids[i] for i in kept]
        segment_sources = segment.sources()
        sources += [segment_sources[i] for i in kept]
        lengths.append(np.asarray(segment.lengths)[kept])
        epochs.append(np.asarray(segment.epochs)[kept])
        old_to_new = np.empty(len(segment.vocab), dtype=np.int64)
        for term, row in segment.vocab.items():
            old_to_new[row] = vocab.setdefault(term, len(vocab))
        term_of_posting = np.repeat(old_to_new, np.diff(segment.indptr))
        posting_docs = new_doc[np.asarray(segment.docs)]
        keep = posting_docs >= 0
        rows.append(term_of_posting[keep])
        docs.append(posting_docs[keep].astype(np.int32))
        tfs.append(np.asarray(segment.tfs)[keep])
        offset += len(kept)
    rows_all = _joined(rows, np.int64)
    vocab, rows_all = _without_unused_terms(vocab, rows_all)
    # Concatenated in document order, so a stable sort by term keeps each term's postings
    # in document order.
    return Segment.from_postings(
        chunk_ids,
        _joined(lengths, np.int32),
        _joined(epochs, np.int64),
        sources,
        vocab,
        rows_all,
        _joined(docs, np.int32),
        _joined(tfs, _TF),
    )


def _without_unused_terms(
    vocab: dict[str, int], rows: np.ndarray
) -> tuple[dict[str, int], np.ndarray]:
    """Terms only removed chunks held leave the vocabulary: a pruned store does not keep them."""
    used = np.bincount(rows, minlength=len(vocab)) > 0
    if used.all():
        return vocab, rows
    renumbered = np.cumsum(used) - 1
    kept = {term: int(renumbered[row]) for term, row in vocab.items() if used[row]}
    return kept, renumbered[rows]


def _joined(arrays: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype=dtype)
