"""With an answer LLM chosen, each story of a brief gets a short summary written by it from the
passages the brief cites for that story, verified like any answer (its claims must rest on the
passages it cites, or it is dropped: the story keeps its quoted lines either way)."""

from __future__ import annotations

import re
from collections.abc import Callable

from qa.news.citing import Citer
from qa.types import Answer, Passage

Answerer = Callable[[str, list[Passage]], Answer]
"""Answers a question from passages, through the whole answering pipeline."""
QUESTION = "In one or two sentences, what happened in this story about {topic}?"


def summary(topic: str, cited: list[int], citer: Citer, answerer: Answerer) -> str | None:
    """The model's cited summary of the passages numbered `cited` in the brief, its citation
    numbers made the brief's; None when it abstained, fell back or rests on nothing."""
    passages = [citer.passage(n) for n in dict.fromkeys(cited)]
    answer = answerer(QUESTION.format(topic=topic), passages)
    if answer.abstained or answer.fallback or not answer.supported or not answer.citations:
        return None
    in_brief = {c.n: citer.number_of(c.chunk_id) for c in answer.citations}
    return re.sub(
        r"\[(\d+)\]",
        lambda m: f"[{in_brief[int(m[1])]}]" if int(m[1]) in in_brief else "",
        answer.answer,
    ).strip()
