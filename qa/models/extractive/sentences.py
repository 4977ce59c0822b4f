"""A candidate answer sentence and the signals that say whether it answers the question.

Shared by the extractive model (which ranks sentences by `ScoredSentence.score`) and its
abstention rule (which judges the chosen one), so neither imports the other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from qa.models.extractive.injection import quotable
from qa.types import Passage

SENTENCE_WEIGHTS = {
    "bias": -5.205,
    "coverage": 0.295,
    "similarity": 2.224,
    "context": 1.161,
    "kind": 1.97,
    "novel": 0.834,
    "rank": 0.507,
    "after_match": -0.873,
    "near": 0.984,
}
"""Fitted by bench/fit_answerer.py (see eval/RESULTS.md); the names are SentenceFeatures fields."""


@dataclass(frozen=True)
class SentenceFeatures:
    """Why a sentence may answer the question, each in [0, 1].

    coverage: share of the question's term weight the sentence holds; similarity: its embedding
    cosine to the question; context: the same share over its passage and title; kind: offers the
    kind of thing asked for (`answer_types`); novel: holds a name or number the question does
    not; rank: 1 / its passage's rank; after_match: coverage of the sentence before it (answers
    often follow the sentence that restates the question); near: a new name or number stands
    within NEAR_WORDS words of a question term.
    """

    coverage: float
    similarity: float
    context: float
    kind: float
    novel: float
    rank: float
    after_match: float
    near: float


@dataclass(frozen=True)
class ScoredSentence:
    """A candidate answer sentence: its passage (0-based), its place in that passage, its text,
    and the kind of answer the question asks for (`answer_types.KINDS`)."""

    passage_index: int
    position: int
    text: str
    features: SentenceFeatures
    kind: str = "other"

    @property
    def score(self) -> float:
        values = asdict(self.features)
        return SENTENCE_WEIGHTS["bias"] + sum(
            SENTENCE_WEIGHTS[name] * value for name, value in values.items()
        )


def passage_sentences(passage: Passage) -> list[tuple[str, bool]]:
    """The passage's sentences, each with whether it may be quoted (`injection`)."""
    if passage.sentence_spans:
        spans = list(passage.sentence_spans)
    else:
        spans, start = [], 0
        for line in passage.text.splitlines(keepends=True):
            if line.strip():
                spans.append((start, start + len(line.rstrip())))
            start += len(line)
    allowed = quotable(passage.text, spans)
    return [(passage.text[a:b].strip(), ok) for (a, b), ok in zip(spans, allowed)]
