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
    return "\n".join([_paragraphs(answer.answer), *_sources_and_notes(answer)])


def _paragraphs(text: str) -> str:
    """The answer wrapped to the terminal, paragraph by paragraph (the short answer first)."""
    return "\n\n".join(textwrap.fill(p, width=100) for p in text.split("\n\n") if p.strip())


def render_after_stream(answer: Answer, shown: str) -> str:
    """What follows a streamed answer: its sources and notes, and the verified answer itself
    when it differs from what was shown (an extractive fallback, an abstention)."""
    if _plain(shown) == _plain(answer.answer):
        return "\n".join(["", *_sources_and_notes(answer)])
    replaced = ["", "", "Verified answer:", _paragraphs(answer.answer)]
    return "\n".join(replaced + _sources_and_notes(answer))


def _plain(text: str) -> str:
    from qa.answering.citations import tidy

    return " ".join(tidy(text).split())


def _sources_and_notes(answer: Answer) -> list[str]:
    lines: list[str] = []
    if answer.citations:
        lines += ["", "Sources:"]
        lines += [f"[{c.n}] {_citation_line(c)}" for c in answer.citations]
    if answer.dropped_citations:
        dropped = ", ".join(answer.dropped_citations)
        lines += ["", f"note: removed citations to passages the model was not given: {dropped}"]
    lines += [f"note: {note}" for note in answer.notes]
    return lines


def _citation_line(citation: Citation) -> str:
    return source_line(citation.title, citation.source, citation.published, citation.url)


def render_passage(passage: Passage) -> str:
    outlets = ", ".join(passage.sources) or passage.source
    head = f"{passage.rank}. [{passage.score:.4f}] " + source_line(
        passage.title, outlets, passage.published, passage.url
    )
    body = textwrap.indent(textwrap.fill(passage.text, width=96), "    ")
    return f"{head}\n{body}\n"
