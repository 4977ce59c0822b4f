"""Articles from http(s) URLs: a bounded fetch, then the loader the content type calls for."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from index_store.loaders.feeds import iter_feed
from index_store.loaders.html import article_from_html
from index_store.loaders.text import article_from_text
from index_store.types import Article, SourceError

if TYPE_CHECKING:
    import httpx

MAX_REDIRECTS = 5
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml"}
    | {"application/xml", "text/xml"}
)
TEXT_TYPES = frozenset({"text/plain", "text/markdown"})
_HEADERS = {
    "User-Agent": "newsqa (local news question answering)",
    "Accept": "text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, "
    "application/xml;q=0.9, text/plain;q=0.8",
}


class _FetchFailed(Exception):
    """Why a URL gave no usable body; becomes a SourceError at the edge of this module."""


def iter_url(url: str, *, timeout: float, max_bytes: int) -> Iterator[Article | SourceError]:
    """Fetch `url` and yield its article (HTML, plain text) or its entries (feed)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        yield SourceError(url, "only http:// and https:// URLs can be fetched")
        return
    try:
        final_url, content_type, charset, body = _fetch(url, timeout=timeout, max_bytes=max_bytes)
    except _FetchFailed as failure:
        yield SourceError(url, str(failure))
        return
    if content_type in HTML_TYPES:
        yield article_from_html(body, url, url=final_url)
    elif content_type in FEED_TYPES:
        yield from iter_feed(body, url, base_url=final_url)
    elif content_type in TEXT_TYPES:
        yield article_from_text(
            body,
            url,
            markdown=content_type == "text/markdown",
            url=final_url,
            charset=charset,
        )
    else:
        shown = content_type or "none given"
        yield SourceError(
            url,
            f"unsupported content type '{shown}' (expected HTML, RSS/Atom or plain text)",
        )


def _fetch(url: str, *, timeout: float, max_bytes: int) -> tuple[str, str, str | None, bytes]:
    """Final URL, media type, declared charset and body; raises _FetchFailed with a reason."""
    import httpx

    deadline = time.monotonic() + timeout
    try:
        with (
            httpx.Client(
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                timeout=timeout,
                headers=_HEADERS,
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.is_error:
                raise _FetchFailed(f"HTTP {response.status_code} {response.reason_phrase}")
            body = _read_capped(response, deadline=deadline, max_bytes=max_bytes)
            media_type = response.headers.get("content-type", "").split(";")[0]
            return (
                str(response.url),
                media_type.strip().lower(),
                response.charset_encoding,
                body,
            )
    except httpx.TooManyRedirects:
        raise _FetchFailed(f"too many redirects (more than {MAX_REDIRECTS})") from None
    except httpx.TimeoutException:
        raise _FetchFailed(f"timed out after {timeout:g}s") from None
    except httpx.UnsupportedProtocol:
        raise _FetchFailed("redirected to a URL that is not http:// or https://") from None
    except httpx.HTTPError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise _FetchFailed(f"cannot fetch: {reason}") from None


def _read_capped(response: httpx.Response, *, deadline: float, max_bytes: int) -> bytes:
    """The body, refused as soon as it passes `max_bytes` or the whole fetch passes `deadline`.

    httpx's timeout bounds each network wait, not the transfer: a server trickling bytes could
    otherwise hold a fetch open indefinitely.
    """
    import httpx

    too_big = f"response is larger than {max_bytes:,} bytes (raise max_fetch_bytes to allow it)"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _FetchFailed(too_big)
    chunks: list[bytes] = []
    received = 0
    for chunk in response.iter_bytes():
        received += len(chunk)
        if received > max_bytes:
            raise _FetchFailed(too_big)
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the download outlasted the fetch timeout")
        chunks.append(chunk)
    return b"".join(chunks)
