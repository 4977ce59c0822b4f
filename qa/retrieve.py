"""Hybrid retrieval: dense (Chroma) and keyword (BM25) hits fused by reciprocal rank.

Both sides apply the same filters inside their index, so a filter never leaves fewer than k
passages while enough matching chunks exist. Hits are capped per article so one long story
cannot fill the top k.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

from index_store.manifest import ArticleRecord, ChunkRecord
from index_store.store import Store
from qa.filters import Filters
from qa.settings import Settings
from qa.types import Passage


@dataclass(frozen=True)
class Candidate:
    """A fused hit before it becomes a passage; the per-side ranks feed abstention."""

    chunk_id: str
    score: float
    dense_rank: int | None
    keyword_rank: int | None
    dense_similarity: float


def retrieve(
    store: Store, settings: Settings, question: str, k: int, filters: Filters
) -> tuple[list[Passage], dict[str, float]]:
    """The top-k passages for a question, and the time each side took in ms."""
    timings: dict[str, float] = {}
    where = filters.chunk_filter()
    started = time.perf_counter()
    vector = store.embedder.encode([question])[0]
    dense = store.vectors.query(vector, settings.candidates, where)
    timings["dense"] = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    keyword = store.keyword_index().search(question, settings.candidates, where)
    timings["keyword"] = (time.perf_counter() - started) * 1000
    candidates = fuse(
        [h.chunk_id for h in dense],
        [h.chunk_id for h in keyword],
        {h.chunk_id: h.similarity for h in dense},
        settings.rrf_k,
    )
    return _passages(store, settings, candidates, k), timings


def fuse(
    dense_ids: list[str], keyword_ids: list[str], similarity: dict[str, float], rrf_k: int
) -> list[Candidate]:
    """Reciprocal rank fusion: each side adds 1 / (rrf_k + rank)."""
    scores: dict[str, float] = defaultdict(float)
    for rank, chunk_id in enumerate(dense_ids, 1):
        scores[chunk_id] += 1.0 / (rrf_k + rank)
    for rank, chunk_id in enumerate(keyword_ids, 1):
        scores[chunk_id] += 1.0 / (rrf_k + rank)
    dense_rank = {c: r for r, c in enumerate(dense_ids, 1)}
    keyword_rank = {c: r for r, c in enumerate(keyword_ids, 1)}
    ordered = sorted(scores, key=lambda c: -scores[c])
    return [
        Candidate(c, scores[c], dense_rank.get(c), keyword_rank.get(c), similarity.get(c, 0.0))
        for c in ordered
    ]


def _passages(
    store: Store, settings: Settings, candidates: list[Candidate], k: int
) -> list[Passage]:
    chunks = store.manifest.chunks(c.chunk_id for c in candidates)
    articles: dict[str, ArticleRecord | None] = {}
    per_article: dict[str, int] = defaultdict(int)
    passages: list[Passage] = []
    for candidate in candidates:
        chunk = chunks.get(candidate.chunk_id)
        if chunk is None:
            continue
        if per_article[chunk.article_id] >= settings.max_per_article:
            continue
        if chunk.article_id not in articles:
            articles[chunk.article_id] = store.manifest.article(chunk.article_id)
        article = articles[chunk.article_id]
        if article is None:
            continue
        per_article[chunk.article_id] += 1
        passages.append(_passage(len(passages) + 1, candidate.score, chunk, article))
        if len(passages) == k:
            break
    return passages


def _passage(rank: int, score: float, chunk: ChunkRecord, article: ArticleRecord) -> Passage:
    outlets = (article.source, *(source for source, _ in article.also_in))
    return Passage(
        rank=rank,
        score=round(score, 6),
        chunk_id=chunk.chunk_id,
        article_id=article.id,
        title=article.title,
        text=chunk.text,
        source=article.source,
        published=article.published,
        url=article.url,
        sources=tuple(dict.fromkeys(s for s in outlets if s)),
        sentence_spans=chunk.sentences,
    )
