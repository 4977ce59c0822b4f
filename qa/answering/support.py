"""Does each cited claim rest on the passages it cites?

A marker that points at a real passage is not yet support: a model can cite [1] after a sentence
passage 1 never says. A short answer ("Priya Nandakumar [2]", "120 [1]") is supported when its
terms are in the passage; a claim with no content term ("Yes [1]") cannot be judged lexically.
Each claim is checked against its cited passages two ways, and passes when either is
convincing: lexical overlap (the share of the claim's content terms, lemmatised
and stemmed, found in the passages: catches paraphrase-free copying, the common case) and, when
the store's sentence encoder is at hand, cosine similarity of the claim to its best cited passage
(catches paraphrase).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qa.answering.citations import Claim, claims
from qa.types import Citation

Encoder = Callable[[list[str]], Any]

MIN_OVERLAP = 0.6
"""Share of a claim's content terms its passages must hold."""
MIN_SIMILARITY = 0.6
"""MiniLM cosine of claim to its best cited passage.

Measured on the demo corpus (12 extractive answers, each claim also re-cited to another
answer's passage): claims against their own passage scored overlap 1.0 and cosine .51-.88;
against another story's passage, overlap .10-.45 and cosine .09-.48. Either test passing is
support; both failing is not."""


@dataclass(frozen=True)
class ClaimSupport:
    text: str
    cited: tuple[int, ...]
    overlap: float | None
    similarity: float | None

    @property
    def supported(self) -> bool:
        if self.overlap is None and self.similarity is None:
            return True
        return (self.overlap or 0.0) >= MIN_OVERLAP or (self.similarity or 0.0) >= MIN_SIMILARITY


def adds_to(question: str, claim: str) -> bool:
    """Whether a claim says something the question does not: a term of its own, or nothing to
    judge ("Yes"). "Reduces the risk of bowel cancer" adds nothing to "What can reduce the risk
    of bowel cancer?"."""
    from index_store.terms import terms

    claimed = set(terms(claim))
    return not claimed or bool(claimed - set(terms(question)))


def check_support(
    text: str, citations: tuple[Citation, ...], encode: Encoder | None = None
) -> list[ClaimSupport]:
    """One verdict per cited claim of a verified answer (markers already renumbered)."""
    from index_store.terms import terms

    by_number = {c.n: c for c in citations}
    found = [c for c in claims(text) if all(n in by_number for n in c.cited)]
    similarities = _similarities(found, by_number, encode)
    checked = []
    for claim, similarity in zip(found, similarities):
        claim_terms = set(terms(claim.text))
        passage_terms = set().union(*(terms(by_number[n].text) for n in claim.cited))
        overlap = len(claim_terms & passage_terms) / len(claim_terms) if claim_terms else None
        checked.append(ClaimSupport(claim.text, claim.cited, overlap, similarity))
    return checked


def _similarities(
    found: list[Claim], by_number: dict[int, Citation], encode: Encoder | None
) -> list[float | None]:
    if encode is None or not found:
        return [None] * len(found)
    numbers = sorted({n for claim in found for n in claim.cited})
    vectors = encode([c.text for c in found] + [by_number[n].text for n in numbers])
    claim_vectors, passage_vectors = vectors[: len(found)], vectors[len(found) :]
    row = {n: i for i, n in enumerate(numbers)}
    return [
        max(float(claim_vectors[i] @ passage_vectors[row[n]]) for n in claim.cited)
        for i, claim in enumerate(found)
    ]
