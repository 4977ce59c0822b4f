"""The store's ledger in SQLite: which articles are indexed, their text, chunks and sources.

It is the source of truth. Chroma holds vectors for the chunks listed here; a chunk id written to
Chroma but not yet committed here sits in the `journal` table, so a crash between the two writes
leaves only journal entries, which the next writer deletes from Chroma (see `Store.recover`).
Chunk rows are numbered in the order they were added (`chunks.seq`) and every chunk that leaves
is logged in `chunk_removals`, so the keyword index can catch up on just what changed
(`index_store.keyword.sync`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from index_store.types import ArticleRecord, ChunkRecord

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    url TEXT NOT NULL,
    authors TEXT NOT NULL,
    published TEXT,
    published_epoch INTEGER,
    text TEXT NOT NULL,
    chunk_count INTEGER NOT NULL,
    also_in TEXT NOT NULL DEFAULT '[]',
    ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS articles_by_hash ON articles(content_hash);
CREATE TABLE IF NOT EXISTS chunks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    chunk_id TEXT UNIQUE NOT NULL,
    article_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    sentences TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks(article_id, position);
CREATE TABLE IF NOT EXISTS journal (chunk_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS chunk_removals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    chunk_id TEXT NOT NULL
);
"""

_CHUNK_SELECT = (
    "SELECT c.chunk_id, c.article_id, c.position, c.start, c.end, c.sentences,"
    " substr(a.text, c.start + 1, c.end - c.start) AS text"
    " FROM chunks c JOIN articles a ON a.id = c.article_id"
)


class Ledger:
    """Reads and writes the ledger; every write method is one transaction."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
        self._db = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        if not readonly:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def get_meta(self) -> dict[str, str]:
        return {row["key"]: row["value"] for row in self._db.execute("SELECT key, value FROM meta")}

    def set_meta(self, values: dict[str, str]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                list(values.items()),
            )

    def generation(self) -> int:
        """Bumped on every change to the chunk set, so derived indexes (BM25) see they are stale."""
        return int(self.get_meta().get("generation", "0"))

    def article(self, article_id: str) -> ArticleRecord | None:
        row = self._db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _article(row) if row else None

    def article_with_hash(self, content_hash: str) -> ArticleRecord | None:
        row = self._db.execute(
            "SELECT * FROM articles WHERE content_hash = ? LIMIT 1", (content_hash,)
        ).fetchone()
        return _article(row) if row else None

    def articles(self) -> Iterator[ArticleRecord]:
        for row in self._db.execute("SELECT * FROM articles ORDER BY published DESC, id"):
            yield _article(row)

    def article_keys(self) -> list[tuple[str, str, int | None, str]]:
        """(id, content hash, published epoch, title) of every article, without their text."""
        return self._db.execute(
            "SELECT id, content_hash, published_epoch, title FROM articles"
        ).fetchall()

    def ingested_since(self, moment: str) -> set[str]:
        """Ids of the articles added or updated after `moment` (UTC, 'YYYY-MM-DD HH:MM:SS')."""
        rows = self._db.execute("SELECT id FROM articles WHERE ingested_at > ?", (moment,))
        return {row[0] for row in rows}

    def counts(self) -> tuple[int, int]:
        articles = self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        chunks = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return int(articles), int(chunks)

    def chunk_ids_of(self, article_id: str) -> list[str]:
        rows = self._db.execute(
            "SELECT chunk_id FROM chunks WHERE article_id = ? ORDER BY position",
            (article_id,),
        )
        return [row[0] for row in rows]

    def chunks(self, chunk_ids: Iterable[str]) -> dict[str, ChunkRecord]:
        ids = list(chunk_ids)
        found: dict[str, ChunkRecord] = {}
        for first in range(0, len(ids), 500):
            part = ids[first : first + 500]
            marks = ",".join("?" * len(part))
            query = f"{_CHUNK_SELECT} WHERE c.chunk_id IN ({marks})"
            for row in self._db.execute(query, part):
                found[row["chunk_id"]] = _chunk(row)
        return found

    def chunk_sentences(self, article_id: str) -> list[tuple[int, tuple[tuple[int, int], ...]]]:
        """(start, sentence spans) of each chunk of an article, without reading its text: a
        chunk's text is a slice of its article's, which SQLite would read once per chunk."""
        rows = self._db.execute(
            "SELECT start, sentences FROM chunks WHERE article_id = ? ORDER BY position",
            (article_id,),
        )
        return [(start, _spans(sentences)) for start, sentences in rows]

    def all_chunks(self) -> Iterator[tuple[str, str, int | None, str]]:
        """(chunk_id, text, published_epoch, source) of every chunk in a stable order, for
        rebuilding derived indexes."""
        yield from self._db.execute(
            "SELECT c.chunk_id, substr(a.text, c.start + 1, c.end - c.start),"
            " a.published_epoch, a.source"
            " FROM chunks c JOIN articles a ON a.id = c.article_id ORDER BY c.seq"
        )

    def journal(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT chunk_id FROM journal")]

    def add_to_journal(self, chunk_ids: Iterable[str]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR IGNORE INTO journal(chunk_id) VALUES (?)",
                [(c,) for c in chunk_ids],
            )

    def clear_journal(self, chunk_ids: Iterable[str]) -> None:
        with self._db:
            self._db.executemany(
                "DELETE FROM journal WHERE chunk_id = ?", [(c,) for c in chunk_ids]
            )

    def commit_articles(
        self,
        records: list[ArticleRecord],
        chunks: list[ChunkRecord],
        replaced: list[str],
    ) -> None:
        """Make new and updated articles visible at once; old chunks of updated ones move to the
        journal (to be deleted from Chroma), the new chunk ids leave it."""
        with self._db:
            self._retire_chunks(replaced)
            self._db.executemany(
                "INSERT OR REPLACE INTO articles(id, content_hash, title, source, url, authors,"
                " published, published_epoch, text, chunk_count, also_in)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [_article_row(r) for r in records],
            )
            self._db.executemany(
                "INSERT INTO chunks(chunk_id, article_id, position, start, end, sentences)"
                " VALUES (?,?,?,?,?,?)",
                [_chunk_row(c) for c in chunks],
            )
            self._db.executemany(
                "DELETE FROM journal WHERE chunk_id = ?",
                [(c.chunk_id,) for c in chunks],
            )
            self._bump_generation()

    def article_ids(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT id FROM articles ORDER BY id")]

    def start_rebuild(self) -> None:
        """An empty staging table for a new chunk set; `chunks` stays as it is until the swap."""
        with self._db:
            self._db.execute("DROP TABLE IF EXISTS chunks_next")
            self._db.execute(
                "CREATE TABLE chunks_next (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                " chunk_id TEXT UNIQUE NOT NULL, article_id TEXT NOT NULL, position INTEGER"
                " NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, sentences TEXT NOT NULL)"
            )

    def stage_chunks(self, chunks: list[ChunkRecord]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT INTO chunks_next(chunk_id, article_id, position, start, end, sentences)"
                " VALUES (?,?,?,?,?,?)",
                [_chunk_row(c) for c in chunks],
            )

    def swap_in_staged_chunks(self, meta: dict[str, str]) -> None:
        """In one transaction: the staged chunks replace the old ones, chunk counts follow, the
        journal (ids of the old vectors) empties, and `meta` records what they were built with."""
        with self._db:
            self._db.execute("INSERT INTO chunk_removals(chunk_id) SELECT chunk_id FROM chunks")
            self._db.execute("DELETE FROM chunks")
            self._db.execute(
                "INSERT INTO chunks(chunk_id, article_id, position, start, end, sentences)"
                " SELECT chunk_id, article_id, position, start, end, sentences"
                " FROM chunks_next ORDER BY seq"
            )
            self._db.execute(
                "UPDATE articles SET chunk_count ="
                " (SELECT COUNT(*) FROM chunks WHERE chunks.article_id = articles.id)"
            )
            self._db.execute("DELETE FROM journal")
            self._db.executemany(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", list(meta.items())
            )
            self._bump_generation()
        with self._db:
            self._db.execute("DROP TABLE chunks_next")

    def add_alias(self, article_id: str, source: str, url: str) -> bool:
        """Remember that another outlet published the same text; False when already known."""
        record = self.article(article_id)
        if (
            record is None
            or (source, url) in record.also_in
            or (source, url)
            == (
                record.source,
                record.url,
            )
        ):
            return False
        also_in = [*record.also_in, (source, url)]
        with self._db:
            self._db.execute(
                "UPDATE articles SET also_in = ? WHERE id = ?",
                (json.dumps(also_in), article_id),
            )
        return True

    def remove_article(self, article_id: str) -> list[str]:
        """Forget an article; its chunk ids move to the journal for deletion from Chroma."""
        return self.remove_articles([article_id])

    def remove_articles(self, article_ids: Iterable[str]) -> list[str]:
        """Forget articles in one transaction; their chunk ids move to the journal."""
        ids = list(article_ids)
        chunk_ids = [c for article_id in ids for c in self.chunk_ids_of(article_id)]
        with self._db:
            self._retire_chunks(chunk_ids)
            self._db.executemany("DELETE FROM articles WHERE id = ?", [(a,) for a in ids])
            self._bump_generation()
        return chunk_ids

    def articles_before(self, epoch: int, ingested_before: str) -> list[tuple[str, int]]:
        """(id, chunk count) of the articles published before `epoch`, or undated and ingested
        before `ingested_before` (UTC 'YYYY-MM-DD HH:MM:SS', as SQLite's datetime() writes)."""
        rows = self._db.execute(
            "SELECT id, chunk_count FROM articles WHERE published_epoch < ?"
            " OR (published_epoch IS NULL AND ingested_at < ?) ORDER BY published_epoch, id",
            (epoch, ingested_before),
        )
        return [(article_id, int(count)) for article_id, count in rows]

    def chunks_after(self, seq: int) -> Iterator[tuple[int, str, str, int | None, str]]:
        """(seq, chunk_id, text, published_epoch, source) of the chunks added after row `seq`,
        in the order they were added."""
        yield from self._db.execute(
            "SELECT c.seq, c.chunk_id, substr(a.text, c.start + 1, c.end - c.start),"
            " a.published_epoch, a.source"
            " FROM chunks c JOIN articles a ON a.id = c.article_id WHERE c.seq > ? ORDER BY c.seq",
            (seq,),
        )

    def removals_after(self, seq: int) -> list[tuple[int, str]]:
        """(seq, chunk_id) of the chunk removals logged after `seq`."""
        rows = self._db.execute(
            "SELECT seq, chunk_id FROM chunk_removals WHERE seq > ? ORDER BY seq", (seq,)
        )
        return [(int(s), c) for s, c in rows]

    def last_removal_seq(self) -> int:
        """The number of the last removal ever logged (trimmed or not)."""
        try:
            row = self._db.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = 'chunk_removals'"
            ).fetchone()
        except sqlite3.OperationalError:  # no AUTOINCREMENT table has a row yet
            return 0
        return int(row[0]) if row else 0

    def removals_trimmed_through(self) -> int:
        return int(self.get_meta().get("removals_trimmed_through", "0"))

    def trim_removals(self, through: int) -> None:
        """Forget removals up to `through`, which the saved keyword index has taken in."""
        if through <= self.removals_trimmed_through():
            return
        with self._db:
            self._db.execute("DELETE FROM chunk_removals WHERE seq <= ?", (through,))
            self._db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('removals_trimmed_through', ?)",
                (str(through),),
            )

    def _retire_chunks(self, chunk_ids: list[str]) -> None:
        """Inside a transaction: the chunks leave the ledger; their ids go to the journal (their
        vectors are deleted from Chroma next) and to the removal log (the keyword index's)."""
        rows = [(c,) for c in chunk_ids]
        self._db.executemany("INSERT OR REPLACE INTO journal(chunk_id) VALUES (?)", rows)
        self._db.executemany("INSERT INTO chunk_removals(chunk_id) VALUES (?)", rows)
        self._db.executemany("DELETE FROM chunks WHERE chunk_id = ?", rows)

    def _bump_generation(self) -> None:
        self._db.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') ON CONFLICT(key)"
            " DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )


def _article(row: sqlite3.Row) -> ArticleRecord:
    return ArticleRecord(
        id=row["id"],
        content_hash=row["content_hash"],
        title=row["title"],
        source=row["source"],
        url=row["url"],
        authors=tuple(json.loads(row["authors"])),
        published=row["published"],
        published_epoch=row["published_epoch"],
        text=row["text"],
        chunk_count=row["chunk_count"],
        also_in=tuple(tuple(pair) for pair in json.loads(row["also_in"])),
    )


def _article_row(r: ArticleRecord) -> tuple:
    return (
        r.id,
        r.content_hash,
        r.title,
        r.source,
        r.url,
        json.dumps(list(r.authors)),
        r.published,
        r.published_epoch,
        r.text,
        r.chunk_count,
        json.dumps([list(pair) for pair in r.also_in]),
    )


def _chunk(row: sqlite3.Row) -> ChunkRecord:
    return ChunkRecord(
        chunk_id=row["chunk_id"],
        article_id=row["article_id"],
        position=row["position"],
        start=row["start"],
        end=row["end"],
        text=row["text"],
        sentences=_spans(row["sentences"]),
    )


def _spans(stored: str) -> tuple[tuple[int, int], ...]:
    return tuple(tuple(s) for s in json.loads(stored))


def _chunk_row(c: ChunkRecord) -> tuple:
    return (
        c.chunk_id,
        c.article_id,
        c.position,
        c.start,
        c.end,
        json.dumps([list(s) for s in c.sentences]),
    )
