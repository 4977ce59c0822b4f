"""Stable identities: which article a record is, and whether its text changed."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from index_store.types import Article

_TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|cmpid|ocid)$", re.I)


def canonical_url(url: str) -> str:
    """The URL with scheme and host lower-cased, no fragment, no tracking parameters.

    Two links to one story (one from a newsletter with utm_ tags) must give one article id.
    """
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not _TRACKING_PARAMS.match(k)])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def content_hash(text: str) -> str:
    """A hash of the text with whitespace collapsed, so re-wrapped copies count as the same text."""
    normalised = " ".join(text.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def article_id(article: Article) -> str:
    """The dataset's own id when the record has one, else the canonical URL, else a text hash."""
    if article.record_id:
        return article.record_id
    if article.url:
        return canonical_url(article.url)
    return "sha256:" + content_hash(article.text)[:32]


def chunk_id(article_key: str, text_hash: str, position: int) -> str:
    """A chunk id that changes when the article's text changes, so old and new never collide."""
    short = hashlib.sha1(article_key.encode("utf-8")).hexdigest()[:16]
    return f"{short}-{text_hash[:8]}-{position:04d}"
