"""Plain data a question turns into: the question as retrieval read it (Asked), retrieved
Passages, and an Answer citing some of them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Asked:
    """The question as retrieval read it, handed on so that answering computes nothing twice:
    its vector (the store's embedder, query side), its terms weighted by how specific they are
    in the store (`qa.reading.question_terms`), and the store's encoder for sentences."""

    text: str
    weights: Mapping[str, float]
    vector: Any = None
    encode: Callable[[list[str]], Any] | None = None

    def similarities(self, sentences: list[str]) -> list[float]:
        """Each sentence's cosine to the question; zeros without an encoder."""
        if self.encode is None or self.vector is None or not sentences:
            return [0.0] * len(sentences)
        return [float(s) for s in self.encode(sentences) @ self.vector]


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
    abstain_probability: float | None = None
    """A local model's own probability of writing the abstention phrase, read before it wrote
    (`abstain_threshold`); None for other models."""
    short_answer: str | None = None
    """The name, number, date, place or phrase asked for, as the answer's first claim gives it
    (without its citation); the rest of `answer` is its context. None for an abstention."""
    searched_for: str | None = None
    """In a conversation, the standalone question that was searched (the follow-up with its
    references resolved); None for a question asked on its own."""
    conversation_id: str | None = None
    shape: str = "answer"
    """"answer"; "brief" or "timeline" when the question asked for the news on a topic ("What's
    the latest on ...?", "How did ... unfold?") and was answered from its stories."""

    def to_dict(self) -> dict:
        """The JSON shape shared by `ask --json`, the HTTP API and eval results."""
        from dataclasses import asdict

        return asdict(self)
