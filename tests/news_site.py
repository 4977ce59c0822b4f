"""A real news site on 127.0.0.1 for feed tests: RSS feeds and article pages that a test can
change between polls, conditional GET (ETag / Last-Modified -> 304), injected failures, and a
log of every request with its headers, so tests can assert what a poller sent.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

WORDS = [
    "harbour",
    "council",
    "ferry",
    "bridge",
    "library",
    "tram",
    "market",
    "school",
    "lighthouse",
    "quay",
    "tide",
    "storm",
    "budget",
    "vote",
    "museum",
    "festival",
    "railway",
    "hospital",
    "river",
    "park",
    "station",
    "tunnel",
    "beach",
]
PLACES = ["Harrowgate", "Wendmoor", "Saltholm", "Lowmere", "Kellan", "Aldwen", "Quayside"]


@dataclass
class Route:
    body: bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    validators: bool = True

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'

    @property
    def last_modified(self) -> str:
        """A date that depends only on the body, so republishing a body gives the same one."""
        return formatdate(1_700_000_000 + int(self.etag[1:7], 16), usegmt=True)


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    status: int


class NewsSite:
    """Routes served from a thread; `set` and `fail` change them between polls."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def __enter__(self) -> NewsSite:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}{path}"

    def set(
        self, path: str, body: str | bytes, content_type: str, *, validators: bool = True
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        with self._lock:
            self.routes[path] = Route(data, content_type, validators=validators)

    def fail(self, path: str, status: int, headers: dict[str, str] | None = None) -> None:
        with self._lock:
            self.routes[path] = Route(b"failing on purpose", "text/plain", status, headers or {})

    def seen(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def respond(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            route = self.routes.get(path)
            status, sent, body = _answer(route, headers)
            self.requests.append(Request(path, headers, status))
        return status, sent, body


def _answer(route: Route | None, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    if route is None:
        return 404, {"Content-Type": "text/plain"}, b"no such page"
    if route.status != 200:
        return route.status, {"Content-Type": route.content_type, **route.headers}, route.body
    sent = {"Content-Type": route.content_type}
    if route.validators:
        sent |= {"ETag": route.etag, "Last-Modified": route.last_modified}
        if headers.get("if-none-match") == route.etag or (
            "if-none-match" not in headers
            and headers.get("if-modified-since") == route.last_modified
        ):
            return 304, sent, b""
    return 200, sent, route.body


def _handler(site: NewsSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, sent, body = site.respond(self.path, headers)
            try:
                self.send_response(status)
                for name, value in sent.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            """Keep test output quiet."""

    return Handler


def story(n: int, paragraphs: int = 4, edition: int = 0) -> list[str]:
    """Distinct, deterministic paragraphs for article `n` (another `edition` changes them)."""
    place = PLACES[n % len(PLACES)]
    found = []
    for p in range(paragraphs):
        words = [WORDS[(n * 7 + p * 3 + k + edition) % len(WORDS)] for k in range(6)]
        found.append(
            f"In {place}, story {n} paragraph {p} reports that the {words[0]} and the "
            f"{words[1]} met over the {words[2]} plans, while residents of {place} asked "
            f"about the {words[3]}, the {words[4]} and the {words[5]} (edition {edition})."
        )
    return found


def article_page(title: str, paragraphs: list[str], published: str = "2025-05-01") -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f'</title><meta property="article:published_time" content="{published}T08:00:00Z">'
        f'<meta property="og:site_name" content="Wendmoor Post"></head><body>'
        f'<nav><a href="/">Home</a> <a href="/news">News</a></nav><main><article>'
        f"<h1>{escape(title)}</h1>{body}</article></main>"
        f"<footer><p>Copyright Wendmoor Post. All rights reserved.</p></footer></body></html>"
    )


def rss(title: str, entries: list[dict]) -> str:
    """An RSS 2.0 feed; each entry: guid, title, link, and `description` and/or `content`."""
    items = []
    for e in entries:
        parts = [
            f"<title>{escape(e['title'])}</title>",
            f"<link>{escape(e['link'])}</link>",
            f'<guid isPermaLink="false">{escape(e["guid"])}</guid>',
            f"<pubDate>{e.get('date', 'Thu, 01 May 2025 08:00:00 GMT')}</pubDate>",
        ]
        if e.get("description") is not None:
            parts.append(f"<description>{escape(e['description'])}</description>")
        if e.get("content") is not None:
            parts.append(f"<content:encoded><![CDATA[{e['content']}]]></content:encoded>")
        items.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{escape(title)}</title><link>https://example.invalid/</link>"
        + "".join(items)
        + "</channel></rss>"
    )
