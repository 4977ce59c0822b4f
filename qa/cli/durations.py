"""Durations as people type them (`15m`, `1h30m`, `180d`) and as they read them back."""

from __future__ import annotations

import re

import typer

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")


def parse_duration(text: str, option: str) -> float:
    """Seconds in `text`; a bad value is a usage error naming the option."""
    compact = text.strip().lower().replace(" ", "")
    parts = _PART.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise typer.BadParameter(
            f"'{text}' is not a duration: use a number and a unit, e.g. 90s, 15m, 1h30m, 180d",
            param_hint=option,
        )
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


def human(seconds: float) -> str:
    """`15m`, `1h 30m`, `2d 3h`: the two largest units, rounded to the second."""
    seconds = max(int(round(seconds)), 0)
    found = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            found.append(f"{count}{unit}")
    return " ".join(found[:2]) or "0s"
