"""Briefs and timelines as text for the terminal."""

from __future__ import annotations

import textwrap

from qa.cli.render import source_line
from qa.news.types import Brief, Line, Timeline, day_said
from qa.types import Citation

WIDTH = 100


def render_brief(brief: Brief) -> str:
    if not brief.stories:
        return brief.note or ""
    blocks = []
    for story in brief.stories:
        span = _span(story.first_published, story.last_published)
        outlets = ", ".join(story.outlets) or "outlet unknown"
        head = [f"■ {story.headline}", f"  {span} · {outlets} · {len(story.articles)} article(s)"]
        body = [_wrapped(story.summary, "  ")] if story.summary else []
        body += [_line(line) for line in story.lines]
        body += [
            _wrapped(f"Figures differ on {d.what}: {d.said()}", "  ! ") for d in story.disagreements
        ]
        blocks.append("\n".join(head + body))
    return "\n\n".join(blocks + [_sources(brief.citations)])


def render_timeline(timeline: Timeline) -> str:
    if not timeline.events:
        return timeline.note or ""
    lines = []
    for event in timeline.events:
        when = day_said(event.published) if event.published else "undated"
        outlets = f" ({', '.join(event.outlets)})" if event.outlets else ""
        lines.append(_wrapped(f"{when}{outlets}: {event.line.text} {_marks(event.line.cited)}", ""))
    lines += [
        _wrapped(f"Figures differ on {d.what}: {d.said()}", "! ") for d in timeline.disagreements
    ]
    return "\n".join(lines) + "\n\n" + _sources(timeline.citations)


def _line(line: Line) -> str:
    when = f"{day_said(line.published)}: " if line.published else ""
    return _wrapped(f"{when}{line.text} {_marks(line.cited)}", "  - ")


def _span(first: str | None, last: str | None) -> str:
    if not first and not last:
        return "undated"
    if first == last or not first:
        return day_said(last or "")
    return f"{day_said(first)} – {day_said(last or first)}"


def _sources(citations: tuple[Citation, ...]) -> str:
    lines = ["Sources:"]
    lines += [f"[{c.n}] {source_line(c.title, c.source, c.published, c.url)}" for c in citations]
    return "\n".join(lines)


def _marks(cited: tuple[int, ...]) -> str:
    return "".join(f"[{n}]" for n in cited)


def _wrapped(text: str, lead: str) -> str:
    return textwrap.fill(text, width=WIDTH, initial_indent=lead, subsequent_indent=" " * len(lead))
