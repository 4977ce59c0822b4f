"""The knobs the ingest side needs, filled from the one settings object in `qa.settings`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class IndexConfig:
    """Where the store lives and how text becomes vectors.

    No defaults here: `qa.settings.Settings.index_config()` fills every field, so the values (and
    why each was chosen) live in one place and this copy can never disagree with them.
    """

    store: Path
    embedding_model: str
    embedding_backend: str
    ingest_embedding_backend: str
    embedding_device: str
    embed_batch_size: int
    chunk_tokens: int
    chunk_overlap_tokens: int
    chroma_url: str | None
    max_article_chars: int
