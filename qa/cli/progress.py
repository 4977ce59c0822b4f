"""Progress lines for long ingests and eval runs, on a terminal only (rich)."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def ingest_progress(enabled: bool = True) -> Iterator[Callable[[str, str], None] | None]:
    """Yields a callback counting articles by outcome, drawn on stderr while it runs."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    counts: Counter[str] = Counter()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("reading sources")

        def on_article(outcome: str, origin: str) -> None:
            counts[outcome] += 1
            done = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
            progress.update(task, description=f"{sum(counts.values())} articles ({done})")

        yield on_article


@contextmanager
def eval_progress() -> Iterator[Callable[[int, int, dict], None] | None]:
    """Yields a callback drawing questions done / total and the share right so far, on stderr."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    right = 0
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("asking", total=None)

        def on_question(done: int, total: int, row: dict) -> None:
            nonlocal right
            right += bool(row["metrics"]["right"])
            progress.update(
                task, completed=done, total=total, description=f"asking ({right} right)"
            )

        yield on_question
