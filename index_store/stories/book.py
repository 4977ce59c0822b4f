"""The stories of a store, in `stories.sqlite` beside the ledger.

Stories are derived from the ledger and the vectors (see `index_store.stories.sync`), so this file
can always be rebuilt; each catch-up step is one SQLite transaction, so a killed one leaves the
book as it was before that step. Each member keeps its article vector, so an article that leaves
(removed, or edited and grouped again) is taken out of its story's centre exactly.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index_store.stories.grouping import Story, title_terms

BOOK = "stories.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stories (
    id INTEGER PRIMARY KEY,
    vector_sum BLOB NOT NULL,
    size INTEGER NOT NULL,
    first_epoch INTEGER,
    last_epoch INTEGER,
    title_terms TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
    article_id TEXT PRIMARY KEY,
    story_id INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    epoch INTEGER,
    title TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS members_by_story ON members(story_id);
CREATE TABLE IF NOT EXISTS title_counts (term TEXT PRIMARY KEY, n INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class Member:
    """An article placed in a story, as the book remembers it."""

    article_id: str
    story_id: int
    content_hash: str
    epoch: int | None
    title: str


class StoryBook:
    """Read and write the stories file; `keyed` names what its vectors came from."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def transaction(self) -> sqlite3.Connection:
        """`with book.transaction():` one step of a catch-up, all or nothing; taken at once,
        so two processes catching up take turns instead of both placing the same article."""
        self._db.execute("BEGIN IMMEDIATE")
        return _Commit(self._db)

    def reset(self, key: str) -> None:
        """Forget every story (the vectors they came from are gone) and remember `key`."""
        with self.transaction():
            for table in ("stories", "members", "title_counts", "meta"):
                self._db.execute(f"DELETE FROM {table}")
            self.set_meta("vectors", key)

    def members(self) -> dict[str, Member]:
        rows = self._db.execute(
            "SELECT article_id, story_id, content_hash, epoch, title FROM members"
        )
        return {r[0]: Member(*r) for r in rows}

    def members_of(self, story_ids: Iterable[int]) -> dict[int, list[Member]]:
        """Each story's members, oldest first (undated last)."""
        wanted = sorted(set(story_ids))
        found: dict[int, list[Member]] = {s: [] for s in wanted}
        for first in range(0, len(wanted), 500):
            part = wanted[first : first + 500]
            rows = self._db.execute(
                "SELECT article_id, story_id, content_hash, epoch, title FROM members"
                f" WHERE story_id IN ({','.join('?' * len(part))})"
                " ORDER BY epoch IS NULL, epoch, article_id",
                part,
            )
            for row in rows:
                found[row[1]].append(Member(*row))
        return found

    def story_of(self, article_ids: Iterable[str]) -> dict[str, int]:
        ids = list(dict.fromkeys(article_ids))
        found: dict[str, int] = {}
        for first in range(0, len(ids), 500):
            part = ids[first : first + 500]
            rows = self._db.execute(
                "SELECT article_id, story_id FROM members"
                f" WHERE article_id IN ({','.join('?' * len(part))})",
                part,
            )
            found.update(dict(rows.fetchall()))
        return found

    def stories(self, reaching: int | None = None, starting_by: int | None = None) -> list[Story]:
        """The stories that last until `reaching` or later and start by `starting_by` (undated
        ones always); every story when not given."""
        query = "SELECT id, vector_sum, size, first_epoch, last_epoch, title_terms FROM stories"
        if reaching is None or starting_by is None:
            rows = self._db.execute(query)
        else:
            rows = self._db.execute(
                query + " WHERE (last_epoch IS NULL OR last_epoch >= ?)"
                " AND (first_epoch IS NULL OR first_epoch <= ?)",
                (reaching, starting_by),
            )
        return [
            Story(
                r[0],
                np.frombuffer(r[1], dtype=np.float32).copy(),
                r[2],
                r[3],
                r[4],
                set(json.loads(r[5])),
            )
            for r in rows
        ]

    def title_counts(self) -> tuple[dict[str, int], int]:
        counts = dict(self._db.execute("SELECT term, n FROM title_counts").fetchall())
        titles = self._db.execute("SELECT COUNT(*) FROM members").fetchone()[0]
        return counts, titles

    def next_story_id(self) -> int:
        return self._db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM stories").fetchone()[0]

    def story_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM stories").fetchone()[0]

    def remove(self, article_ids: Iterable[str]) -> None:
        """Take articles out of their stories (inside a transaction); an emptied story goes."""
        for article_id in article_ids:
            row = self._db.execute(
                "SELECT story_id, title, vector FROM members WHERE article_id = ?", (article_id,)
            ).fetchone()
            if row is None:
                continue
            story_id, title, vector = row
            self._db.execute("DELETE FROM members WHERE article_id = ?", (article_id,))
            self._count_titles(title, -1)
            self._shrink(story_id, np.frombuffer(vector, dtype=np.float32))

    def add(self, member: Member, vector: np.ndarray, story: Story) -> None:
        """Record a placed article and its story's new state (inside a transaction)."""
        self._db.execute(
            "INSERT OR REPLACE INTO members VALUES (?,?,?,?,?,?)",
            (
                member.article_id,
                member.story_id,
                member.content_hash,
                member.epoch,
                member.title,
                vector.astype(np.float32).tobytes(),
            ),
        )
        self._count_titles(member.title, 1)
        self._db.execute(
            "INSERT OR REPLACE INTO stories VALUES (?,?,?,?,?,?)",
            (
                story.story_id,
                story.vector_sum.astype(np.float32).tobytes(),
                story.size,
                story.first_epoch,
                story.last_epoch,
                json.dumps(sorted(story.title_terms)),
            ),
        )

    def _count_titles(self, title: str, step: int) -> None:
        for term in title_terms(title):
            self._db.execute(
                "INSERT INTO title_counts VALUES (?, ?)"
                " ON CONFLICT(term) DO UPDATE SET n = n + excluded.n",
                (term, step),
            )

    def _shrink(self, story_id: int, vector: np.ndarray) -> None:
        left = self._db.execute(
            "SELECT MIN(epoch), MAX(epoch), COUNT(*) FROM members WHERE story_id = ?",
            (story_id,),
        ).fetchone()
        if left[2] == 0:
            self._db.execute("DELETE FROM stories WHERE id = ?", (story_id,))
            return
        (vector_sum,) = self._db.execute(
            "SELECT vector_sum FROM stories WHERE id = ?", (story_id,)
        ).fetchone()
        remaining = np.frombuffer(vector_sum, dtype=np.float32) - vector
        self._db.execute(
            "UPDATE stories SET vector_sum = ?, size = ?, first_epoch = ?, last_epoch = ?"
            " WHERE id = ?",
            (remaining.astype(np.float32).tobytes(), left[2], left[0], left[1], story_id),
        )


class _Commit:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        return self._db

    def __exit__(self, kind, error, trace) -> None:
        self._db.execute("ROLLBACK" if kind else "COMMIT")
