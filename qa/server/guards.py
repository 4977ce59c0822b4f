"""What every request passes before a route sees it: allowed Host, body size, bearer token.

- On loopback the Host header must name this machine, so a web page on another site cannot
  reach the server through DNS rebinding.
- A body over the limit is refused with 413 whether or not it declares its length.
- Writes need `Authorization: Bearer TOKEN` when a token is set (always, beyond loopback), and a
  browser's cross-site write (a form posted by another page) is refused by its Origin header.
  The MCP server asks the token of every request (`TokenGuard`).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

from qa.server.config import ServerConfig, is_loopback

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

UPLOAD_PATHS = ("/api/ingest",)


class RequestGuard:
    """ASGI middleware: Host check on loopback, and the request size limits of the config."""

    def __init__(self, app: Any, config: ServerConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if self.config.loopback and not is_loopback(_hostname(headers.get("host", ""))):
            await _reply(send, 421, "this server answers only to localhost or 127.0.0.1")
            return
        limit = self._limit(scope["path"])
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _reply(send, 413, _too_large(limit))
            return
        await self.app(scope, _counting(receive, limit), send)

    def _limit(self, path: str) -> int:
        if path.startswith(UPLOAD_PATHS):
            return self.config.max_upload_bytes
        return self.config.max_request_bytes


class TokenGuard:
    """ASGI middleware: when the config has a token, every request must bear it (401 if not)."""

    def __init__(self, app: Any, config: ServerConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.config.token:
            headers = {k.decode("latin-1").lower(): v for k, v in scope["headers"]}
            given = headers.get("authorization", b"").decode("latin-1")
            if not bearer_matches(given, self.config.token):
                await _reply(
                    send,
                    401,
                    "this server needs its token: send 'Authorization: Bearer TOKEN' "
                    "(the --token or NEWSQA_TOKEN it was started with)",
                    [(b"www-authenticate", b"Bearer")],
                )
                return
        await self.app(scope, receive, send)


def write_access(config: ServerConfig) -> Callable[[Request], None]:
    """A route dependency that lets a write through only with the token and from this site."""

    def check(request: Request) -> None:
        origin = request.headers.get("origin")
        if origin and _hostname_port(origin) != request.headers.get("host", "").lower():
            raise HTTPException(403, f"writes from another site ({origin}) are refused")
        _require_token(
            config,
            request,
            "this server needs its write token: send 'Authorization: Bearer TOKEN' "
            "(the --token or NEWSQA_TOKEN it was started with)",
        )

    return check


def check_model_choice(config: ServerConfig, request: Request, wanted: str | None, default: str):
    """A request never names a local file for the server to load (`llamacpp:PATH`), and beyond
    loopback a model other than the server's default needs the write token, since a hosted
    model spends the owner's API credit."""
    if not wanted or wanted == default:
        return
    if names_local_file(wanted):
        raise HTTPException(
            403, "a request cannot choose a local GGUF file; make it the server's model instead"
        )
    _require_token(
        config,
        request,
        "choosing another model than the server's needs its token: send "
        "'Authorization: Bearer TOKEN'",
    )


def names_local_file(model_spec: str) -> bool:
    """True for a spec that makes the server load a file of its own disk (`llamacpp:PATH`)."""
    return model_spec.split(":", 1)[0].strip().lower() == "llamacpp"


def _require_token(config: ServerConfig, request: Request, refusal: str) -> None:
    """A 401 saying `refusal` unless the server has no token or the request bears it."""
    if config.token and not bearer_matches(request.headers.get("authorization", ""), config.token):
        raise HTTPException(401, refusal, headers={"WWW-Authenticate": "Bearer"})


def bearer_matches(authorization: str, token: str) -> bool:
    """Whether an Authorization header value is `Bearer TOKEN`, compared in constant time."""
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def _counting(receive: Receive, limit: int) -> Receive:
    """`receive`, refusing bodies that grow past the limit without declaring their length."""
    received = 0

    async def counted() -> dict[str, Any]:
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise HTTPException(413, _too_large(limit))
        return message

    return counted


def _too_large(limit: int) -> str:
    return f"request body over the {limit:,}-byte limit of this server"


def _hostname(host_header: str) -> str:
    return urlsplit(f"//{host_header}").hostname or ""


def _hostname_port(origin: str) -> str:
    return urlsplit(origin).netloc.lower()


async def _reply(
    send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
