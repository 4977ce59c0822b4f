"""Hybrid retrieval: dense (Chroma) and keyword (BM25) hits fused by reciprocal rank, a recency
prior when answering as of a date, then passages sized for reading.

Both sides apply the same filters inside their index. Fused hits become passages (the hit chunk
and its neighbouring sentences, `passages`); a hit whose passage overlaps one already taken
from its article, or that is a near-duplicate of a taken passage from another outlet
(`dedupe`), adds nothing but its outlet; at most `max_per_article` passages per article. When
that leaves fewer than k passages while the indexes had more hits, they are asked for more.
What retrieval read of the question (its vector and weighted terms, `Asked`) is handed up with
the passages, so that answering neither encodes the question again nor reaches back into the
store.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from index_store.store import Store
from index_store.types import ArticleRecord, ChunkRecord
from index_store.vectors import ChunkFilter, VectorHit
from qa.reading.question_terms import term_weights
from qa.retrieval.candidates import Candidate, fuse
from qa.retrieval.dedupe import near_duplicate, shingles
from qa.retrieval.filters import Filters
from qa.retrieval.passages import Window, article_sentences, expand, free_run
from qa.retrieval.rerank import rerank
from qa.settings import Settings
from qa.types import Asked, Passage

DAY = 86_400
MAX_CANDIDATES = 5_000
DENSE_OVERFETCH = 4
CHUNK_PAGE = 16


@dataclass
class Hits:
    """Ranked chunk ids from each retriever, and whether either may have more to give."""

    dense: list[str] = field(default_factory=list)
    keyword: list[str] = field(default_factory=list)
    similarity: dict[str, float] = field(default_factory=dict)
    more: bool = False


@dataclass(frozen=True)
class Retrieved:
    """The top-k passages, the time each stage took in ms, and the question as read."""

    passages: list[Passage]
    timings: dict[str, float]
    asked: Asked


def read_question(store: Store, question: str) -> Asked:
    """The question's vector and its terms weighted by specificity in this store."""
    question = question.strip()
    embedder = store.embedder
    weights = term_weights(question, store.keyword_index().idf)
    return Asked(question, weights, embedder.encode_query(question), embedder.encode)


def retrieve(
    store: Store,
    settings: Settings,
    question: str,
    k: int,
    filters: Filters,
    stages: Stages | None = None,
) -> Retrieved:
    """The top-k passages for a question."""
    stages = stages or Stages()
    timings: dict[str, float] = defaultdict(float)
    started = time.perf_counter()
    asked = read_question(store, question)
    vector = asked.vector
    timings["embed"] = _ms(started)
    n = settings.candidates
    while True:
        hits = stages.search(store, settings, question, vector, filters, n, timings)
        started = time.perf_counter()
        candidates = stages.fuse(hits.dense, hits.keyword, hits.similarity, settings.rrf_k)
        if filters.as_of is not None and settings.recency_weight > 0:
            candidates = _with_recency(store, settings, candidates, filters)
        chunks = _Chunks(store, candidates)
        articles = _Articles(store)
        if settings.rerank_weight > 0:
            head = {
                c.chunk_id: chunk
                for c in candidates[: settings.rerank_depth]
                if (chunk := chunks.get(c.chunk_id))
            }
            titles = {cid: articles.title(chunk.article_id) for cid, chunk in head.items()}
            candidates = rerank(
                question, candidates, head, titles, settings.rerank_weight, settings.rerank_depth
            )
        passages = _passages(settings, candidates, chunks, articles, k)
        timings["passages"] += _ms(started)
        if len(passages) >= k or not hits.more or n >= MAX_CANDIDATES:
            return Retrieved(passages, dict(timings), asked)
        n *= 4


def search_both(
    store: Store,
    settings: Settings,
    question: str,
    vector: np.ndarray,
    filters: Filters,
    n: int,
    timings: dict[str, float],
) -> Hits:
    """Both retrievers over the filtered store."""
    where = filters.chunk_filter()
    started = time.perf_counter()
    dense = dense_hits(store, vector, n, where)
    timings["dense"] += _ms(started)
    started = time.perf_counter()
    keyword = store.keyword_index().search(question, n, where)
    timings["keyword"] += _ms(started)
    return Hits(
        dense=[h.chunk_id for h in dense],
        keyword=[h.chunk_id for h in keyword],
        similarity={h.chunk_id: h.similarity for h in dense},
        more=len(dense) == n or len(keyword) == n,
    )


@dataclass(frozen=True)
class Stages:
    """Where candidates come from and how their rankings merge: today's by default; an
    experiment (bench/) passes its own through `NewsQA(stages=...)` instead of patching."""

    search: Callable[..., Hits] = search_both
    fuse: Callable[[list[str], list[str], dict[str, float], int], list[Candidate]] = fuse


def dense_hits(store: Store, vector: np.ndarray, n: int, where: ChunkFilter) -> list[VectorHit]:
    """The n nearest chunks that pass the filter. Chroma filters by first listing every chunk
    whose metadata matches (most of the store, as of a date), which made a dated query ten
    times slower; so DENSE_OVERFETCH * n unfiltered hits are filtered here with the keyword
    index's dates and outlets, and Chroma's own filter is asked only when too few pass. When
    enough pass they are exactly the filtered top n: any other passing chunk ranks below them."""
    if where.is_empty():
        return store.vectors.query(vector, n)
    wanted = n * DENSE_OVERFETCH
    fetched = store.vectors.query(vector, wanted)
    admitted = store.keyword_index().admits((h.chunk_id for h in fetched), where)
    kept = [hit for hit, ok in zip(fetched, admitted) if ok]
    if len(kept) >= n or len(fetched) < wanted:
        return kept[:n]
    return store.vectors.query(vector, n, where)


def recency_prior(age_days: float, half_life_days: float) -> float:
    """1 for a story of the day, halving every `half_life_days`; 0 for an undated one."""
    if age_days < 0:
        return 0.0
    return 0.5 ** (age_days / half_life_days)


def _with_recency(
    store: Store, settings: Settings, candidates: list[Candidate], filters: Filters
) -> list[Candidate]:
    """Scale fused scores by 1 + recency_weight * prior(age at the as-of date)."""
    as_of = filters.chunk_filter().as_of_epoch
    epochs = store.keyword_index().epochs(c.chunk_id for c in candidates)
    rescored = []
    for candidate in candidates:
        epoch = epochs[candidate.chunk_id]
        age = (as_of - epoch) / DAY if epoch >= 0 else -1.0
        boost = 1.0 + settings.recency_weight * recency_prior(age, settings.recency_half_life_days)
        rescored.append(replace(candidate, score=candidate.score * boost))
    return sorted(rescored, key=lambda c: -c.score)


@dataclass
class _Taken:
    """A passage being assembled: where it is, and every outlet that printed it."""

    candidate: Candidate
    chunk: ChunkRecord
    article: ArticleRecord
    window: Window
    text: str
    shingles: frozenset[int]
    outlets: list[str]


class _Chunks:
    """Chunk records of the fused candidates, read from the ledger a page at a time in rank
    order: passages come from the first few of the hundred or so candidates, and reading them
    all cost more than the vector search."""

    def __init__(self, store: Store, candidates: list[Candidate]) -> None:
        self._ledger = store.ledger
        self._ids = [c.chunk_id for c in candidates]
        self._page = {chunk_id: i // CHUNK_PAGE for i, chunk_id in enumerate(self._ids)}
        self._pages_read: set[int] = set()
        self._records: dict[str, ChunkRecord] = {}

    def get(self, chunk_id: str) -> ChunkRecord | None:
        page = self._page.get(chunk_id)
        if page is not None and page not in self._pages_read:
            self._pages_read.add(page)
            ids = self._ids[page * CHUNK_PAGE : (page + 1) * CHUNK_PAGE]
            self._records.update(self._ledger.chunks(ids))
        return self._records.get(chunk_id)


class _Articles:
    """Article records and their sentence spans, read once per query."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._records: dict[str, ArticleRecord | None] = {}
        self._sentences: dict[str, list[tuple[int, int]]] = {}

    def get(self, article_id: str) -> ArticleRecord | None:
        if article_id not in self._records:
            self._records[article_id] = self._store.ledger.article(article_id)
        return self._records[article_id]

    def title(self, article_id: str) -> str:
        record = self.get(article_id)
        return record.title if record else ""

    def sentences(self, article_id: str) -> list[tuple[int, int]]:
        if article_id not in self._sentences:
            chunks = self._store.ledger.chunk_sentences(article_id)
            self._sentences[article_id] = article_sentences(chunks)
        return self._sentences[article_id]


def _passages(
    settings: Settings,
    candidates: list[Candidate],
    chunks: _Chunks,
    articles: _Articles,
    k: int,
) -> list[Passage]:
    """Candidates in order become passages; one from an article that already has
    `max_per_article` waits, and fills the places no other article can (a store of one
    article still answers from several of its passages)."""
    taken: list[_Taken] = []
    deferred: list[Candidate] = []
    for candidate in candidates:
        if _take(settings, candidate, chunks, articles, taken, capped=True) == "capped":
            deferred.append(candidate)
        if len(taken) == k:
            break
    for candidate in deferred:
        if len(taken) == k:
            break
        _take(settings, candidate, chunks, articles, taken, capped=False)
    return [_passage(rank, t) for rank, t in enumerate(taken, 1)]


def _take(
    settings: Settings,
    candidate: Candidate,
    chunks: _Chunks,
    articles: _Articles,
    taken: list[_Taken],
    capped: bool,
) -> str:
    """Add the candidate's passage to `taken`, or say why not: "capped", "skipped" (unknown, or
    wholly inside a passage of its article) or "duplicate" (its outlets join the twin's). Next
    to a passage of its article, a hit grows only over the sentences that passage lacks."""
    chunk = chunks.get(candidate.chunk_id)
    article = articles.get(chunk.article_id) if chunk else None
    if chunk is None or article is None:
        return "skipped"
    same_article = [t for t in taken if t.article.id == article.id]
    if capped and len(same_article) >= settings.max_per_article:
        return "capped"
    run, hit = free_run(
        articles.sentences(article.id), [t.window for t in same_article], (chunk.start, chunk.end)
    )
    if not run:
        return "skipped"
    window = expand(run, hit, settings.passage_max_chars)
    text = window.text(article.text)
    marks = shingles(text)
    for twin in taken:
        if near_duplicate(twin.shingles, marks, settings.duplicate_overlap):
            twin.outlets.extend(_outlets(article))
            return "duplicate"
    taken.append(_Taken(candidate, chunk, article, window, text, marks, _outlets(article)))
    return "taken"


def _outlets(article: ArticleRecord) -> list[str]:
    return [s for s in (article.source, *(source for source, _ in article.also_in)) if s]


def _passage(rank: int, taken: _Taken) -> Passage:
    article = taken.article
    return Passage(
        rank=rank,
        score=round(taken.candidate.score, 6),
        chunk_id=taken.chunk.chunk_id,
        article_id=article.id,
        title=article.title,
        text=taken.text,
        source=article.source,
        published=article.published,
        url=article.url,
        sources=tuple(dict.fromkeys(taken.outlets)),
        sentence_spans=taken.window.sentences,
    )


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
