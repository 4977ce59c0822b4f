"""Re-embed every stored article from the ledger's own text, without the original files: the fix
for a store built with another embedding model or an older schema.

Crash-safe like ingest: the new chunks go to a staging table and their vectors to a fresh Chroma
collection while the store keeps working as it was; one ledger transaction then switches to them
(chunks, counts, collection, model, schema version), and the old collection is deleted after.
A reindex killed before the switch leaves the store as it was; the next writer deletes the
half-built collection. Killed after it, the store is complete and the next writer deletes the
old one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from index_store.config import IndexConfig
from index_store.errors import StoreMismatch, StoreNotFound
from index_store.ledger import SCHEMA_VERSION, Ledger
from index_store.store import LEDGER, STALE_COLLECTION, Store
from index_store.types import ArticleRecord, ChunkRecord
from index_store.vectors import VectorIndex

BATCH_CHUNKS = 512


@dataclass(frozen=True)
class ReindexSummary:
    articles: int
    chunks: int
    embedding_model: str
    previous_model: str


def reindex(
    config: IndexConfig,
    on_article: Callable[[str], None] | None = None,
    model: str | None = None,
) -> ReindexSummary:
    """Rebuild chunks and vectors of every article with `model` (default: the store's own) and
    `config`'s chunk sizes, then the question model's export if that model needs one."""
    if not (config.store / LEDGER).exists():
        raise StoreNotFound(f"no newsqa store at {config.store}: nothing to reindex")
    store = Store(config, Ledger(config.store / LEDGER))
    try:
        _refuse_newer_schema(store)
        with store.writing():
            summary = _rebuild(store, on_article, model or store.model)
            rebuilt = Store(config, store.ledger)
            rebuilt.prepare_question_model()
            rebuilt.stories().close()
    finally:
        store.close()
    return summary


def _refuse_newer_schema(store: Store) -> None:
    try:
        store.check_schema()
    except StoreMismatch:
        if int(store.meta.get("schema_version", "0")) > SCHEMA_VERSION:
            raise


def _rebuild(store: Store, on_article: Callable[[str], None] | None, model: str) -> ReindexSummary:
    from index_store.embedding import canonical_model, chunk_window, load_embedder, token_starts

    config, ledger = store.config, store.ledger
    model = canonical_model(model)
    embedder = load_embedder(
        model,
        config.ingest_embedding_backend,
        config.embed_batch_size,
        device=config.embedding_device,
    )
    starts = token_starts(model)
    tokens = (chunk_window(model, config.chunk_tokens), config.chunk_overlap_tokens)
    fresh = f"newsqa_{store.meta['store_id'][:12]}_{uuid.uuid4().hex[:8]}"
    ledger.set_meta({STALE_COLLECTION: fresh})
    target = VectorIndex(config.store / "chroma", config.chroma_url, fresh)
    ledger.start_rebuild()
    pending: list[tuple[ChunkRecord, dict]] = []
    total = 0
    for article_id in ledger.article_ids():
        pending += _chunks(ledger.article(article_id), starts, tokens)
        if len(pending) >= BATCH_CHUNKS:
            total += _write(pending, embedder, target, ledger)
            pending = []
        if on_article:
            on_article(article_id)
    total += _write(pending, embedder, target, ledger)
    previous = store.collection_name
    ledger.swap_in_staged_chunks(
        {
            "collection": fresh,
            "embedding_model": model,
            "dimension": str(embedder.dimension),
            "schema_version": str(SCHEMA_VERSION),
            STALE_COLLECTION: previous,
        }
    )
    target.drop_collection(previous)
    ledger.set_meta({STALE_COLLECTION: ""})
    store.keyword_index()
    return ReindexSummary(
        articles=len(ledger.article_ids()),
        chunks=total,
        embedding_model=model,
        previous_model=store.meta.get("embedding_model", ""),
    )


def _chunks(
    record: ArticleRecord, starts, tokens: tuple[int, int]
) -> list[tuple[ChunkRecord, dict]]:
    from index_store.chunking import chunk_text
    from index_store.ingest import chunk_metadata, chunk_record

    drafts = chunk_text(record.text, starts, *tokens)
    return [(chunk_record(record, d), chunk_metadata(record, d)) for d in drafts]


def _write(pending: list[tuple[ChunkRecord, dict]], embedder, target, ledger: Ledger) -> int:
    from index_store.embedding import release_freed_memory

    if not pending:
        return 0
    vectors = embedder.encode([chunk.text for chunk, _ in pending])
    release_freed_memory()
    target.add([chunk.chunk_id for chunk, _ in pending], vectors, [meta for _, meta in pending])
    ledger.stage_chunks([chunk for chunk, _ in pending])
    return len(pending)
