"""Request and response bodies of the HTTP API, as its OpenAPI schema describes them.

Answers, passages and store figures are the library's own dataclasses (`qa.types`,
`index_store.store.StoreStats`), so the API returns exactly what `ask --json` prints.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

Day = Field(None, max_length=32, description="YYYY-MM-DD", examples=["2025-03-01"])


class Question(BaseModel):
    """A question and the options of `newsqa ask`."""

    question: str = Field(min_length=1, max_length=2000, examples=["Who won the by-election?"])
    k: int | None = Field(None, ge=1, le=50, description="passages shown to the answerer")
    model: str | None = Field(None, max_length=300, description="answer model spec")
    since: str | None = Day
    until: str | None = Day
    as_of: str | None = Field(None, max_length=32, description="answer as of this day")
    source: list[str] = Field(default_factory=list, max_length=50, description="only these outlets")


class Source(BaseModel):
    """A stored article, as `newsqa sources --json` lists it."""

    id: str
    title: str
    source: str
    published: str | None
    url: str
    chunks: int
    also_in: list[dict[str, str]] = Field(description="syndicated copies: {source, url}")


class Provider(BaseModel):
    """An answer-model provider of the registry, and whether it can answer now."""

    name: str
    description: str
    usable: bool
    detail: str


class Models(BaseModel):
    default: str
    providers: list[Provider]


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
        for url in urls:
            if not url.lower().startswith(("http://", "https://")):
                raise ValueError(f"'{url[:80]}' is not an http(s) URL")
        return urls

    @model_validator(mode="after")
    def _something(self) -> IngestRequest:
        if not self.articles and not self.urls:
            raise ValueError("give 'articles' (records) or 'urls'")
        return self


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
