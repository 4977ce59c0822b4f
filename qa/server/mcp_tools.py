"""The tools `newsqa mcp` offers an assistant: what each takes, what it returns, and the `NewsQA`
call behind it. Plain pydantic and the library; `qa.server.mcp` puts them on the protocol.

Arguments are checked by the HTTP API's own request models (`Question`, `Search`, `Topic`), so a
tool and a route accept exactly the same values, and a mistake is one line naming the field.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, TypeAdapter, ValidationError

from index_store.store import StoreStats
from index_store.types import IngestSummary
from qa.news.types import Brief, Timeline
from qa.server.errors import ArticleNotFound, BadToolCall, BadUpload, NotAllowed, invalid_fields
from qa.server.guards import names_local_file
from qa.server.library import Library
from qa.server.schemas import Question, Search, Source, Topic, web_address
from qa.types import Citation, Passage

ABOUT_FIELDS = (
    "title, source (the outlet), published (the day, YYYY-MM-DD) and url; article_id names the "
    "article, whose whole text is the resource newsqa://articles/{article_id} (percent-encoded)"
)


class Page(BaseModel):
    """Which stored articles to list."""

    limit: int = Field(50, ge=1, le=500, description="at most this many articles")
    offset: int = Field(0, ge=0, description="skip this many of the newest first")


class Nothing(BaseModel):
    """A tool that takes no arguments."""


class Address(BaseModel):
    """Where to fetch articles from."""

    url: Annotated[str, AfterValidator(web_address)] = Field(
        max_length=2000, description="an http(s) page, RSS/Atom feed or text file"
    )


class AskResult(BaseModel):
    """A cited answer, or an abstention when the articles do not answer the question."""

    question: str
    answer: str
    short_answer: str | None = Field(
        None, description="the name, number, date or phrase asked for, as the answer opens"
    )
    abstained: bool = Field(description="true when the stored articles do not answer it")
    model: str = Field(description="the answer model that wrote it")
    citations: list[Citation] = Field(description="the passages cited as [n] in the answer")
    notes: list[str] = Field(description="what checking the answer changed, if anything")
    conversation_id: str | None = Field(
        None, description="the conversation it was asked in: pass it with the next question"
    )
    searched_for: str | None = Field(
        None, description="in a conversation, the standalone question that was searched"
    )


class SearchResult(BaseModel):
    """Passages that match the query, best first."""

    passages: list[Passage]


class SourcesResult(BaseModel):
    """A page of the stored articles, newest first."""

    total: int = Field(description="how many articles the store holds")
    articles: list[Source]


@dataclass(frozen=True)
class Tool:
    """One tool: its name and description for the assistant, its argument model, the type of
    what it returns (its JSON schema is the tool's output schema), and the call it makes."""

    name: str
    title: str
    description: str
    arguments: type[BaseModel]
    result: Any
    run: Callable[[Toolbox, Any], Any]
    writes: bool = False

    def output_schema(self) -> dict[str, Any]:
        return TypeAdapter(self.result).json_schema()


class Toolbox:
    """The tools of one server over one store; writing tools only when the server allows them."""

    def __init__(self, library: Library, allow_writes: bool = False) -> None:
        self.library = library
        self.allow_writes = allow_writes
        self.tools = {tool.name: tool for tool in TOOLS if allow_writes or not tool.writes}
        self.writing = threading.Lock()

    def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Run a tool; its result as JSON data. Every mistake is a `NewsQAError`: one line."""
        tool = self._tool(name)
        try:
            checked = tool.arguments.model_validate(arguments)
        except ValidationError as error:
            raise BadToolCall(invalid_fields(error.errors())) from None
        result = tool.run(self, checked)
        return TypeAdapter(tool.result).dump_python(result, mode="json")

    def article_text(self, article_id: str) -> str:
        """An article's stored text under its title, outlet, date and url (Markdown)."""
        record = self.library.read(lambda nq: nq.article(article_id))
        if record is None:
            raise ArticleNotFound(
                f"no article with id '{article_id}' (the sources, search and ask tools give ids)"
            )
        lines = [f"# {record.title}", "", f"{record.source}, {record.published or 'undated'}"]
        if record.url:
            lines.append(f"<{record.url}>")
        lines += [f"Also published by {source} <{url}>" for source, url in record.also_in]
        return "\n".join([*lines, "", record.text])

    def _tool(self, name: str) -> Tool:
        if name in self.tools:
            return self.tools[name]
        if any(tool.name == name for tool in TOOLS):
            raise NotAllowed(
                f"{name} changes the store, and this server was started read-only: "
                "start it with `newsqa mcp --allow-writes` to allow it"
            )
        raise BadToolCall(f"no tool '{name}': the tools are {', '.join(self.tools)}")


def _ask(box: Toolbox, question: Question) -> AskResult:
    if question.model and names_local_file(question.model):
        raise NotAllowed(
            "a tool call cannot choose a local GGUF file; start the server with "
            "`newsqa mcp -m llamacpp:PATH` instead"
        )
    answer = box.library.read(lambda nq: list(question.stream(nq))[-1])
    return AskResult(
        question=answer.question,
        answer=answer.answer,
        short_answer=answer.short_answer,
        abstained=answer.abstained,
        model=answer.model,
        citations=list(answer.citations),
        notes=list(answer.notes),
        conversation_id=answer.conversation_id,
        searched_for=answer.searched_for,
    )


def _search(box: Toolbox, search: Search) -> SearchResult:
    return SearchResult(
        passages=box.library.read(lambda nq: nq.search(search.query, **search.options()))
    )


def _brief(box: Toolbox, topic: Topic) -> Brief:
    return box.library.read(topic.brief)


def _timeline(box: Toolbox, topic: Topic) -> Timeline:
    return box.library.read(topic.timeline)


def _sources(box: Toolbox, page: Page) -> SourcesResult:
    def listing(nq) -> SourcesResult:
        records = nq.sources(limit=page.limit, offset=page.offset)
        return SourcesResult(total=nq.stats().articles, articles=[Source.of(r) for r in records])

    return box.library.read(listing)


def _stats(box: Toolbox, _: Nothing) -> StoreStats:
    return box.library.read(lambda nq: nq.stats())


def _ingest_url(box: Toolbox, address: Address) -> IngestSummary:
    """One ingest at a time (the others wait); fails only when nothing at the URL could be read."""
    box.library.check_urls([address.url])
    with box.writing:
        summary = box.library.writer().ingest([address.url], public_only=True)
    stored = summary.added + summary.updated + summary.unchanged + summary.duplicates
    if summary.errors and not stored:
        raise BadUpload("; ".join(str(error) for error in summary.errors))
    return summary


TOOLS = (
    Tool(
        name="ask",
        title="Ask the news articles",
        description=(
            "Answer a question from the stored news articles. The answer cites numbered passages "
            f"([1], [2]); each citation gives {ABOUT_FIELDS}, and the passage text. When the "
            "articles do not answer, abstained is true and the answer says so: do not answer "
            "from elsewhere then. as_of asks as of a past day (nothing published later is "
            "read); since and until limit publication days; source limits outlets."
        ),
        arguments=Question,
        result=AskResult,
        run=_ask,
    ),
    Tool(
        name="search",
        title="Search the news articles",
        description=(
            "The passages of stored news articles that best match a query (words and meaning), "
            f"best first, each with its text, {ABOUT_FIELDS}. Same filters as ask."
        ),
        arguments=Search,
        result=SearchResult,
        run=_search,
    ),
    Tool(
        name="sources",
        title="List the stored articles",
        description=(
            "The stored articles, newest first: id, title, source (the outlet), published, url, "
            "chunks and syndicated copies (also_in); total counts them all, page with offset. "
            "An article's whole text is the resource newsqa://articles/{id} (percent-encoded)."
        ),
        arguments=Page,
        result=SourcesResult,
        run=_sources,
    ),
    Tool(
        name="stats",
        title="Store figures",
        description=(
            "How many articles and passages (chunks) the store holds, and the embedding model "
            "that built it."
        ),
        arguments=Nothing,
        result=StoreStats,
        run=_stats,
    ),
    Tool(
        name="brief",
        title="Brief on a topic",
        description=(
            "The news stories about a topic (a name, place or event), newest first: each with its "
            "headline, first and last publication days, outlets, articles, and lines saying what "
            "happened, citing numbered citations (cited: [n]); each citation gives "
            f"{ABOUT_FIELDS}, and the passage text. disagreements are figures a story's articles "
            "give differently (oldest first, the last is the latest): report both. When nothing "
            "is about the topic, stories is empty and note says so: do not brief from elsewhere "
            "then. since: a day, a span back from as_of or today (7d, 2w), or 'last' (only what "
            "was added since this topic's last brief); until, as_of and source as for ask; limit: "
            "at most this many stories."
        ),
        arguments=Topic,
        result=Brief,
        run=_brief,
    ),
    Tool(
        name="timeline",
        title="Timeline of a topic",
        description=(
            "What happened in the news stories about a topic, in date order, oldest first: each "
            "event its day, one line citing numbered citations (as for brief), and every outlet "
            "that reported it; disagreements as for brief; an empty events list and a note when "
            "nothing is about the topic. Same arguments as brief."
        ),
        arguments=Topic,
        result=Timeline,
        run=_timeline,
    ),
    Tool(
        name="ingest_url",
        title="Add articles from a URL",
        description=(
            "Fetch an http(s) page, RSS/Atom feed or text file and add its articles to the store: "
            "unchanged ones are skipped, edited ones replaced, syndicated copies stored once. "
            "Returns how many were added, updated, unchanged, duplicates and failed, and why."
        ),
        arguments=Address,
        result=IngestSummary,
        run=_ingest_url,
        writes=True,
    ),
)
