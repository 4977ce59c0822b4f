"""Routes that read the store: ask (plain and as server-sent events), search, briefs and
timelines, sources, stats, and the answer models the page can offer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from index_store.store import StoreStats
from qa.news.types import Brief, Timeline
from qa.server.config import ServerConfig
from qa.server.guards import check_model_choice
from qa.server.library import Library
from qa.server.schemas import Count, Filtered, Models, Problem, Question, Source, Topic
from qa.server.streaming import answer_events
from qa.types import Answer, Passage

ERRORS = {status: {"model": Problem} for status in (400, 401, 403, 404, 409, 413, 422, 502)}


def read_routes(library: Library, config: ServerConfig) -> APIRouter:
    router = APIRouter(prefix="/api", responses=ERRORS)

    def vet(request: Request, question: Question) -> None:
        check_model_choice(config, request, question.model, library.settings.model)

    @router.post("/ask", response_model=Answer, tags=["ask"])
    def ask(question: Question, request: Request) -> dict:
        """A cited answer, or an abstention: the object `newsqa ask --json` prints."""
        vet(request, question)
        return library.read(lambda nq: list(question.stream(nq))[-1]).to_dict()

    @router.get(
        "/ask/stream",
        tags=["ask"],
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    def ask_stream(question: Annotated[Question, Query()], request: Request) -> StreamingResponse:
        """The answer as server-sent events: `text` events ({"text"}) as the model writes,
        then one `answer` event holding the object `POST /api/ask` returns (its text may differ
        from the pieces: citations checked, fallback, abstention), or an `error` event
        ({"detail"}). Mistakes found before the answer starts are plain JSON errors."""
        vet(request, question)
        events = answer_events(library, question.stream)
        return StreamingResponse(
            events, media_type="text/event-stream", headers={"Cache-Control": "no-store"}
        )

    @router.get("/search", response_model=list[Passage], tags=["ask"])
    def search(
        q: Annotated[str, Query(min_length=1, max_length=2000, description="what to look for")],
        filtered: Annotated[Filtered, Query()],
        k: Annotated[Count | None, Query(description="how many passages")] = None,
    ) -> list[Passage]:
        """The passages that best match, best first, with title, outlet, date and url."""
        filters = filtered.filters()
        return library.read(lambda nq: nq.search(q, k=k, filters=filters))

    @router.get("/brief", response_model=Brief, tags=["news"])
    def brief(topic: Annotated[Topic, Query()]) -> dict:
        """The stories about a topic, newest first, with their cited lines and the figures their
        articles give differently: the object `newsqa brief --json` prints (no stories and a
        `note` when nothing is about the topic)."""
        return library.read(topic.brief).to_dict()

    @router.get("/timeline", response_model=Timeline, tags=["news"])
    def timeline(topic: Annotated[Topic, Query()]) -> dict:
        """The events of the stories about a topic, oldest first, one cited line each: the
        object `newsqa timeline --json` prints."""
        return library.read(topic.timeline).to_dict()

    @router.get("/sources", response_model=list[Source], tags=["store"])
    def sources() -> list[Source]:
        """Every stored article, newest first (404 with a message while the store is empty)."""
        return [Source.of(record) for record in library.read(lambda nq: nq.sources())]

    @router.get("/stats", response_model=StoreStats, tags=["store"])
    def stats() -> StoreStats:
        """How many articles and chunks the store holds, and the embedding model that built it."""
        return library.read(lambda nq: nq.stats())

    @router.get("/models", response_model=Models, tags=["ask"])
    def models() -> Models:
        """The registered answer-model providers and whether each can answer now, and the named
        models (no keys shown)."""
        from dataclasses import asdict

        from qa.models.listing import list_models

        return Models.model_validate(asdict(list_models(library.settings)))

    return router
