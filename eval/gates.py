"""Quality gates: `METRIC=VALUE` floors a run's summary metrics must reach.

Only metrics where higher is better take a floor; all of them are shares between 0 and 1.
A metric that is None for a run (nothing qualified for it) is skipped, not failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from eval.metrics import METRICS
from index_store.errors import NewsQAError


class GateError(NewsQAError):
    """Floors that cannot be parsed; the message names every bad one and the valid metrics."""


@dataclass(frozen=True)
class GateCheck:
    """One floor checked against a run: `passed` is None when the run has no value for it."""

    metric: str
    floor: float
    value: float | None

    @property
    def passed(self) -> bool | None:
        return None if self.value is None else self.value >= self.floor


def gate_metrics() -> list[str]:
    """The metrics that can take a floor, in report order."""
    return [metric.name for metric in METRICS.values() if metric.better == "higher"]


def parse_floors(specs: Iterable[str]) -> dict[str, float]:
    """Parse `METRIC=VALUE` specs (several may share one string, comma-separated)."""
    floors: dict[str, float] = {}
    problems: list[str] = []
    for spec in (part.strip() for text in specs for part in text.split(",")):
        if not spec:
            continue
        try:
            name, value = _parse_floor(spec)
        except GateError as exc:
            problems.append(str(exc))
        else:
            floors[name] = value
    if problems:
        valid = ", ".join(gate_metrics())
        raise GateError("; ".join(problems) + f". Metrics that take a floor: {valid}")
    return floors


def check_floors(metrics: Mapping[str, Any], floors: Mapping[str, float]) -> list[GateCheck]:
    """Check summary metrics against floors, one `GateCheck` per floor."""
    return [GateCheck(name, floor, metrics.get(name)) for name, floor in floors.items()]


def _parse_floor(spec: str) -> tuple[str, float]:
    name, sep, raw = spec.rpartition("=")
    name = name.strip()
    if not sep or not name:
        raise GateError(f"expected METRIC=VALUE, got {spec!r}")
    metric = METRICS.get(name)
    if metric is None:
        raise GateError(f"unknown metric {name!r}")
    if metric.better != "higher":
        why = "lower is better" if metric.better == "lower" else "it describes the run"
        raise GateError(f"{name!r} cannot take a floor: {why}")
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise GateError(f"floor for {name!r} must be a number from 0 to 1, got {raw.strip()!r}")
    return name, value
