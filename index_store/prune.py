"""Retention: forget articles published before a cutoff, with their chunks, vectors and keyword
entries, in one crash-safe pass (as `remove` does: the ledger first, chunk ids journaled until
Chroma has dropped them, the keyword index caught up last).

An article's age is its publication date; an undated article's is the day it was ingested.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from index_store.store import Store

BATCH_ARTICLES = 200


@dataclass(frozen=True)
class PruneSummary:
    cutoff: str
    articles: int
    chunks: int
    dry_run: bool
    article_ids: tuple[str, ...]


def prune(store: Store, cutoff: datetime, *, dry_run: bool = False) -> PruneSummary:
    """Remove (or with `dry_run` only list) the articles older than `cutoff`."""
    cutoff = cutoff.astimezone(UTC)
    doomed = store.ledger.articles_before(
        int(cutoff.timestamp()), cutoff.strftime("%Y-%m-%d %H:%M:%S")
    )
    chunks = sum(count for _, count in doomed)
    ids = tuple(article_id for article_id, _ in doomed)
    if doomed and not dry_run:
        with store.writing():
            for first in range(0, len(ids), BATCH_ARTICLES):
                chunk_ids = store.ledger.remove_articles(ids[first : first + BATCH_ARTICLES])
                store.vectors.delete(chunk_ids)
                store.ledger.clear_journal(chunk_ids)
            store.keyword_index()
            store.stories()
    return PruneSummary(cutoff.date().isoformat(), len(ids), chunks, dry_run, ids)
