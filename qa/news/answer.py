"""A brief or a timeline written as the answer to a news-shaped question (`shapes`).

The answer leads with the newest story (a question about "the latest" is answered by the latest
article first), says what its first article reported, and states the figures the articles give
differently with both citations rather than picking one; then a line for each other story.
No story about the topic is an abstention that says so.
"""

from __future__ import annotations

import re

from qa.news.types import Brief, BriefStory, Timeline, day_said
from qa.types import Answer, Passage

OTHER_STORIES = 2


def brief_answer(question: str, brief: Brief, passages: list[Passage], model: str) -> Answer:
    if not brief.stories:
        return _nothing(question, brief.note or "", passages, model, "brief")
    lead, *others = brief.stories
    parts = [_story_text(lead)]
    for story in others[:OTHER_STORIES]:
        line = story.lines[0]
        parts.append(f"Also: {_dated(line.published)}{line.text} {_marks(line.cited)}")
    return _answer(question, "\n\n".join(parts), brief.citations, passages, model, "brief")


def timeline_answer(
    question: str, timeline: Timeline, passages: list[Passage], model: str
) -> Answer:
    if not timeline.events:
        return _nothing(question, timeline.note or "", passages, model, "timeline")
    parts = [
        f"{_dated(event.published)}{event.line.text} {_marks(event.line.cited)}"
        for event in timeline.events
    ]
    parts += [f"Figures differ on {d.what}: {d.said()}." for d in timeline.disagreements]
    return _answer(question, "\n\n".join(parts), timeline.citations, passages, model, "timeline")


def _story_text(story: BriefStory) -> str:
    """The story's summary when a model wrote one, else its dated lines, newest first."""
    latest, *earlier = story.lines
    text = story.summary or f"{_dated(latest.published)}{latest.text} {_marks(latest.cited)}"
    for line in [] if story.summary else earlier:
        text += f" Earlier, {_dated(line.published, lower=True)}{line.text} {_marks(line.cited)}"
    for disagreement in story.disagreements:
        text += f" Figures differ on {disagreement.what}: {disagreement.said()}."
    return text


def _answer(question, text, citations, passages, model, shape) -> Answer:
    used = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    return Answer(
        question=question,
        answer=text,
        abstained=False,
        model=model,
        citations=tuple(c for c in citations if c.n in used),
        passages=tuple(passages),
        shape=shape,
    )


def _nothing(question, note, passages, model, shape) -> Answer:
    from qa.models.base import ABSTAIN_PHRASE

    return Answer(
        question=question,
        answer=f"{ABSTAIN_PHRASE} {note}".strip(),
        abstained=True,
        model=model,
        passages=tuple(passages),
        shape=shape,
    )


def _marks(cited: tuple[int, ...]) -> str:
    return "".join(f"[{n}]" for n in cited)


def _dated(published: str | None, lower: bool = False) -> str:
    if not published:
        return ""
    return f"{'on' if lower else 'On'} {day_said(published)}: "
