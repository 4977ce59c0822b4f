"""Keep the stories in step with the ledger: what left it leaves its story, what is new is placed.

Writers (`ingest`, `watch`, `remove`, `prune`, `reindex`) catch up when they finish; a reader that
finds the book behind the ledger (a store made before stories existed, a writer killed before its
catch-up) catches up itself. One process at a time (a lock beside the book); new articles are
placed oldest first, STEP at a time, each step one transaction, so a killed catch-up keeps what it
finished and the next one goes on from there; a step loads only the stories its articles could
join. An article's vector is the mean of its chunks'.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from index_store.stories.book import BOOK, Member, StoryBook
from index_store.stories.grouping import DAY, STORY_SPAN_DAYS, Grouper

STEP = 256
LOCK = ".stories.lock"


def catch_up(store, book: StoryBook | None = None) -> StoryBook:
    """The store's story book (`book`, or opened), brought up to the ledger's generation."""
    from filelock import FileLock

    book = book or StoryBook(store.path / BOOK)
    generation = str(store.ledger.generation())
    if _current(book, store, generation):
        return book
    with FileLock(str(Path(store.path) / LOCK)):
        if not _current(book, store, generation):
            _catch_up(book, store)
            book.set_meta("generation", generation)
    return book


def _current(book: StoryBook, store, generation: str) -> bool:
    return book.meta("vectors") == _vectors_key(store) and book.meta("generation") == generation


def _vectors_key(store) -> str:
    """What the article vectors came from: a reindex makes a new collection, and new vectors."""
    return f"{store.collection_name}:{store.model}"


def _catch_up(book: StoryBook, store) -> None:
    if book.meta("vectors") != _vectors_key(store):
        book.reset(_vectors_key(store))
    known = book.members()
    current = {row[0]: row for row in store.ledger.article_keys()}
    leaving = [a for a, m in known.items() if a not in current or current[a][1] != m.content_hash]
    if leaving:
        with book.transaction():
            book.remove(leaving)
    regroup = set(leaving)
    arriving = sorted(
        (row for a, row in current.items() if a not in known or a in regroup),
        key=lambda row: (row[2] is None, row[2] or 0, row[0]),
    )
    if not arriving:
        return
    counts, titles = book.title_counts()
    for first in range(0, len(arriving), STEP):
        step = arriving[first : first + STEP]
        grouper = Grouper(book.stories(*_reach(step)), counts, titles, book.next_story_id())
        vectors = _article_vectors(store, [row[0] for row in step])
        with book.transaction():
            for article_id, content_hash, epoch, title in step:
                vector = vectors.get(article_id)
                if vector is None:
                    continue
                placed = grouper.place(vector, epoch, title)
                member = Member(article_id, placed.story_id, content_hash, epoch, title)
                book.add(member, vector, grouper.stories[placed.story_id])
        titles = grouper.titles


def _reach(step: list[tuple]) -> tuple[int | None, int | None]:
    """The dates a story must reach to be joinable by an article of the step (None: any, for
    undated articles); only those stories are loaded, so memory follows the step, not the store."""
    epochs = [row[2] for row in step]
    if None in epochs:
        return None, None
    span = STORY_SPAN_DAYS * DAY
    return min(epochs) - span, max(epochs) + span


def _article_vectors(store, article_ids: list[str]) -> dict[str, np.ndarray]:
    """Each article's unit vector: the mean of its chunks' vectors in the store."""
    chunks_of = {a: store.ledger.chunk_ids_of(a) for a in article_ids}
    stored = store.vectors.vectors([c for ids in chunks_of.values() for c in ids])
    parts: dict[str, list[np.ndarray]] = defaultdict(list)
    for article_id, chunk_ids in chunks_of.items():
        parts[article_id] = [stored[c] for c in chunk_ids if c in stored]
    vectors = {}
    for article_id, found in parts.items():
        if found:
            mean = np.mean(found, axis=0)
            vectors[article_id] = (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)
    return vectors
