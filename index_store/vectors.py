"""Chunk vectors in Chroma, embedded on disk or on a Chroma server; vectors are always passed in.

Chroma's own embedding function would try to download a model, so collections are created with
`embedding_function=None` and cosine space. Metadata holds what filters need inside Chroma:
article id, source, and the publication day as an epoch int (-1 when unknown).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index_store.errors import VectorServerError

MAX_BATCH = 4000
UNDATED = -1


@dataclass(frozen=True)
class VectorHit:
    chunk_id: str
    similarity: float


@dataclass(frozen=True)
class ChunkFilter:
    """Which chunks a query may see. `as_of` keeps undated articles (nothing shows they are
    later); `until` does not, since the user asked for a date range."""

    since_epoch: int | None = None
    until_epoch: int | None = None
    as_of_epoch: int | None = None
    sources: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return self == ChunkFilter()

    def chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.since_epoch is not None:
            clauses.append({"published_epoch": {"$gte": self.since_epoch}})
        if self.until_epoch is not None:
            clauses.append({"published_epoch": {"$lte": self.until_epoch}})
            clauses.append({"published_epoch": {"$gte": 0}})
        if self.as_of_epoch is not None:
            clauses.append({"published_epoch": {"$lte": self.as_of_epoch}})
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def admits(self, epoch: int, source: str) -> bool:
        """The same test in Python, for the keyword index."""
        if self.since_epoch is not None and epoch < self.since_epoch:
            return False
        if self.until_epoch is not None and not 0 <= epoch <= self.until_epoch:
            return False
        if self.as_of_epoch is not None and epoch > self.as_of_epoch:
            return False
        return not self.sources or source in self.sources


class VectorIndex:
    """One Chroma collection of chunk vectors, in the store folder or on a Chroma server.

    HNSW keeps Chroma's defaults: a larger `sync_threshold` saved about 3% of the CPU of adding
    60k vectors but left the unpersisted part to be replayed by every process that opens the
    collection (18 s at 60k), which would be paid by each cold `newsqa search`."""

    def __init__(self, path: Path, chroma_url: str | None, collection: str) -> None:
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        self._server = chroma_url
        with self._reachable():
            if chroma_url:
                self._client = _http_client(chroma_url, settings)
            else:
                self._client = chromadb.PersistentClient(path=str(path), settings=settings)
            self._collection = self._client.get_or_create_collection(
                collection,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
            )

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        """A Chroma server that is down or unreachable becomes one error naming it."""
        if not self._server:
            yield
            return
        import httpx

        try:
            yield
        except (httpx.TransportError, ConnectionError, ValueError) as error:
            if isinstance(error, ValueError) and "connect" not in str(error).lower():
                raise
            raise VectorServerError(
                f"cannot reach the Chroma server at {self._server} ({error}): start it with "
                "`chroma run --path DIR --host HOST --port PORT`, or fix --chroma-url / chroma_url"
            ) from None

    def count(self) -> int:
        with self._reachable():
            return self._collection.count()

    def drop_collection(self, name: str) -> None:
        """Delete another collection of the same Chroma (an old or half-built one); no error
        when it is already gone."""
        if name != self._collection.name and name in self._names():
            self._client.delete_collection(name)

    def _names(self) -> set[str]:
        return {getattr(c, "name", c) for c in self._client.list_collections()}

    def ids(self) -> set[str]:
        """Every chunk id the collection holds, for checks that it agrees with the ledger."""
        held: list[str] = []
        while batch := self._collection.get(include=[], limit=MAX_BATCH, offset=len(held))["ids"]:
            held += batch
        return set(held)

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vector of each chunk id (ids the collection lacks are left out)."""
        found: dict[str, np.ndarray] = {}
        with self._reachable():
            for first in range(0, len(ids), MAX_BATCH):
                got = self._collection.get(
                    ids=list(ids[first : first + MAX_BATCH]), include=["embeddings"]
                )
                for chunk_id, vector in zip(got["ids"], got["embeddings"]):
                    found[chunk_id] = np.asarray(vector, dtype=np.float32)
        return found

    def add(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict]) -> None:
        with self._reachable():
            for first in range(0, len(ids), MAX_BATCH):
                last = first + MAX_BATCH
                self._collection.upsert(
                    ids=list(ids[first:last]),
                    embeddings=vectors[first:last],
                    metadatas=list(metadatas[first:last]),
                )

    def delete(self, ids: Sequence[str]) -> None:
        with self._reachable():
            for first in range(0, len(ids), MAX_BATCH):
                self._collection.delete(ids=list(ids[first : first + MAX_BATCH]))

    def query(
        self, vector: np.ndarray, n: int, where: ChunkFilter | None = None
    ) -> list[VectorHit]:
        if n <= 0:
            return []
        with self._reachable():
            result = self._collection.query(
                query_embeddings=vector.reshape(1, -1),
                n_results=n,
                where=where.chroma_where() if where else None,
                include=["distances"],
            )
        ids, distances = result["ids"][0], result["distances"][0]
        return [VectorHit(i, 1.0 - float(d)) for i, d in zip(ids, distances)]


def _http_client(url: str, settings):
    from urllib.parse import urlsplit

    import chromadb

    parts = urlsplit(url if "://" in url else f"http://{url}")
    return chromadb.HttpClient(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (443 if parts.scheme == "https" else 8000),
        ssl=parts.scheme == "https",
        settings=settings,
    )
