"""Citation markers: `[1]`, `[2, 3]`, `[4; 5]` in an answer point at numbered passages.

One pattern for every stage that meets them: the prompt turns bracketed numbers inside article
text into `(n)` so a model that copies them cannot forge a citation, answers are renumbered by
it, and graders remove markers before comparing an answer with a gold string ("1" is not in
"... [1]"). It lives at the bottom of the house so that `qa` and `eval` read the same one.
"""

from __future__ import annotations

import re

MARKER = re.compile(r"\[(\s*\d+\s*(?:[,;]\s*\d+\s*)*)\]")
"""A marker; group 1 holds its numbers."""


def neutralise_markers(text: str) -> str:
    """Bracketed numbers as `(n)`: inert text that no stage takes for a citation."""
    return MARKER.sub(r"(\1)", text)


def without_markers(text: str) -> str:
    """The text with its markers replaced by a space."""
    return MARKER.sub(" ", text)
