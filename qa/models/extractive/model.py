"""The default answer model: no LLM. It answers with the short answer it finds in the retrieved
sentence that best answers the question (`qa.reading.short_answer`), cited, and that sentence
below it as context; when the sentence names nothing of the kind asked for, with the sentence
itself, plus the next best sentence of the same passage when both fit in `MAX_ANSWER_WORDS`,
under one citation; or it abstains when the chosen sentence does not answer (`abstain`).
Sentences holding markup, citation lists or instructions to a model, and the rest of their
paragraph, are never quoted (`injection`).

Each sentence of the passages is described by a few signals (`SentenceFeatures`) and scored by a
weighted sum (`SENTENCE_WEIGHTS`): a logistic regression fitted on the tune half of the dev
questions by `bench/fit_answerer.py`, where a sentence is a positive when it holds a gold answer.
"""

from __future__ import annotations

import math
import re

import numpy as np

from index_store.markers import neutralise_markers
from index_store.terms import query_words, stems, terms
from qa.models.base import ABSTAIN_PHRASE, ModelContext, ProviderStatus
from qa.models.extractive.abstain import should_abstain
from qa.models.extractive.sentences import (
    ScoredSentence,
    SentenceFeatures,
    passage_sentences,
)
from qa.reading.answer_types import expected_kind, novel_answer, offers_kind
from qa.reading.question_terms import covered, term_weights
from qa.reading.short_answer import ReadSentence, SpanCandidate, best_span
from qa.types import Passage

MIN_WORDS = 4
MAX_ANSWER_WORDS = 60
"""An answer quotes at most this many words: a run-on sentence is cut around its match, and a
second sentence is added only when both fit."""
NEAR_WORDS = 6
READ_SENTENCES = 1
"""The sentences searched for the short answer: the best one only. On the dev questions the
answer stands there more often than anywhere else; reading the best 2 or 8 instead picked
the right choice less often (.386, .404 against .474 on the grounded ones)."""
MAX_EMBEDDED = 24
"""Only the sentences that share most with the question (or follow one that does) are embedded
and scored: the rest cannot win, and embedding every sentence of five passages cost ~1 s."""


class ExtractiveModel:
    spec = "extractive"

    def __init__(self, context: ModelContext) -> None:
        self._store = context.store
        self._rrf_k = context.settings.rrf_k

    def generate(self, question: str, passages: list[Passage]) -> str:
        """The short answer cited, then, a paragraph below, the sentence it stands in
        ("120 [1]", "Lumenfold ... will create 120 jobs ... [1]"); the best sentences alone when
        they name nothing of the kind asked for."""
        ranked = self.rank_sentences(question, passages)
        weight = self.term_weights(question)
        if not ranked or should_abstain(question, passages, ranked, weight, self._rrf_k):
            return ABSTAIN_PHRASE
        span = short_answer(question, passages, ranked)
        if span is None:
            return f"{compose(ranked, question)} [{ranked[0].passage_index + 1}]"
        n = span.passage_index + 1
        context = neutralise_markers(shorten(span.sentence, question))
        return f"{neutralise_markers(span.text)} [{n}]\n\n{context} [{n}]"

    def rank_sentences(self, question: str, passages: list[Passage]) -> list[ScoredSentence]:
        """Every quotable sentence of the passages, best answer first."""
        scored = self.score_sentences(question, passages)
        return sorted(scored, key=lambda s: -s.score)

    def score_sentences(self, question: str, passages: list[Passage]) -> list[ScoredSentence]:
        weight = self.term_weights(question)
        if not weight or not passages:
            return []
        kind = expected_kind(question)
        found = []
        for i, passage in enumerate(passages):
            previous = 0.0
            for position, (sentence, allowed) in enumerate(passage_sentences(passage)):
                coverage = covered(weight, terms(sentence))
                if allowed and len(sentence.split()) >= MIN_WORDS:
                    found.append((i, position, sentence, coverage, previous))
                previous = coverage
        found = sorted(found, key=lambda f: (-f[3] - f[4] / 2, f[0]))[:MAX_EMBEDDED]
        if not found:
            return []
        similarities = self._similarities(question, [f[2] for f in found])
        contexts = [covered(weight, terms(f"{p.title} {p.text}")) for p in passages]
        return [
            ScoredSentence(
                i,
                position,
                sentence,
                SentenceFeatures(
                    coverage=coverage,
                    similarity=float(similarity),
                    context=contexts[i],
                    kind=offers_kind(sentence, kind, question),
                    novel=novel_answer(sentence, question),
                    rank=1.0 / (i + 1),
                    after_match=previous,
                    near=near_match(sentence, set(weight), question),
                ),
                kind,
            )
            for (i, position, sentence, coverage, previous), similarity in zip(found, similarities)
        ]

    def term_weights(self, question: str) -> dict[str, float]:
        """The question's terms by specificity, in general English and in this store."""
        idf = self._store.keyword_index().idf if self._store is not None else None
        return term_weights(question, idf)

    def _similarities(self, question: str, sentences: list[str]) -> np.ndarray:
        if self._store is None:
            return np.zeros(len(sentences))
        embedder = self._store.embedder
        return embedder.encode(sentences) @ embedder.encode_query(question)


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


def near_match(sentence: str, question_terms: set[str], question: str) -> float:
    """1 when a name or number the question lacks stands within NEAR_WORDS words of one of the
    question's terms: the answer is usually said right beside what the question asks about."""
    words = sentence.split()
    matched = [i for i, w in enumerate(words) if set(terms(w)) & question_terms]
    fresh = [i for i, w in enumerate(words) if novel_answer(w, question)]
    return float(any(abs(i - j) <= NEAR_WORDS for i in matched for j in fresh if i != j))


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
