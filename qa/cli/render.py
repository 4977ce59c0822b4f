"""Plain-text views of answers and passages for the terminal."""

from __future__ import annotations

import textwrap

from qa.types import Answer, Citation, Passage


def source_line(title: str, source: str, published: str | None, url: str) -> str:
    parts = [title or "(untitled)"]
    where = ", ".join(p for p in (source, published or "undated") if p)
    line = f"{parts[0]} — {where}"
    return f"{line}\n    {url}" if url else line


def render_answer(answer: Answer) -> str:
    lines = [textwrap.fill(answer.answer, width=100)]
    if answer.citations:
        lines += ["", "Sources:"]
        lines += [f"[{c.n}] {_citation_line(c)}" for c in answer.citations]
    if answer.dropped_citations:
        dropped = ", ".join(answer.dropped_citations)
        lines += ["", f"note: removed citations to passages that were not retrieved: {dropped}"]
    lines += [f"note: {note}" for note in answer.notes]
    return "\n".join(lines)


def _citation_line(citation: Citation) -> str:
    return source_line(citation.title, citation.source, citation.published, citation.url)


def render_passage(passage: Passage) -> str:
    outlets = ", ".join(passage.sources) or passage.source
    head = f"{passage.rank}. [{passage.score:.4f}] " + source_line(
        passage.title, outlets, passage.published, passage.url
    )
    body = textwrap.indent(textwrap.fill(passage.text, width=96), "    ")
    return f"{head}\n{body}\n"
