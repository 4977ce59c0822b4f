"""Whole-store audits for the reliability tests: does the ledger agree with Chroma and BM25?"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index_store.store import Store
from qa import NewsQA


@dataclass(frozen=True)
class StoreState:
    """What a store holds, comparable between runs: article id -> content hash, and chunk ids."""

    articles: dict[str, str]
    chunk_ids: frozenset[str]


def audit(store_dir: Path, *, settled: bool = True, **settings: object) -> StoreState:
    """Assert that every article in the ledger is fully indexed and return the store's state.

    `settled`: no writer was killed since the last completed run, so Chroma must hold exactly the
    ledger's chunks and the journal must be empty. Otherwise Chroma may also hold journaled ids
    that the next writer deletes (queries ignore them).
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    # See the store as a new process would, not through this process's cached Chroma client.
    SharedSystemClient.clear_system_cache()
    store = Store.open(NewsQA(store=store_dir, **settings).settings.index_config())
    try:
        articles, chunk_ids = {}, set()
        for record in store.ledger.articles():
            ids = store.ledger.chunk_ids_of(record.id)
            assert len(ids) == record.chunk_count > 0, f"{record.id}: {len(ids)} chunk rows"
            articles[record.id] = record.content_hash
            chunk_ids.update(ids)
        assert store.ledger.counts() == (len(articles), len(chunk_ids))
        held = store.vectors.ids()
        assert chunk_ids <= held, f"{len(chunk_ids - held)} ledger chunks missing from Chroma"
        extra = held - chunk_ids
        if settled:
            assert not extra and not store.ledger.journal(), "Chroma holds uncommitted chunks"
            assert store.vectors.count() == len(chunk_ids)
        else:
            assert extra <= set(store.ledger.journal()), "Chroma holds unjournaled chunks"
        assert set(store.keyword_index().chunk_ids) == chunk_ids
        return StoreState(articles, frozenset(chunk_ids))
    finally:
        store.close()
