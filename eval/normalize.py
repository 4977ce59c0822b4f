"""Text normalisation and the matching rules that grade answers and passages.

The rules follow the RealTimeQA derivation (`shared/data/realtimeqa/SOURCE.md`), so a gold
string the suite calls answerable is found by the same test that grades our answers:
lower case; delete every punctuation character; drop the words a/an/the; collapse whitespace.

"Punctuation" is every Unicode character of category P* (curly quotes, dashes, `%`, ...) plus
all of ASCII `string.punctuation`, which also holds the ASCII symbols ``$ + < = > ^ ` | ~``.
So "$60 billion" normalises to "60 billion", while non-ASCII symbols such as `€`, `£` and `°`
(category S*, not punctuation) are kept. Characters are deleted, not replaced by a space:
"India-Russia" becomes "indiarussia", as in SOURCE.md and SQuAD. Deleting `$` is what the
dataset did: with it, the article sets recomputed for "$65 billion", "$134 million" and "$21.50"
equal the suite's `answer_docs`; keeping `$` loses some of them.
"""

from __future__ import annotations

import string
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from index_store.markers import without_markers

_ARTICLES = frozenset({"a", "an", "the"})
_ASCII_PUNCTUATION = frozenset(string.punctuation)


@lru_cache(maxsize=4096)
def _is_punctuation(ch: str) -> bool:
    return ch in _ASCII_PUNCTUATION or unicodedata.category(ch).startswith("P")


def without_citations(text: str) -> str:
    """`text` without its citation markers ([1], [2, 3]): a gold "1" is not in "... [1]"."""
    return without_markers(text)


def normalize_tokens(text: str) -> list[str]:
    """The words of `text` after normalisation, the unit every match and F1 works on."""
    kept = "".join(ch for ch in text.lower() if not _is_punctuation(ch))
    return [word for word in kept.split() if word not in _ARTICLES]


def normalize(text: str) -> str:
    """`text` lower-cased, without punctuation or articles, single-spaced."""
    return " ".join(normalize_tokens(text))


def contains(text: str, gold: str) -> bool:
    """Whether the normalised `gold` occurs in the normalised `text` as whole words.

    Matching token sequences rather than substrings keeps "art" out of "partial". A gold that
    normalises to nothing (say "the" or "—") matches nothing: it would otherwise match every text.
    """
    needle = normalize_tokens(gold)
    haystack = normalize_tokens(text)
    if not needle:
        return False
    width = len(needle)
    return any(haystack[i : i + width] == needle for i in range(len(haystack) - width + 1))


def contains_any(text: str, golds: Iterable[str]) -> bool:
    """Whether `text` contains at least one of the acceptable gold strings."""
    return any(contains(text, gold) for gold in golds)


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD token F1 between the normalised prediction and gold (1.0 when both are empty)."""
    predicted = normalize_tokens(prediction)
    expected = normalize_tokens(gold)
    if not predicted or not expected:
        return float(predicted == expected)
    overlap = sum((Counter(predicted) & Counter(expected)).values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(predicted)
    recall = overlap / len(expected)
    return 2 * precision * recall / (precision + recall)


def best_token_f1(prediction: str, golds: Iterable[str]) -> float:
    """The best token F1 of `prediction` against any gold string (0.0 when there are none)."""
    return max((token_f1(prediction, gold) for gold in golds), default=0.0)
