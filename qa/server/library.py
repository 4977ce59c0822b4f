"""The server's view of one store: a shared reader for questions, a fresh writer per change.

`NewsQA` keeps its reader open between calls (embedder, BM25 index, Chroma client) and closes it
to write, so requests share one reader under a lock and every write gets its own `NewsQA`; the
reader sees the writes through the ledger's generation counter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from qa.api import NewsQA
from qa.server.errors import ArticleNotFound

if TYPE_CHECKING:
    from qa.settings import Settings

T = TypeVar("T")


class Library:
    def __init__(self, open_newsqa: Callable[[], NewsQA]) -> None:
        self._open = open_newsqa
        self._reader = open_newsqa()
        self._lock = threading.Lock()

    @property
    def settings(self) -> Settings:
        return self._reader.settings

    def read(self, call: Callable[[NewsQA], T]) -> T:
        """Run a read on the shared reader; one at a time, as it holds one SQLite connection."""
        with self._lock:
            return call(self._reader)

    def writer(self) -> NewsQA:
        return self._open()

    def check_urls(self, urls: list[str]) -> None:
        """Refuse URLs a client may not make this server fetch (`NewsQA.check_urls`); it reads
        only the settings, so it needs neither the reader's lock nor the store."""
        self._reader.check_urls(urls)

    def remove(self, article_id: str) -> None:
        if self.writer().remove([article_id]):
            raise ArticleNotFound(f"no article with id '{article_id}' (see GET /api/sources)")
