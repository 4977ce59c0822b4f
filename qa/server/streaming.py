"""An answer as server-sent events: `text` pieces as the model writes them, then `answer`.

The model runs on a thread of its own that holds the shared reader and feeds a queue, so a slow
or vanished client never keeps the store from other requests. A failure before the first event
is raised (and becomes a plain JSON error with its status); a later one is an `error` event.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Iterator

from index_store.errors import NewsQAError
from qa.api import NewsQA
from qa.server.library import Library
from qa.types import Answer

log = logging.getLogger(__name__)

AskStream = Callable[[NewsQA], Iterator[str | Answer]]
_END = object()


def answer_events(library: Library, ask: AskStream) -> Iterator[str]:
    """The events of one answer, formatted for a `text/event-stream` response."""
    events: queue.Queue = queue.Queue()

    def produce() -> None:
        try:
            library.read(lambda newsqa: _drain(ask(newsqa), events.put))
        except Exception as error:  # reported to the client, below
            events.put(error)
        finally:
            events.put(_END)

    threading.Thread(target=produce, name="answer-stream", daemon=True).start()
    first = events.get()
    if isinstance(first, Exception):
        raise first
    return _formatted(first, events)


def _drain(events: Iterator[str | Answer], put: Callable[[object], None]) -> None:
    for event in events:
        put(event)


def _formatted(first: object, events: queue.Queue) -> Iterator[str]:
    event = first
    while event is not _END:
        yield _format(event)
        event = events.get()


def _format(event: object) -> str:
    if isinstance(event, str):
        return _sse("text", {"text": event})
    if isinstance(event, Answer):
        return _sse("answer", event.to_dict())
    if isinstance(event, NewsQAError):
        return _sse("error", {"detail": str(event)})
    log.error("answer stream failed", exc_info=event)  # type: ignore[arg-type]
    return _sse("error", {"detail": "internal error: see the server's log"})


def _sse(kind: str, data: dict) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
