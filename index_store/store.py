"""The store: a folder holding the ledger (SQLite), the vectors (Chroma) and the BM25 index.

A store is read and written with the embedding model that built it, whatever model is
configured (that one is for new stores and `newsqa reindex --embedding-model`), so vectors from
two models never mix and a change of the default leaves existing stores answering as before.
Opening checks the schema. Writers hold the write lock; readers open the ledger read-only.
"""

from __future__ import annotations

import errno
import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from index_store.config import IndexConfig
from index_store.errors import NewsQAError, StoreMismatch, StoreNotFound, StoreWriteError
from index_store.keyword import KeywordIndex
from index_store.ledger import SCHEMA_VERSION, Ledger
from index_store.lock import write_lock
from index_store.stories.book import StoryBook
from index_store.vectors import UNDATED, VectorIndex

LEDGER = "manifest.sqlite"
QUESTION_MODEL = "question-model"
FOLDER, SERVER = "folder", "chroma-server"
# Meta key naming a Chroma collection to delete: one a reindex is building (until the swap) or
# the one it replaced (after it).
STALE_COLLECTION = "stale_collection"


@dataclass(frozen=True)
class StoreStats:
    path: str
    articles: int
    chunks: int
    vectors: int
    embedding_model: str
    dimension: int
    schema_version: int
    embedding_device: str
    """The device ingest and reindex would embed on: 'cpu', 'cuda', 'cuda:1' or 'mps'."""


class Store:
    """A newsqa store on disk. Use `Store.open` to read and `Store.create_or_open` to write."""

    def __init__(self, config: IndexConfig, manifest: Ledger) -> None:
        self.config = config
        self.path = config.store
        self.ledger = manifest
        self.meta = manifest.get_meta()
        self.model = self.meta.get("embedding_model") or config.embedding_model
        """The embedding model that built the store, which reads and extends it."""

    @classmethod
    def open(cls, config: IndexConfig, readonly: bool = True) -> Store:
        """Open an existing store, failing clearly when there is none or it does not match."""
        ledger = config.store / LEDGER
        if not ledger.exists():
            raise StoreNotFound(
                f"no newsqa store at {config.store}: add articles with `newsqa ingest PATH "
                f"--store {config.store}`"
            )
        store = cls(config, Ledger(ledger, readonly=readonly))
        store.check_compatible()
        return store

    @classmethod
    def create_or_open(cls, config: IndexConfig) -> Store:
        from index_store.embedders.device import check_device

        check_device(config.embedding_device)  # before the store is made or touched
        try:
            config.store.mkdir(parents=True, exist_ok=True)
            manifest = Ledger(config.store / LEDGER)
            if not manifest.get_meta().get("store_id"):
                manifest.set_meta(_new_store_meta(config))
        except (OSError, sqlite3.OperationalError) as error:
            raise StoreWriteError(f"cannot write the store at {config.store}: {error}") from None
        store = cls(config, manifest)
        store.check_compatible()
        return store

    def check_compatible(self) -> None:
        self.check_schema()
        self.check_vectors_place()

    def check_vectors_place(self) -> None:
        """A store's vectors stay where it was created: in its folder or on a Chroma server.
        Opening it the other way would find an empty collection and answer from BM25 alone."""
        on_server = self.meta.get("vectors", FOLDER) == SERVER
        if on_server and not self.config.chroma_url:
            raise StoreMismatch(
                f"store {self.path} keeps its vectors on a Chroma server: pass --chroma-url URL "
                "(or set chroma_url in config.toml / NEWSQA_CHROMA_URL)"
            )
        if self.config.chroma_url and not on_server:
            raise StoreMismatch(
                f"store {self.path} keeps its vectors in its own folder, not on a Chroma server: "
                "open it without --chroma-url / chroma_url"
            )

    def check_schema(self) -> None:
        """An older schema is rebuilt by reindex; a newer one needs a newer newsqa."""
        schema = int(self.meta.get("schema_version", "0"))
        if schema > SCHEMA_VERSION:
            raise StoreMismatch(
                f"store {self.path} has schema version {schema}, newer than this newsqa reads "
                f"({SCHEMA_VERSION}): upgrade newsqa"
            )
        if schema < SCHEMA_VERSION:
            raise StoreMismatch(
                f"store {self.path} has schema version {schema}, this newsqa reads "
                f"{SCHEMA_VERSION}: run `newsqa reindex --store {self.path}` to rebuild it from "
                "its stored text"
            )

    @property
    def collection_name(self) -> str:
        return self.meta.get("collection") or "newsqa_" + self.meta["store_id"][:12]

    @cached_property
    def vectors(self) -> VectorIndex:
        with storage_errors(self.path):
            return VectorIndex(self.path / "chroma", self.config.chroma_url, self.collection_name)

    @cached_property
    def embedder(self):
        """The model that embeds questions, on the CPU: one question gains nothing from a GPU."""
        return self._embedder(self.config.embedding_backend, "cpu")

    @cached_property
    def ingest_embedder(self):
        """The model that embeds articles: the same model, maybe another backend and device."""
        return self._embedder(self.config.ingest_embedding_backend, self.config.embedding_device)

    @property
    def ingest_device(self) -> str:
        """The device `ingest_embedder` runs on, without loading it."""
        from index_store.embedding import embedding_device

        return embedding_device(
            self.model,
            self.config.ingest_embedding_backend,
            self.config.embedding_device,
            self.path / QUESTION_MODEL,
        )

    def _embedder(self, backend: str, device: str):
        from index_store.embedders.device import DeviceUnavailable
        from index_store.embedding import load_embedder

        try:
            embedder = load_embedder(
                self.model,
                backend,
                self.config.embed_batch_size,
                self.path / QUESTION_MODEL,
                device,
            )
        except DeviceUnavailable:
            raise
        except NewsQAError as error:
            raise StoreMismatch(
                f"store {self.path} was built with embedding model '{self.model}', which cannot "
                f"be loaded here ({error}): install it, or re-embed the store with `newsqa "
                f"reindex --store {self.path} --embedding-model MODEL`"
            ) from None
        recorded = self.meta.get("dimension") or ""
        if not recorded and not self.ledger.readonly:
            self.ledger.set_meta({"dimension": str(embedder.dimension)})
        elif recorded and recorded != str(embedder.dimension):
            raise StoreMismatch(
                f"store {self.path} holds {self.meta['dimension']}-dimension vectors, the model "
                f"gives {embedder.dimension}: run `newsqa reindex --store {self.path}`"
            )
        return embedder

    def prepare_question_model(self) -> None:
        """Make the ONNX export that lets questions skip torch's load, for a sentence-
        transformers model that ships none (`embedders.export`); nothing for MiniLM and e5,
        nor when questions are set to torch or the export exists."""
        from index_store.embedders.export import export_for_questions, usable_export
        from index_store.embedding import DEFAULT_MODEL, E5_MODEL, load_embedder

        if self.config.embedding_backend != "onnx" or self.model in (DEFAULT_MODEL, E5_MODEL):
            return
        if usable_export(self.path / QUESTION_MODEL, self.model):
            return
        torch_model = load_embedder(self.model, "torch", self.config.embed_batch_size)
        export_for_questions(torch_model, self.path / QUESTION_MODEL)

    @contextmanager
    def writing(self, *, brief: bool = False) -> Iterator[None]:
        """Hold the write lock and first undo whatever a killed writer left half-done; `brief`:
        other writers wait for this one (see `index_store.lock`)."""
        with storage_errors(self.path), write_lock(self.path, brief=brief):
            self.recover()
            yield

    def recover(self) -> None:
        """Delete from Chroma the chunk ids the ledger never committed or has since dropped,
        and the collection a killed reindex was building or had just replaced."""
        pending = self.ledger.journal()
        if pending:
            self.vectors.delete(pending)
            self.ledger.clear_journal(pending)
        stale = self.ledger.get_meta().get(STALE_COLLECTION)
        if stale:
            self.vectors.drop_collection(stale)
            self.ledger.set_meta({STALE_COLLECTION: ""})

    def keyword_index(self) -> KeywordIndex:
        """The BM25 index for the ledger's current generation, caught up on what changed since
        it was saved (and saved again, by a writer)."""
        from index_store.keyword.sync import current_index

        generation = self.ledger.generation()
        cached = self.__dict__.get("_keyword")
        if cached is not None and cached.marks.generation == generation:
            return cached
        index = current_index(
            self.path / "bm25", self.ledger, cached, save=not self.ledger.readonly
        )
        self.__dict__["_keyword"] = index
        return index

    def stories(self) -> StoryBook:
        """The store's stories, caught up with the ledger first (`index_store.stories.sync`)."""
        from index_store.stories.sync import catch_up

        with storage_errors(self.path):
            book = catch_up(self, self.__dict__.get("_stories"))
        self.__dict__["_stories"] = book
        return book

    def keyword_rows(self) -> Iterator[tuple[str, str, int, str]]:
        for chunk_id, text, epoch, source in self.ledger.all_chunks():
            yield chunk_id, text, UNDATED if epoch is None else epoch, source

    def stats(self) -> StoreStats:
        articles, chunks = self.ledger.counts()
        return StoreStats(
            path=str(self.path),
            articles=articles,
            chunks=chunks,
            vectors=self.vectors.count(),
            embedding_model=self.meta.get("embedding_model", ""),
            dimension=int(self.meta.get("dimension", "0")),
            schema_version=int(self.meta.get("schema_version", "0")),
            embedding_device=self.ingest_device,
        )

    def close(self) -> None:
        self.ledger.close()
        if "_stories" in self.__dict__:
            self.__dict__.pop("_stories").close()


@contextmanager
def storage_errors(path: Path) -> Iterator[None]:
    """Turn a full disk, a read-only folder or missing permissions, met by SQLite, Chroma or a
    plain file write, into one StoreWriteError line; anything else stays a bug with a traceback.

    Writes are batched crash-safely, so what was stored before the failure stays whole.
    """
    try:
        yield
    except Exception as error:
        reason = _storage_problem(error)
        if reason is None:
            raise
        raise StoreWriteError(
            f"cannot write the store at {path}: {reason}; what was stored before is intact, "
            "free some space or make the folder writable and run the command again"
        ) from None


_FULL_OR_READONLY = re.compile(
    r"disk is full|readonly|read-only|no space left|permission denied|quota"
    r"|unable to open database file",
    re.IGNORECASE,
)
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT, errno.EFBIG}


def _storage_problem(error: Exception) -> str | None:
    """Why storage refused a write, or None when `error` is not about storage."""
    if isinstance(error, OSError) and error.errno in _STORAGE_ERRNOS:
        return error.strerror or str(error)
    from_storage = isinstance(error, sqlite3.OperationalError) or type(error).__module__.startswith(
        "chromadb"
    )
    if from_storage and _FULL_OR_READONLY.search(str(error)):
        return str(error).rsplit(") ", 1)[-1].strip()
    return None


def _new_store_meta(config: IndexConfig) -> dict[str, str]:
    from index_store.embedding import DIMENSIONS, canonical_model

    model = canonical_model(config.embedding_model)
    return {
        "store_id": uuid.uuid4().hex,
        "schema_version": str(SCHEMA_VERSION),
        "embedding_model": model,
        "dimension": str(DIMENSIONS.get(model, "")),
        "generation": "0",
        "vectors": SERVER if config.chroma_url else FOLDER,
    }
