"""Charts of runs as inline SVG: answer and abstention scores as bars, answer lengths and
latencies as histograms, for one run's report or for several runs side by side.

matplotlib draws on its Agg canvas (no display, no pyplot state) with text kept as SVG text,
which matplotlib escapes; maths parsing is off, so a `$` in a run name stays a `$`. Each SVG
loses its XML prolog, namespace declarations and metadata, and gets its ids prefixed, so several
sit in one HTML page that stays valid and fetches nothing.
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from eval.briefs import is_brief
from eval.compare import Run
from eval.metrics import SHORT_ANSWER_WORDS

ANSWER_METRICS = ("accuracy", "choice_accuracy")
ABSTAIN_METRICS = ("abstain_precision", "abstain_recall", "abstain_f1")
BINS = 30
_LABELS = {
    "accuracy": "containment\naccuracy",
    "choice_accuracy": "choice\naccuracy",
    "abstain_precision": "abstain\nprecision",
    "abstain_recall": "abstain\nrecall",
    "abstain_f1": "abstain\nF1",
}
_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "newsqa",
    "text.parse_math": False,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}
_TAG = re.compile(r"<[^>]*>")
_ID_REF = re.compile(r'(\bid="|href="#|url\(#)')
_NAMESPACE = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_LABEL_CHARS = 40


def run_charts(run: Run) -> list[str]:
    """The SVG charts of one run's report: how right its answers are, how well it abstains,
    how long its answers are and how long they took."""
    charts = [
        ("Answer accuracy", lambda ax: _bars(ax, [run], ANSWER_METRICS)),
        ("Abstention", lambda ax: _bars(ax, [run], ABSTAIN_METRICS)),
        ("Answer length", lambda ax: _answer_words(ax, [run])),
        ("Latency", lambda ax: _latency(ax, [run])),
    ]
    return _render(charts)


def comparison_charts(runs: Sequence[Run]) -> list[str]:
    """The SVG charts comparing runs: their scores as grouped bars, then answer lengths and
    latencies drawn over one another on shared bins."""
    charts = [
        ("Scores by run", lambda ax: _bars(ax, runs, ANSWER_METRICS + ABSTAIN_METRICS)),
        ("Answer length by run", lambda ax: _answer_words(ax, runs)),
        ("Latency by run", lambda ax: _latency(ax, runs)),
    ]
    return _render(charts)


def _render(charts: Sequence[tuple[str, Callable[[Any], None]]]) -> list[str]:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rendered = []
    with matplotlib.rc_context(_RC):
        for number, (title, draw) in enumerate(charts):
            figure = Figure(figsize=(6.4, 3.4), layout="constrained")
            FigureCanvasAgg(figure)
            axes = figure.add_subplot()
            axes.set_title(title)
            draw(axes)
            out = io.StringIO()
            figure.savefig(out, format="svg", metadata=_NO_METADATA)
            rendered.append(_inline(out.getvalue(), f"chart{number}-", title))
    return rendered


def _bars(axes: Any, runs: Sequence[Run], names: Sequence[str]) -> None:
    """One group of bars per metric, one bar per run; a metric a run has no value for is
    marked n/a rather than drawn as a zero."""
    width = 0.8 / len(runs)
    handles = []
    for index, run in enumerate(runs):
        values = [run.metrics.get(name) for name in names]
        offsets = [n + (index - (len(runs) - 1) / 2) * width for n in range(len(names))]
        bars = axes.bar(offsets, [v or 0.0 for v in values], width, color=f"C{index % 10}")
        labels = ["n/a" if v is None else f"{v:.2f}" for v in values]
        axes.bar_label(bars, labels=labels, padding=2, fontsize=7)
        handles.append(bars)
    axes.set_xticks(range(len(names)), [_LABELS.get(name, name) for name in names])
    axes.set_ylim(0, 1.12)
    axes.set_ylabel("share")
    _legend(axes, handles, runs)


def _answer_words(axes: Any, runs: Sequence[Run]) -> None:
    values = [
        [float(n) for row in run.rows if (n := row["metrics"].get("answer_words")) is not None]
        for run in runs
    ]
    _histogram(axes, runs, values, "words read first (short answer, else answer)", "answers")
    limit = SHORT_ANSWER_WORDS + 0.5
    axes.axvline(limit, color="#777", linestyle=":", linewidth=1)
    axes.annotate(
        f"≤ {SHORT_ANSWER_WORDS} words",
        (limit, 1),
        xycoords=("data", "axes fraction"),
        xytext=(-3, -10),
        textcoords="offset points",
        ha="right",
        fontsize=7,
        color="#555",
    )


def _latency(axes: Any, runs: Sequence[Run]) -> None:
    values = [
        [
            float(t)
            for row in run.rows
            if not is_brief(row) and (t := (row.get("timings_ms") or {}).get("total")) is not None
        ]
        for run in runs
    ]
    _histogram(axes, runs, values, "total latency (ms)", "questions", whole=False)


def _histogram(
    axes: Any,
    runs: Sequence[Run],
    values: Sequence[Sequence[float]],
    xlabel: str,
    ylabel: str,
    whole: bool = True,
) -> None:
    """Histograms on bins shared by every run, so their shapes compare; outlines when there
    are several runs, so none hides another."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    everything = [v for run_values in values for v in run_values]
    if not everything:
        axes.text(0.5, 0.5, "no data", transform=axes.transAxes, ha="center", color="#777")
        return
    edges = _edges(min(everything), max(everything), whole)
    style = {"histtype": "bar"} if len(runs) == 1 else {"histtype": "step", "linewidth": 1.5}
    handles = []
    for index, run_values in enumerate(values):
        _, _, patches = axes.hist(run_values, bins=edges, color=f"C{index % 10}", **style)
        handles.append(patches[0])
    _legend(axes, handles, runs)


def _edges(low: float, high: float, whole: bool) -> list[float]:
    """At most `BINS` bins over [low, high]; whole numbers get bins a whole number wide,
    centred on them, so a bar never straddles two word counts."""
    if whole:
        step = max(1, math.ceil((high - low + 1) / BINS))
        start = math.floor(low) - 0.5
        return [start + step * n for n in range(math.ceil((high - start) / step) + 1)]
    if high == low:
        return [low - 0.5, high + 0.5]
    return [low + (high - low) * n / BINS for n in range(BINS + 1)]


def _legend(axes: Any, handles: Sequence[Any], runs: Sequence[Run]) -> None:
    """A legend naming the runs, when there are several. Labels are given with their handles,
    so a name starting with `_` is shown rather than taken for matplotlib's hidden label."""
    if len(runs) > 1:
        axes.legend(handles, [_label(run.name) for run in runs], fontsize=7, loc="best")


def _label(name: str) -> str:
    flat = "".join(ch if ch.isprintable() else " " for ch in name)
    flat = " ".join(flat.split())
    return flat if len(flat) <= _LABEL_CHARS else "…" + flat[-(_LABEL_CHARS - 1) :]


def _inline(svg: str, prefix: str, title: str) -> str:
    """An SVG document as an element of an HTML page: no prolog, no namespace declarations
    (HTML's parser puts `<svg>` in its namespace), ids prefixed so pages hold several."""
    svg = svg[svg.index("<svg") :]
    svg = _TAG.sub(lambda tag: _ID_REF.sub(lambda m: m.group(1) + prefix, tag.group()), svg)
    head, rest = svg.split(">", 1)
    head = _NAMESPACE.sub("", head)
    return f'{head} role="img" aria-label="{html.escape(title)}">{rest}'
