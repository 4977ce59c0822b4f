"""Commands that fill and inspect the store: ingest, sources, remove, stats."""

from __future__ import annotations

from typing import Annotated

import typer

from qa.cli.common import (
    ChromaOption,
    FollowLinksOption,
    JsonOption,
    StoreOption,
    open_newsqa,
    print_json,
    user_errors,
)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(sources)
    app.command()(remove)
    app.command()(stats)


@user_errors
def ingest(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders, feeds or http(s) URLs.")],
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    follow_links: FollowLinksOption = None,
    json_output: JsonOption = False,
) -> None:
    """Add articles; unchanged ones are skipped, edited ones replaced, copies stored once."""
    from qa.cli.progress import ingest_progress

    newsqa = open_newsqa(store, chroma_url=chroma_url, follow_feed_links=follow_links)
    with ingest_progress(enabled=not json_output) as on_article:
        summary = newsqa.ingest(inputs, on_article=on_article)
    for error in summary.errors:
        typer.echo(f"error: {error}", err=True)
    counts = summary.counts()
    if json_output:
        print_json({**counts, "errors": [str(e) for e in summary.errors]})
    else:
        typer.echo(", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()))
    if summary.failed:
        raise typer.Exit(1)


@user_errors
def sources(
    store: StoreOption = None, chroma_url: ChromaOption = None, json_output: JsonOption = False
) -> None:
    """List stored articles: id, date, outlet, chunks, title."""
    records = open_newsqa(store, chroma_url=chroma_url).sources()
    if json_output:
        print_json(
            [
                {
                    "id": r.id,
                    "title": r.title,
                    "source": r.source,
                    "published": r.published,
                    "url": r.url,
                    "chunks": r.chunk_count,
                    "also_in": [{"source": s, "url": u} for s, u in r.also_in],
                }
                for r in records
            ]
        )
        return
    for r in records:
        outlets = ", ".join([r.source, *(s for s, _ in r.also_in)])
        typer.echo(
            f"{r.id}\t{r.published or 'undated'}\t{outlets}\t{r.chunk_count} chunks\t{r.title}"
        )


@user_errors
def remove(
    article_ids: Annotated[
        list[str], typer.Argument(help="Article ids, as `newsqa sources` shows.")
    ],
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
) -> None:
    """Forget articles and their chunks."""
    missing = open_newsqa(store, chroma_url=chroma_url).remove(article_ids)
    for article_id in missing:
        typer.echo(f"error: no article with id '{article_id}' (see `newsqa sources`)", err=True)
    removed = len(article_ids) - len(missing)
    typer.echo(f"removed {removed} article{'s' if removed != 1 else ''}")
    if missing:
        raise typer.Exit(1)


@user_errors
def stats(
    store: StoreOption = None, chroma_url: ChromaOption = None, json_output: JsonOption = False
) -> None:
    """How many articles and chunks the store holds, and how it was built."""
    from dataclasses import asdict

    figures = asdict(open_newsqa(store, chroma_url=chroma_url).stats())
    if json_output:
        print_json(figures)
    else:
        for key, value in figures.items():
            typer.echo(f"{key}: {value}")
