"""Plain data passed between the ingest stages: sources become Articles, Articles become Chunks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Article:
    """One news article as loaded from a source, before or after cleaning.

    `origin` names where it came from (file path, file:line, feed entry, URL) so that errors and
    summaries can point at it. `teaser`: a feed entry holding only a summary of the page at `url`
    (see `index_store.loaders.teasers`), whose text may be empty.
    """

    text: str
    title: str = ""
    source: str = ""
    url: str = ""
    authors: tuple[str, ...] = ()
    published: date | None = None
    origin: str = ""
    record_id: str = ""
    teaser: bool = False


@dataclass(frozen=True)
class SourceError:
    """A source (or one record inside it) that could not be turned into an article."""

    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


@dataclass(frozen=True)
class Chunk:
    """A window-sized piece of an article, the unit that is embedded and retrieved."""

    chunk_id: str
    article_id: str
    position: int
    text: str
    start: int
    end: int


@dataclass
class IngestSummary:
    """What one ingest run did, counted per article."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    failed: int = 0
    chunks_written: int = 0
    errors: list[SourceError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The counts by name, in the order every report shows them."""
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "chunks_written": self.chunks_written,
        }


@dataclass(frozen=True)
class ArticleRecord:
    """An indexed article as the ledger knows it (`also_in`: syndicated copies, source and url)."""

    id: str
    content_hash: str
    title: str
    source: str
    url: str
    authors: tuple[str, ...]
    published: str | None
    published_epoch: int | None
    text: str
    chunk_count: int
    also_in: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ChunkRecord:
    """A stored chunk with its sentence spans (relative to the chunk text).

    Its text is not stored twice: it is read as a slice of the article's text.
    """

    chunk_id: str
    article_id: str
    position: int
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]
