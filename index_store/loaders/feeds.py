"""Articles from RSS and Atom feeds: one article per entry."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser

from index_store.dates import parse_published
from index_store.loaders.records import split_authors
from index_store.types import Article, SourceError

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
    import feedparser

    # A file object, never raw bytes: feedparser tries to open() a bytes argument as a path.
    headers = {"content-location": base_url} if base_url else {}
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    if not parsed.version:
        yield SourceError(origin, "not an RSS or Atom feed")
        return
    if not parsed.entries:
        yield SourceError(origin, "the feed has no entries")
        return
    source = parsed.feed.get("title", "")
    for number, entry in enumerate(parsed.entries, start=1):
        yield _article_from_entry(entry, f"{origin}#entry{number}", source)


def _article_from_entry(entry: dict, origin: str, source: str) -> Article | SourceError:
    text = _entry_text(entry)
    if not text:
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


def _entry_text(entry: dict) -> str:
    """The fullest text the entry has: its content if present, else its summary."""
    details = [*entry.get("content", []), entry.get("summary_detail", {})]
    for detail in details:
        text = _plain(detail.get("value", ""), detail.get("type", ""))
        if text:
            return text
    return ""


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
