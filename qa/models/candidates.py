"""The short answers a local model may choose among, instead of writing one.

A small model left free writes a wrong name from the right passage ("Stockholm" for "London");
choosing among a few is easier. newsqa finds the candidates itself (the named entities and noun
phrases of the evidence's best sentences, ranked by `qa.reading.short_answer.rank_spans`, the
extractive answerer's short-answer ranking), each with the number of the passage that holds it,
and the model picks one or abstains under a grammar that allows nothing else
(`contract.choice_grammar`). Off by default (`local_gguf.CHOOSE` says why): the ranking is what
limits it, so it is worth measuring again when the ranking improves.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from index_store.markers import neutralise_markers
from qa.models.base import ModelContext
from qa.types import Passage

CANDIDATES = 5
"""Choices shown: enough to hold the gold when the extractive ranking has it near the top,
few enough that the prompt stays short."""
READ_SENTENCES = 8
"""Best sentences whose spans are candidates (the extractive answerer reads as many)."""
_UNWRITABLE = re.compile(r"[\[\]\n\r\t]")


@dataclass(frozen=True)
class Candidate:
    """A possible short answer as the model may write it, and its passage's number (1-based)."""

    text: str
    n: int

    @property
    def choice(self) -> str:
        """The answer's text when the model picks it: `120 [1]`."""
        return f"{self.text} [{self.n}]"


def answer_candidates(
    question: str, passages: list[Passage], context: ModelContext, limit: int = CANDIDATES
) -> list[Candidate]:
    """The best `limit` candidate short answers in the passages, best first, one per text
    (empty when the passages name nothing of the kind asked for)."""
    from qa.models.extractive.model import ExtractiveModel
    from qa.reading.answer_types import expected_kind
    from qa.reading.short_answer import ReadSentence, rank_spans

    ranked = ExtractiveModel(context).rank_sentences(question, passages)
    read = [
        ReadSentence(s.passage_index, s.text, 1.0 / (1.0 + math.exp(-s.score)))
        for s in ranked[:READ_SENTENCES]
    ]
    texts = [f"{p.title}\n{p.text}" for p in passages if p.text.strip()]
    titles = [p.title for p in passages if p.text.strip()]
    spans = rank_spans(question, expected_kind(question), read, texts, titles)
    found: dict[str, Candidate] = {}
    for span in spans:
        text = " ".join(_UNWRITABLE.sub(" ", neutralise_markers(span.text)).split())
        if text and text.lower() not in found:
            found[text.lower()] = Candidate(text, span.passage_index + 1)
    return list(found.values())[:limit]
