"""A timeline: what happened in the stories about a topic, one cited line per event, oldest first.

Each article of the stories `brief.find_stories` finds is one line (its opening, or its best
sentence about the topic). Lines of articles published within SAME_EVENT_DAYS of each other whose
sentences say nearly the same (cosine of their embeddings at least SAME_EVENT_SIMILARITY) are one
event reported by several outlets: shown once, with all of their citations and outlets.
"""

from __future__ import annotations

import time

import numpy as np

from index_store.store import Store
from qa.news.brief import (
    Found,
    article_line,
    member_records,
    no_stories,
    outlets_of,
    story_disagreements,
)
from qa.news.citing import Citer
from qa.news.types import Line, Timeline, TimelineEvent
from qa.retrieval.filters import Filters

SAME_EVENT_DAYS = 1
SAME_EVENT_SIMILARITY = 0.8
DAY = 86_400


def build_timeline(store: Store, found: Found, filters: Filters, started: float) -> Timeline:
    """The timeline of what `find_stories` found."""
    citer = Citer(store.ledger)
    records = member_records(store, found)
    members = sorted(
        (m for group in found.stories.values() for m in group if m.article_id in records),
        key=lambda m: (m.epoch is None, m.epoch or 0, m.article_id),
    )
    dated = [(m, article_line(records[m.article_id], found, citer)) for m in members]
    events = _merged(dated, records, found)
    disagreements = tuple(
        d for group in found.stories.values() for d in story_disagreements(group, records, citer)
    )
    timings = dict(found.retrieved.timings)
    timings["total"] = round((time.perf_counter() - started) * 1000, 2)
    return Timeline(
        topic=found.topic,
        events=tuple(events),
        citations=citer.citations(),
        disagreements=disagreements,
        note=None if events else no_stories(found.topic, filters),
        timings_ms=timings,
    )


def _merged(dated, records, found: Found) -> list[TimelineEvent]:
    """One event per group of near-identical lines published within SAME_EVENT_DAYS."""
    if not dated:
        return []
    vectors = _unit(found.retrieved.asked.encode, [line.text for _, line in dated])
    events: list[tuple[int, TimelineEvent]] = []
    for index, (member, line) in enumerate(dated):
        outlets = outlets_of(records[member.article_id])
        twin = next(
            (
                position
                for position, (first, event) in enumerate(events)
                if _same_event(dated[first][0].epoch, member.epoch, vectors, first, index)
            ),
            None,
        )
        if twin is None:
            events.append((index, TimelineEvent(line.published, line, outlets, member.story_id)))
            continue
        first, event = events[twin]
        joined = Line(event.line.text, event.line.cited + line.cited, event.line.published)
        events[twin] = (
            first,
            TimelineEvent(
                event.published,
                joined,
                tuple(dict.fromkeys(event.outlets + outlets)),
                event.story_id,
            ),
        )
    return [event for _, event in events]


def _same_event(a: int | None, b: int | None, vectors, i: int, j: int) -> bool:
    if a is None or b is None or abs(a - b) > SAME_EVENT_DAYS * DAY or vectors is None:
        return False
    return float(vectors[i] @ vectors[j]) >= SAME_EVENT_SIMILARITY


def _unit(encode, texts: list[str]):
    if encode is None:
        return None
    vectors = np.asarray(encode(texts), dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
