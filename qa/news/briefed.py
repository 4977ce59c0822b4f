"""When each topic was last briefed, per store: `newsqa brief TOPIC --since last` shows only
what was added since then (what a `watch` user reads each morning)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS briefed (store TEXT NOT NULL, topic TEXT NOT NULL,"
    " at TEXT NOT NULL, PRIMARY KEY (store, topic))"
)


class BriefedBook:
    """`$NEWSQA_HOME/briefed.sqlite`: (store, topic) -> the UTC moment of its last brief."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def users(cls) -> BriefedBook:
        from qa.paths import briefed_file

        return cls(briefed_file())

    def last(self, store: Path, topic: str) -> str | None:
        """'YYYY-MM-DD HH:MM:SS' (UTC, as the ledger writes ingest times), or None if never."""
        with self._db() as db:
            row = db.execute(
                "SELECT at FROM briefed WHERE store = ? AND topic = ?", _key(store, topic)
            ).fetchone()
        return row[0] if row else None

    def mark(self, store: Path, topic: str) -> None:
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO briefed VALUES (?, ?, ?)", (*_key(store, topic), now)
            )

    def _db(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        db.execute(_SCHEMA)
        return db


def _key(store: Path, topic: str) -> tuple[str, str]:
    return str(Path(store).resolve()), " ".join(topic.lower().split())
