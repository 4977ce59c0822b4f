"""One poll of one feed: fetch it politely, ingest its new and changed entries, record the state.

Politeness: one conditional GET of the feed (its ETag / Last-Modified from the last poll), a
User-Agent naming newsqa, linked pages fetched only for new or changed teaser entries, and after
a failure the next poll waits `every * 2**failures` (at most a day, at least what a 429/503's
Retry-After asks). A per-feed lock file keeps two processes from polling one feed at once.

Everything is fetched before the store's write lock is taken (files of a folder feed excepted:
they are read while writing), and the lock is taken as `brief`, so other writers wait for the
poll rather than fail. A store held by another writer is not a feed failure: the poll says so and
is tried again at the next interval.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from index_store.errors import StoreLocked
from index_store.store import Store
from index_store.types import Article, SourceError
from index_store.watch.book import FeedBook, Polled, Seen
from index_store.watch.reading import Document, Entry, FeedFailed, read_feed

MAX_BACKOFF = 86_400.0
# An entry that failed (its linked page did not load) is tried again at the next polls, this
# many times in all, then left alone until it changes.
ENTRY_TRIES = 3


@dataclass(frozen=True)
class WatchOptions:
    every: float = 900.0
    follow_links: bool = True
    fetch_timeout: float = 15.0
    max_fetch_bytes: int = 5_000_000


@dataclass(frozen=True)
class PollResult:
    """What one poll did. `status`: ok, not_modified (304), failed (the feed could not be
    read), busy (another process was writing the store), in_use (another process is polling
    this feed) or waiting (backing off after failures; only `--once` reports it)."""

    feed: str
    status: str
    at: float
    next_poll: float
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    failed: int = 0
    errors: tuple[str, ...] = field(default=())
    reason: str = ""
    failures: int = 0


def poll(
    store: Store,
    book: FeedBook,
    feed: str,
    options: WatchOptions,
    now: float,
    on_article: Callable[[str, str], None] | None = None,
) -> PollResult:
    """Poll `feed` (known to `book`) once, at time `now`."""
    with feed_lock(store.path, feed) as mine:
        state = book.get(feed)
        assert state is not None, f"{feed} is not in the ledger"
        if not mine:
            reason = "another process is polling this feed"
            return PollResult(feed, "in_use", now, state.next_poll, reason=reason)
        try:
            document = read_feed(
                feed,
                etag=state.etag,
                last_modified=state.last_modified,
                timeout=options.fetch_timeout,
                max_bytes=options.max_fetch_bytes,
            )
        except FeedFailed as failure:
            failures = state.failures + 1
            wait = backoff(options.every, failures, failure.retry_after)
            book.record_failure(feed, now, now + wait, str(failure))
            return PollResult(
                feed, "failed", now, now + wait, reason=str(failure), failures=failures
            )
        next_poll = now + options.every
        if document is None:
            book.record_poll(feed, Polled(now, next_poll, state.etag, state.last_modified))
            return PollResult(feed, "not_modified", now, next_poll)
        return _ingest(store, book, feed, document, options, now, on_article)


def backoff(every: float, failures: int, retry_after: float | None) -> float:
    """Seconds before the next poll after `failures` failures in a row."""
    wait = min(every * 2**failures, max(MAX_BACKOFF, every))
    return max(wait, retry_after or 0.0)


def _ingest(
    store: Store,
    book: FeedBook,
    feed: str,
    document: Document,
    options: WatchOptions,
    now: float,
    on_article: Callable[[str, str], None] | None,
) -> PollResult:
    from index_store.ingest import write_articles

    seen = book.seen(feed)
    changed = [e for e in document.entries if _wanted(e, seen.get(e.key))]
    next_poll = now + options.every
    present = {e.key for e in document.entries}
    if not changed:
        book.record_poll(
            feed, Polled(now, next_poll, document.etag, document.last_modified, present=present)
        )
        return PollResult(feed, "ok", now, next_poll)
    items = _items(changed, store, options)
    outcomes: dict[str, str] = {}

    def heard(outcome: str, origin: str) -> None:
        outcomes[origin] = outcome
        if on_article:
            on_article(outcome, origin)

    try:
        with store.writing(brief=True):
            summary = write_articles(store, items, on_article=heard)
    except StoreLocked as busy:
        book.defer(feed, next_poll, str(busy))
        return PollResult(feed, "busy", now, next_poll, reason=str(busy))
    settled = _settled(changed, outcomes, seen)
    retrying = any(0 < s.failures < ENTRY_TRIES for s in settled.values())
    # While an entry waits for another try, the next poll must get the whole feed, not a 304.
    etag, modified = ("", "") if retrying else (document.etag, document.last_modified)
    book.record_poll(
        feed,
        Polled(
            now,
            next_poll,
            etag,
            modified,
            summary.added,
            summary.updated,
            summary.failed,
            seen=settled,
            present=present,
        ),
    )
    return PollResult(
        feed,
        "ok",
        now,
        next_poll,
        new=summary.added,
        updated=summary.updated,
        unchanged=summary.unchanged,
        duplicates=summary.duplicates,
        failed=summary.failed,
        errors=tuple(str(e) for e in summary.errors),
    )


def _wanted(entry: Entry, seen: Seen | None) -> bool:
    """New, changed, or failed and not yet tried ENTRY_TRIES times."""
    if seen is None or seen.fingerprint != entry.fingerprint:
        return True
    return 0 < seen.failures < ENTRY_TRIES


def _items(
    changed: list[Entry], store: Store, options: WatchOptions
) -> Iterator[Article | SourceError] | list[Article | SourceError]:
    """Entries of a URL feed are made ready (teasers followed) now, before the write lock; files
    of a folder feed are read while writing, as `ingest` reads them."""
    from index_store.loaders.sources import iter_sources, within_limit
    from index_store.loaders.teaser_pages import settle_teaser

    limit = store.config.max_article_chars
    loaded = [e.item for e in changed if e.item is not None]
    paths = [e.path for e in changed if e.path is not None]
    if paths:
        return iter_sources(
            paths,
            fetch_timeout=options.fetch_timeout,
            max_fetch_bytes=options.max_fetch_bytes,
            max_article_chars=limit,
            follow_links=options.follow_links,
        )
    return [
        within_limit(
            settle_teaser(
                item, options.follow_links, options.fetch_timeout, options.max_fetch_bytes
            ),
            limit,
        )
        for item in loaded
    ]


def _settled(changed: list[Entry], outcomes: dict[str, str], seen: dict[str, Seen]) -> dict:
    """The entries to remember: a file once read, a feed entry once stored, a failed feed entry
    with one more failure (tried again until ENTRY_TRIES)."""
    settled = {}
    for entry in changed:
        if entry.path is not None or outcomes.get(_origin(entry)) not in ("failed", None):
            settled[entry.key] = Seen(entry.fingerprint)
            continue
        before = seen.get(entry.key)
        tries = before.failures if before and before.fingerprint == entry.fingerprint else 0
        settled[entry.key] = Seen(entry.fingerprint, tries + 1)
    return settled


def _origin(entry: Entry) -> str:
    assert entry.item is not None
    return entry.item.origin


@contextmanager
def feed_lock(store_dir: Path, feed: str) -> Iterator[bool]:
    """Whether this process may poll `feed` now: True while it holds the feed's lock file."""
    from filelock import FileLock, Timeout

    folder = store_dir / ".watch-locks"
    folder.mkdir(exist_ok=True)
    name = hashlib.sha1(feed.encode("utf-8")).hexdigest()[:16]
    lock = FileLock(str(folder / f"{name}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
