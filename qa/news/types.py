"""What a brief or a timeline hands back: stories, their cited lines, and figures that differ."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from qa.retrieval.filters import FilterOptions
from qa.types import Citation


class NewsOptions(FilterOptions, total=False):
    """What a brief or a timeline takes besides its topic (`NewsQA.brief`): the filters (where
    `since` may also be a span such as "7d", or "last") and at most `limit` stories."""

    limit: int


@dataclass(frozen=True)
class Line:
    """One cited sentence: what happened, with the numbers of the citations that say it."""

    text: str
    cited: tuple[int, ...]
    published: str | None = None


@dataclass(frozen=True)
class Figure:
    """A figure as one article gives it."""

    text: str
    cited: int
    published: str | None
    source: str
    unit: str
    """'£', '$', '%' or the noun counted."""
    value: float


@dataclass(frozen=True)
class Disagreement:
    """Articles of one story giving different figures for the same thing (`what`), oldest first;
    the last is the latest."""

    what: str
    figures: tuple[Figure, ...]

    def said(self) -> str:
        """ "£3.2 million [1]; £4.1 million by 21 May 2025 [2]"."""
        parts = [f"{self.figures[0].text} [{self.figures[0].cited}]"]
        for figure in self.figures[1:]:
            when = f" by {day_said(figure.published)}" if figure.published else ""
            parts.append(f"{figure.text}{when} [{figure.cited}]")
        return "; ".join(parts)


@dataclass(frozen=True)
class StoryArticle:
    """An article of a story, with every outlet that carried it."""

    article_id: str
    title: str
    published: str | None
    outlets: tuple[str, ...]
    url: str


@dataclass(frozen=True)
class BriefStory:
    """A story in a brief: its dated headline, outlets, articles oldest first, and what happened."""

    story_id: int
    headline: str
    first_published: str | None
    last_published: str | None
    outlets: tuple[str, ...]
    articles: tuple[StoryArticle, ...]
    lines: tuple[Line, ...]
    disagreements: tuple[Disagreement, ...] = ()
    summary: str | None = None


@dataclass(frozen=True)
class Brief:
    """The stories about a topic in a period, newest first, citing `citations`; none when
    nothing is about the topic (`note` says so)."""

    topic: str
    stories: tuple[BriefStory, ...]
    citations: tuple[Citation, ...]
    since: str | None = None
    until: str | None = None
    as_of: str | None = None
    note: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    new_since: str | None = None
    """With `--since last`: the UTC moment of the topic's last brief; only stories with an
    article added since then are shown."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TimelineEvent:
    """One event of a timeline: its day, one cited line, and every outlet that reported it."""

    published: str | None
    line: Line
    outlets: tuple[str, ...]
    story_id: int


@dataclass(frozen=True)
class Timeline:
    """A topic's events in date order, oldest first; empty when nothing is about the topic."""

    topic: str
    events: tuple[TimelineEvent, ...]
    citations: tuple[Citation, ...]
    disagreements: tuple[Disagreement, ...] = ()
    note: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    new_since: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def day_said(published: str) -> str:
    """'2025-05-21' -> '21 May 2025' (anything else as it is)."""
    from datetime import date

    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return published
    return f"{day.day} {day:%B %Y}"
