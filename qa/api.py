"""The public Python API: `NewsQA` ingests sources and answers questions with citations.

The CLI, the HTTP server and the eval runner are thin layers over this class.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

from index_store.errors import StoreNotFound
from index_store.reindex import ReindexSummary
from index_store.store import Store, StoreStats
from index_store.types import ArticleRecord, IngestSummary
from qa.errors import BadQuestion
from qa.models.base import ModelContext
from qa.retrieval.filters import FilterOptions, Filters
from qa.settings import Settings, load_settings
from qa.types import Answer, Passage

if TYPE_CHECKING:
    from index_store.prune import PruneSummary
    from index_store.watch import Clock, PollResult, Watcher
    from qa.conversation.book import Summary as ConversationSummary
    from qa.conversation.conversation import Conversation
    from qa.conversation.references import Earlier, Standalone
    from qa.news.shapes import NewsShape
    from qa.news.summaries import Answerer
    from qa.news.types import Brief, NewsOptions, Timeline
    from qa.retrieval.retrieve import Retrieved, Stages


class NewsQA:
    """A store of news articles you can ask questions of.

    >>> nq = NewsQA(store="./my-store")
    >>> nq.ingest(["articles/"])
    >>> answer = nq.ask("Who won the by-election?")
    """

    def __init__(
        self, store: str | Path | None = None, *, stages: Stages | None = None, **settings: Any
    ) -> None:
        """`stages`: retrieval's candidate sources and fusion, for experiments; default today's."""
        self.settings: Settings = load_settings(store=store, **settings)
        self._store: Store | None = None
        self._stages = stages

    def ingest(
        self,
        inputs: Iterable[str | Path],
        on_article: Callable[[str, str], None] | None = None,
        *,
        public_only: bool = False,
    ) -> IngestSummary:
        """Add, update or skip the articles in files, folders and URLs; feed entries that only
        tease an article are read from the linked page (setting `follow_feed_links`).
        `public_only`: the inputs come from a server's client, so URLs, their redirects and
        linked pages are fetched only from public internet addresses (a refused one is a failed
        source), unless the setting `allow_private_urls`."""
        from index_store.ingest import ingest
        from index_store.loaders.url_guard import check_url

        guarded = public_only and not self.settings.allow_private_urls
        store = self._writable()
        try:
            return ingest(
                store,
                [str(i) for i in inputs],
                on_article=on_article,
                fetch_timeout=self.settings.fetch_timeout,
                max_fetch_bytes=self.settings.max_fetch_bytes,
                follow_links=self.settings.follow_feed_links,
                guard=check_url if guarded else None,
            )
        finally:
            store.close()

    def check_urls(self, urls: Iterable[str]) -> None:
        """Raise `RefusedAddress` for the first URL a server may not fetch (see `ingest`'s
        `public_only`), before anything is read; a host that does not resolve is left to the
        fetch, which reports it as a failed source."""
        from index_store.loaders.url_guard import check_url

        if self.settings.allow_private_urls:
            return
        for url in urls:
            try:
                check_url(url)
            except OSError:
                continue

    def remove(self, article_ids: Iterable[str]) -> list[str]:
        """Forget articles; returns the ids that were not found."""
        from index_store.ingest import remove

        store = self._writable()
        try:
            return remove(store, list(article_ids))
        finally:
            store.close()

    def watcher(
        self,
        *,
        create: bool = True,
        clock: Clock | None = None,
        on_poll: Callable[[PollResult], None] | None = None,
        on_article: Callable[[str, str], None] | None = None,
    ) -> Watcher:
        """The feeds this store watches and the loop that polls them (`newsqa watch`); close it
        when done. `create`: make the store if there is none yet (else StoreNotFound)."""
        from index_store.watch import Watcher, WatchOptions

        config = self.settings.index_config()
        store = self._writable() if create else Store.open(config, readonly=False)
        options = WatchOptions(
            every=self.settings.watch_every,
            follow_links=self.settings.follow_feed_links,
            fetch_timeout=self.settings.fetch_timeout,
            max_fetch_bytes=self.settings.max_fetch_bytes,
        )
        return Watcher(store, options, clock, on_poll, on_article)

    def prune(
        self, *, older_than: timedelta | None = None, before: date | None = None,
        dry_run: bool = False,
    ) -> PruneSummary:  # fmt: skip
        """Forget the articles published before `before` (or more than `older_than` ago), with
        their chunks, vectors and keyword entries; undated ones count from their ingest."""
        from index_store.prune import prune

        if (older_than is None) == (before is None):
            raise ValueError("give exactly one of older_than or before")
        if before is not None:
            cutoff = datetime(before.year, before.month, before.day, tzinfo=UTC)
        else:
            cutoff = datetime.now(UTC) - older_than
        store = Store.open(self.settings.index_config(), readonly=False)
        try:
            return prune(store, cutoff, dry_run=dry_run)
        finally:
            store.close()

    def reindex(
        self,
        on_article: Callable[[str], None] | None = None,
        embedding_model: str | None = None,
    ) -> ReindexSummary:
        """Re-embed every stored article from its stored text with `embedding_model` (default:
        the store's own) and the configured chunk sizes: to move a store to another model, or
        after a schema upgrade; no files needed."""
        from index_store.reindex import reindex

        if self._store is not None:
            self._store.close()
            self._store = None
        config = self.settings.index_config()
        return reindex(config, on_article=on_article, model=embedding_model)

    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        **filter_options: Unpack[FilterOptions],
    ) -> list[Passage]:
        """The passages that best match the query, best first. Filter with a `Filters` or with
        `since`, `until`, `as_of` (YYYY-MM-DD) and `source` (one outlet or several)."""
        settings = self.settings.for_call(k=k)
        return self._retrieve(query, settings, _chosen(filters, filter_options)).passages

    def ask(
        self,
        question: str,
        *,
        k: int | None = None,
        model: str | None = None,
        filters: Filters | None = None,
        **filter_options: Unpack[FilterOptions],
    ) -> Answer:
        """A cited answer, or an abstention when the passages do not answer the question."""
        *_, answer = self.ask_stream(question, k=k, model=model, filters=filters, **filter_options)
        return answer

    def ask_stream(
        self,
        question: str,
        *,
        k: int | None = None,
        model: str | None = None,
        filters: Filters | None = None,
        **filter_options: Unpack[FilterOptions],
    ) -> Iterator[str | Answer]:
        """The answer's text in pieces as the model writes them (citations already renumbered),
        then the verified `Answer`, whose text may differ (fallback, abstention, tidying)."""
        from qa.news.shapes import news_shape

        settings = self.settings.for_call(k=k, model=model)
        started = time.perf_counter()
        chosen = _chosen(filters, filter_options)
        shape = news_shape(question)
        if shape is not None:
            answer = self._news_answer(question.strip(), shape, settings, chosen)
            yield answer.answer
            yield answer
            return
        retrieved = self._retrieve(question, settings, chosen)
        timings = retrieved.timings
        answering, answering_cpu = time.perf_counter(), time.process_time()
        for event in self._answer_events(question, retrieved, settings, chosen.as_of):
            if isinstance(event, Answer):
                event, added = self._with_differing_figures(event, chosen)
                if added:
                    yield added
                timings["answer"] = _ms_since(answering)
                timings["answer_cpu"] = round((time.process_time() - answering_cpu) * 1000, 2)
                timings["total"] = _ms_since(started)
                yield _with_timings(event, timings)
            else:
                timings.setdefault("first_text", _ms_since(answering))
                yield event

    def brief(
        self, topic: str, *, model: str | None = None, **options: Unpack[NewsOptions]
    ) -> Brief:
        """The stories about `topic`, newest first, each with its dated headline, outlets, what
        happened (cited) and the figures its articles give differently; with an answer LLM
        (`model`, or the configured one), a short cited summary of each. Options: `limit`
        stories (5), `since` (a day, a span before `as_of` or today such as "7d", or "last":
        only what was added since this topic's last brief from this store), `until`, `as_of`,
        `source`."""
        from qa.news.brief import build_brief

        settings = self.settings.for_call(model=model)

        def build(store, found, filters, started):
            answerer = self._answerer(settings, filters)
            return build_brief(store, found, filters, started, answerer)

        return self._news(topic, build, options)

    def timeline(self, topic: str, **options: Unpack[NewsOptions]) -> Timeline:
        """The events of the stories about `topic`, oldest first, one cited line each (an event
        several outlets reported is one line citing them all). Options as for `brief`."""
        from qa.news.timeline import build_timeline

        return self._news(topic, build_timeline, options)

    def conversation(
        self,
        conversation_id: str | None = None,
        *,
        k: int | None = None,
        model: str | None = None,
        filters: Filters | None = None,
        **filter_options: Unpack[FilterOptions],
    ) -> Conversation:
        """A new conversation whose turns use these options, or the kept one with this id
        resumed (the options given then change it from its next turn)."""
        from qa.conversation.book import ConversationBook
        from qa.conversation.conversation import Conversation, filters_options

        book = ConversationBook.users()
        chosen = _chosen(filters, filter_options)
        if conversation_id is None:
            options = {"store": str(self.settings.store), "k": k, "model": model}
            conversation_id = book.create({**options, **filters_options(chosen)})
            return Conversation(self, book, conversation_id)
        conversation = Conversation(self, book, conversation_id)
        kept = conversation.options
        changed = {"k": k, "model": model} | (
            filters_options(chosen) if chosen != Filters() else {}
        )
        changed = {name: value for name, value in changed.items() if value not in (None, [])}
        if changed:
            book.set_options(conversation_id, kept | changed)
        return conversation

    def standalone(
        self, question: str, history: Sequence[Mapping[str, str]], model: str | None = None
    ) -> str:
        """The follow-up `question` as the standalone question a conversation searches after
        `history`, its earlier turns ({"question", "answer"?} each, oldest first)."""
        from qa.conversation.references import Earlier

        earlier = [Earlier(turn["question"], turn.get("answer", "")) for turn in history]
        return self.follow_up(question, earlier, model).text

    def follow_up(
        self, question: str, earlier: list[Earlier], model: str | None = None
    ) -> Standalone:
        """The follow-up with its references resolved: by the answer model (`model`, else the
        configured one) when it is an LLM and the question leans on the earlier turns, else
        from the earlier turns' names (`qa.conversation.references`)."""
        from qa.conversation.references import standalone
        from qa.conversation.rewrite import rewritten
        from qa.models.base import CompletingModel
        from qa.models.registry import resolve

        found = standalone(question, earlier)
        settings = self.settings.for_call(model=model)
        if not found.rewritten or settings.model == "extractive":
            return found
        llm = resolve(settings.model, ModelContext(settings))
        if not isinstance(llm, CompletingModel):
            return found
        return rewritten(llm, question, earlier, found)

    def conversations(self) -> list[ConversationSummary]:
        """The kept conversations, the most recently used first."""
        from qa.conversation.book import ConversationBook

        return ConversationBook.users().list()

    def delete_conversation(self, conversation_id: str) -> None:
        from qa.conversation.book import ConversationBook

        ConversationBook.users().delete(conversation_id)

    def sources(self, limit: int | None = None, offset: int = 0) -> list[ArticleRecord]:
        """Stored articles, newest first: every one, or `limit` of them after the first `offset`."""
        end = None if limit is None else offset + limit
        return list(islice(self._reader().ledger.articles(), offset, end))

    def article(self, article_id: str) -> ArticleRecord | None:
        """A stored article with its full text, or None when no article has this id."""
        return self._reader().ledger.article(article_id)

    def stats(self) -> StoreStats:
        return self._reader().stats()

    def describe(self) -> dict[str, Any]:
        """The configuration that produced answers, for reports: settings (no keys) and store."""
        from dataclasses import asdict

        return {"settings": self.settings.public(), "store": asdict(self.stats())}

    def _retrieve(self, question: str, settings: Settings, filters: Filters) -> Retrieved:
        from qa.retrieval.retrieve import retrieve

        if not question or not question.strip():
            raise BadQuestion("the question is empty: ask something, e.g. 'Who won the vote?'")
        store = self._reader()
        started = time.perf_counter()
        retrieved = retrieve(store, settings, question.strip(), settings.k, filters, self._stages)
        retrieved.timings["retrieve"] = _ms_since(started)
        return retrieved

    def _with_differing_figures(self, answer: Answer, filters: Filters) -> tuple[Answer, str]:
        """The answer with what its story's articles say differently about the figures it
        states (`qa.news.differing`), and the text that adds."""
        from index_store.errors import StoreWriteError
        from qa.news.differing import with_differing_figures

        try:
            told = with_differing_figures(answer, self._reader(), filters)
        except StoreWriteError as error:
            note = f"the figures of the answer's stories were not compared: {error}"
            return replace(answer, notes=(*answer.notes, note)), ""
        return told, told.answer[len(answer.answer) :]

    def _answer_events(
        self, question: str, retrieved: Retrieved, settings: Settings, as_of: date | None
    ) -> Iterator[str | Answer]:
        from qa.answering.pipeline import answer_events

        context = ModelContext(settings, retrieved.asked, as_of)
        return answer_events(question, retrieved.passages, settings.model, context)

    def _news(
        self, topic: str, build: Callable[..., Brief | Timeline], options: NewsOptions
    ) -> Any:
        """A brief or a timeline (`build`) of the stories about a topic."""
        from qa.news.brief import LIMIT, find_stories
        from qa.news.briefed import BriefedBook
        from qa.news.types import Brief

        if not topic or not topic.strip():
            raise BadQuestion("the topic is empty: name what to brief on, e.g. 'Kellan Bridge'")
        started = time.perf_counter()
        store = self._reader()
        since, as_of = options.get("since"), options.get("as_of")
        new_ids, last = None, None
        if since == "last":
            last = BriefedBook.users().last(store.path, topic)
            new_ids = store.ledger.ingested_since(last) if last else None
            since = None
        filters = Filters.parse(
            since=_since_day(since, as_of),
            until=options.get("until"),
            as_of=as_of,
            source=options.get("source"),
        )
        found = find_stories(
            store,
            self.settings,
            topic.strip(),
            filters,
            limit=options.get("limit", LIMIT),
            stages=self._stages,
            new_ids=new_ids,
        )
        made = build(store, found, filters, started)
        if isinstance(made, Brief):
            BriefedBook.users().mark(store.path, topic)
        if new_ids is None:
            return made
        nothing_new = f'Nothing new about "{topic.strip()}" since {last} UTC.'
        shown = made.stories if isinstance(made, Brief) else made.events
        return replace(made, new_since=last, note=made.note if shown else nothing_new)

    def _answerer(self, settings: Settings, filters: Filters) -> Answerer | None:
        """The configured answer LLM as a function of (question, passages), or None for the
        extractive answerer (a brief quotes its lines already)."""
        from qa.answering.pipeline import answer_events
        from qa.models.default_model import answers_extractively

        if answers_extractively(settings.model):
            return None
        context = ModelContext(settings, None, filters.as_of)

        def answer(question: str, passages: list[Passage]) -> Answer:
            *_, final = answer_events(question, passages, settings.model, context)
            return final

        return answer

    def _news_answer(
        self, question: str, shape: NewsShape, settings: Settings, filters: Filters
    ) -> Answer:
        """A news-shaped question answered from the stories about its topic."""
        from qa.news.answer import brief_answer, timeline_answer
        from qa.news.brief import build_brief, find_stories
        from qa.news.timeline import build_timeline

        started = time.perf_counter()
        if shape.within_days and filters.since is None:
            day = (filters.as_of or date.today()) - timedelta(days=shape.within_days)
            filters = replace(filters, since=day)
        store = self._reader()
        found = find_stories(store, settings, shape.topic, filters, stages=self._stages)
        passages = found.retrieved.passages
        if shape.shape == "timeline":
            made = build_timeline(store, found, filters, started)
            answer = timeline_answer(question, made, passages, settings.model)
        else:
            answerer = self._answerer(settings, filters)
            made = build_brief(store, found, filters, started, answerer)
            answer = brief_answer(question, made, passages, settings.model)
        return _with_timings(answer, made.timings_ms)

    def _reader(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.settings.index_config(), readonly=True)
            if self._store.ledger.counts()[0] == 0:
                raise StoreNotFound(
                    f"the store at {self.settings.store} is empty: add articles with "
                    f"`newsqa ingest PATH --store {self.settings.store}`"
                )
        return self._store

    def _writable(self) -> Store:
        if self._store is not None:
            self._store.close()
        self._store = None
        return Store.create_or_open(self.settings.index_config())


def _chosen(filters: Filters | None, options: FilterOptions) -> Filters:
    """The call's filters: a `Filters`, or keyword arguments parsed into one (not both)."""
    if filters is None:
        return Filters.parse(**options)
    if options:
        raise BadQuestion(f"give filters or {', '.join(options)}, not both")
    return filters


def _since_day(since: str | date | None, as_of: str | date | None) -> str | date | None:
    """`since` as a day: a span ("7d", "2w") counts back from `as_of`, or from today."""
    if not isinstance(since, str) or not since.strip():
        return since
    if re.fullmatch(r"\s*\d+\s*[dw]\s*", since):
        days = int(since.strip()[:-1]) * (7 if since.strip().endswith("w") else 1)
        end = Filters.parse(as_of=as_of).as_of or date.today()
        return end - timedelta(days=days)
    try:
        return date.fromisoformat(since.strip())
    except ValueError:
        raise BadQuestion(
            f"since: '{since}' is not a date, use YYYY-MM-DD, a span such as 7d or 2w, or last"
        ) from None


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _with_timings(answer: Answer, timings: dict[str, float]) -> Answer:
    return replace(answer, timings_ms={k: round(v, 2) for k, v in timings.items()})
