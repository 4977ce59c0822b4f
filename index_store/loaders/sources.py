"""The inputs a user names (files, folders, http(s) URLs) read into Articles, one at a time."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from index_store.loaders import feeds, html, records, text
from index_store.loaders.teaser_pages import settle_teaser
from index_store.loaders.url_guard import Guard
from index_store.loaders.web import iter_url
from index_store.types import Article, SourceError

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
RECORD_SUFFIXES = (".json", ".jsonl")
FEED_SUFFIXES = (".xml", ".rss", ".atom")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + RECORD_SUFFIXES + FEED_SUFFIXES
# UTF-8 spends at most 4 bytes on a character: a bigger text file cannot fit max_article_chars.
_MAX_BYTES_PER_CHAR = 4
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def iter_sources(
    inputs: Iterable[str],
    *,
    fetch_timeout: float = 15.0,
    max_fetch_bytes: int = 5_000_000,
    max_article_chars: int = 2_000_000,
    follow_links: bool = False,
    guard: Guard | None = None,
) -> Iterator[Article | SourceError]:
    """Yield an Article or a SourceError for every article each input holds, as it is read.

    An input is a file, a folder (walked recursively in sorted order, skipping hidden entries and
    unsupported file types) or an http(s) URL. Nothing raises for a bad source: it is reported.
    Articles longer than `max_article_chars` are reported instead of returned. `follow_links`:
    feed entries that only tease an article are replaced by the linked page (`teaser_pages`).
    `guard`: URLs, their redirects and linked pages are fetched only from the addresses it
    allows (`url_guard`), for inputs a server's client named.
    """
    for source in inputs:
        if _URL.match(source):
            found = iter_url(source, timeout=fetch_timeout, max_bytes=max_fetch_bytes, guard=guard)
        else:
            found = _iter_path(Path(source), max_fetch_bytes, max_article_chars)
        for item in found:
            item = settle_teaser(item, follow_links, fetch_timeout, max_fetch_bytes, guard=guard)
            yield within_limit(item, max_article_chars)


def _iter_path(
    path: Path, max_fetch_bytes: int, max_article_chars: int
) -> Iterator[Article | SourceError]:
    if path.is_dir():
        for file in supported_files(path):
            yield from _iter_file(file, max_fetch_bytes, max_article_chars)
    elif path.exists():
        yield from _iter_file(path, max_fetch_bytes, max_article_chars)
    else:
        yield SourceError(str(path), "no such file or directory")


def supported_files(folder: Path) -> list[Path]:
    """Supported, non-hidden files under `folder`, sorted by their path inside it."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        found += [
            Path(root, name)
            for name in files
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES
        ]
    return sorted(found, key=lambda path: path.relative_to(folder).parts)


def _iter_file(
    path: Path, max_fetch_bytes: int, max_article_chars: int
) -> Iterator[Article | SourceError]:
    suffix, origin = path.suffix.lower(), str(path)
    if suffix == ".jsonl":
        yield from records.iter_jsonl_file(path, max_article_chars=max_article_chars)
    elif suffix == ".json":
        yield from records.iter_json_file(path)
    elif suffix in TEXT_SUFFIXES:
        data = _read(path, max_article_chars * _MAX_BYTES_PER_CHAR, "max_article_chars")
        if isinstance(data, SourceError):
            yield data
        else:
            yield text.article_from_text(data, origin, markdown=suffix == ".md")
    elif suffix in HTML_SUFFIXES:
        data = _read(path, max_fetch_bytes, "max_fetch_bytes")
        yield data if isinstance(data, SourceError) else html.article_from_html(data, origin)
    elif suffix in FEED_SUFFIXES:
        # A feed file holds many articles, so no single-article size cap applies to it.
        yield from feeds.iter_feed_file(path)
    else:
        shown = suffix or "no extension"
        supported = " ".join(SUPPORTED_SUFFIXES)
        yield SourceError(origin, f"unsupported file type '{shown}' (supported: {supported})")


def _read(path: Path, cap: int | None = None, limit_name: str = "") -> bytes | SourceError:
    """The file's bytes; a file bigger than `cap` is refused unread, as its article would be."""
    try:
        if cap is not None and (size := path.stat().st_size) > cap:
            return SourceError(str(path), f"file is {size:,} bytes, too big for {limit_name}")
        return path.read_bytes()
    except OSError as exc:
        return SourceError(str(path), f"cannot read file: {exc.strerror or exc}")


def within_limit(item: Article | SourceError, max_chars: int) -> Article | SourceError:
    if isinstance(item, Article) and len(item.text) > max_chars:
        reason = f"article is {len(item.text):,} characters, over max_article_chars ({max_chars:,})"
        return SourceError(item.origin, reason)
    return item
