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
    from qa.models.default_model import answers_extractively
    from qa.paths import user_dir

    newsqa = open_newsqa(store or user_dir() / "demo-store")
    summary = newsqa.ingest([demo_articles()])
    typer.echo(
        f"demo corpus in {newsqa.settings.store}: {summary.added} added, "
        f"{summary.unchanged} unchanged, {summary.duplicates} duplicates\n"
    )
    typer.echo(f"Q: {question}\n")
    typer.echo(render_answer(newsqa.ask(question)))
    typer.echo(
        f'\nnext: newsqa brief "Kellan Bridge" --store {newsqa.settings.store}'
        "   # the stories on a topic, newest first"
    )
    if answers_extractively(newsqa.settings.model):
        typer.echo(f"\n{_local_model_hint()}")


def _local_model_hint() -> str:
    """Where the better answers are, for someone still on the built-in extractive answerer."""
    from qa.cli.model_commands import make_default_command
    from qa.models.pull import KNOWN, RECOMMENDED

    known = KNOWN[RECOMMENDED]
    return (
        f"tip: short answers from a local model ({known.size / 1e9:.1f} GB download):\n"
        "  pip install 'newsqa[llamacpp]'   # the llamacpp extra: builds llama.cpp, minutes\n"
        f"  {make_default_command(RECOMMENDED)}"
    )
