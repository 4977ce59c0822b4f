"""Words as the keyword side sees them: lower case, English stopwords out, lemmatised
(simplemma: "drove" and "driven" are "drive") then Snowball-stemmed.

Shared by the BM25 index and by answer selection, so that both match the same forms
("visited" and "visit", "tariffs" and "tariff", "bought" and "buys").
"""

from __future__ import annotations

import re
from functools import lru_cache

ANALYZER_VERSION = "1"
"""Bumped whenever `terms` changes, so persisted BM25 indexes built the old way are rebuilt."""

_WORD = re.compile(r"\w+(?:[.'’]\w+)*", re.UNICODE)

QUESTION_WORDS = frozenset(
    [
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "many",
        "much",
        "does",
        "did",
        "do",
        "is",
        "are",
        "was",
        "were",
        "according",
        "recent",
        "recently",
        "new",
        "news",
        "latest",
        "reported",
        "report",
        "say",
        "said",
        "says",
    ]
)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased word tokens, keeping inner dots and apostrophes ("u.s.", "o'brien")."""
    return [w.replace("’", "'") for w in _WORD.findall(text.lower())]


def terms(text: str) -> list[str]:
    """Stemmed content words of a passage."""
    stop = _stopwords()
    kept = [w.replace(".", "") for w in words(text) if w not in stop]
    return stems([w for w in kept if w])


def query_words(question: str) -> list[str]:
    """Content words of a question (unstemmed), without the words every question has."""
    stop = _stopwords()
    kept = [w.replace(".", "") for w in words(question) if w not in stop]
    return [w for w in kept if w and w not in QUESTION_WORDS]


def stems(plain_words: list[str]) -> list[str]:
    """Lemma, then stem: the stemmer alone leaves irregular forms apart."""
    from simplemma import lemmatize

    return _stemmer().stemWords([lemmatize(w, lang="en") for w in plain_words])


def query_terms(question: str) -> list[str]:
    """Stemmed content words of a question, without the words every question has."""
    return stems(query_words(question))
