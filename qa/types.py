"""Plain data a question turns into: retrieved Passages, and an Answer citing some of them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Passage:
    """A retrieved piece of an article, with what a reader needs to judge and cite it.

    `sources` lists every outlet that published the same text (syndicated copies collapse here).
    """

    rank: int
    score: float
    chunk_id: str
    article_id: str
    title: str
    text: str
    source: str = ""
    published: str | None = None
    url: str = ""
    sources: tuple[str, ...] = ()
    sentence_spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Citation:
    """A numbered reference in an answer, resolved to the passage it points at."""

    n: int
    article_id: str
    chunk_id: str
    title: str
    source: str
    published: str | None
    url: str
    text: str


@dataclass(frozen=True)
class Answer:
    """A cited answer, or an abstention, with the passages it was drawn from and what it cost."""

    question: str
    answer: str
    abstained: bool
    model: str
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()
    supported: bool = True
    dropped_citations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    fallback: bool = False
    """The model's answer rested on no passage, so the extractive answer is shown instead."""
    prompt_tokens: int | None = None
    """Tokens of the prompt an LLM read (estimated for a server whose tokenizer is remote)."""
    short_answer: str | None = None
    """The name, number, date, place or phrase asked for, as the answer's first claim gives it
    (without its citation); the rest of `answer` is its context. None for an abstention."""

    def to_dict(self) -> dict:
        """The JSON shape shared by `ask --json`, the HTTP API and eval results."""
        from dataclasses import asdict

        return asdict(self)
