"""The default answer model: no LLM, answers with the retrieved sentence that best answers the
question, cited, or abstains when no sentence holds the question's key terms.

A sentence's score mixes how much of the question's rare terms it contains (idf-weighted, stemmed),
how close it is to the question in embedding space, whether its passage covers the rest of the
question, and whether it holds the kind of thing asked for (a time for "when", a number for
"how many"...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index_store.terms import query_words, stems, terms
from qa.answer_types import expected_kind, offers_kind
from qa.citations import ABSTAIN_PHRASE, quoted
from qa.models.base import ModelContext, ProviderStatus
from qa.types import Passage

WEIGHTS = {"coverage": 0.40, "similarity": 0.40, "context": 0.10, "kind": 0.10}
MIN_COVERAGE = 0.3
MIN_SCORE = 0.645
MIN_WORDS = 4


@dataclass(frozen=True)
class ScoredSentence:
    passage_index: int
    text: str
    coverage: float
    similarity: float
    context: float
    kind: float

    @property
    def score(self) -> float:
        return (
            WEIGHTS["coverage"] * self.coverage
            + WEIGHTS["similarity"] * self.similarity
            + WEIGHTS["context"] * self.context
            + WEIGHTS["kind"] * self.kind
        )


class ExtractiveModel:
    spec = "extractive"

    def __init__(self, context: ModelContext) -> None:
        self._store = context.store

    def generate(self, question: str, passages: list[Passage]) -> str:
        best = self.best_sentence(question, passages)
        if best is None or best.coverage < MIN_COVERAGE or best.score < MIN_SCORE:
            return ABSTAIN_PHRASE
        return f"{quoted(best.text)} [{best.passage_index + 1}]"

    def best_sentence(self, question: str, passages: list[Passage]) -> ScoredSentence | None:
        scored = self.score_sentences(question, passages)
        return max(scored, key=lambda s: s.score) if scored else None

    def score_sentences(self, question: str, passages: list[Passage]) -> list[ScoredSentence]:
        weight = term_weights(query_words(question))
        if not weight or not passages:
            return []
        kind = expected_kind(question)
        found = [
            (i, sentence)
            for i, passage in enumerate(passages)
            for sentence in _sentences(passage)
            if len(sentence.split()) >= MIN_WORDS
        ]
        if not found:
            return []
        similarities = self._similarities(question, [s for _, s in found])
        contexts = [_covered(weight, terms(f"{p.title} {p.text}")) for p in passages]
        return [
            ScoredSentence(
                passage_index=i,
                text=sentence,
                coverage=_covered(weight, terms(sentence)),
                similarity=float(similarity),
                context=contexts[i],
                kind=offers_kind(sentence, kind, question),
            )
            for (i, sentence), similarity in zip(found, similarities)
        ]

    def _similarities(self, question: str, sentences: list[str]) -> np.ndarray:
        if self._store is None:
            return np.zeros(len(sentences))
        vectors = self._store.embedder.encode([question, *sentences])
        return vectors[1:] @ vectors[0]


def term_weights(question_words: list[str]) -> dict[str, float]:
    """How specific each question term is, by its rarity in general English (wordfreq's Zipf
    scale: 7 is "the", 1 is very rare). Corpus idf is unreliable in small stores and says
    nothing about whether a word is what the question is about."""
    from wordfreq import zipf_frequency

    weights: dict[str, float] = {}
    for word, stem in zip(question_words, stems(question_words)):
        rarity = max(0.5, 7.0 - zipf_frequency(word, "en"))
        weights[stem] = max(weights.get(stem, 0.0), rarity)
    return weights


def _sentences(passage: Passage) -> list[str]:
    if passage.sentence_spans:
        return [passage.text[a:b].strip() for a, b in passage.sentence_spans]
    return [line.strip() for line in passage.text.splitlines() if line.strip()]


def _covered(weight: dict[str, float], present: list[str]) -> float:
    total = sum(weight.values())
    if total <= 0:
        return 0.0
    have = set(present)
    return sum(w for t, w in weight.items() if t in have) / total


class ExtractiveProvider:
    """Entry point `extractive`: always available, offline, deterministic."""

    name = "extractive"
    description = "no LLM: cites the retrieved sentence that best answers the question"
    example = "newsqa ask -m extractive 'Who won the by-election?'"

    def create(self, model_name: str, context: ModelContext) -> ExtractiveModel:
        return ExtractiveModel(context)

    def status(self, settings) -> ProviderStatus:
        return ProviderStatus(True, "built in, offline")


provider = ExtractiveProvider()
