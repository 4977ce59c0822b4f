"""Human-readable reports: a run's `report.md` and self-contained `report.html`, and comparisons.

Both run reports show the summary metrics with their definitions, the per-type breakdown, then
every question with its gold strings, choices, the answer (or the error its ask raised) and the
retrieved passages (passages that contain a gold string are marked), and every brief with its
topic, period, answer articles and stories (those showing an answer article are marked):
failures in one section first, right answers after. The HTML page adds charts (`eval.charts`,
inline SVG); it has inline CSS and no external assets, and escapes every text it shows: answers,
passages and stories are untrusted input. `render_comparison` is the Markdown of `newsqa eval
compare`, readable in a terminal and pastable into a review; `render_comparison_html` is the same
comparison as a page of charts.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eval.briefs import article_ids, brief_said, holds_answer_doc, is_brief
from eval.charts import comparison_charts, run_charts
from eval.compare import Comparison, Flip, Run
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
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
figure.chart { margin: 0; flex: 1 1 30em; }
figure.chart svg { max-width: 100%; height: auto; }
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
    choices: str
    answer: str
    short_answer: str
    passages: tuple[_PassageView, ...]
    items: str = "passages"
    """What `passages` are: a brief's are its stories."""
    hit: str = "has gold"
    """How a passage holding what was sought is marked."""


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
        _html_head(title),
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
        _html_charts(run_charts(Run(title, tuple(rows), summary["metrics"]))),
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
    views = [_brief_view(row) if is_brief(row) else _question_view(row) for row in rows]
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
        choices=" | ".join(choice for choice in row.get("choices") or () if choice.strip()),
        answer=_answer_text(answer, row.get("error")),
        short_answer=answer.get("short_answer") or "",
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


def _brief_view(row: Mapping[str, Any]) -> _QuestionView:
    """A brief as a question view: its topic and period asked, its stories as the passages."""
    docs = row["answer_docs"]
    wanted = "(expects no stories)" if row["expect_abstain"] else "(any story)"
    made = f"; made from: {row['question']}" if row["question"] else ""
    return _QuestionView(
        id=row["id"],
        type=row.get("type") or "",
        right=bool(row["metrics"]["right"]),
        question=f"brief on {row['brief']!r}, {_period(row)}{made}",
        gold=f"answer articles: {' | '.join(docs)}" if docs else wanted,
        choices="",
        answer=brief_said(row),
        short_answer="",
        passages=tuple(
            _PassageView(
                position=n,
                label=f"{story['headline']} [{', '.join(article_ids(story))}]",
                text=_preview(" ".join(line["text"] for line in story["lines"])),
                has_gold=holds_answer_doc(story, docs),
            )
            for n, story in enumerate((row.get("brief_result") or {}).get("stories") or [], 1)
        ),
        items="stories",
        hit="answer article",
    )


def _period(row: Mapping[str, Any]) -> str:
    if row["since"] is None and row["as_of"] is None:
        return "the whole store"
    return f"{row['since'] or 'the start'} to {row['as_of'] or 'today'}"


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
        *([f"- **choices**: {_md(view.choices)}"] if view.choices else []),
        f"- **answer**: {_md(view.answer)}",
        *([f"- **short answer**: {_md(view.short_answer)}"] if view.short_answer else []),
        f"- **{view.items}**:" if view.passages else f"- **{view.items}**: none",
    ]
    lines += [
        f"  {p.position}. {f'({view.hit}) ' if p.has_gold else ''}{_md(p.label)}: {_md(p.text)}"
        for p in view.passages
    ]
    return [*lines, ""]


def _html_question(view: _QuestionView) -> str:
    esc = html.escape
    verdict = "right" if view.right else "wrong"
    passages = "".join(
        f"<li{' class=hit' if p.has_gold else ''}><b>{esc(p.label)}</b>"
        f"{f' ({view.hit})' if p.has_gold else ''}: {esc(p.text)}</li>"
        for p in view.passages
    )
    return (
        f"<section class='question {verdict}'><h3>{esc(view.id)} "
        f"<span class=muted>({verdict}{', ' + esc(view.type) if view.type else ''})</span></h3>"
        f"<p><b>Question:</b> {esc(view.question)}</p>"
        f"<p><b>Gold:</b> {esc(view.gold)}</p>"
        + (f"<p><b>Choices:</b> {esc(view.choices)}</p>" if view.choices else "")
        + f"<p><b>Answer:</b> {esc(view.answer)}</p>"
        + (f"<p><b>Short answer:</b> {esc(view.short_answer)}</p>" if view.short_answer else "")
        + f"<details{'' if view.right else ' open'}>"
        f"<summary>{view.items} ({len(view.passages)})</summary>"
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
    return "\n".join(lines + _markdown_flips(comparison, base, new)) + "\n"


def render_comparisons(runs: Sequence[Run], comparisons: Sequence[Comparison]) -> str:
    """The Markdown of comparing runs: with two, `render_comparison`; with more, one metric
    column per run, then what flipped from the first run to each of the others."""
    if len(runs) == 2:
        return render_comparison(comparisons[0], runs[0].name, runs[1].name)
    base = runs[0].name
    lines = [
        f"# {_md(base)} → {', '.join(_md(run.name) for run in runs[1:])}",
        "",
        "| metric | " + " | ".join(_md(run.name) for run in runs) + " |",
        "| --- |" + " ---: |" * len(runs),
    ]
    lines += [
        f"| {name} | " + " | ".join(format_metric(name, run.metrics[name]) for run in runs) + " |"
        for name in METRICS
    ]
    for run, comparison in zip(runs[1:], comparisons, strict=True):
        lines += _markdown_flips(comparison, base, run.name, f"{_md(base)} → {_md(run.name)}: ")
    return "\n".join(lines) + "\n"


def render_comparison_html(runs: Sequence[Run], comparisons: Sequence[Comparison]) -> str:
    """One self-contained page comparing runs: charts side by side, the metric table (deltas
    with two runs, a column per run with more) and the flips from the first run to each other."""
    esc = html.escape
    base = runs[0].name
    title = f"{base} → {', '.join(run.name for run in runs[1:])}"
    parts = [
        _html_head(title),
        "<ol>",
        *(f"<li>{esc(run.name)}{' (base)' if not n else ''}</li>" for n, run in enumerate(runs)),
        "</ol>",
        _html_charts(comparison_charts(runs)),
        "<h2>Metrics</h2>",
        _html_metric_table(runs, comparisons),
    ]
    for run, comparison in zip(runs[1:], comparisons, strict=True):
        prefix = f"{base} → {run.name}: " if len(runs) > 2 else ""
        parts.append(_html_flips(comparison, base, run.name, prefix))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_head(title: str) -> str:
    esc = html.escape
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        f"\n<style>{_CSS}</style></head><body>\n<h1>{esc(title)}</h1>"
    )


def _html_charts(charts: Sequence[str]) -> str:
    figures = "".join(f"<figure class=chart>{svg}</figure>" for svg in charts)
    return f"<h2>Charts</h2><div class=charts>{figures}</div>"


def _html_metric_table(runs: Sequence[Run], comparisons: Sequence[Comparison]) -> str:
    """With two runs each metric's delta and verdict; with more, only a column per run."""
    esc = html.escape
    if len(runs) == 2:
        header = ["metric", runs[0].name, runs[1].name, "delta", "verdict"]
        rows = [
            [m.name, format_metric(m.name, m.base), format_metric(m.name, m.new)]
            + [_format_delta(m.name, m.delta), m.verdict]
            for m in comparisons[0].metrics
        ]
    else:
        header = ["metric", *(run.name for run in runs)]
        rows = [
            [name, *(format_metric(name, run.metrics[name]) for run in runs)] for name in METRICS
        ]
    head = "".join(f"<th>{esc(cell)}</th>" for cell in header)
    body = "".join(
        f"<tr><td>{esc(row[0])}</td>"
        + "".join(f"<td class=num>{esc(cell)}</td>" for cell in row[1:])
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _markdown_flips(comparison: Comparison, base: str, new: str, prefix: str = "") -> list[str]:
    """The flipped questions and the ids only one run has; `prefix` (Markdown) names the pair
    in each heading when a comparison has several."""
    lines: list[str] = []
    for heading, flips in (
        ("Right → wrong", comparison.right_to_wrong),
        ("Wrong → right", comparison.wrong_to_right),
    ):
        lines += ["", f"## {prefix}{heading} ({len(flips)})", ""]
        lines += _flip_table(flips, base, new) if flips else ["None."]
    for label, ids in ((base, comparison.only_in_base), (new, comparison.only_in_new)):
        if ids:
            lines += ["", f"Only in {_md(label)}: {_md(', '.join(ids))}"]
    return lines


def _html_flips(comparison: Comparison, base: str, new: str, prefix: str) -> str:
    esc = html.escape
    parts = []
    for heading, flips in (
        ("Right → wrong", comparison.right_to_wrong),
        ("Wrong → right", comparison.wrong_to_right),
    ):
        parts.append(f"<h2>{esc(prefix)}{heading} ({len(flips)})</h2>")
        header = "".join(f"<th>{esc(c)}</th>" for c in ("id", "question", "gold", base, new))
        rows = "".join(
            f"<tr><td>{esc(f.id)}</td><td>{esc(f.question)}</td>"
            f"<td>{esc(' | '.join(f.gold) or '(abstain)')}</td>"
            f"<td>{esc(_clip(f.base_answer))}</td><td>{esc(_clip(f.new_answer))}</td></tr>"
            for f in flips
        )
        parts.append(f"<table><tr>{header}</tr>{rows}</table>" if flips else "<p>None.</p>")
    for label, ids in ((base, comparison.only_in_base), (new, comparison.only_in_new)):
        if ids:
            parts.append(f"<p>Only in {esc(label)}: {esc(', '.join(ids))}</p>")
    return "\n".join(parts)


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
    if not METRICS[name].better or name.endswith(("_ms", "_median")):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{value:.3f}"


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PASSAGE_PREVIEW_CHARS else flat[:PASSAGE_PREVIEW_CHARS] + "…"


def _md(text: str) -> str:
    """One line of Markdown-safe text: no raw HTML, no table-breaking pipes or newlines."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|")
