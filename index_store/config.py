"""The knobs the ingest side needs, filled from the one settings object in `qa.settings`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class IndexConfig:
    """Where the store lives and how text becomes vectors.

    chunk_tokens leaves room for [CLS]/[SEP] inside MiniLM's 256-token window; see
    `qa.settings.Settings` for why each default was chosen.
    """

    store: Path
    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_backend: str = "torch"
    ingest_embedding_backend: str = "torch"
    embed_batch_size: int = 64
    chunk_tokens: int = 128
    chunk_overlap_tokens: int = 16
    chroma_url: str | None = None
    max_article_chars: int = 2_000_000
