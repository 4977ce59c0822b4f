"""What `newsqa watch` knows about each feed, kept in the store's ledger (manifest.sqlite).

Two tables beside the articles: `feeds` (per feed: subscribed or only given on a command line,
validators for conditional GET, last poll and success, consecutive failures, next poll, what
the last poll and all polls added) and `feed_entries` (per feed entry or file: a fingerprint of
what was ingested, so an unchanged entry is never fetched or read again).

Every change is one SQLite transaction, and a poll records its entries and validators only after
its articles are committed, so a poll killed at any moment is simply done again by the next run
(re-ingesting what it had already stored changes nothing). Nothing here needs the store's write
lock: `watch add` and `watch list` work beside a running watch.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    subscribed INTEGER NOT NULL DEFAULT 0,
    added_at REAL NOT NULL,
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    last_poll REAL,
    last_success REAL,
    next_poll REAL NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    last_new INTEGER NOT NULL DEFAULT 0,
    last_updated INTEGER NOT NULL DEFAULT 0,
    last_failed INTEGER NOT NULL DEFAULT 0,
    total_new INTEGER NOT NULL DEFAULT 0,
    total_updated INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS feed_entries (
    feed TEXT NOT NULL,
    entry TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (feed, entry)
);
"""


@dataclass(frozen=True)
class FeedState:
    """One watched feed (`url` is a URL or an absolute path); times are Unix seconds."""

    url: str
    subscribed: bool
    added_at: float
    etag: str = ""
    last_modified: str = ""
    last_poll: float | None = None
    last_success: float | None = None
    next_poll: float = 0.0
    failures: int = 0
    last_error: str = ""
    last_new: int = 0
    last_updated: int = 0
    last_failed: int = 0
    total_new: int = 0
    total_updated: int = 0


@dataclass(frozen=True)
class Seen:
    """What was last ingested from an entry, and how often it has failed since it changed."""

    fingerprint: str
    failures: int = 0


@dataclass(frozen=True)
class Polled:
    """What a poll that reached its feed leaves in the ledger."""

    at: float
    next_poll: float
    etag: str
    last_modified: str
    new: int = 0
    updated: int = 0
    failed: int = 0
    seen: dict[str, Seen] | None = None
    present: set[str] | None = None


class FeedBook:
    """The watch tables of one store's ledger."""

    def __init__(self, ledger: Path) -> None:
        self._db = sqlite3.connect(ledger, timeout=30, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def get(self, url: str) -> FeedState | None:
        row = self._db.execute("SELECT * FROM feeds WHERE url = ?", (url,)).fetchone()
        return _state(row) if row else None

    def feeds(self, subscribed_only: bool = False) -> list[FeedState]:
        where = " WHERE subscribed = 1" if subscribed_only else ""
        rows = self._db.execute(f"SELECT * FROM feeds{where} ORDER BY added_at, url")
        return [_state(row) for row in rows]

    def ensure(self, url: str, now: float, *, subscribe: bool = False) -> bool:
        """Know `url` (subscribed: polled by a `newsqa watch` without arguments); False when it
        was known already (then only its subscription may change)."""
        with self._db:
            added = self._db.execute(
                "INSERT OR IGNORE INTO feeds(url, subscribed, added_at) VALUES (?, ?, ?)",
                (url, int(subscribe), now),
            ).rowcount
            if subscribe and not added:
                self._db.execute("UPDATE feeds SET subscribed = 1 WHERE url = ?", (url,))
        return bool(added)

    def remove(self, url: str) -> bool:
        """Forget a feed and its entries (its articles stay in the store)."""
        with self._db:
            gone = self._db.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount
            self._db.execute("DELETE FROM feed_entries WHERE feed = ?", (url,))
        return bool(gone)

    def seen(self, url: str) -> dict[str, Seen]:
        rows = self._db.execute(
            "SELECT entry, fingerprint, failures FROM feed_entries WHERE feed = ?", (url,)
        )
        return {entry: Seen(fingerprint, failures) for entry, fingerprint, failures in rows}

    def record_poll(self, url: str, polled: Polled) -> None:
        """A poll that reached its feed: validators, counts and entries, in one transaction."""
        with self._transaction() as db:
            db.execute(
                "UPDATE feeds SET etag = ?, last_modified = ?, last_poll = ?, last_success = ?,"
                " next_poll = ?, failures = 0, last_error = '', last_new = ?, last_updated = ?,"
                " last_failed = ?, total_new = total_new + ?, total_updated = total_updated + ?"
                " WHERE url = ?",
                (
                    *(polled.etag, polled.last_modified, polled.at, polled.at, polled.next_poll),
                    *(polled.new, polled.updated, polled.failed, polled.new, polled.updated),
                    url,
                ),
            )
            if polled.present is not None:
                known = {row[0] for row in db.execute(_ENTRIES, (url,))}
                db.executemany(
                    "DELETE FROM feed_entries WHERE feed = ? AND entry = ?",
                    [(url, entry) for entry in known - polled.present],
                )
            db.executemany(
                "INSERT OR REPLACE INTO feed_entries(feed, entry, fingerprint, failures)"
                " VALUES (?, ?, ?, ?)",
                [(url, k, s.fingerprint, s.failures) for k, s in (polled.seen or {}).items()],
            )

    def record_failure(self, url: str, at: float, next_poll: float, error: str) -> None:
        """A poll that did not reach its feed: one more failure in a row."""
        with self._db:
            self._db.execute(
                "UPDATE feeds SET last_poll = ?, next_poll = ?, failures = failures + 1,"
                " last_error = ? WHERE url = ?",
                (at, next_poll, error, url),
            )

    def defer(self, url: str, next_poll: float, reason: str) -> None:
        """A poll that could not write (the store was busy): try again later, no failure."""
        with self._db:
            self._db.execute(
                "UPDATE feeds SET next_poll = ?, last_error = ? WHERE url = ?",
                (next_poll, reason, url),
            )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            yield self._db


_ENTRIES = "SELECT entry FROM feed_entries WHERE feed = ?"
_FIELDS = [f.name for f in fields(FeedState)]


def _state(row: sqlite3.Row) -> FeedState:
    values = {name: row[name] for name in _FIELDS}
    values["subscribed"] = bool(values["subscribed"])
    return FeedState(**values)
