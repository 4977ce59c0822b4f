"""The default answer model: no LLM. It answers with the short answer it finds in the retrieved
sentence that best answers the question (`qa.reading.short_answer`), cited, and that sentence
below it as context; when the sentence names nothing of the kind asked for, with the sentence
itself, plus the next best sentence of the same passage when both fit in `MAX_ANSWER_WORDS`,
under one citation; or it abstains when the chosen sentence does not answer (`abstain`).
Sentences are ranked by `qa.reading.sentences`, with the question as retrieval read it.
"""

from __future__ import annotations

import math
import re

from index_store.markers import neutralise_markers
from index_store.terms import query_words, stems, terms
from qa.models.base import ABSTAIN_PHRASE, ModelContext, ProviderStatus
from qa.reading.answer_types import expected_kind
from qa.reading.answerability import should_abstain
from qa.reading.sentences import ScoredSentence, as_read, rank_sentences
from qa.reading.short_answer import ReadSentence, SpanCandidate, best_span
from qa.types import Passage

MAX_ANSWER_WORDS = 60
"""An answer quotes at most this many words: a run-on sentence is cut around its match, and a
second sentence is added only when both fit."""
READ_SENTENCES = 1
"""The sentences searched for the short answer: the best one only. On the dev questions the
answer stands there more often than anywhere else; reading the best 2 or 8 instead picked
the right choice less often (.386, .404 against .474 on the grounded ones)."""


class ExtractiveModel:
    spec = "extractive"

    def __init__(self, context: ModelContext) -> None:
        self._asked = context.asked
        self._rrf_k = context.settings.rrf_k

    def generate(self, question: str, passages: list[Passage]) -> str:
        """The short answer cited, then, a paragraph below, the sentence it stands in
        ("120 [1]", "Lumenfold ... will create 120 jobs ... [1]"); the best sentences alone when
        they name nothing of the kind asked for."""
        ranked = rank_sentences(question, passages, self._asked)
        weight = dict(as_read(question, self._asked).weights)
        if not ranked or should_abstain(question, passages, ranked, weight, self._rrf_k):
            return ABSTAIN_PHRASE
        span = short_answer(question, passages, ranked)
        if span is None:
            return f"{compose(ranked, question)} [{ranked[0].passage_index + 1}]"
        n = span.passage_index + 1
        context = neutralise_markers(shorten(span.sentence, question))
        return f"{neutralise_markers(span.text)} [{n}]\n\n{context} [{n}]"


def short_answer(
    question: str, passages: list[Passage], ranked: list[ScoredSentence]
) -> SpanCandidate | None:
    """The span of the best READ_SENTENCES sentences that best answers the question."""
    read = [
        ReadSentence(s.passage_index, s.text, 1.0 / (1.0 + math.exp(-s.score)))
        for s in ranked[:READ_SENTENCES]
    ]
    texts = [f"{p.title}\n{p.text}" for p in passages]
    return best_span(question, expected_kind(question), read, texts, [p.title for p in passages])


def compose(ranked: list[ScoredSentence], question: str) -> str:
    """The best sentence, and the next best of its passage in reading order when the two fit in
    MAX_ANSWER_WORDS (the answer often sits beside the sentence that restates the question)."""
    best = ranked[0]
    second = next((s for s in ranked[1:] if s.passage_index == best.passage_index), None)
    if second is None or len(best.text.split()) + len(second.text.split()) > MAX_ANSWER_WORDS:
        return neutralise_markers(shorten(best.text, question))
    first, last = sorted((best, second), key=lambda s: s.position)
    joiner = " " if last.position == first.position + 1 else " … "
    return neutralise_markers(f"{first.text}{joiner}{last.text}")


def shorten(sentence: str, question: str) -> str:
    """The sentence, or for a run-on one the MAX_ANSWER_WORDS words around its best match of the
    question's terms, marked with ellipses."""
    words = sentence.split()
    if len(words) <= MAX_ANSWER_WORDS:
        return sentence
    wanted = set(stems(query_words(question)))
    hits = [i for i, w in enumerate(words) if set(terms(w)) & wanted]
    centre = hits[len(hits) // 2] if hits else 0
    first = max(0, min(centre - MAX_ANSWER_WORDS // 2, len(words) - MAX_ANSWER_WORDS))
    kept = " ".join(words[first : first + MAX_ANSWER_WORDS])
    prefix = "… " if first > 0 else ""
    suffix = " …" if first + MAX_ANSWER_WORDS < len(words) else ""
    return re.sub(r"\s+", " ", f"{prefix}{kept}{suffix}")


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
