"""Commands that repair or rebuild a store: reindex."""

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
        help="Re-embed with this model (name or local sentence-transformers folder) "
        "[default: the configured one].",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    app.command()(reindex)


@user_errors
def reindex(
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    embedding_model: ModelOption = None,
    json_output: JsonOption = False,
) -> None:
    """Re-embed every stored article from its stored text (after changing the embedding model
    or upgrading newsqa); the store keeps answering from the old vectors until the switch."""
    newsqa = open_newsqa(store, chroma_url=chroma_url, embedding_model=embedding_model)
    summary = newsqa.reindex()
    if json_output:
        print_json(asdict(summary))
        return
    typer.echo(
        f"re-embedded {summary.articles} articles into {summary.chunks} chunks with "
        f"{summary.embedding_model} (was {summary.previous_model or 'unknown'})"
    )
    configured = open_newsqa(store).settings.embedding_model
    if summary.embedding_model != configured:
        typer.echo(
            f"note: other commands use '{configured}' until you set "
            f"NEWSQA_EMBEDDING_MODEL={summary.embedding_model} (or embedding_model in config.toml)"
        )
