"""What a question is about: its content terms, each weighted by how specific it is, and how much
of that weight a text holds. Shared by reranking, answer selection and abstention."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from functools import lru_cache

from index_store.terms import query_words, stems


@lru_cache(maxsize=256)
def _cached_weights(question: str) -> tuple[tuple[str, float], ...]:
    from wordfreq import zipf_frequency

    words = query_words(question)
    weights: dict[str, float] = {}
    for word, stem in zip(words, stems(words)):
        rarity = max(0.5, 7.0 - zipf_frequency(word, "en"))
        weights[stem] = max(weights.get(stem, 0.0), rarity)
    return tuple(weights.items())


SPECIFIC_SHARE = 0.05
"""A term found in at most this share of the store's chunks is fully specific to the store."""
SPECIFIC_IDF = math.log(1 + (1 - SPECIFIC_SHARE) / SPECIFIC_SHARE)


def term_weights(question: str, idf: Callable[[str], float] | None = None) -> dict[str, float]:
    """Stemmed question terms weighted by rarity in general English (wordfreq's Zipf scale: 7 is
    "the", 1 is very rare), which says what the question is about even in a small store. With
    the store's `idf`, a term in more than SPECIFIC_SHARE of its chunks weighs less in
    proportion (a town's name in every article of a local paper picks out no sentence)."""
    weights = dict(_cached_weights(question))
    if idf is None:
        return weights
    return {t: w * min(1.0, idf(t) / SPECIFIC_IDF) for t, w in weights.items()}


def covered(weight: dict[str, float], present: Iterable[str]) -> float:
    """Share of the question's term weight found among `present` terms."""
    total = sum(weight.values())
    if total <= 0:
        return 0.0
    have = set(present)
    return sum(w for t, w in weight.items() if t in have) / total
