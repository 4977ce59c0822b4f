"""`newsqa demo`: ingest the bundled demo corpus and answer a question, to see it work at once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qa.cli.common import StoreOption, open_newsqa, user_errors

DEMO_QUESTION = "How many jobs will Lumenfold create at its new Harrowgate engineering hub?"


def register(app: typer.Typer) -> None:
    app.command()(demo)


def demo_articles() -> Path:
    from importlib.resources import files

    return Path(str(files("qa.demo") / "articles"))


@user_errors
def demo(
    question: Annotated[str, typer.Argument(help="What to ask the demo corpus.")] = DEMO_QUESTION,
    store: StoreOption = None,
) -> None:
    """Ingest the bundled demo articles (original fiction) and answer a question with citations."""
    from qa.cli.render import render_answer
    from qa.paths import user_dir

    newsqa = open_newsqa(store or user_dir() / "demo-store")
    summary = newsqa.ingest([demo_articles()])
    typer.echo(
        f"demo corpus in {newsqa.settings.store}: {summary.added} added, "
        f"{summary.unchanged} unchanged, {summary.duplicates} duplicates\n"
    )
    typer.echo(f"Q: {question}\n")
    typer.echo(render_answer(newsqa.ask(question)))
