"""Comparing runs: metric deltas side by side, and the questions whose verdict flipped.

A run directory holds `results.jsonl`; its metrics are recomputed with `summarize`, so a
comparison never trusts a stale `summary.json`. Metrics cover each run whole; questions present
in only one run are listed so a changed suite does not pass unnoticed. Several runs are compared
as the first (the base) against each of the others.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eval.briefs import brief_said, is_brief
from eval.metrics import METRICS, summarize
from index_store.errors import NewsQAError

RESULTS_FILE = "results.jsonl"


class RunError(NewsQAError):
    """A run directory whose results cannot be read."""


@dataclass(frozen=True)
class MetricDelta:
    """One metric in both runs; `verdict` is better, worse, same, or empty when not comparable."""

    name: str
    base: float | None
    new: float | None

    @property
    def delta(self) -> float | None:
        return None if self.base is None or self.new is None else self.new - self.base

    @property
    def verdict(self) -> str:
        better = METRICS[self.name].better
        if self.delta is None or not better:
            return ""
        if self.delta == 0:
            return "same"
        return "better" if (self.delta > 0) == (better == "higher") else "worse"


@dataclass(frozen=True)
class Flip:
    """A question judged right in one run and wrong in the other, with both answers (for a
    brief: `gold` is its answer articles, the answers are what it showed)."""

    id: str
    question: str
    gold: tuple[str, ...]
    base_answer: str
    new_answer: str


@dataclass(frozen=True)
class Comparison:
    """What changed from a base run to a new one."""

    metrics: tuple[MetricDelta, ...]
    right_to_wrong: tuple[Flip, ...]
    wrong_to_right: tuple[Flip, ...]
    only_in_base: tuple[str, ...]
    only_in_new: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a comparison, with each delta and verdict spelled out."""
        return {
            "metrics": [
                {**asdict(metric), "delta": metric.delta, "verdict": metric.verdict}
                for metric in self.metrics
            ],
            "right_to_wrong": [asdict(flip) for flip in self.right_to_wrong],
            "wrong_to_right": [asdict(flip) for flip in self.wrong_to_right],
            "only_in_base": list(self.only_in_base),
            "only_in_new": list(self.only_in_new),
        }


@dataclass(frozen=True)
class Run:
    """A run directory as a comparison reads it: its name, its rows (one per question id, the
    last written winning) and the metrics summarized from them."""

    name: str
    rows: tuple[Mapping[str, Any], ...]
    metrics: Mapping[str, Any]


def load_run(run_dir: str | Path) -> Run:
    """The run stored in a directory, named as given, raising `RunError` when unreadable."""
    rows = tuple({row["id"]: row for row in load_rows(run_dir)}.values())
    return Run(name=str(run_dir), rows=rows, metrics=summarize(rows)["metrics"])


def compare_to_first(runs: Sequence[Run]) -> list[Comparison]:
    """The first run compared with each of the others, in order; needs two runs or more."""
    if len(runs) < 2:
        raise ValueError(f"need at least two runs to compare, got {len(runs)}")
    return [compare_rows(runs[0].rows, other.rows) for other in runs[1:]]


def comparisons_to_dict(runs: Sequence[Run], comparisons: Sequence[Comparison]) -> dict[str, Any]:
    """The JSON of comparing runs: with two, `Comparison.to_dict` as ever; with more, the run
    names and each run's comparison with the first, naming both."""
    if len(runs) == 2:
        return comparisons[0].to_dict()
    return {
        "runs": [run.name for run in runs],
        "comparisons": [
            {"base": runs[0].name, "new": run.name, **comparison.to_dict()}
            for run, comparison in zip(runs[1:], comparisons, strict=True)
        ],
    }


def load_rows(run_dir: str | Path) -> list[dict[str, Any]]:
    """The result rows of a run directory, raising `RunError` when they cannot be read."""
    path = Path(run_dir) / RESULTS_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RunError(f"{path}: cannot read run results: {exc.strerror or exc}") from exc
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise RunError(f"{path}:{number}: bad JSON: {exc.msg}") from exc
    return rows


def compare_runs(base_dir: str | Path, new_dir: str | Path) -> Comparison:
    """Compare the results stored in two run directories."""
    return compare_rows(load_rows(base_dir), load_rows(new_dir))


def compare_rows(
    base_rows: Iterable[Mapping[str, Any]], new_rows: Iterable[Mapping[str, Any]]
) -> Comparison:
    """Compare two runs given as result rows (see `eval.metrics.result_row`)."""
    base = {row["id"]: row for row in base_rows}
    new = {row["id"]: row for row in new_rows}
    base_metrics = summarize(base.values())["metrics"]
    new_metrics = summarize(new.values())["metrics"]
    shared = [qid for qid in base if qid in new]
    return Comparison(
        metrics=tuple(MetricDelta(name, base_metrics[name], new_metrics[name]) for name in METRICS),
        right_to_wrong=tuple(
            _flip(base[qid], new[qid]) for qid in shared if _right(base[qid]) > _right(new[qid])
        ),
        wrong_to_right=tuple(
            _flip(base[qid], new[qid]) for qid in shared if _right(base[qid]) < _right(new[qid])
        ),
        only_in_base=tuple(qid for qid in base if qid not in new),
        only_in_new=tuple(qid for qid in new if qid not in base),
    )


def _right(row: Mapping[str, Any]) -> bool:
    return bool(row["metrics"]["right"])


def _flip(base: Mapping[str, Any], new: Mapping[str, Any]) -> Flip:
    return Flip(
        id=base["id"],
        question=base["question"],
        gold=tuple(base["answer_docs"] if is_brief(base) else base["answers"]),
        base_answer=_answer_text(base),
        new_answer=_answer_text(new),
    )


def _answer_text(row: Mapping[str, Any]) -> str:
    if is_brief(row):
        return brief_said(row)
    answer = row["answer"]
    return f"(abstained) {answer['answer']}".strip() if answer["abstained"] else answer["answer"]
