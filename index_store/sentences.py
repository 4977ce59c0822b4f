"""Sentence boundaries for news text, as character spans into the article.

Uses NLTK's pretrained English Punkt model (it knows "U.S.", "Jan.", "Mr."), loaded from the copy
that llama-index-core ships, so nothing is downloaded. Spans are computed once at ingest and stored
with each chunk, so answering never pays for importing NLTK.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

_PARAGRAPH = re.compile(r"[^\n]+")


@lru_cache(maxsize=1)
def _punkt():
    import nltk
    from nltk.tokenize import PunktTokenizer

    spec = importlib.util.find_spec("llama_index.core")
    if spec and spec.submodule_search_locations:
        cache = Path(next(iter(spec.submodule_search_locations))) / "_static" / "nltk_cache"
        if str(cache) not in nltk.data.path:
            nltk.data.path.insert(0, str(cache))
    return PunktTokenizer("english")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence; a line break always ends a sentence (headings, captions)."""
    punkt = _punkt()
    spans: list[tuple[int, int]] = []
    for line in _PARAGRAPH.finditer(text):
        offset = line.start()
        for start, end in punkt.span_tokenize(line.group()):
            if line.group()[start:end].strip():
                spans.append((offset + start, offset + end))
    return spans
