"""Citations we can trust: markers that point at passages the model was given, numbered 1, 2, ...

Every model's raw text goes through `verify`: markers to passages that were not given are
removed and reported, the rest are renumbered in order of first use and mapped to their source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.types import Citation, Passage

ABSTAIN_PHRASE = "The articles do not answer this question."
_MARKER = re.compile(r"\[(\s*\d+\s*(?:[,;]\s*\d+\s*)*)\]")


@dataclass(frozen=True)
class Verified:
    """Answer text with sequential markers, its citations, and markers that were dropped."""

    text: str
    citations: tuple[Citation, ...]
    dropped: tuple[str, ...]


def verify(text: str, passages: list[Passage]) -> Verified:
    """Keep markers [n] with 1 <= n <= len(passages); renumber them by first use."""
    order: dict[int, int] = {}
    dropped: list[str] = []

    def renumber(match: re.Match) -> str:
        kept = []
        for raw in re.split(r"[,;]", match.group(1)):
            given = int(raw)
            if 1 <= given <= len(passages):
                order.setdefault(given, len(order) + 1)
                kept.append(order[given])
            else:
                dropped.append(f"[{given}]")
        return "".join(f"[{n}]" for n in dict.fromkeys(kept))

    renumbered = _MARKER.sub(renumber, text)
    renumbered = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", renumbered)).strip()
    citations = tuple(_citation(n, passages[given - 1]) for given, n in order.items())
    return Verified(renumbered, citations, tuple(dropped))


def is_abstention(text: str) -> bool:
    """True when the text is, or starts with, the fixed abstention phrase."""
    core = _MARKER.sub("", text).strip().strip('"').lower()
    return core.startswith(ABSTAIN_PHRASE.lower().rstrip("."))


def _citation(n: int, passage: Passage) -> Citation:
    return Citation(
        n=n,
        article_id=passage.article_id,
        chunk_id=passage.chunk_id,
        title=passage.title,
        source=passage.source,
        published=passage.published,
        url=passage.url,
        text=passage.text,
    )
