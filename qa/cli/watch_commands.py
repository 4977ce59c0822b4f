"""`newsqa watch`: keep a store current from feeds. `watch FEED...` (or `watch` alone, for the
feeds the store is subscribed to) polls; `watch add`, `watch list`, `watch remove` manage the
subscriptions. The polling itself is `index_store.watch`; this module parses and prints."""

from __future__ import annotations

import signal
from typing import Annotated

import typer

from qa.cli.common import (
    ChromaOption,
    FollowLinksOption,
    JsonOption,
    StoreOption,
    group_running_by_default,
    open_newsqa,
    print_json,
    user_errors,
)
from qa.cli.durations import parse_duration
from qa.cli.watch_render import feed_block, feed_json, printer

FeedsArgument = Annotated[
    list[str], typer.Argument(help="RSS/Atom feed URLs, page URLs, files or folders.")
]


watch_app = typer.Typer(
    cls=group_running_by_default("run", when_bare=True),
    help="Keep the store current from feeds: `newsqa watch FEED... [--every 15m] [--once]`, "
    "or `newsqa watch` for the feeds added with `newsqa watch add`.",
    no_args_is_help=False,
)


def register(app: typer.Typer) -> None:
    app.add_typer(watch_app, name="watch")


@watch_app.command("run")
@user_errors
def run(
    feeds: Annotated[
        list[str] | None,
        typer.Argument(help="Feeds to poll (default: those added with `newsqa watch add`)."),
    ] = None,
    every: Annotated[
        str | None,
        typer.Option(
            "--every", help="Time between two polls of a feed, e.g. 15m, 1h.", show_default="15m"
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Poll each feed once and exit (for cron).")
    ] = False,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    follow_links: FollowLinksOption = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="One JSON object per poll on stdout.")
    ] = False,
) -> None:
    """Poll feeds, ingest new and changed articles; one line per poll, until Ctrl-C or --once."""
    seconds = parse_duration(every, "--every") if every else None
    newsqa = open_newsqa(
        store, chroma_url=chroma_url, follow_feed_links=follow_links, watch_every=seconds
    )
    watcher = newsqa.watcher(on_poll=printer(json_output))
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if once:
            results = watcher.run_once(feeds)
            if any(r.status == "failed" for r in results):
                raise typer.Exit(1)
        else:
            watcher.run(feeds)
    except KeyboardInterrupt:
        typer.echo("watch stopped: finished polls are stored; an unfinished one is redone "
                   "at the next start", err=True)  # fmt: skip
    finally:
        signal.signal(signal.SIGTERM, previous)
        watcher.close()


@watch_app.command("add")
@user_errors
def add(feeds: FeedsArgument, store: StoreOption = None, chroma_url: ChromaOption = None) -> None:
    """Subscribe the store to feeds: a plain `newsqa watch` polls them."""
    watcher = open_newsqa(store, chroma_url=chroma_url).watcher()
    try:
        added = watcher.add(feeds)
    finally:
        watcher.close()
    for feed in added:
        typer.echo(f"watching {feed}")
    if len(added) < len(feeds):
        typer.echo(f"{len(feeds) - len(added)} already watched")


@watch_app.command("list")
@user_errors
def list_feeds(
    store: StoreOption = None, chroma_url: ChromaOption = None, json_output: JsonOption = False
) -> None:
    """Each feed: what it added, when it last succeeded, its failures, its next poll."""
    watcher = open_newsqa(store, chroma_url=chroma_url).watcher(create=False)
    try:
        feeds, now = watcher.feeds(), watcher.clock.now()
    finally:
        watcher.close()
    if json_output:
        print_json([feed_json(f) for f in feeds])
    elif not feeds:
        typer.echo("no feeds: add one with `newsqa watch add URL`")
    for feed in [] if json_output else feeds:
        typer.echo(feed_block(feed, now))


@watch_app.command("remove")
@user_errors
def remove(
    feeds: FeedsArgument, store: StoreOption = None, chroma_url: ChromaOption = None
) -> None:
    """Stop watching feeds (their articles stay in the store)."""
    watcher = open_newsqa(store, chroma_url=chroma_url).watcher(create=False)
    try:
        watcher.remove(feeds)
    finally:
        watcher.close()
    typer.echo(f"removed {len(feeds)} feed{'s' if len(feeds) != 1 else ''}")


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM (systemd stopping the unit) stops the watch as Ctrl-C does."""
    raise KeyboardInterrupt
