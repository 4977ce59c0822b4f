"""Articles from HTML pages: the main text without navigation, ads or footers, plus metadata."""

from __future__ import annotations

from index_store.dates import parse_published
from index_store.loaders.records import split_authors
from index_store.types import Article, SourceError


def article_from_html(data: bytes, origin: str, *, url: str = "") -> Article | SourceError:
    """Extract the article body and its title, byline, date, outlet and canonical URL.

    `url` is where the page was found; it is the article's URL when the page names no canonical
    one, and lets relative canonical links resolve.
    """
    import trafilatura

    document = trafilatura.bare_extraction(
        data, url=url or None, with_metadata=True, include_comments=False
    )
    if document is None or not (document.text or "").strip():
        return SourceError(origin, "no article text found in the HTML page")
    return Article(
        # trafilatura puts one paragraph per line; blank lines are how Articles separate them.
        text="\n\n".join(line for line in document.text.split("\n") if line.strip()),
        title=document.title or "",
        source=document.sitename or document.hostname or "",
        url=document.url or url,
        authors=split_authors(document.author or ""),
        published=parse_published(document.date),
        origin=origin,
    )
