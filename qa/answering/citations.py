"""Citations we can trust: markers that point at passages the model was given, numbered 1, 2, ...

Every model's raw text goes through `verify`: markers to passages that were not given are
removed and reported, the rest are renumbered in order of first use and mapped to their source.
`StreamingVerifier` does the same to text that arrives in pieces, so what a terminal shows while
a model streams is already the verified numbering.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from index_store.markers import MARKER
from qa.models.base import ABSTAIN_PHRASE
from qa.types import Citation, Passage

_OPEN_MARKER = re.compile(r"\[[\d\s,;]*$")
"""A tail that may still become a marker once more text arrives."""
_ABSTAIN = re.compile(r"\bthe (?:articles|passages) do not answer (?:this|the) question\b", re.I)


@dataclass(frozen=True)
class Verified:
    """Answer text with sequential markers, its citations, and markers that were dropped."""

    text: str
    citations: tuple[Citation, ...]
    dropped: tuple[str, ...]


class Renumbering:
    """Maps the model's passage numbers to sequential ones by first use; drops unknown ones."""

    def __init__(self, passage_count: int) -> None:
        self.passage_count = passage_count
        self.order: dict[int, int] = {}
        self.dropped: list[str] = []

    def marker(self, match: re.Match) -> str:
        kept = []
        for raw in re.split(r"[,;]", match.group(1)):
            given = int(raw)
            if 1 <= given <= self.passage_count:
                self.order.setdefault(given, len(self.order) + 1)
                kept.append(self.order[given])
            else:
                self.dropped.append(f"[{given}]")
        return "".join(f"[{n}]" for n in dict.fromkeys(kept))

    def apply(self, text: str) -> str:
        return MARKER.sub(self.marker, text)


def verify(text: str, passages: list[Passage]) -> Verified:
    """Keep markers [n] with 1 <= n <= len(passages); renumber them by first use."""
    renumbering = Renumbering(len(passages))
    renumbered = tidy(renumbering.apply(text))
    citations = tuple(_citation(n, passages[given - 1]) for given, n in renumbering.order.items())
    return Verified(renumbered, citations, tuple(renumbering.dropped))


def tidy(text: str) -> str:
    """Collapse the blanks a removed marker leaves, and blanks before punctuation."""
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()


class StreamingVerifier:
    """Renumbers markers in streamed text as `verify` would, holding back a piece that may be
    the start of a marker ("[", "[1") until it is complete."""

    def __init__(self, passage_count: int) -> None:
        self._renumbering = Renumbering(passage_count)
        self._pending = ""

    def feed(self, piece: str) -> str:
        text = self._pending + piece
        tail = _OPEN_MARKER.search(text)
        cut = tail.start() if tail else len(text)
        self._pending = text[cut:]
        return self._renumbering.apply(text[:cut])

    def close(self) -> str:
        rest, self._pending = self._pending, ""
        return self._renumbering.apply(rest)

    def run(self, pieces: Iterable[str]) -> Iterator[str]:
        for piece in pieces:
            shown = self.feed(piece)
            if shown:
                yield shown
        rest = self.close()
        if rest:
            yield rest


def is_abstention(text: str) -> bool:
    """True when the text is, or starts with, the fixed abstention phrase."""
    core = MARKER.sub("", text).strip().strip('"').lower()
    return core.startswith(ABSTAIN_PHRASE.lower().rstrip("."))


def abstains(text: str, verified: Verified) -> bool:
    """The model abstained: it opened with the phrase, or wrote it and cited nothing valid
    (small models often add a sentence or two around the phrase)."""
    if is_abstention(text):
        return True
    return not verified.citations and mentions_abstention(text)


def mentions_abstention(text: str) -> bool:
    """The abstention phrase stands anywhere in the text."""
    return bool(_ABSTAIN.search(text))


@dataclass(frozen=True)
class Claim:
    """A stretch of answer text and the (renumbered) passages it cites right after it."""

    text: str
    cited: tuple[int, ...]


def claims(text: str) -> list[Claim]:
    """Split a verified answer at its runs of markers: "A [1]. B [2][3]." gives A->(1,),
    B->(2, 3). Text after the last marker cites nothing and is not a claim."""
    found: list[Claim] = []
    start = 0
    for run in re.finditer(r"(?:\s*\[\d+\])+", text):
        numbers = tuple(int(n) for n in re.findall(r"\[(\d+)\]", run.group(0)))
        claim = text[start : run.start()].strip(" \t\n.,;:")
        if claim:
            found.append(Claim(claim, numbers))
        elif found:
            found[-1] = Claim(found[-1].text, tuple(dict.fromkeys(found[-1].cited + numbers)))
        start = run.end()
    return found


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
