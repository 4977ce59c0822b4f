"""Articles from RSS and Atom feeds: one article per entry, streamed from well-formed feeds."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO

from index_store.dates import parse_published
from index_store.loaders.records import split_authors
from index_store.loaders.teasers import is_teaser
from index_store.types import Article, SourceError

NOT_A_FEED = "not an RSS or Atom feed"
NO_ENTRIES = "the feed has no entries"
# feedparser's forgiving parser (for feeds that are not well-formed XML) holds the whole feed in
# memory, several times its size; well-formed feeds stream whatever their size.
WHOLE_FEED_MAX_BYTES = 20_000_000
_LOOKS_LIKE_MARKUP = re.compile(r"<[A-Za-z!/]")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_EMAIL = re.compile(r"[^\s@()]+@[^\s@()]+")
_EMAIL_THEN_NAME = re.compile(r"[^\s@()]+@[^\s@()]+\s*\((?P<name>[^()]+)\)")
_BLOCK_TAG = re.compile(
    r"p|div|li|[uo]l|d[ldt]|h[1-6]|hr|blockquote|pre|table|tr|figure|figcaption|"
    r"section|article|aside|header|footer|address"
)


def iter_feed(data: bytes, origin: str, *, base_url: str = "") -> Iterator[Article | SourceError]:
    """Yield one Article (or SourceError) per entry, as `origin#entryN`.

    `base_url` is where a fetched feed came from, so relative entry links resolve against it.
    """
    yield from _iter_feed(lambda: io.BytesIO(data), len(data), origin, base_url)


def iter_feed_file(path: Path) -> Iterator[Article | SourceError]:
    """The entries of a feed file, read one at a time: memory stays flat however long it is."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        yield SourceError(str(path), f"cannot read file: {exc.strerror or exc}")
        return
    yield from _iter_feed(lambda: path.open("rb"), size, str(path), "")


def _iter_feed(
    open_stream: Callable[[], BinaryIO], size: int, origin: str, base_url: str
) -> Iterator[Article | SourceError]:
    """Stream well-formed feeds entry by entry; hand broken XML to feedparser's forgiving parser,
    which needs the whole feed in memory, so only up to WHOLE_FEED_MAX_BYTES."""
    from index_store.loaders.feed_stream import NotAFeed, NotWellFormed, one_entry_feeds

    read = 0
    try:
        with open_stream() as stream:
            for read, piece in enumerate(one_entry_feeds(stream), start=1):
                yield _only_entry(_parse(piece, base_url), f"{origin}#entry{read}")
    except NotAFeed:
        yield SourceError(origin, NOT_A_FEED)
        return
    except NotWellFormed as broken:
        if "Excessive depth" in str(broken):
            yield SourceError(origin, "XML nested too deeply to be a feed")
            return
        if size > WHOLE_FEED_MAX_BYTES:
            yield SourceError(
                origin,
                f"XML breaks off after entry {read} ({broken}); a broken feed over "
                f"{WHOLE_FEED_MAX_BYTES:,} bytes is not read whole",
            )
            return
        with open_stream() as stream:
            yield from _whole_feed(stream.read(), origin, base_url, skip=broken.entries)
        return
    if not read:
        yield SourceError(origin, NO_ENTRIES)


def _parse(document: bytes, base_url: str):
    import feedparser

    # A file object, never raw bytes: feedparser tries to open() a bytes argument as a path.
    headers = {"content-location": base_url} if base_url else {}
    return feedparser.parse(io.BytesIO(document), response_headers=headers)


def _only_entry(parsed, origin: str) -> Article | SourceError:
    if not parsed.get("entries"):
        return SourceError(origin, "unreadable entry")
    return _article_from_entry(parsed.entries[0], origin, parsed.feed.get("title", ""))


def _whole_feed(
    data: bytes, origin: str, base_url: str, *, skip: int
) -> Iterator[Article | SourceError]:
    """Entries after the first `skip` (already read while streaming) of a feed parsed whole."""
    parsed = _parse(data, base_url)
    if not parsed.get("version"):
        yield SourceError(origin, NOT_A_FEED)
        return
    if not parsed.entries:
        yield SourceError(origin, NO_ENTRIES)
        return
    source = parsed.feed.get("title", "")
    for number, entry in enumerate(parsed.entries[skip:], start=skip + 1):
        yield _article_from_entry(entry, f"{origin}#entry{number}", source)


def _article_from_entry(entry: dict, origin: str, source: str) -> Article | SourceError:
    text, full = _entry_text(entry)
    link = entry.get("link", "")
    teaser = is_teaser(text, full=full, link=link)
    if not text and not teaser:
        return SourceError(origin, "empty article")
    return Article(
        text=text,
        title=_plain(entry.get("title", ""), entry.get("title_detail", {}).get("type", "")),
        source=source,
        url=entry.get("link", ""),
        authors=_entry_authors(entry),
        published=parse_published(
            entry.get("published") or entry.get("updated") or entry.get("created")
        ),
        origin=origin,
        record_id=entry.get("id", ""),
        teaser=teaser,
    )


def _entry_authors(entry: dict) -> tuple[str, ...]:
    """Bylines; RSS writes `<author>` as "email (Name)", which feedparser mis-splits for long
    top-level domains, so that form is read here."""
    raw = entry.get("author", "").strip()
    if match := _EMAIL_THEN_NAME.fullmatch(raw):
        return split_authors(match["name"])
    if _EMAIL.fullmatch(raw):
        return ()
    return split_authors(entry.get("authors") or raw)


def _entry_text(entry: dict) -> tuple[str, bool]:
    """The fullest text the entry has (its content if present, else its summary), and whether
    it is full content (`<content:encoded>`, Atom `<content>`) rather than a summary."""
    for detail in entry.get("content", []):
        text = _plain(detail.get("value", ""), detail.get("type", ""))
        if text:
            return text, True
    summary = entry.get("summary_detail", {})
    return _plain(summary.get("value", ""), summary.get("type", "")), False


def _plain(value: str, content_type: str) -> str:
    if content_type in _HTML_TYPES and _LOOKS_LIKE_MARKUP.search(value):
        return html_to_text(value)
    return value.strip()


def html_to_text(markup: str) -> str:
    """Readable text of an HTML fragment: blocks become paragraphs, `<br>` a line break."""
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    text = re.sub(r" *\n *", "\n", "".join(collector.parts))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class _TextCollector(HTMLParser):
    HIDDEN = frozenset({"script", "style", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.HIDDEN:
            self._hidden_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif _BLOCK_TAG.fullmatch(tag):
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif _BLOCK_TAG.fullmatch(tag):
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(re.sub(r"\s+", " ", data))
