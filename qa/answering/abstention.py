"""Whether a model that assesses itself abstains: its own probability, and a second reader.

A small model's probability of writing the abstention phrase (`abstain_probability`) says much,
but not all: on the dev questions it was often between .1 and .5 both for questions the passages
answer and for ones they do not. The extractive answerer's own judgement of the passages (its
answer probability, `qa.reading.answerability`) separates many of those: when it doubts
that the passages answer (below DOUBT), a lower probability (`abstain_threshold_doubted`) is
enough to abstain; otherwise the model must be surer (`abstain_threshold`). The two thresholds
were fitted together on the dev questions by `bench/fit_abstention.py`; DOUBT is even odds.
"""

from __future__ import annotations

from collections.abc import Callable

from qa.models.base import ModelContext
from qa.types import Passage

DOUBT = 0.5
"""The extractive answer probability under which the passages are doubted to answer (on the dev
questions a grid over .1-.5 beside the thresholds found none better)."""


def refuses(probability: float, context: ModelContext, doubted: Callable[[], bool]) -> bool:
    """Abstain at `abstain_threshold`, or at `abstain_threshold_doubted` when `doubted()` (asked
    only then: it reads the passages again)."""
    settings = context.settings
    if probability >= settings.abstain_threshold:
        return True
    return probability >= settings.abstain_threshold_doubted and doubted()


def extractive_doubts(question: str, passages: list[Passage], context: ModelContext) -> bool:
    """Whether the extractive answerer's evidence model gives the passages under DOUBT of
    answering `question` (no quotable sentence at all: doubted)."""
    from qa.reading.answerability import answer_probability, evidence
    from qa.reading.sentences import as_read, rank_sentences

    ranked = rank_sentences(question, passages, context.asked)
    if not ranked:
        return True
    weight = dict(as_read(question, context.asked).weights)
    facts = evidence(question, passages, ranked, weight, context.settings.rrf_k)
    return answer_probability(facts) < DOUBT
