"""Request and response bodies of the HTTP API, as its OpenAPI schema describes them.

Answers, passages and store figures are the library's own dataclasses (`qa.types`,
`index_store.store.StoreStats`), so the API returns exactly what `ask --json` prints.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field, WithJsonSchema, field_validator, model_validator

from qa.settings import Settings

if TYPE_CHECKING:
    from index_store.types import ArticleRecord
    from qa.api import NewsQA
    from qa.news.types import Brief, Timeline
    from qa.retrieval.filters import Filters
    from qa.types import Answer as AnswerType

NEW_CONVERSATION = "new"

# The options every question and search takes, shared so their limits are defined once; `k` and
# `model` are checked by the settings (`Settings.for_call`), like the CLI's -k and -m.
Day = Field(None, max_length=32, description="YYYY-MM-DD", examples=["2025-03-01"])
AsOf = Field(None, max_length=32, description="answer as of this day: nothing published later")
Outlets = Field(default_factory=list, max_length=50, description="only these outlets")
Passages = Field(None, description="how many passages (default: the server's k setting)")
Count = Annotated[int, WithJsonSchema({"type": "integer", **Settings.bounds("k")})]
"""A number of passages: the schema shows the k setting's limits, the settings check them."""


class Filtered(BaseModel):
    """The date and outlet filters of a question or a search."""

    since: str | None = Day
    until: str | None = Day
    as_of: str | None = AsOf
    source: list[str] = Outlets

    def filters(self) -> Filters:
        """The one `Filters` the call carries down (an empty form field means 'not given')."""
        from qa.retrieval.filters import Filters

        return Filters.parse(self.since, self.until, self.as_of, self.source)


class Question(Filtered):
    """A question and the options of `newsqa ask`."""

    question: str = Field(min_length=1, max_length=2000, examples=["Who won the by-election?"])
    k: Count | None = Passages
    model: str | None = Field(None, max_length=300, description="answer model spec")
    conversation_id: str | None = Field(
        None,
        pattern=f"^({NEW_CONVERSATION}|[0-9a-f]{{12}})$",
        description=f'ask as the next turn of this conversation ("{NEW_CONVERSATION}" starts '
        "one): a follow-up is searched with what the earlier questions named; the answer "
        "carries the id to send with the next question",
    )

    def options(self) -> dict[str, Any]:
        """`NewsQA.ask`'s arguments; an empty form field means 'not given'."""
        return {
            "question": self.question,
            "k": self.k,
            "model": self.model or None,
            "filters": self.filters(),
        }

    def stream(self, newsqa: NewsQA) -> Iterator[str | AnswerType]:
        """The answer's events: the question asked alone, or as the next turn of its
        conversation (a new one for "new")."""
        options = self.options()
        if not self.conversation_id:
            return newsqa.ask_stream(**options)
        question = options.pop("question")
        if self.conversation_id == NEW_CONVERSATION:
            return newsqa.conversation(**options).ask_stream(question)
        return newsqa.conversation(self.conversation_id).ask_stream(question, **options)


class Search(Filtered):
    """A query and the options of `newsqa search`."""

    query: str = Field(min_length=1, max_length=2000, examples=["bridge repairs"])
    k: Count | None = Passages

    def options(self) -> dict[str, Any]:
        """`NewsQA.search`'s keyword arguments."""
        return {"k": self.k, "filters": self.filters()}


class Topic(BaseModel):
    """A topic and the options of `newsqa brief` and `newsqa timeline`."""

    topic: str = Field(min_length=1, max_length=300, examples=["Kellan Bridge"])
    since: str | None = Field(
        None,
        max_length=32,
        description="a day (YYYY-MM-DD), a span back from as_of or today (7d, 2w), or 'last': "
        "only what was added since this topic's last brief from this server",
        examples=["7d"],
    )
    until: str | None = Day
    as_of: str | None = AsOf
    source: list[str] = Outlets
    limit: int = Field(5, ge=1, le=50, description="at most this many stories")

    def options(self) -> dict[str, Any]:
        """`NewsQA.brief`'s and `NewsQA.timeline`'s keyword arguments; an empty form field
        means 'not given'."""
        return {
            "limit": self.limit,
            "since": self.since or None,
            "until": self.until or None,
            "as_of": self.as_of or None,
            "source": self.source or None,
        }

    def brief(self, newsqa: NewsQA) -> Brief:
        return newsqa.brief(self.topic, **self.options())

    def timeline(self, newsqa: NewsQA) -> Timeline:
        return newsqa.timeline(self.topic, **self.options())


class Source(BaseModel):
    """A stored article, as `newsqa sources --json` lists it."""

    id: str
    title: str
    source: str
    published: str | None
    url: str
    chunks: int
    also_in: list[dict[str, str]] = Field(description="syndicated copies: {source, url}")

    @classmethod
    def of(cls, record: ArticleRecord) -> Source:
        return cls(
            id=record.id,
            title=record.title,
            source=record.source,
            published=record.published,
            url=record.url,
            chunks=record.chunk_count,
            also_in=[{"source": s, "url": u} for s, u in record.also_in],
        )


class Provider(BaseModel):
    """An answer-model provider of the registry, and whether it can answer now."""

    name: str
    description: str
    usable: bool
    detail: str


class NamedModel(BaseModel):
    """A model given a name (`newsqa models add`); `file` is "served", "file missing" or a size."""

    name: str
    spec: str
    file: str
    usable: bool


class Models(BaseModel):
    default: str
    providers: list[Provider]
    named: list[NamedModel]


class IngestRequest(BaseModel):
    """Article records (the fields of a .jsonl line) and/or http(s) URLs to fetch."""

    articles: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=10_000,
        description="records {id, url, title, source, authors, published, text}; errors name "
        "them as articles.jsonl:N, N counting from 1",
    )
    urls: list[str] = Field(default_factory=list, max_length=100)

    @field_validator("urls")
    @classmethod
    def _web_only(cls, urls: list[str]) -> list[str]:
        return [web_address(url) for url in urls]

    @model_validator(mode="after")
    def _something(self) -> IngestRequest:
        if not self.articles and not self.urls:
            raise ValueError("give 'articles' (records) or 'urls'")
        return self


def web_address(url: str) -> str:
    """`url` if it is an http(s) address: a client never makes the server read its own files."""
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"'{url[:80]}' is not an http(s) URL")
    return url


class JobView(BaseModel):
    """An ingest job: `processed` articles so far by outcome, then its summary or its error."""

    id: str
    inputs: list[str]
    state: Literal["running", "done", "failed"]
    processed: int
    outcomes: dict[str, int]
    summary: dict[str, int] | None
    errors: list[str] = Field(description="sources that could not be read, one line each")
    error: str | None = Field(description="why the whole job failed")
    started: str
    finished: str | None


class Problem(BaseModel):
    """Every error: one line saying what went wrong and what to do."""

    detail: str
