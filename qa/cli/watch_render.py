"""What `newsqa watch` prints: one line per poll on stderr (JSON lines on stdout with --json),
and a block per feed for `watch list`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

import typer

from qa.cli.durations import human


def printer(json_output: bool) -> Callable:
    """The `on_poll` callback of a watch run."""

    def on_poll(result) -> None:
        typer.echo(poll_line(result), err=True)
        if json_output:
            sys.stdout.write(json.dumps(_poll_json(result), ensure_ascii=False) + "\n")
            sys.stdout.flush()

    return on_poll


def poll_line(result) -> str:
    """`feed X: 3 new, 1 updated, 0 failed, next in 15m`, or why there was nothing to count."""
    wait = human(result.next_poll - result.at)
    head = f"feed {result.feed}:"
    if result.status == "failed":
        return f"{head} failed ({result.reason}), {result.failures} in a row, next in {wait}"
    if result.status == "waiting":
        return f"{head} backing off after {result.failures} failures, next in {wait}"
    if result.status == "busy":
        return f"{head} store busy, {result.reason}; retrying in {wait}"
    if result.status == "in_use":
        return f"{head} skipped, another process is polling it"
    counts = f"{result.new} new, {result.updated} updated, {result.failed} failed"
    if result.status == "not_modified":
        counts += " (not modified)"
    elif result.errors:
        more = f" and {len(result.errors) - 1} more" if len(result.errors) > 1 else ""
        counts += f" ({result.errors[0]}{more})"
    return f"{head} {counts}, next in {wait}"


def _poll_json(result) -> dict:
    from dataclasses import asdict

    return {
        **asdict(result),
        "errors": list(result.errors),
        "at": _iso(result.at),
        "next_poll": _iso(result.next_poll),
        "next_in_seconds": round(result.next_poll - result.at),
    }


def feed_json(feed) -> dict:
    from dataclasses import asdict

    times = ("added_at", "last_poll", "last_success", "next_poll")
    return {**asdict(feed), **{name: _iso(getattr(feed, name)) for name in times}}


def feed_block(feed, now: float) -> str:
    subscribed = "yes" if feed.subscribed else "no (given on a command line)"
    success = (
        f"{_iso(feed.last_success)} ({human(now - feed.last_success)} ago)"
        if feed.last_success
        else "never"
    )
    failures = str(feed.failures)
    if feed.failures:
        failures += f" in a row (last: {feed.last_error})"
    due = feed.next_poll - now
    next_poll = f"in {human(due)}" if due > 0 else "due now"
    last = (
        f"{feed.last_new} new, {feed.last_updated} updated, {feed.last_failed} failed"
        if feed.last_success
        else "none yet"
    )
    return "\n".join(
        [
            feed.url,
            f"  subscribed:   {subscribed}",
            f"  added:        {feed.total_new} new, {feed.total_updated} updated in all; "
            f"last poll: {last}",
            f"  last success: {success}",
            f"  failures:     {failures}",
            f"  next poll:    {next_poll}",
        ]
    )


def _iso(seconds: float | None) -> str | None:
    from datetime import UTC, datetime

    if not seconds:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
