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
        help="Re-embed with this model: all-MiniLM-L6-v2, multilingual-e5-small, or a "
        "sentence-transformers folder or name [default: the store's own].",
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
