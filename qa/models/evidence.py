"""The sentences an LLM reads: the passages' best answer sentences with their neighbours.

A small local model spends most of its time reading the prompt (five 1,200-character passages
are ~1,500 tokens: 20-30 s for a 1.5B model on two cores), and reads a long prompt worse than a
short one. The best-ranked passage holds the answer most often, so the model reads it whole; of the
other passages it reads the sentences ranked best (`qa.reading.sentences`), each with the sentence
before and after it, in reading order under their passage's number (so its citations still point
at the passages the answer is verified against), until `budget_tokens` is spent (the whole first
passage counts; at least one sentence of the others is shown). On the dev questions this held
the gold for .807 of them at ~475 prompt tokens, where the best sentences of all five
passages held it for .719 at ~430 and whole passages for .825 at ~1,570
(bench/evidence_budget.py). Sentences that may never be quoted (markup, instructions to a
model: `qa.reading.injection`) are never shown either.
"""

from __future__ import annotations

from dataclasses import replace

from qa.models.base import ModelContext
from qa.types import Passage

CHARS_PER_TOKEN = 4
"""English news text averages about four characters a token in the BPE vocabularies of the
models we run; the budget is an estimate, the prompt is still fitted to the window exactly."""
NEIGHBOURS = 1
"""Sentences kept on each side of a chosen one: an answer sentence often names its subject
("He said ...") only in the sentence before it."""
GAP = " … "


def select_evidence(
    question: str, passages: list[Passage], context: ModelContext, budget_tokens: int
) -> list[Passage]:
    """The first passage whole (but what may not be quoted), the others cut down to their best
    sentences and neighbours, in the same numbering (a passage with nothing chosen keeps no
    text)."""
    from qa.reading.sentences import passage_sentences, rank_sentences

    split = [passage_sentences(p) for p in passages]
    sentences = [[text for text, _ in found] for found in split]
    quotable = [{j for j, (_, ok) in enumerate(found) if ok} for found in split]
    ranked = rank_sentences(question, passages[1:], context.asked)
    chosen: list[set[int]] = [set(quotable[0])] + [set() for _ in passages[1:]]
    budget, spent = budget_tokens * CHARS_PER_TOKEN - _size(sentences[0], chosen[0]), 0
    for sentence in ranked:
        i = sentence.passage_index + 1
        new = (_around(sentence.position, len(sentences[i])) & quotable[i]) - chosen[i]
        extra = _size(sentences[i], new)
        if spent and spent + extra > budget:
            break
        chosen[i] |= new
        spent += extra
    return [_excerpted(p, sentences[i], chosen[i]) for i, p in enumerate(passages)]


def _size(sentences: list[str], positions: set[int]) -> int:
    return sum(len(sentences[j]) + 1 for j in positions)


def _around(position: int, count: int) -> set[int]:
    return set(range(max(0, position - NEIGHBOURS), min(count, position + NEIGHBOURS + 1)))


def _excerpted(passage: Passage, sentences: list[str], positions: set[int]) -> Passage:
    """The passage cut to the chosen sentences in order, a gap between two of them marked with
    an ellipsis; its sentence spans are those sentences', so that a reader of the excerpt splits it
    as the passage was split."""
    text, spans, previous = "", [], None
    for i in sorted(positions):
        if previous is not None:
            text += " " if i == previous + 1 else GAP
        spans.append((len(text), len(text) + len(sentences[i])))
        text += sentences[i]
        previous = i
    return replace(passage, text=text, sentence_spans=tuple(spans))
