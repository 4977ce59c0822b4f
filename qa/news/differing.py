"""A plain answer that rests on a figure its story's articles give differently says so.

"How much did the repairs cost?" answered "£3.2 million [1]" from the February article is not
wrong, but the May article of the same story says £4.1 million: the answer adds "Figures differ
on cost, repair: £3.2 million [1]; £4.1 million by 21 May 2025 [2]." with both citations instead
of picking one silently. Only figures the answer itself states are looked at, and only articles
inside the question's period.
"""

from __future__ import annotations

import re
from dataclasses import replace

from index_store.store import Store
from qa.news.brief import in_period, records_of, story_disagreements
from qa.news.citing import Citer
from qa.news.figures import figures_in
from qa.retrieval.filters import Filters
from qa.types import Answer


def with_differing_figures(answer: Answer, store: Store, filters: Filters) -> Answer:
    """The answer with a sentence on each differing figure it states (cited), or as it was."""
    stated = {(f.unit, round(f.value, 2)) for f in figures_in("answer", answer.answer)}
    if answer.abstained or not answer.citations or not stated:
        return answer
    book = store.stories()
    story_ids = set(book.story_of(c.article_id for c in answer.citations).values())
    citer = Citer(store.ledger)
    citer.adopt(answer.citations)
    sentences = []
    for members in book.members_of(story_ids).values():
        shown = [m for m in members if in_period(m.epoch, filters)]
        if len(shown) < 2:
            continue
        for disagreement in story_disagreements(shown, records_of(store, [shown]), citer):
            values = {(f.unit, round(f.value, 2)) for f in disagreement.figures}
            if values & stated:
                sentences.append(f"Figures differ on {disagreement.what}: {disagreement.said()}.")
    if not sentences:
        return answer
    text = answer.answer.rstrip() + "\n\n" + " ".join(sentences)
    marked = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    kept = tuple(c for c in citer.citations() if c in answer.citations or c.n in marked)
    return replace(answer, answer=text, citations=kept)
