"""The short answer: the name, number, date, place or phrase a question asks for.

A sentence that answers a question holds the answer beside other names and numbers, and a
reader wants the one asked for. Candidates are the named entities, proper nouns and noun phrases
of the sentences given (the extractive answerer gives its best one), less what the question
already says. Each is described by a few signals (`SpanFeatures`) and scored by a weighted sum
(`SPAN_WEIGHTS`: a logistic regression fitted on the dev questions by
`bench/fit_short_answers.py`, a candidate being a positive when it is a gold answer). On those
questions what weighs most is being of the kind asked for and being named in several of the
passages and their titles (news repeats its answer); standing beside the question's focus noun
came out against a candidate (in "which city ..." questions it is often the question's own city).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from index_store.terms import terms
from qa.reading.answer_kinds import refined_kind, span_fits
from qa.reading.answer_types import COUNT_NEAR, counted_nouns
from qa.reading.question_terms import covered, term_weights

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

SPAN_WEIGHTS = {
    "bias": -5.58,
    "relevance": 2.268,
    "support": 0.887,
    "spread": 2.203,
    "title": 1.263,
    "kind": 2.509,
    "near": 0.762,
    "focus": -1.108,
    "entity": 0.62,
    "asked": 0.205,
    "window": -0.145,
}
"""Fitted by bench/fit_short_answers.py (eval/RESULTS.md); the names are SpanFeatures fields."""
SUPPORT_CAP = 3.0
"""Summed sentence relevance at which a candidate counts as fully supported."""
WINDOW = 8
"""Words on either side of a candidate that count as its context: an answer is said beside the
words of the question it answers."""
FOCUS_WINDOW = 3
"""Words between a candidate and the question's focus noun ("city", "comedian") that still make
it the thing the noun names ("the comedian Nikki Glaser", "New York became the first city")."""
MAX_WORDS = 8
"""Longer noun phrases are descriptions, not answers."""
SHORT_WORDS = 12
"""An answer of at most this many words is short already: it is its own short answer."""
_SKIPPED_HEADS = frozenset({"PRON", "DET", "NUM"})
_POSSESSIVE_MARK = re.compile(r"^['’]s\s+")
"""The tagger may start an entity at the possessive ("the building’s Gallery of Presidents")."""
_LEADING = re.compile(r"^(the|a|an|this|that|these|those|its|his|her|their|our)\s+", re.I)


@dataclass(frozen=True)
class ReadSentence:
    """A sentence that may hold the answer: its passage (0-based), its text, and how likely it
    is to answer the question, in [0, 1] (its ranker's probability)."""

    passage_index: int
    text: str
    relevance: float


@dataclass(frozen=True)
class SpanFeatures:
    """Why a candidate may be the short answer, each in [0, 1].

    relevance: the best relevance of a sentence naming it; support: the summed relevance of all
    of them, over SUPPORT_CAP; spread: share of the passages naming it; title: a passage title
    names it; kind: it is of the kind asked for (`answer_kinds.span_fits`); near: 1 / (1 + words
    between it and the nearest question term); focus: it stands within FOCUS_WINDOW words of
    the question's focus noun; entity: a named entity rather than a plain noun phrase; asked:
    share of its terms the question already has; window: the largest share of the question's
    term weight among the WINDOW words on either side of one of its occurrences.
    """

    relevance: float
    support: float
    spread: float
    title: float
    kind: float
    near: float
    focus: float
    entity: float
    asked: float
    window: float


@dataclass(frozen=True)
class SpanCandidate:
    """A possible short answer: its text as first written, the sentence and passage of its best
    occurrence, and its signals."""

    text: str
    passage_index: int
    sentence: str
    features: SpanFeatures

    @property
    def score(self) -> float:
        values = asdict(self.features)
        return SPAN_WEIGHTS["bias"] + sum(SPAN_WEIGHTS[k] * v for k, v in values.items())

    @property
    def probability(self) -> float:
        return 1.0 / (1.0 + math.exp(-self.score))


@dataclass
class _Found:
    """Occurrences of one candidate (by key) while the sentences are read."""

    text: str
    entity: bool
    kind: float
    asked: float
    best: tuple[float, int, str] = (-1.0, 0, "")
    support: float = 0.0
    near: float = 0.0
    focus: float = 0.0
    window: float = 0.0
    words: frozenset[str] = field(default_factory=frozenset)


def best_span(
    question: str,
    kind: str,
    sentences: Sequence[ReadSentence],
    passages: Sequence[str] = (),
    titles: Sequence[str] = (),
) -> SpanCandidate | None:
    """The best-scoring candidate of `sentences`, or None when they name nothing new.
    `passages` and `titles` are the texts read (for spread and title)."""
    ranked = rank_spans(question, kind, sentences, passages, titles)
    return ranked[0] if ranked else None


def rank_spans(
    question: str,
    kind: str,
    sentences: Sequence[ReadSentence],
    passages: Sequence[str] = (),
    titles: Sequence[str] = (),
) -> list[SpanCandidate]:
    """Every candidate of `sentences` that fits the kind asked for, best first."""
    from qa.reading.language import parse

    if not sentences:
        return []
    docs = parse([question, *(s.text for s in sentences)])
    focus_words = _focus_words(docs[0])
    kind = refined_kind(kind, {w.lower() for w in focus_words})
    focus = set(terms(" ".join(focus_words)))
    counted = counted_nouns(question) if kind == "count" else set()
    found: dict[str, _Found] = {}
    weight = term_weights(question)
    for sentence, doc in zip(sentences, docs[1:]):
        _read(doc, sentence, kind, weight, (focus, counted), found)
    _merge_parts(found)
    lowered = [p.lower() for p in passages]
    lowered_titles = [t.lower() for t in titles]
    ranked = [_candidate(item, lowered, lowered_titles) for item in found.values() if item.kind > 0]
    return sorted(ranked, key=lambda c: -c.score)


def short_of(question: str, kind: str, claim: str) -> str:
    """The short answer inside an answer's first claim: the claim itself when it is short, else
    the candidate in it that best fits the question (the claim when none does)."""
    plain = claim.strip().rstrip(".")
    if len(plain.split()) <= SHORT_WORDS:
        return plain
    best = best_span(question, kind, [ReadSentence(0, plain, 1.0)])
    return best.text if best is not None else plain


def _read(
    doc: Doc,
    sentence: ReadSentence,
    kind: str,
    weight: dict[str, float],
    nouns: tuple[set[str], set[str]],
    found: dict[str, _Found],
) -> None:
    """Add the candidates of one parsed sentence to `found`; `nouns` are the question's focus
    noun and, for "how many", the counted noun ("how many jobs": a number beside "jobs")."""
    asked = set(weight)
    token_terms = [set(terms(t.text)) for t in doc]
    question_at = [i for i, have in enumerate(token_terms) if have & asked]
    focus_at, counted_at = ([i for i, have in enumerate(token_terms) if have & n] for n in nouns)
    for span, entity in _spans(doc):
        text = _LEADING.sub("", _POSSESSIVE_MARK.sub("", span.text).strip(" \"'“”‘’,.;:()"))
        span_terms = set(terms(text))
        if not span_terms or len(text.split()) > MAX_WORDS:
            continue
        share = len(span_terms & asked) / len(span_terms)
        if share >= 1:
            continue
        key = " ".join(sorted(span_terms))
        inside = range(span.start, span.end)
        fit = span_fits(kind, span.label_ if entity else "", text)
        if nouns[1] and _closeness(inside, counted_at) < 1 / (COUNT_NEAR + 1):
            fit /= 2
        item = found.get(key)
        if item is None:
            item = found[key] = _Found(text, entity, fit, share, words=frozenset(span_terms))
        item.kind = max(item.kind, fit)
        item.support += sentence.relevance
        if sentence.relevance > item.best[0]:
            item.best = (sentence.relevance, sentence.passage_index, sentence.text)
        item.near = max(item.near, _closeness(inside, question_at))
        item.focus = max(item.focus, float(_closeness(inside, focus_at) >= 1 / (FOCUS_WINDOW + 1)))
        around = range(max(0, span.start - WINDOW), min(len(doc), span.end + WINDOW))
        context = set().union(*(token_terms[i] for i in around if i not in inside))
        item.window = max(item.window, covered(weight, context))


def _spans(doc: Doc) -> list[tuple[Span, bool]]:
    """Named entities, runs of proper nouns the tagger saw but the entity model missed ("BP
    chief executive ..."), and noun phrases that hold neither (their head and modifiers)."""
    entities = list(doc.ents)
    taken = {i for e in entities for i in range(e.start, e.end)}
    names = [r for r in _proper_runs(doc) if not any(i in taken for i in range(r.start, r.end))]
    taken |= {i for r in names for i in range(r.start, r.end)}
    phrases = []
    for chunk in doc.noun_chunks:
        if chunk.root.pos_ in _SKIPPED_HEADS or any(i in taken for i in range(*_bounds(chunk))):
            continue
        start = next((t.i for t in chunk if t.pos_ not in ("DET", "PRON")), chunk.root.i)
        phrases.append(doc[start : chunk.end])
    found = [(e, True) for e in entities] + [(n, True) for n in names]
    return found + [(p, False) for p in phrases if len(p)]


def _proper_runs(doc: Doc) -> list[Span]:
    """Maximal runs of proper nouns, labelled PROPN."""
    from spacy.tokens import Span

    runs, start = [], None
    for token in [*doc, None]:
        if token is not None and token.pos_ == "PROPN":
            start = token.i if start is None else start
        elif start is not None:
            runs.append(Span(doc, start, token.i if token is not None else len(doc), "PROPN"))
            start = None
    return runs


def _bounds(span: Span) -> tuple[int, int]:
    return span.start, span.end


def _closeness(inside: range, positions: list[int]) -> float:
    """1 / (1 + words between the span and the nearest of `positions` outside it), 0 if none."""
    gaps = [
        (p - inside.stop if p >= inside.stop else inside.start - p - 1)
        for p in positions
        if p not in inside
    ]
    return 1.0 / (1 + min(gaps)) if gaps else 0.0


def _focus_words(question: Doc) -> list[str]:
    """The noun a wh-word qualifies and its compounds ("which oil giant" → oil, giant; "in which
    city" → city), empty for who/when/how questions."""
    for token in question:
        if token.lower_ in ("which", "what") and token.dep_ == "det":
            head = token.head
            words = [t.text for t in head.children if t.dep_ in ("compound", "amod")]
            return [*words, head.text]
    return []


def _merge_parts(found: dict[str, _Found]) -> None:
    """A candidate whose terms are part of a longer entity's ("Glaser" of "Nikki Glaser") is that
    entity named again: its occurrences count for the longer one, and it goes."""
    keys = sorted(found, key=lambda k: -len(found[k].words))
    for short in reversed(keys):
        part = found[short]
        whole = next(
            (
                found[k]
                for k in keys
                if k != short and k in found and found[k].entity and part.words < found[k].words
            ),
            None,
        )
        if whole is None:
            continue
        whole.support += part.support
        whole.near = max(whole.near, part.near)
        whole.focus = max(whole.focus, part.focus)
        whole.window = max(whole.window, part.window)
        del found[short]


def _candidate(item: _Found, passages: list[str], titles: list[str]) -> SpanCandidate:
    relevance, passage_index, sentence = item.best
    needle = re.compile(rf"(?<!\w){re.escape(item.text.lower())}(?!\w)")
    named_in = sum(bool(needle.search(p)) for p in passages)
    return SpanCandidate(
        text=item.text,
        passage_index=passage_index,
        sentence=sentence,
        features=SpanFeatures(
            relevance=relevance,
            support=min(1.0, item.support / SUPPORT_CAP),
            spread=named_in / len(passages) if passages else 0.0,
            title=float(any(needle.search(t) for t in titles)),
            kind=item.kind,
            near=item.near,
            focus=item.focus,
            entity=float(item.entity),
            asked=item.asked,
            window=item.window,
        ),
    )
