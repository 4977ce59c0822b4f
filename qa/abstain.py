"""Whether the extractive answerer should say the articles do not answer the question.

Several signals of evidence are combined into one probability that the question is answered
(a logistic regression fitted by `bench/fit_answerer.py` on the tune half of the dev questions);
the answerer abstains below `THRESHOLD`, chosen on that half as the one with the best abstention
F1 among those with at most 10% false abstentions, and also whenever no two adjacent terms of the
question occur side by side in any passage. No signal depends on the question's date: dated and
undated questions are judged alike (the fused score, which the recency prior raises for dated
questions, is left out for that reason).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from qa.types import Passage

if TYPE_CHECKING:
    from qa.models.extractive import ScoredSentence

WEIGHTS = {
    "bias": -1.559,
    "best_score": 0.853,
    "best_coverage": 0.5,
    "best_similarity": 0.394,
    "union_coverage": 0.355,
    "missing_rarity": -0.443,
    "phrase_coverage": 1.309,
}
THRESHOLD = 0.22
"""Fitted by bench/fit_answerer.py on the tune half of questions-2025-small (eval/RESULTS.md)."""


@dataclass(frozen=True)
class Evidence:
    """best_score: the top sentence's score; best_coverage / best_similarity: the highest term
    coverage and embedding similarity of any sentence; union_coverage: share of the question's
    term weight found anywhere in the passages and titles; missing_rarity: rarity (Zipf 7 - f,
    over 7) of the rarest question term found nowhere, 0 when all are found; phrase_coverage:
    share of the question's adjacent term pairs ("external affairs", "fur farm") that some
    passage also has side by side (1 when the question has no pair): a question about a
    different story shares words with the passages, but rarely its phrases."""

    best_score: float
    best_coverage: float
    best_similarity: float
    union_coverage: float
    missing_rarity: float
    phrase_coverage: float


def evidence(question: str, passages: list[Passage], ranked: list[ScoredSentence]) -> Evidence:
    from index_store.terms import query_terms, terms
    from qa.question_terms import covered, term_weights

    weight = term_weights(question)
    passage_terms = [terms(f"{p.title}\n{p.text}") for p in passages]
    present = {t for found in passage_terms for t in found}
    missing = [w for t, w in weight.items() if t not in present]
    return Evidence(
        best_score=ranked[0].score,
        best_coverage=max(s.features.coverage for s in ranked),
        best_similarity=max(s.features.similarity for s in ranked),
        union_coverage=covered(weight, list(present)),
        missing_rarity=max(missing, default=0.0) / 7.0,
        phrase_coverage=phrase_coverage(query_terms(question), passage_terms),
    )


def phrase_coverage(question_terms: list[str], passage_terms: list[list[str]]) -> float:
    """Share of the question's adjacent term pairs found adjacent in some passage."""
    wanted = set(zip(question_terms, question_terms[1:]))
    if not wanted:
        return 1.0
    found = {pair for found in passage_terms for pair in zip(found, found[1:])}
    return len(wanted & found) / len(wanted)


def answer_probability(facts: Evidence) -> float:
    z = WEIGHTS["bias"] + sum(WEIGHTS[name] * value for name, value in asdict(facts).items())
    return 1.0 / (1.0 + math.exp(-z))


def abstains(facts: Evidence, threshold: float = THRESHOLD) -> bool:
    """Abstain when no adjacent pair of the question's terms occurs in any passage (the
    passages are about something else), or when the evidence is too weak overall."""
    return facts.phrase_coverage == 0 or answer_probability(facts) < threshold


def should_abstain(question: str, passages: list[Passage], ranked: list[ScoredSentence]) -> bool:
    return abstains(evidence(question, passages, ranked))
