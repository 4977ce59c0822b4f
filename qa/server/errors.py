"""Errors a server user can cause, and the HTTP status each library error maps to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from index_store.errors import NewsQAError, RefusedAddress, StoreLocked, StoreNotFound
from qa.errors import MissingExtra, ModelUnavailable, UnknownConversation


class UnsafeServer(NewsQAError):
    """The server would listen beyond this machine without a token."""


class NotAllowed(NewsQAError):
    """A client asks for something this server was not started to allow."""


class BadToolCall(NewsQAError):
    """An MCP tool call names no tool, or arguments the tool cannot take."""


class IngestBusy(NewsQAError):
    """An ingest job of this server is still writing the store."""


class JobNotFound(NewsQAError):
    """No ingest job has this id (ids are forgotten when the server stops)."""


class ArticleNotFound(NewsQAError):
    """No stored article has this id."""


class BadUpload(NewsQAError):
    """An uploaded file or ingest request cannot be read as articles."""


_STATUS: dict[type[NewsQAError], int] = {
    StoreNotFound: 404,
    JobNotFound: 404,
    ArticleNotFound: 404,
    UnknownConversation: 404,
    RefusedAddress: 403,
    StoreLocked: 409,
    IngestBusy: 409,
    BadUpload: 422,
    MissingExtra: 501,
    ModelUnavailable: 502,
}


def status_for(error: NewsQAError) -> int:
    """The HTTP status of a library error; a user's other mistakes are 400."""
    for cls in type(error).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 400


def invalid_fields(problems: Iterable[Mapping[str, Any]]) -> str:
    """Pydantic's list of problems as one line: 'k: Input should be greater than or equal to 1'.

    Where a request carried the value ('body', 'query') is left out of the field's name.
    """
    lines = []
    for problem in problems:
        where = ".".join(str(part) for part in problem["loc"] if part not in ("body", "query"))
        lines.append(f"{where}: {problem['msg']}" if where else problem["msg"])
    return "; ".join(lines)
