"""Commands that repair, rebuild or trim a store: reindex, prune."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from qa.cli.common import (
    ChromaOption,
    JsonOption,
    StoreOption,
    open_newsqa,
    print_json,
    user_errors,
)

ModelOption = Annotated[
    str | None,
    typer.Option(
        "--embedding-model",
        help="Re-embed with this model: all-MiniLM-L6-v2, multilingual-e5-small, or a "
        "sentence-transformers folder or name [default: the store's own].",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    app.command()(reindex)
    app.command()(prune)


@user_errors
def reindex(
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    embedding_model: ModelOption = None,
    json_output: JsonOption = False,
) -> None:
    """Re-embed every stored article from its stored text, with another embedding model or
    after upgrading newsqa; the store keeps answering from the old vectors until the switch,
    and from then on every command reads it with the new model."""
    newsqa = open_newsqa(store, chroma_url=chroma_url)
    summary = newsqa.reindex(embedding_model=embedding_model)
    if json_output:
        print_json(asdict(summary))
        return
    typer.echo(
        f"re-embedded {summary.articles} articles into {summary.chunks} chunks with "
        f"{summary.embedding_model} (was {summary.previous_model or 'unknown'})"
    )


@user_errors
def prune(
    older_than: Annotated[
        str | None,
        typer.Option("--older-than", help="Age of the articles to forget, e.g. 180d, 26w."),
    ] = None,
    before: Annotated[
        str | None,
        typer.Option("--before", help="Forget articles published before this day (YYYY-MM-DD)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only say what would be removed.")
    ] = False,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    json_output: JsonOption = False,
) -> None:
    """Forget old articles (by date published, else ingested) with chunks, vectors, keywords."""
    from datetime import date, timedelta

    from qa.cli.durations import parse_duration

    if (older_than is None) == (before is None):
        raise typer.BadParameter("give one of --older-than (e.g. 180d) or --before YYYY-MM-DD")
    age = timedelta(seconds=parse_duration(older_than, "--older-than")) if older_than else None
    try:
        day = date.fromisoformat(before) if before else None
    except ValueError:
        raise typer.BadParameter(
            f"'{before}' is not a day (YYYY-MM-DD)", param_hint="--before"
        ) from None
    summary = open_newsqa(store, chroma_url=chroma_url).prune(
        older_than=age, before=day, dry_run=dry_run
    )
    if json_output:
        print_json(asdict(summary))
        return
    verb = "would remove" if dry_run else "removed"
    typer.echo(
        f"{verb} {summary.articles} article{'s' if summary.articles != 1 else ''} "
        f"({summary.chunks} chunks) published before {summary.cutoff}"
    )
