"""Teasers (`teasers`) settled: followed to their linked page, or kept as the entry they are.

A teaser is replaced by its linked page's main text (trafilatura, as for any URL), fetched with
the same timeout and size cap. The entry keeps what the page does not say better: its id (so
the article's identity does not depend on following), and its title, outlet, byline and date
when the page has none. A page that yields less text than the teaser (a paywall, a page
trafilatura cannot read) leaves the teaser's own text; a page that cannot be fetched is a
SourceError for that entry. A `guard` (`url_guard`) keeps a server's fetches of linked pages to
the addresses it allows, as it does the feed's own.
"""

from __future__ import annotations

from dataclasses import replace

from index_store.loaders.url_guard import Guard
from index_store.loaders.web import FEED_TYPES, FetchFailed, fetch, items_from
from index_store.types import Article, SourceError


def settle_teaser(
    item: Article | SourceError,
    follow_links: bool,
    timeout: float,
    max_bytes: int,
    *,
    guard: Guard | None = None,
) -> Article | SourceError:
    """A teaser followed to its page, or kept as the entry it is (an empty one is an error)."""
    if not isinstance(item, Article) or not item.teaser:
        return item
    if follow_links:
        return follow(item, timeout=timeout, max_bytes=max_bytes, guard=guard)
    if not item.text:
        return SourceError(item.origin, "empty article")
    return replace(item, teaser=False)


def follow(
    entry: Article, *, timeout: float, max_bytes: int, guard: Guard | None = None
) -> Article | SourceError:
    """The article at the teaser's link, with the entry's identity and metadata."""
    try:
        fetched = fetch(entry.url, timeout=timeout, max_bytes=max_bytes, guard=guard)
    except FetchFailed as failure:
        return SourceError(entry.origin, f"following {entry.url}: {failure}")
    if fetched.content_type in FEED_TYPES:
        page = SourceError(entry.origin, "the link is a feed, not an article page")
    else:
        page = next(items_from(fetched, entry.origin), None)
    if not isinstance(page, Article) or len(page.text) < len(entry.text):
        return _kept(entry, page)
    return replace(
        page,
        title=entry.title or page.title,
        source=entry.source or page.source,
        url=page.url or entry.url,
        authors=entry.authors or page.authors,
        published=entry.published or page.published,
        origin=entry.origin,
        record_id=entry.record_id,
        teaser=False,
    )


def _kept(entry: Article, page: Article | SourceError | None) -> Article | SourceError:
    """The teaser as it is, when its page gave nothing better; an empty one is an error."""
    if entry.text:
        return replace(entry, teaser=False)
    reason = page.reason if isinstance(page, SourceError) else "no more text than the feed"
    return SourceError(entry.origin, f"following {entry.url}: {reason}")
