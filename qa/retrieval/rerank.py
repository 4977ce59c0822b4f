"""Second-stage ranking of fused candidates by how much of the question each one holds.

Reciprocal rank fusion sees only ranks. A chunk that holds all the question's rare terms, in its
title or in one sentence, is a better bet than one that ranks well on common words alone. Each of
the top `depth` candidates gets `score / top score + weight * coverage`, where coverage averages
the rarity-weighted share of the question's terms in title + chunk and in its best sentence.
"""

from __future__ import annotations

from dataclasses import replace

from index_store.terms import terms
from index_store.types import ChunkRecord
from qa.reading.question_terms import covered, term_weights
from qa.retrieval.candidates import Candidate


def coverage(question_weight: dict[str, float], title: str, chunk: ChunkRecord) -> float:
    """Mean of the question-term coverage of title + chunk and of the chunk's best sentence."""
    whole = covered(question_weight, terms(f"{title} {chunk.text}"))
    sentences = [chunk.text[a:b] for a, b in chunk.sentences] or [chunk.text]
    best = max(covered(question_weight, terms(s)) for s in sentences)
    return (whole + best) / 2


def rerank(
    question: str,
    candidates: list[Candidate],
    chunks: dict[str, ChunkRecord],
    titles: dict[str, str],
    weight: float,
    depth: int,
) -> list[Candidate]:
    """The top `depth` candidates reordered by fused score and question coverage; the rest
    follow in their fused order."""
    head, tail = candidates[:depth], candidates[depth:]
    if not head or weight <= 0:
        return candidates
    question_weight = term_weights(question)
    top = head[0].score or 1.0
    rescored = []
    for candidate in head:
        chunk = chunks.get(candidate.chunk_id)
        share = coverage(question_weight, titles.get(candidate.chunk_id, ""), chunk) if chunk else 0
        rescored.append(replace(candidate, score=candidate.score / top + weight * share))
    return sorted(rescored, key=lambda c: -c.score) + tail
