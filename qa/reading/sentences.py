"""The sentences of retrieved passages, ranked by how well each answers the question.

Each sentence is described by a few signals (`SentenceFeatures`) and scored by a weighted sum
(`SENTENCE_WEIGHTS`): a logistic regression fitted on the tune half of the dev questions by
`bench/fit_answerer.py`, where a sentence is a positive when it holds a gold answer. The
extractive answerer quotes the best; evidence selection shows an LLM the best with their
neighbours; the extractive abstention rule judges the chosen one. Sentences that may not be
quoted (markup, instructions to a model: `injection`) are never candidates.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from index_store.terms import terms
from qa.reading.answer_types import expected_kind, novel_answer, offers_kind
from qa.reading.injection import quotable
from qa.reading.question_terms import covered, term_weights
from qa.types import Asked, Passage

MIN_WORDS = 4
NEAR_WORDS = 6
MAX_EMBEDDED = 24
"""Only the sentences that share most with the question (or follow one that does) are embedded
and scored: the rest cannot win, and embedding every sentence of five passages cost ~1 s."""

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


def rank_sentences(
    question: str, passages: list[Passage], asked: Asked | None
) -> list[ScoredSentence]:
    """Every quotable sentence of the passages, best answer first."""
    return sorted(score_sentences(question, passages, asked), key=lambda s: -s.score)


def score_sentences(
    question: str, passages: list[Passage], asked: Asked | None
) -> list[ScoredSentence]:
    """The candidate sentences with their features, in passage order."""
    reading = as_read(question, asked)
    weight = dict(reading.weights)
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
    similarities = reading.similarities([f[2] for f in found])
    contexts = [covered(weight, terms(f"{p.title} {p.text}")) for p in passages]
    return [
        ScoredSentence(
            i,
            position,
            sentence,
            SentenceFeatures(
                coverage=coverage,
                similarity=similarity,
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


def as_read(question: str, asked: Asked | None) -> Asked:
    """What retrieval read of this question; for another question (or none read), its terms
    weighted by general English alone, and no vector."""
    if asked is not None and asked.text == question.strip():
        return asked
    return Asked(question.strip(), term_weights(question))


def near_match(sentence: str, question_terms: set[str], question: str) -> float:
    """1 when a name or number the question lacks stands within NEAR_WORDS words of one of the
    question's terms: the answer is usually said right beside what the question asks about."""
    words = sentence.split()
    matched = [i for i, w in enumerate(words) if set(terms(w)) & question_terms]
    fresh = [i for i, w in enumerate(words) if novel_answer(w, question)]
    return float(any(abs(i - j) <= NEAR_WORDS for i in matched for j in fresh if i != j))
