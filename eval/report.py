"""Human-readable reports of a run: `report.md` and a self-contained `report.html`.

Both show the summary metrics with their definitions, the per-type breakdown, then every
question, wrong ones first, with its gold strings, the answer and the retrieved passages
(passages that contain a gold string are marked). The HTML page has inline CSS and no external
assets, and escapes every text it shows: answers and passages are untrusted input.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eval.metrics import METRICS
from eval.normalize import contains_any

PASSAGE_PREVIEW_CHARS = 300
_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
section.question { border-left: 4px solid #2a7; padding: 0.2em 1em; margin: 1em 0; }
section.question.wrong { border-left-color: #c33; }
.muted { color: #777; }
.hit { background: #efe; }
"""


@dataclass(frozen=True)
class _PassageView:
    position: int
    label: str
    text: str
    has_gold: bool


@dataclass(frozen=True)
class _QuestionView:
    id: str
    type: str
    right: bool
    question: str
    gold: str
    answer: str
    passages: tuple[_PassageView, ...]


def render_markdown(
    summary: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    title: str = "newsqa evaluation",
    info: Mapping[str, str] | None = None,
) -> str:
    """`report.md`: `summary` from `summarize(rows)`, `info` any run facts (suite, model...)."""
    lines = [f"# {_md(title)}", ""]
    lines += [f"- **{_md(key)}**: {_md(value)}" for key, value in (info or {}).items()]
    lines += [
        "",
        "## Summary",
        "",
        "| metric | value | definition |",
        "| --- | ---: | --- |",
    ]
    lines += [
        f"| {name} | {_format(name, summary['metrics'][name])} | {_md(metric.definition)} |"
        for name, metric in METRICS.items()
    ]
    types = list(summary["by_type"])
    lines += [
        "",
        "## By question type",
        "",
        "| metric | " + " | ".join(map(_md, types)) + " |",
    ]
    lines.append("| --- |" + " ---: |" * len(types))
    lines += [
        f"| {name} | "
        + " | ".join(_format(name, summary["by_type"][t][name]) for t in types)
        + " |"
        for name in METRICS
    ]
    lines += ["", "## Questions (wrong first)", ""]
    for view in _question_views(rows):
        lines += _markdown_question(view)
    return "\n".join(lines) + "\n"


def render_html(
    summary: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    title: str = "newsqa evaluation",
    info: Mapping[str, str] | None = None,
) -> str:
    """`report.html`: the same content as `render_markdown`, as one self-contained page."""
    esc = html.escape
    types = list(summary["by_type"])
    parts = [
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>',
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        "<ul>",
        *(
            f"<li><b>{esc(key)}</b>: {esc(value)}</li>"
            for key, value in (info or {}).items()
        ),
        "</ul><h2>Summary</h2><table><tr><th>metric</th><th>value</th><th>definition</th></tr>",
        *(
            f"<tr><td>{esc(name)}</td><td class=num>{_format(name, summary['metrics'][name])}"
            f"</td><td>{esc(metric.definition)}</td></tr>"
            for name, metric in METRICS.items()
        ),
        "</table><h2>By question type</h2><table><tr><th>metric</th>",
        *(f"<th>{esc(t)}</th>" for t in types),
        "</tr>",
        *(
            f"<tr><td>{esc(name)}</td>"
            + "".join(
                f"<td class=num>{_format(name, summary['by_type'][t][name])}</td>"
                for t in types
            )
            + "</tr>"
            for name in METRICS
        ),
        "</table><h2>Questions (wrong first)</h2>",
        *(_html_question(view) for view in _question_views(rows)),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _question_views(rows: Sequence[Mapping[str, Any]]) -> list[_QuestionView]:
    views = [_question_view(row) for row in rows]
    return sorted(views, key=lambda view: view.right)


def _question_view(row: Mapping[str, Any]) -> _QuestionView:
    answer = row["answer"]
    golds = row["answers"]
    return _QuestionView(
        id=row["id"],
        type=row.get("type") or "",
        right=bool(row["metrics"]["right"]),
        question=row["question"],
        gold=" | ".join(golds) if golds else "(expects an abstention)",
        answer=f"(abstained) {answer['answer']}".strip()
        if answer["abstained"]
        else answer["answer"],
        passages=tuple(
            _PassageView(
                position=n,
                label=f"{passage.get('title') or ''} [{passage['article_id']}]".strip(),
                text=_preview(passage["text"]),
                has_gold=contains_any(passage["text"], golds),
            )
            for n, passage in enumerate(answer.get("passages") or [], start=1)
        ),
    )


def _markdown_question(view: _QuestionView) -> list[str]:
    verdict = "right" if view.right else "WRONG"
    lines = [
        f"### {_md(view.id)} ({verdict}{', ' + _md(view.type) if view.type else ''})",
        "",
        f"- **question**: {_md(view.question)}",
        f"- **gold**: {_md(view.gold)}",
        f"- **answer**: {_md(view.answer)}",
        "- **passages**:" if view.passages else "- **passages**: none",
    ]
    lines += [
        f"  {p.position}. {'(has gold) ' if p.has_gold else ''}{_md(p.label)}: {_md(p.text)}"
        for p in view.passages
    ]
    return [*lines, ""]


def _html_question(view: _QuestionView) -> str:
    esc = html.escape
    verdict = "right" if view.right else "wrong"
    passages = "".join(
        f"<li{' class=hit' if p.has_gold else ''}><b>{esc(p.label)}</b>"
        f"{' (has gold)' if p.has_gold else ''}: {esc(p.text)}</li>"
        for p in view.passages
    )
    return (
        f"<section class='question {verdict}'><h3>{esc(view.id)} "
        f"<span class=muted>({verdict}{', ' + esc(view.type) if view.type else ''})</span></h3>"
        f"<p><b>Question:</b> {esc(view.question)}</p>"
        f"<p><b>Gold:</b> {esc(view.gold)}</p>"
        f"<p><b>Answer:</b> {esc(view.answer)}</p>"
        f"<details{'' if view.right else ' open'}><summary>passages ({len(view.passages)})</summary>"
        f"<ol>{passages}</ol></details>"
        "</section>"
    )


def _format(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if not METRICS[name].better or name.endswith("_ms"):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{value:.3f}"


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return (
        flat
        if len(flat) <= PASSAGE_PREVIEW_CHARS
        else flat[:PASSAGE_PREVIEW_CHARS] + "…"
    )


def _md(text: str) -> str:
    """One line of Markdown-safe text: no raw HTML, no table-breaking pipes or newlines."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|")
