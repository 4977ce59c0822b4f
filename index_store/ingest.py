"""Sources in, stored chunks out: clean, identify, dedupe, chunk, embed and write in batches.

Each batch is written crash-safely: vectors first (their ids journaled), then one ledger
transaction that makes the batch's articles visible, then old chunks of updated articles go.
A killed ingest leaves every article either fully indexed or absent.

Three stages overlap, because embedding is nearly all the cost: a thread reads and cleans the
next articles, this thread chunks them into the next batch, and a second thread embeds the
batch before it (the model runs outside the GIL). Batches are still written in order, here.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from index_store.chunking import ChunkDraft, chunk_text
from index_store.identity import article_id, chunk_id, content_hash
from index_store.store import Store
from index_store.types import Article, ArticleRecord, ChunkRecord, IngestSummary, SourceError
from index_store.vectors import UNDATED

if TYPE_CHECKING:
    from index_store.loaders.url_guard import Guard

BATCH_CHUNKS = 512

ProgressCallback = Callable[[str, str], None]


@dataclass
class _Planned:
    record: ArticleRecord
    drafts: list[ChunkDraft]
    replaced: list[str]
    outcome: str


@dataclass
class _Batch:
    planned: list[_Planned] = field(default_factory=list)
    aliases: list[tuple[str, str, str]] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)

    def chunk_count(self) -> int:
        return sum(len(p.drafts) for p in self.planned)


def ingest(
    store: Store,
    inputs: Iterable[str],
    *,
    on_article: ProgressCallback | None = None,
    fetch_timeout: float = 15.0,
    max_fetch_bytes: int = 5_000_000,
    follow_links: bool = False,
    guard: Guard | None = None,
) -> IngestSummary:
    """Add, update or skip every article the inputs hold; report failures without stopping.

    `follow_links`: feed entries that only tease an article are ingested from the linked page.
    `guard`: every fetch goes only to the addresses it allows (`url_guard`)."""
    from index_store.loaders.sources import iter_sources

    sources = iter_sources(
        inputs,
        fetch_timeout=fetch_timeout,
        max_fetch_bytes=max_fetch_bytes,
        max_article_chars=store.config.max_article_chars,
        follow_links=follow_links,
        guard=guard,
    )
    with store.writing():
        return write_articles(store, sources, on_article=on_article)


def write_articles(
    store: Store,
    items: Iterable[Article | SourceError],
    *,
    on_article: ProgressCallback | None = None,
) -> IngestSummary:
    """Ingest loaded articles (the caller holds the write lock): the path every writer shares,
    `ingest` and each poll of `newsqa watch`. `on_article` hears each item's outcome when it is
    taken; all of them are stored when this returns."""
    summary = IngestSummary()
    writer = _BatchWriter(store, summary)
    try:
        for item in _prefetch(_cleaned(iter(items))):
            if isinstance(item, SourceError):
                summary.failed += 1
                summary.errors.append(item)
                outcome = "failed"
            else:
                outcome = writer.take(item)
            if on_article:
                on_article(outcome, item.origin)
        writer.drain()
    finally:
        writer.close()
    if summary.added or summary.updated:
        store.keyword_index()
        store.stories()
    store.prepare_question_model()
    return summary


def remove(store: Store, article_ids: Iterable[str]) -> list[str]:
    """Forget articles and their chunks; returns the ids that were not in the store."""
    missing = []
    with store.writing():
        for doomed in article_ids:
            if store.ledger.article(doomed) is None:
                missing.append(doomed)
                continue
            chunk_ids = store.ledger.remove_article(doomed)
            store.vectors.delete(chunk_ids)
            store.ledger.clear_journal(chunk_ids)
        store.keyword_index()
        store.stories()
    return missing


def _cleaned(items: Iterator[Article | SourceError]) -> Iterator[Article | SourceError]:
    from index_store.cleaning import clean_article

    for item in items:
        if isinstance(item, SourceError):
            yield item
            continue
        article = clean_article(item)
        if not article.text.strip():
            yield SourceError(item.origin, "empty article: no text left after cleaning")
        else:
            yield article


def _prefetch(items: Iterator, depth: int = 64) -> Iterator:
    """Read and clean the next articles in a thread while the caller embeds."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            for item in items:
                buffer.put(item)
        except BaseException as error:  # re-raised in the consuming thread
            failure.append(error)
        finally:
            buffer.put(done)

    threading.Thread(target=produce, daemon=True).start()
    while (item := buffer.get()) is not done:
        yield item
    if failure:
        raise failure[0]


class _Pending:
    """The vectors of one submitted batch, once the embedding thread has them."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._outcome: object = None

    def set(self, outcome: object) -> None:
        self._outcome = outcome
        self._done.set()

    def result(self):
        self._done.wait()
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        return self._outcome


class _EmbeddingThread:
    """The one thread that embeds every batch of an ingest, in order, while this thread chunks
    and writes. A daemon thread, so that Ctrl-C never waits for a batch to embed.

    One thread for the whole ingest, not a new one per batch: torch run from a fresh thread for
    each batch left what it freed in malloc arenas it never reused, and an ingest's memory grew
    with the articles read (2.2 GiB after 9 minutes, 5.0 GiB at 3,000 articles). What each batch
    frees is also handed back to the system, so memory between batches is the model's own.
    """

    def __init__(self, encode: Callable[[list[str]], object]) -> None:
        self._encode = encode
        self._jobs: queue.Queue = queue.Queue()
        threading.Thread(target=self._run, daemon=True).start()

    def submit(self, texts: list[str]) -> _Pending:
        pending = _Pending()
        self._jobs.put((texts, pending))
        return pending

    def close(self) -> None:
        self._jobs.put(None)

    def _run(self) -> None:
        from index_store.embedding import release_freed_memory

        while (job := self._jobs.get()) is not None:
            texts, pending = job
            try:
                pending.set(self._encode(texts))
            except BaseException as error:  # re-raised by result(), in the caller's thread
                pending.set(error)
            release_freed_memory()


class _BatchWriter:
    """Decides what each article needs and writes them in batches of about BATCH_CHUNKS chunks.

    `flush` starts embedding the current batch and writes the batch embedded before it, so at
    most one batch is in flight; duplicate and twin checks look at it as well as the store."""

    def __init__(self, store: Store, summary: IngestSummary) -> None:
        self.store = store
        self.summary = summary
        self.batch = _Batch()
        self._in_flight: tuple[_Batch, _Pending | None] | None = None
        self._embedding: _EmbeddingThread | None = None
        from index_store.embedding import chunk_window, token_starts

        self._token_starts = token_starts(store.model)
        self._chunk_tokens = chunk_window(store.model, store.config.chunk_tokens)

    def take(self, article: Article) -> str:
        key = article_id(article)
        text_hash = content_hash(article.text)
        pending = self._pending(lambda batch: batch.ids.get(key))
        if pending == text_hash:
            self.summary.duplicates += 1
            return "duplicate"
        if pending is not None:
            self.drain()
        known = self.store.ledger.article(key)
        if known and known.content_hash == text_hash:
            self.summary.unchanged += 1
            return "unchanged"
        if known is None:
            twin = self._pending(lambda batch: batch.hashes.get(text_hash))
            twin = twin or self._stored_twin(text_hash)
            if twin:
                return self._duplicate(twin, article)
        record = _record(key, text_hash, article)
        if known:
            record = replace(record, also_in=known.also_in)
        drafts = chunk_text(
            article.text,
            self._token_starts,
            self._chunk_tokens,
            self.store.config.chunk_overlap_tokens,
        )
        outcome = "updated" if known else "added"
        replaced = self.store.ledger.chunk_ids_of(key) if known else []
        self.batch.planned.append(_Planned(record, drafts, replaced, outcome))
        self.batch.ids[key] = text_hash
        self.batch.hashes[text_hash] = key
        if self.batch.chunk_count() >= BATCH_CHUNKS:
            self.flush()
        return outcome

    def _pending(self, lookup: Callable[[_Batch], str | None]) -> str | None:
        """What the current or the in-flight batch holds under a key (not yet in the store)."""
        found = lookup(self.batch)
        if found is None and self._in_flight is not None:
            found = lookup(self._in_flight[0])
        return found

    def _stored_twin(self, text_hash: str) -> str | None:
        twin = self.store.ledger.article_with_hash(text_hash)
        return twin.id if twin else None

    def _duplicate(self, twin: str, article: Article) -> str:
        self.summary.duplicates += 1
        self.batch.aliases.append((twin, _source_of(article), article.url))
        return "duplicate"

    def flush(self) -> None:
        """Start embedding the current batch, then write the one embedded before it."""
        batch, self.batch = self.batch, _Batch()
        texts = [draft.text for item in batch.planned for draft in item.drafts]
        embedding = self._embed(texts) if texts else None
        self._write_in_flight()
        self._in_flight = (batch, embedding)

    def _embed(self, texts: list[str]) -> _Pending:
        if self._embedding is None:
            self._embedding = _EmbeddingThread(self.store.ingest_embedder.encode)
        return self._embedding.submit(texts)

    def drain(self) -> None:
        """Write everything taken so far."""
        self.flush()
        self._write_in_flight()

    def close(self) -> None:
        """Let the embedding thread end (it holds no batch once drained)."""
        if self._embedding is not None:
            self._embedding.close()
            self._embedding = None

    def _write_in_flight(self) -> None:
        if self._in_flight is None:
            return
        batch, embedding = self._in_flight
        self._in_flight = None
        if batch.planned and embedding is not None:
            self._write(batch.planned, embedding.result())
        for twin, source, url in batch.aliases:
            self.store.ledger.add_alias(twin, source, url)

    def _write(self, planned: list[_Planned], vectors) -> None:
        records, chunks, metadatas = [], [], []
        for item in planned:
            records.append(replace(item.record, chunk_count=len(item.drafts)))
            for draft in item.drafts:
                chunks.append(chunk_record(item.record, draft))
                metadatas.append(chunk_metadata(item.record, draft))
        replaced = [old for item in planned for old in item.replaced]
        ids = [c.chunk_id for c in chunks]
        self.store.ledger.add_to_journal(ids)
        self.store.vectors.add(ids, vectors, metadatas)
        self.store.ledger.commit_articles(records, chunks, replaced)
        self.store.vectors.delete(replaced)
        self.store.ledger.clear_journal(replaced)
        for item in planned:
            if item.outcome == "added":
                self.summary.added += 1
            else:
                self.summary.updated += 1
        self.summary.chunks_written += len(chunks)


def _source_of(article: Article) -> str:
    if article.source:
        return article.source
    host = urlsplit(article.url).hostname or ""
    return host.removeprefix("www.")


def _record(key: str, text_hash: str, article: Article) -> ArticleRecord:
    published = article.published
    epoch = None
    if published is not None:
        midnight = datetime(published.year, published.month, published.day, tzinfo=UTC)
        epoch = int(midnight.timestamp())
    return ArticleRecord(
        id=key,
        content_hash=text_hash,
        title=article.title,
        source=_source_of(article),
        url=article.url,
        authors=article.authors,
        published=published.isoformat() if published else None,
        published_epoch=epoch,
        text=article.text,
        chunk_count=0,
    )


def chunk_record(record: ArticleRecord, draft: ChunkDraft) -> ChunkRecord:
    """The ledger row of a chunk (also used by reindex)."""
    return ChunkRecord(
        chunk_id=chunk_id(record.id, record.content_hash, draft.position),
        article_id=record.id,
        position=draft.position,
        start=draft.start,
        end=draft.end,
        text=draft.text,
        sentences=draft.sentences,
    )


def chunk_metadata(record: ArticleRecord, draft: ChunkDraft) -> dict:
    """What Chroma keeps beside a chunk's vector, for filters (also used by reindex)."""
    return {
        "article_id": record.id,
        "position": draft.position,
        "source": record.source,
        "published_epoch": record.published_epoch
        if record.published_epoch is not None
        else UNDATED,
    }
