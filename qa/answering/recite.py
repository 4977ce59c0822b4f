"""Citation repair: a right claim cited to the wrong passage is pointed at one that holds it.

A small model often answers correctly from what it read and then cites the first passage out of
habit ("New York [1]" where passage 1 says "NYC" and passage 4 says "New York"). Before support
is checked, each claim whose cited passages do not hold its words is re-cited to the
best-ranked passage it was given that does (the same lexical test as `support`, without the
embedder: only words found in a passage move a citation). The answer's text is unchanged, the
new citation is one a reader can check, and `notes` say what moved. An answer that cites
nothing at all is cited the same way.
"""

from __future__ import annotations

import re

from qa.answering.citations import mentions_abstention
from qa.answering.support import MIN_OVERLAP
from qa.types import Passage

_MARKER_RUN = re.compile(r"(?:\s*\[\d+\])+")
MIN_UNCITED_CHARS = 3


def recite(text: str, passages: list[Passage]) -> tuple[str, list[str]]:
    """`text` with each unsupported claim's markers pointed at a passage that holds it (model
    numbering, 1-based over `passages`), and a note per move."""
    from index_store.terms import terms

    held = [set(terms(f"{p.title}\n{p.text}")) for p in passages]
    if not _MARKER_RUN.search(text):
        return (text, []) if mentions_abstention(text) else _cited(text, passages)
    pieces, notes, start = [], [], 0
    for run in _MARKER_RUN.finditer(text):
        claim = text[start : run.start()]
        cited = [int(n) for n in re.findall(r"\[(\d+)\]", run.group(0))]
        words = set(terms(claim))
        holder = _holder(words, cited, held)
        pieces.append(claim)
        if holder is None:
            pieces.append(run.group(0))
        else:
            pieces.append(f" [{holder}]")
            shown = claim.strip(" \t\n.,;:")
            notes.append(f"re-cited “{shown}” from [{']['.join(map(str, cited))}] to [{holder}]")
        start = run.end()
    pieces.append(text[start:])
    return "".join(pieces), notes


def _cited(text: str, passages: list[Passage]) -> tuple[str, list[str]]:
    """An answer that cites nothing ("Maren Ashdown"), cited to the first given passage whose
    text holds it word for word; unchanged when none does or it is too short to tell (a lone
    "2" stands in every passage)."""
    shown = text.strip(" \t\n.,;:")
    if len(shown) < MIN_UNCITED_CHARS:
        return text, []
    wanted = _flat(shown)
    holder = next(
        (n for n, p in enumerate(passages, 1) if wanted in _flat(f"{p.title}\n{p.text}")), None
    )
    if holder is None:
        return text, []
    return f"{shown} [{holder}].", [f"cited [{holder}] for the uncited “{shown}”"]


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


def _holder(words: set[str], cited: list[int], held: list[set[str]]) -> int | None:
    """None when a cited passage holds the claim, when it cannot be judged, or when it cites a
    passage the model was not given (`verify` drops and reports those); else the first given
    passage that holds it, if any."""
    if not words or not all(1 <= n <= len(held) for n in cited):
        return None
    if any(_holds(words, held[n - 1]) for n in cited):
        return None
    return next((n for n, found in enumerate(held, 1) if _holds(words, found)), None)


def _holds(words: set[str], found: set[str]) -> bool:
    return len(words & found) / len(words) >= MIN_OVERLAP
