"""What one poll reads from a feed: its entries, each with a stable key and a fingerprint that
changes when the entry does, so only new and changed entries are followed and ingested.

A feed is an http(s) URL (RSS/Atom, or a page that is itself the article) fetched with a
conditional GET, or a file or folder as `newsqa ingest` takes them, whose entries are its files:
a file is read again when its size or modification time changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from index_store.types import Article, SourceError

URL_PREFIXES = ("http://", "https://")


class FeedFailed(Exception):
    """The feed itself could not be read (network, HTTP status, not a feed); `retry_after`:
    seconds the server asked to wait (429, 503)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Entry:
    """A feed entry (loaded: `item`) or a file of a folder feed (read when ingested: `path`)."""

    key: str
    fingerprint: str
    item: Article | SourceError | None = None
    path: str | None = None


@dataclass(frozen=True)
class Document:
    """A feed as fetched: its entries, and the validators to send with the next request."""

    entries: list[Entry] = field(default_factory=list)
    etag: str = ""
    last_modified: str = ""


def feed_key(feed: str) -> str:
    """How the ledger names a feed: the URL as given, or the absolute path."""
    feed = feed.strip()
    if feed.lower().startswith(URL_PREFIXES):
        return feed
    return str(Path(feed).expanduser().resolve())


def is_url(feed: str) -> bool:
    return feed.lower().startswith(URL_PREFIXES)


def read_feed(
    feed: str, *, etag: str, last_modified: str, timeout: float, max_bytes: int
) -> Document | None:
    """The feed's entries, or None when the server says it has not changed (304)."""
    if is_url(feed):
        return _read_url(feed, etag, last_modified, timeout, max_bytes)
    return _read_path(Path(feed))


def _read_url(
    url: str, etag: str, last_modified: str, timeout: float, max_bytes: int
) -> Document | None:
    from index_store.loaders.feeds import NO_ENTRIES
    from index_store.loaders.web import FetchFailed, fetch, items_from

    conditions = {}
    if etag:
        conditions["If-None-Match"] = etag
    if last_modified:
        conditions["If-Modified-Since"] = last_modified
    try:
        fetched = fetch(url, timeout=timeout, max_bytes=max_bytes, headers=conditions)
    except FetchFailed as failure:
        raise FeedFailed(str(failure), failure.retry_after) from None
    if fetched.status == 304:
        return None
    items = list(items_from(fetched, url))
    whole = [i for i in items if isinstance(i, SourceError) and i.origin == url]
    if whole and len(whole) == len(items):
        if whole[0].reason != NO_ENTRIES:
            raise FeedFailed(whole[0].reason)
        items = []
    return Document([_entry(item) for item in items], fetched.etag, fetched.last_modified)


def _read_path(path: Path) -> Document:
    from index_store.loaders import supported_files

    if not path.exists():
        raise FeedFailed("no such file or directory")
    files = supported_files(path) if path.is_dir() else [path]
    entries = []
    for file in files:
        try:
            stat = file.stat()
        except OSError as error:
            raise FeedFailed(f"cannot read {file}: {error.strerror or error}") from None
        fingerprint = f"{stat.st_size}:{stat.st_mtime_ns}"
        entries.append(Entry(str(file), fingerprint, path=str(file)))
    return Document(entries)


def _entry(item: Article | SourceError) -> Entry:
    if isinstance(item, SourceError):
        return Entry(item.origin, _hash(item.reason), item)
    from index_store.identity import article_id

    published = item.published.isoformat() if item.published else ""
    return Entry(
        article_id(item), _hash(item.title, item.url, published, item.text, str(item.teaser)), item
    )


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]
