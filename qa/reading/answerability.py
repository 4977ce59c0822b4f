"""Whether the passages answer the question, as the extractive reading judges it: the
extractive answerer abstains by it, and a local model's abstention is judged with it
(`qa.answering.abstention`), so it lives here rather than inside the answerer.

The decision is about the sentence it would quote (the chosen one), not the best of anything in
the passages: how much of the question's weighted terms it and its passage hold, how similar it
is, whether it offers the kind of answer asked for, plus what the passages as a whole share with
the question, and whether the dense and keyword retrievers agree on its passage. These are
combined into one probability that the question is answered (a logistic regression fitted by
`bench/fit_answerer.py` on the tune half of the dev questions); the answerer abstains below
`THRESHOLD`, chosen on that half as the one with the best abstention F1 among those with at most
10% false abstentions. Two rules come first: abstain when no two adjacent terms of the question
occur side by side (in either order) in any passage, unless the chosen sentence holds all of the
question's terms (the passages are about something else), and when the question asks for a
value with a definite form (an amount of money, a percentage, a count of something, a year:
`answer_types.FINE_KINDS`) that the chosen sentence does not show. Only `top_fused` can feel
the question's date (the recency prior lifts recent passages' scores).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from qa.reading.sentences import ScoredSentence
from qa.types import Passage

SIGNALS = (
    "chosen_score",
    "chosen_coverage",
    "chosen_similarity",
    "chosen_context",
    "chosen_kind",
    "union_coverage",
    "missing_rarity",
    "phrase_coverage",
    "top_fused",
)
"""The Evidence fields the logistic model weighs (fine_kind only switches the rule)."""
WEIGHTS = {
    "bias": -1.989,
    "chosen_score": 0.67,
    "chosen_coverage": 0.117,
    "chosen_similarity": 0.292,
    "chosen_context": 0.87,
    "chosen_kind": 0.001,
    "union_coverage": 0.389,
    "missing_rarity": -0.307,
    "phrase_coverage": 1.313,
    "top_fused": 0.319,
}
"""Fitted by bench/fit_answerer.py on the tune half of questions-2025-small (eval/RESULTS.md)."""
THRESHOLD = 0.21
WHOLE_QUESTION = 0.99
"""A chosen sentence holding this share of the question's term weight is about the question even
when no phrase of it is found (a name may split one: "the ferry Wren was fitted")."""
MIN_VALUE_COVERAGE = 1 / 3
"""A sentence quoted for an amount, percentage, count or year must hold at least this share of
the question's term weight: every such dev question's chosen sentence held more than .35."""


@dataclass(frozen=True)
class Evidence:
    """chosen_score: the chosen sentence's score; chosen_coverage / chosen_similarity: its share
    of the question's term weight and its embedding similarity; chosen_context: the same share
    over its passage and title; chosen_kind: whether it offers the kind of answer asked for
    (1 clear, 0.5 vague, 0 not); union_coverage: share of the question's term weight found
    anywhere in the passages and titles; missing_rarity: rarity (Zipf 7 - f, over 7) of the
    rarest question term found nowhere, 0 when all are found; phrase_coverage: share of the
    question's adjacent term pairs ("external affairs", "fur farm") that some passage also has
    side by side (1 when the question has no pair): a question about a different story shares
    words with the passages, but rarely its phrases; top_fused: how far the dense and keyword
    retrievers agree on the chosen sentence's passage (`fused_agreement`)."""

    chosen_score: float
    chosen_coverage: float
    chosen_similarity: float
    chosen_context: float
    chosen_kind: float
    union_coverage: float
    missing_rarity: float
    phrase_coverage: float
    top_fused: float
    fine_kind: bool = False


def evidence(
    question: str,
    passages: list[Passage],
    ranked: list[ScoredSentence],
    weight: dict[str, float],
    rrf_k: int,
) -> Evidence:
    """The signals for the chosen sentence `ranked[0]`; `weight` is the question's term weights
    (`qa.reading.question_terms.term_weights`), `rrf_k` the fusion constant the passages were
    ranked with."""
    from index_store.terms import query_terms, terms
    from qa.reading.answer_types import FINE_KINDS
    from qa.reading.question_terms import covered

    passage_terms = [terms(f"{p.title}\n{p.text}") for p in passages]
    present = {t for found in passage_terms for t in found}
    missing = [w for t, w in weight.items() if t not in present]
    chosen = ranked[0]
    return Evidence(
        chosen_score=chosen.score,
        chosen_coverage=chosen.features.coverage,
        chosen_similarity=chosen.features.similarity,
        chosen_context=chosen.features.context,
        chosen_kind=chosen.features.kind,
        union_coverage=covered(weight, list(present)),
        missing_rarity=max(missing, default=0.0) / 7.0,
        phrase_coverage=phrase_coverage(query_terms(question), passage_terms),
        fine_kind=chosen.kind in FINE_KINDS,
        top_fused=fused_agreement(passages[chosen.passage_index].score, rrf_k),
    )


def phrase_coverage(question_terms: list[str], passage_terms: list[list[str]]) -> float:
    """Share of the question's adjacent term pairs found adjacent, in either order, in some
    passage ("merger talks" and "talks on the merger" make the same phrase)."""
    wanted = {frozenset(pair) for pair in zip(question_terms, question_terms[1:])}
    if not wanted:
        return 1.0
    found = {frozenset(pair) for found in passage_terms for pair in zip(found, found[1:])}
    return len(wanted & found) / len(wanted)


def fused_agreement(score: float, rrf_k: int) -> float:
    """A passage's fused score as a share of a first place in both the dense and the keyword
    list (1 / (rrf_k + 1) each): high when both retrievers agree on it. A recent passage's
    recency prior can lift it; it is capped at 1."""
    return min(1.0, score * (rrf_k + 1) / 2)


def answer_probability(facts: Evidence) -> float:
    z = WEIGHTS["bias"] + sum(WEIGHTS[name] * getattr(facts, name) for name in SIGNALS)
    return 1.0 / (1.0 + math.exp(-z))


def abstains(facts: Evidence, threshold: float = THRESHOLD) -> bool:
    """Abstain when the passages share no phrase of the question, when a value of a definite
    form was asked for and the chosen sentence shows none or is not about the question (a
    fare in a story about buses does not give a mayor's salary), or when the evidence is too
    weak."""
    if facts.phrase_coverage == 0 and facts.chosen_coverage < WHOLE_QUESTION:
        return True
    if facts.fine_kind and (facts.chosen_kind < 1 or facts.chosen_coverage < MIN_VALUE_COVERAGE):
        return True
    return answer_probability(facts) < threshold


def should_abstain(
    question: str,
    passages: list[Passage],
    ranked: list[ScoredSentence],
    weight: dict[str, float],
    rrf_k: int,
) -> bool:
    return abstains(evidence(question, passages, ranked, weight, rrf_k))
