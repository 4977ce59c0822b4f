"""Articles from http(s) URLs: a bounded fetch, then the loader the content type calls for."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from index_store.errors import RefusedAddress
from index_store.loaders.feeds import iter_feed
from index_store.loaders.html import article_from_html
from index_store.loaders.text import article_from_text
from index_store.loaders.url_guard import Guard
from index_store.types import Article, SourceError

if TYPE_CHECKING:
    import httpx

MAX_REDIRECTS = 5
# Retry-After beyond a week is more likely a server's mistake than a wish.
MAX_RETRY_AFTER = 7 * 86400
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml"}
    | {"application/xml", "text/xml"}
)
TEXT_TYPES = frozenset({"text/plain", "text/markdown"})
_ACCEPT = (
    "text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, "
    "application/xml;q=0.9, text/plain;q=0.8"
)


@dataclass(frozen=True)
class Fetched:
    """A response worth reading: 200 with its body, or 304 (not modified) without one.

    `etag` and `last_modified` are the validators to send next time (conditional GET)."""

    status: int
    url: str
    content_type: str = ""
    charset: str | None = None
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""


class FetchFailed(Exception):
    """Why a URL gave no usable body. `status` is the HTTP status when there was one, and
    `retry_after` the seconds a 429 or 503 asked the client to wait."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after


def user_agent() -> str:
    """Names newsqa and its version, so a site can tell who polls it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("newsqa")
    except PackageNotFoundError:
        release = "dev"
    return f"newsqa/{release} (local news question answering)"


def iter_url(
    url: str, *, timeout: float, max_bytes: int, guard: Guard | None = None
) -> Iterator[Article | SourceError]:
    """Fetch `url` and yield its article (HTML, plain text) or its entries (feed)."""
    try:
        fetched = fetch(url, timeout=timeout, max_bytes=max_bytes, guard=guard)
    except FetchFailed as failure:
        yield SourceError(url, str(failure))
        return
    yield from items_from(fetched, url)


def items_from(fetched: Fetched, origin: str) -> Iterator[Article | SourceError]:
    """The article (HTML, plain text) or the entries (feed) a fetched body holds."""
    content_type, body = fetched.content_type, fetched.body
    if content_type in HTML_TYPES:
        yield article_from_html(body, origin, url=fetched.url)
    elif content_type in FEED_TYPES:
        yield from iter_feed(body, origin, base_url=fetched.url)
    elif content_type in TEXT_TYPES:
        yield article_from_text(
            body,
            origin,
            markdown=content_type == "text/markdown",
            url=fetched.url,
            charset=fetched.charset,
        )
    else:
        shown = content_type or "none given"
        yield SourceError(
            origin,
            f"unsupported content type '{shown}' (expected HTML, RSS/Atom or plain text)",
        )


def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    headers: dict[str, str] | None = None,
    guard: Guard | None = None,
) -> Fetched:
    """GET `url` within the timeout, redirect limit and size cap; raises FetchFailed.

    `guard`: every request, redirects included, goes only to addresses it allows (`url_guard`)."""
    import httpx

    from index_store.loaders.guarded_transport import GuardedTransport

    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise FetchFailed("only http:// and https:// URLs can be fetched")
    deadline = time.monotonic() + timeout
    sent = {"User-Agent": user_agent(), "Accept": _ACCEPT, **(headers or {})}
    try:
        with (
            httpx.Client(
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                timeout=timeout,
                headers=sent,
                transport=None if guard is None else GuardedTransport(guard),
            ) as client,
            client.stream("GET", url) as response,
        ):
            return _read(response, deadline=deadline, max_bytes=max_bytes)
    except RefusedAddress as refusal:
        raise FetchFailed(str(refusal)) from None
    except httpx.TooManyRedirects:
        raise FetchFailed(f"too many redirects (more than {MAX_REDIRECTS})") from None
    except httpx.TimeoutException:
        raise FetchFailed(f"timed out after {timeout:g}s") from None
    except httpx.UnsupportedProtocol:
        raise FetchFailed("redirected to a URL that is not http:// or https://") from None
    except httpx.HTTPError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise FetchFailed(f"cannot fetch: {reason}") from None


def _read(response: httpx.Response, *, deadline: float, max_bytes: int) -> Fetched:
    validators = {
        "etag": response.headers.get("etag", ""),
        "last_modified": response.headers.get("last-modified", ""),
    }
    if response.status_code == 304:
        return Fetched(304, str(response.url), **validators)
    if response.is_error:
        raise FetchFailed(
            f"HTTP {response.status_code} {response.reason_phrase}",
            status=response.status_code,
            retry_after=retry_after(response.headers.get("retry-after", "")),
        )
    body = _read_capped(response, deadline=deadline, max_bytes=max_bytes)
    media_type = response.headers.get("content-type", "").split(";")[0]
    return Fetched(
        response.status_code,
        str(response.url),
        media_type.strip().lower(),
        response.charset_encoding,
        body,
        **validators,
    )


def retry_after(value: str, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), capped."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(min(int(value), MAX_RETRY_AFTER))
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    seconds = when - (time.time() if now is None else now)
    return float(min(max(seconds, 0.0), MAX_RETRY_AFTER))


def _read_capped(response: httpx.Response, *, deadline: float, max_bytes: int) -> bytes:
    """The body, refused as soon as it passes `max_bytes` or the whole fetch passes `deadline`.

    httpx's timeout bounds each network wait, not the transfer: a server trickling bytes could
    otherwise hold a fetch open indefinitely.
    """
    import httpx

    too_big = f"response is larger than {max_bytes:,} bytes (raise max_fetch_bytes to allow it)"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchFailed(too_big)
    chunks: list[bytes] = []
    received = 0
    for chunk in response.iter_bytes():
        received += len(chunk)
        if received > max_bytes:
            raise FetchFailed(too_big)
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the download outlasted the fetch timeout")
        chunks.append(chunk)
    return b"".join(chunks)
