"""Commands that read the store: ask and search."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from qa.cli.common import (
    ApiKeyOption,
    AsOfOption,
    BaseUrlOption,
    ChromaOption,
    JsonOption,
    KOption,
    ModelOption,
    SinceOption,
    SourceOption,
    StoreOption,
    UntilOption,
    open_newsqa,
    print_json,
    user_errors,
)


def register(app: typer.Typer) -> None:
    app.command()(ask)
    app.command()(search)


@user_errors
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in quotes.")],
    k: KOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    stream: Annotated[
        bool | None,
        typer.Option(
            "--stream/--no-stream",
            help="Show the answer as it is written [default: when printing to a terminal].",
            show_default=False,
        ),
    ] = None,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    json_output: JsonOption = False,
) -> None:
    """Answer a question from the stored articles, citing passages as [1], [2]..."""
    from qa.retrieval.filters import Filters

    newsqa = open_newsqa(store, chroma_url=chroma_url, base_url=base_url, api_key=api_key)
    options = {"k": k, "model": model, "filters": Filters.parse(since, until, as_of, source)}
    if json_output:
        print_json(newsqa.ask(question, **options).to_dict())
        return
    from qa.cli.render import render_after_stream, render_answer

    if not (sys.stdout.isatty() if stream is None else stream):
        typer.echo(render_answer(newsqa.ask(question, **options)))
        return
    shown = []
    for event in newsqa.ask_stream(question, **options):
        if isinstance(event, str):
            typer.echo(event, nl=False)
            shown.append(event)
        else:
            typer.echo(render_after_stream(event, "".join(shown)))


@user_errors
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: KOption = None,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show the passages that best match, with score, title, outlet, date and url."""
    from qa.retrieval.filters import Filters

    filters = Filters.parse(since, until, as_of, source)
    passages = open_newsqa(store, chroma_url=chroma_url).search(query, k=k, filters=filters)
    if json_output:
        from dataclasses import asdict

        print_json([asdict(p) for p in passages])
        return
    from qa.cli.render import render_passage

    for passage in passages:
        typer.echo(render_passage(passage))
