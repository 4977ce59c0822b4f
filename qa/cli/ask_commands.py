"""Commands that read the store: ask and search."""

from __future__ import annotations

from typing import Annotated

import typer

from qa.cli.common import (
    AsOfOption,
    ChromaOption,
    JsonOption,
    KOption,
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
    model: Annotated[str | None, typer.Option("-m", "--model", help="Answer model spec.")] = None,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    json_output: JsonOption = False,
) -> None:
    """Answer a question from the stored articles, citing passages as [1], [2]..."""
    newsqa = open_newsqa(store, chroma_url=chroma_url)
    answer = newsqa.ask(
        question, k=k, model=model, since=since, until=until, as_of=as_of, source=source
    )
    if json_output:
        print_json(answer.to_dict())
        return
    from qa.cli.render import render_answer

    typer.echo(render_answer(answer))


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
    passages = open_newsqa(store, chroma_url=chroma_url).search(
        query, k=k, since=since, until=until, as_of=as_of, source=source
    )
    if json_output:
        from dataclasses import asdict

        print_json([asdict(p) for p in passages])
        return
    from qa.cli.render import render_passage

    for passage in passages:
        typer.echo(render_passage(passage))
