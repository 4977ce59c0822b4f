"""Fused candidates: the dense and keyword rankings of chunk ids merged by reciprocal rank.

Shared by retrieval (which fuses, then turns candidates into passages) and reranking (which
reorders them), so neither imports the other.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """A fused hit before it becomes a passage."""

    chunk_id: str
    score: float
    dense_rank: int | None
    keyword_rank: int | None
    dense_similarity: float


def fuse(
    dense: list[str],
    keyword: list[str],
    similarity: dict[str, float],
    rrf_k: int,
) -> list[Candidate]:
    """Reciprocal rank fusion: each ranked list adds 1 / (rrf_k + rank) to its chunks."""
    scores: dict[str, float] = defaultdict(float)
    for ranked in (dense, keyword):
        for rank, chunk_id in enumerate(ranked, 1):
            scores[chunk_id] += 1.0 / (rrf_k + rank)
    dense_rank = _ranks(dense)
    keyword_rank = _ranks(keyword)
    ordered = sorted(scores, key=lambda c: -scores[c])
    return [
        Candidate(c, scores[c], dense_rank.get(c), keyword_rank.get(c), similarity.get(c, 0.0))
        for c in ordered
    ]


def _ranks(ranked: list[str]) -> dict[str, int]:
    return {chunk_id: rank for rank, chunk_id in enumerate(ranked, 1)}
