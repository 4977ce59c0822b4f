"""Feed entries that only tease an article: the rule that tells them from full entries.

An entry is a *teaser* when it links to an http(s) page and either
- it carries no full content (no `<content:encoded>` / Atom `<content>`), only a summary or
  description (or nothing), of fewer than TEASER_MAX_CHARS characters of text, or
- its text ends in an ellipsis ("...", "…", "[…]", "[...]"), the mark of a cut-off excerpt.

Following a teaser to its page is `teaser_pages`, above the fetcher; this rule needs no fetching,
so the feed reader reads it from below.
"""

from __future__ import annotations

import re

TEASER_MAX_CHARS = 1000
_CUT_OFF = re.compile(r"(\.\.\.|…|\[…\]|\[\.\.\.\])\s*$")


def is_teaser(text: str, *, full: bool, link: str) -> bool:
    """Whether a feed entry with this text (`full`: from a content element) is a teaser."""
    if not link.lower().startswith(("http://", "https://")):
        return False
    if _CUT_OFF.search(text):
        return True
    return not full and len(text) < TEASER_MAX_CHARS
