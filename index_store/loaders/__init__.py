"""Turn files, folders and URLs into Articles, one at a time, reporting bad sources as SourceErrors.

Parsers (trafilatura, feedparser, httpx) are imported only when a source needs them, so importing
this package stays cheap.
"""

from __future__ import annotations

from index_store.loaders.sources import SUPPORTED_SUFFIXES, iter_sources, supported_files

__all__ = ["SUPPORTED_SUFFIXES", "iter_sources", "supported_files"]
