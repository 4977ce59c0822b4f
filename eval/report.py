"""Human-readable reports: a run's `report.md` and self-contained `report.html`, and comparisons.

Both run reports show the summary metrics with their definitions, the per-type breakdown, then
every question with its gold strings, the answer (or the error its ask raised) and the retrieved
passages (passages that contain a gold string are marked): failures in one section first, right
answers after. The HTML page has inline CSS and no external assets, and escapes every text it
shows: answers and passages are untrusted input. `render_comparison` is the Markdown of
`newsqa eval compare`, readable in a terminal and pastable into a review.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eval.compare import Comparison, Flip
from eval.metrics import METRICS
from eval.normalize import contains_any

PASSAGE_PREVIEW_CHARS = 300
FLIP_ANSWER_CHARS = 160
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
        f"| {name} | {format_metric(name, summary['metrics'][name])} | {_md(metric.definition)} |"
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
        + " | ".join(format_metric(name, summary["by_type"][t][name]) for t in types)
        + " |"
        for name in METRICS
    ]
    for heading, views in _sections(rows):
        lines += ["", f"## {heading} ({len(views)})", ""]
        for view in views:
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
        *(f"<li><b>{esc(key)}</b>: {esc(value)}</li>" for key, value in (info or {}).items()),
        "</ul><h2>Summary</h2><table><tr><th>metric</th><th>value</th><th>definition</th></tr>",
        *(
            f"<tr><td>{esc(name)}</td><td class=num>{format_metric(name, summary['metrics'][name])}"
            f"</td><td>{esc(metric.definition)}</td></tr>"
            for name, metric in METRICS.items()
        ),
        "</table><h2>By question type</h2><table><tr><th>metric</th>",
        *(f"<th>{esc(t)}</th>" for t in types),
        "</tr>",
        *(
            f"<tr><td>{esc(name)}</td>"
            + "".join(
                f"<td class=num>{format_metric(name, summary['by_type'][t][name])}</td>"
                for t in types
            )
            + "</tr>"
            for name in METRICS
        ),
        "</table>",
        *(
            f"<h2>{heading} ({len(views)})</h2>" + "".join(map(_html_question, views))
            for heading, views in _sections(rows)
        ),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _sections(
    rows: Sequence[Mapping[str, Any]],
) -> list[tuple[str, list[_QuestionView]]]:
    """Failures first, so a reader starts with what to fix; then the right answers."""
    views = [_question_view(row) for row in rows]
    return [
        ("Failures", [view for view in views if not view.right]),
        ("Right answers", [view for view in views if view.right]),
    ]


def _question_view(row: Mapping[str, Any]) -> _QuestionView:
    answer = row["answer"]
    golds = row["answers"]
    return _QuestionView(
        id=row["id"],
        type=row.get("type") or "",
        right=bool(row["metrics"]["right"]),
        question=row["question"],
        gold=" | ".join(golds) if golds else "(expects an abstention)",
        answer=_answer_text(answer, row.get("error")),
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


def _answer_text(answer: Mapping[str, Any], error: str | None) -> str:
    if error:
        return f"(error) {error}"
    if answer["abstained"]:
        return f"(abstained) {answer['answer']}".strip()
    return answer["answer"]


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
        f"<details{'' if view.right else ' open'}>"
        f"<summary>passages ({len(view.passages)})</summary>"
        f"<ol>{passages}</ol></details>"
        "</section>"
    )


def render_comparison(comparison: Comparison, base: str = "base", new: str = "new") -> str:
    """Metric deltas side by side, then the flipped questions, as Markdown tables."""
    lines = [
        f"# {_md(base)} → {_md(new)}",
        "",
        f"| metric | {_md(base)} | {_md(new)} | delta | verdict |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    lines += [
        f"| {m.name} | {format_metric(m.name, m.base)} | {format_metric(m.name, m.new)} "
        f"| {_format_delta(m.name, m.delta)} | {m.verdict} |"
        for m in comparison.metrics
    ]
    for heading, flips in (
        ("Right → wrong", comparison.right_to_wrong),
        ("Wrong → right", comparison.wrong_to_right),
    ):
        lines += ["", f"## {heading} ({len(flips)})", ""]
        lines += _flip_table(flips, base, new) if flips else ["None."]
    for label, ids in ((base, comparison.only_in_base), (new, comparison.only_in_new)):
        if ids:
            lines += ["", f"Only in {_md(label)}: {_md(', '.join(ids))}"]
    return "\n".join(lines) + "\n"


def _flip_table(flips: Sequence[Flip], base: str, new: str) -> list[str]:
    rows = [
        f"| {_md(f.id)} | {_md(f.question)} | {_md(' | '.join(f.gold) or '(abstain)')} "
        f"| {_md(_clip(f.base_answer))} | {_md(_clip(f.new_answer))} |"
        for f in flips
    ]
    return [
        f"| id | question | gold | {_md(base)} | {_md(new)} |",
        "| --- | --- | --- | --- | --- |",
        *rows,
    ]


def _format_delta(name: str, delta: float | None) -> str:
    if delta is None:
        return ""
    return ("+" if delta > 0 else "") + format_metric(name, delta)


def _clip(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= FLIP_ANSWER_CHARS else flat[:FLIP_ANSWER_CHARS] + "…"


def format_metric(name: str, value: float | None) -> str:
    """A metric as reports show it: shares to 3 decimals, counts and milliseconds rounded."""
    if value is None:
        return "n/a"
    if not METRICS[name].better or name.endswith("_ms"):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{value:.3f}"


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PASSAGE_PREVIEW_CHARS else flat[:PASSAGE_PREVIEW_CHARS] + "…"


def _md(text: str) -> str:
    """One line of Markdown-safe text: no raw HTML, no table-breaking pipes or newlines."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|")
