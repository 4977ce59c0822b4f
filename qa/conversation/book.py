"""Conversations kept on disk, so a thread survives the process: `ask --continue`, `chat` after a
restart, and the server's threads.

One small SQLite file under the user directory (`$NEWSQA_HOME/conversations.sqlite`) rather
than the store's ledger: a conversation is the user's, not the articles', it may span
`--store` switches only by saying so, and a read-only or shared store must still take
follow-ups. Each conversation keeps its options (store, k, model, filters) and its turns; the
oldest conversations are dropped past MAX_CONVERSATIONS and idle ones after IDLE_DAYS, so a
public server cannot be filled with them.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from qa.errors import BadQuestion, UnknownConversation

MAX_CONVERSATIONS = 200
IDLE_DAYS = 30
MAX_TURNS = 100
"""Turns kept per conversation; only the last few are read, the rest are its record."""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, options TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    n INTEGER NOT NULL, turn TEXT NOT NULL, PRIMARY KEY (conversation_id, n)
);
"""


@dataclass(frozen=True)
class Turn:
    """One question and what it got: what was searched, the answer, its short answer, and the
    sources it cited (n, title, source, published, url)."""

    question: str
    searched_for: str
    answer: str
    short_answer: str | None = None
    abstained: bool = False
    sources: tuple[dict, ...] = ()
    new_topic: bool = False


@dataclass(frozen=True)
class Summary:
    """A conversation as listed: its id, when it was last used, its first question and length."""

    id: str
    updated: float
    first_question: str
    turns: int
    options: dict = field(default_factory=dict)


class ConversationBook:
    """The conversations file; each call opens and closes it, so several processes share it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def users(cls) -> ConversationBook:
        """The user's conversations file, `$NEWSQA_HOME/conversations.sqlite`."""
        from qa.paths import conversations_file

        return cls(conversations_file())

    def create(self, options: dict) -> str:
        conversation_id = uuid.uuid4().hex[:12]
        now = time.time()
        with self._db() as db:
            db.execute(
                "INSERT INTO conversations(id, options, created, updated) VALUES (?, ?, ?, ?)",
                (conversation_id, json.dumps(options), now, now),
            )
            self._prune(db, now)
        return conversation_id

    def options(self, conversation_id: str) -> dict:
        with self._db() as db:
            row = db.execute(
                "SELECT options FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
        if row is None:
            raise UnknownConversation(self._unknown(conversation_id))
        return json.loads(row[0])

    def set_options(self, conversation_id: str, options: dict) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE conversations SET options = ? WHERE id = ?",
                (json.dumps(options), conversation_id),
            )

    def turns(self, conversation_id: str) -> list[Turn]:
        self.options(conversation_id)
        with self._db() as db:
            rows = db.execute(
                "SELECT turn FROM turns WHERE conversation_id = ? ORDER BY n", (conversation_id,)
            ).fetchall()
        return [_turn(json.loads(row[0])) for row in rows]

    def add_turn(self, conversation_id: str, turn: Turn) -> None:
        with self._db() as db:
            found = db.execute(
                "SELECT COALESCE(MAX(n), 0) FROM turns WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchone()
            n = int(found[0]) + 1
            db.execute(
                "INSERT INTO turns(conversation_id, n, turn) VALUES (?, ?, ?)",
                (conversation_id, n, json.dumps(asdict(turn))),
            )
            db.execute(
                "DELETE FROM turns WHERE conversation_id = ? AND n <= ?",
                (conversation_id, n - MAX_TURNS),
            )
            db.execute(
                "UPDATE conversations SET updated = ? WHERE id = ?", (time.time(), conversation_id)
            )

    def list(self) -> list[Summary]:
        """Every conversation, the most recently used first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT c.id, c.updated, c.options,"
                " (SELECT turn FROM turns t WHERE t.conversation_id = c.id ORDER BY n LIMIT 1),"
                " (SELECT COUNT(*) FROM turns t WHERE t.conversation_id = c.id)"
                " FROM conversations c ORDER BY c.updated DESC"
            ).fetchall()
        return [
            Summary(
                id=row[0],
                updated=row[1],
                first_question=json.loads(row[3])["question"] if row[3] else "",
                turns=row[4],
                options=json.loads(row[2]),
            )
            for row in rows
        ]

    def latest(self) -> str | None:
        """The id of the conversation used last, if any."""
        found = self.list()
        return found[0].id if found else None

    def delete(self, conversation_id: str) -> None:
        with self._db() as db:
            gone = db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        if gone.rowcount == 0:
            raise UnknownConversation(self._unknown(conversation_id))

    def _unknown(self, conversation_id: str) -> str:
        return (
            f"no conversation '{conversation_id}' (deleted, expired, or never made): "
            "`newsqa conversations list` shows those kept"
        )

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = sqlite3.connect(self.path, timeout=10)
            db.execute("PRAGMA foreign_keys = ON")
            db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as error:
            raise BadQuestion(
                f"{self.path}: the conversations file cannot be read ({error}); move it aside "
                "to start afresh"
            ) from None
        try:
            with db:
                yield db
        finally:
            db.close()

    def _prune(self, db: sqlite3.Connection, now: float) -> None:
        db.execute("DELETE FROM conversations WHERE updated < ?", (now - IDLE_DAYS * 86_400,))
        db.execute(
            "DELETE FROM conversations WHERE id NOT IN"
            " (SELECT id FROM conversations ORDER BY updated DESC LIMIT ?)",
            (MAX_CONVERSATIONS,),
        )


def _turn(data: dict) -> Turn:
    return Turn(**{**data, "sources": tuple(data.get("sources", ()))})
