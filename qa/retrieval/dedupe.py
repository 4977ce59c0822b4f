"""Syndicated near-duplicates: the same wire story printed by several outlets, each with its own
headline, ads or trimmed ending, so their texts differ and ingest stored them apart.

Two passages are near-duplicates when most word 5-grams of the shorter one also occur in the
other (containment, not Jaccard: one outlet's copy is often a cut of another's).
"""

from __future__ import annotations

import re

SHINGLE_WORDS = 5
_WORD = re.compile(r"\w+")


def shingles(text: str) -> frozenset[int]:
    """Hashes of the text's lower-cased word 5-grams (the whole text when it is shorter)."""
    words = _WORD.findall(text.lower())
    if len(words) <= SHINGLE_WORDS:
        return frozenset([hash(tuple(words))]) if words else frozenset()
    return frozenset(
        hash(tuple(words[i : i + SHINGLE_WORDS])) for i in range(len(words) - SHINGLE_WORDS + 1)
    )


def near_duplicate(a: frozenset[int], b: frozenset[int], threshold: float) -> bool:
    """True when at least `threshold` of the smaller shingle set is in the other."""
    if not a or not b:
        return False
    smaller, larger = (a, b) if len(a) <= len(b) else (b, a)
    return len(smaller & larger) >= threshold * len(smaller)
