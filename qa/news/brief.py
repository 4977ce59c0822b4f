"""A brief: the stories about a topic in a period, newest first, each saying what happened.

The topic is searched like a question (BRIEF_PASSAGES passages, so that several stories turn up);
passages that do not name the topic whole are dropped (`about_topic`), and what is left is
grouped by the stories its articles belong to (`index_store.stories`). The LIMIT stories found
first (the best match first) are shown, newest first, each with its articles in the period, its
outlets, what its newest and its first article say of the topic first, and the figures its
articles give differently (`figures`). Nothing about the topic gives no stories and a note,
never other stories.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

from index_store.store import Store
from index_store.stories.book import Member
from index_store.types import ArticleRecord
from qa.news.citing import Citer
from qa.news.figures import differing, figures_in, what_of
from qa.news.summaries import Answerer, summary
from qa.news.types import Brief, BriefStory, Disagreement, Figure, Line, StoryArticle
from qa.reading.subject import about_subject
from qa.retrieval.filters import Filters
from qa.retrieval.retrieve import Retrieved, Stages, retrieve
from qa.settings import Settings
from qa.types import Passage

BRIEF_PASSAGES = 30
LIMIT = 5


@dataclass(frozen=True)
class Found:
    """What a search for a topic found: the passages about it, by story, best story first;
    `records`: the ledger's records read to choose members by outlet (`member_records`)."""

    topic: str
    retrieved: Retrieved
    stories: dict[int, list[Member]]
    passages: dict[str, list[Passage]]
    records: dict[str, ArticleRecord] | None = None


def find_stories(
    store: Store,
    settings: Settings,
    topic: str,
    filters: Filters,
    *,
    limit: int = LIMIT,
    stages: Stages | None = None,
    new_ids: set[str] | None = None,
) -> Found:
    """The stories about `topic` in the period (best match first), with their members in the
    period, oldest first; `new_ids`: only stories with one of these articles (`--since last`)."""
    retrieved = retrieve(store, settings, topic, BRIEF_PASSAGES, filters, stages)
    about = [p for p in retrieved.passages if about_topic(topic, f"{p.title}\n{p.text}")]
    passages: dict[str, list[Passage]] = {}
    for passage in about:
        passages.setdefault(passage.article_id, []).append(passage)
    book = store.stories()
    story_of = book.story_of(passages)
    ranked = list(dict.fromkeys(story_of[a] for a in passages if a in story_of))
    members = book.members_of(ranked)
    chosen: dict[int, list[Member]] = {}
    read: dict[str, ArticleRecord] = {}
    for story_id in ranked:
        shown = [m for m in members[story_id] if in_period(m.epoch, filters)]
        if filters.sources:
            read |= records_of(store, [shown])
            shown = [m for m in shown if _from_outlets(read.get(m.article_id), filters.sources)]
        if new_ids is not None and not any(m.article_id in new_ids for m in shown):
            continue
        if shown:
            chosen[story_id] = shown
        if len(chosen) == limit:
            break
    return Found(topic, retrieved, chosen, passages, read if filters.sources else None)


def build_brief(
    store: Store,
    found: Found,
    filters: Filters,
    started: float,
    summarise: Answerer | None = None,
) -> Brief:
    """The brief of what `find_stories` found; `summarise`: an answer LLM's, for a summary of
    each story (`summaries`)."""
    citer = Citer(store.ledger)
    records = member_records(store, found)
    newest_first = sorted(
        found.stories.items(), key=lambda item: -max((m.epoch or 0) for m in item[1])
    )
    stories = tuple(
        _story(story_id, members, records, found, citer) for story_id, members in newest_first
    )
    if summarise is not None:
        stories = tuple(
            replace(story, summary=summary(found.topic, _cited(story), citer, summarise))
            for story in stories
        )
    note = None if stories else no_stories(found.topic, filters)
    timings = dict(found.retrieved.timings)
    timings["total"] = round((time.perf_counter() - started) * 1000, 2)
    return Brief(
        topic=found.topic,
        stories=stories,
        citations=citer.citations(),
        since=_iso(filters.since),
        until=_iso(filters.until),
        as_of=_iso(filters.as_of),
        note=note,
        timings_ms=timings,
    )


def article_line(record: ArticleRecord, found: Found, citer: Citer) -> Line:
    """What an article says happened: its first sentence about the topic near its start (news
    leads with it), else its best retrieved sentence about it, else its opening."""
    from qa.reading.sentences import rank_sentences

    lead = citer.opening(record, lambda sentence: about_topic(found.topic, sentence))
    if lead is None:
        own = found.passages.get(record.id, [])
        ranked = rank_sentences(found.topic, own, found.retrieved.asked) if own else []
        best = next((s for s in ranked if about_topic(found.topic, s.text)), None)
        lead = (own[best.passage_index].chunk_id, best.text) if best else citer.opening(record)
    chunk_id, sentence = lead or citer.first_chunk(record)
    return Line(sentence, (citer.cite(record, chunk_id),), record.published)


def story_disagreements(
    members: list[Member], records: dict[str, ArticleRecord], citer: Citer
) -> tuple[Disagreement, ...]:
    """The figures the story's articles (oldest first) give differently, each cited."""
    texts = [records[m.article_id] for m in members]
    groups = differing([figures_in(r.id, r.text) for r in texts])
    found = []
    for group in groups:
        figures = []
        for figure in group:
            record = records[figure.article_id]
            n = citer.cite(record, citer.chunk_at(record, figure.offset))
            figures.append(
                Figure(figure.text, n, record.published, record.source, figure.unit, figure.value)
            )
        found.append(Disagreement(what_of(group), tuple(figures)))
    return tuple(found)


def _story(
    story_id: int,
    members: list[Member],
    records: dict[str, ArticleRecord],
    found: Found,
    citer: Citer,
) -> BriefStory:
    newest, first = records[members[-1].article_id], records[members[0].article_id]
    lines = [article_line(newest, found, citer)]
    if first.id != newest.id:
        lines.append(article_line(first, found, citer))
    articles = tuple(_article(records[m.article_id]) for m in members)
    outlets = tuple(dict.fromkeys(o for a in articles for o in a.outlets))
    return BriefStory(
        story_id=story_id,
        headline=newest.title,
        first_published=first.published,
        last_published=newest.published,
        outlets=outlets,
        articles=articles,
        lines=tuple(lines),
        disagreements=story_disagreements(members, records, citer),
    )


def _cited(story: BriefStory) -> list[int]:
    return [n for line in story.lines for n in line.cited]


def _article(record: ArticleRecord) -> StoryArticle:
    return StoryArticle(record.id, record.title, record.published, outlets_of(record), record.url)


def outlets_of(record: ArticleRecord) -> tuple[str, ...]:
    """The outlet of an article and of its syndicated copies."""
    found = (record.source, *(source for source, _ in record.also_in))
    return tuple(dict.fromkeys(o for o in found if o))


def about_topic(topic: str, text: str) -> bool:
    """Whether the text names the topic: the whole of each of its names (`qa.reading.subject`),
    or, for a topic spaCy finds no subject in (a bare "Lumenfold"), every word of it."""
    from index_store.terms import terms
    from qa.reading.subject import subject_terms

    if subject_terms(topic):
        return about_subject(topic, text, whole_names=True)
    return set(terms(topic)) <= set(terms(text))


def records_of(store: Store, groups: Iterable[list[Member]]) -> dict[str, ArticleRecord]:
    """The ledger's record of every member."""
    records = {}
    for members in groups:
        for member in members:
            record = store.ledger.article(member.article_id)
            if record is not None:
                records[member.article_id] = record
    return records


def member_records(store: Store, found: Found) -> dict[str, ArticleRecord]:
    """The ledger's record of every member of the found stories: those a --source filter read
    already, else read now."""
    if found.records is None:
        return records_of(store, found.stories.values())
    groups = found.stories.values()
    return {m.article_id: found.records[m.article_id] for group in groups for m in group}


def _from_outlets(record: ArticleRecord | None, outlets: tuple[str, ...]) -> bool:
    """Whether the article, or a syndicated copy of it, is from one of the outlets."""
    return record is not None and bool(set(outlets_of(record)) & set(outlets))


def in_period(epoch: int | None, filters: Filters) -> bool:
    """Whether an article of this date is inside the filters' dates (outlets: see the search)."""
    where = replace(filters.chunk_filter(), sources=())
    if epoch is None:
        return where.since_epoch is None and where.until_epoch is None
    return where.admits(epoch, "")


def no_stories(topic: str, filters: Filters) -> str:
    return f'No story in the articles is about "{topic}"{_period(filters)}.'


def _period(filters: Filters) -> str:
    parts = []
    if filters.since:
        parts.append(f"since {filters.since}")
    if filters.until:
        parts.append(f"until {filters.until}")
    if filters.as_of:
        parts.append(f"as of {filters.as_of}")
    return f" ({', '.join(parts)})" if parts else ""


def _iso(day) -> str | None:
    return day.isoformat() if day else None
