"""Commands that read the store: ask and search."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from qa.errors import BadQuestion
from qa.types import Answer

if TYPE_CHECKING:
    from qa.api import NewsQA
    from qa.conversation.conversation import Conversation


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
    continued: Annotated[
        bool,
        typer.Option(
            "--continue",
            "-c",
            help="Continue the last conversation: a follow-up ('What is her job?') is searched "
            "with what the earlier questions named.",
        ),
    ] = False,
    conversation_id: Annotated[
        str | None,
        typer.Option("--conversation", help="Continue this conversation (an id, see `chat`)."),
    ] = None,
) -> None:
    """Answer a question from the stored articles, citing passages as [1], [2]..."""
    from qa.retrieval.filters import Filters

    resumed = conversation_id or (latest_conversation() if continued else None)
    if resumed and store is None:
        store = conversation_store(resumed)
    newsqa = open_newsqa(store, chroma_url=chroma_url, base_url=base_url, api_key=api_key)
    filters = Filters.parse(since, until, as_of, source)
    if resumed:
        conversation = newsqa.conversation(resumed)
        found = conversation.standalone(question, model)
        if found.rewritten and not json_output:
            typer.echo(f"searched for: {found.text}")
        changed = {"filters": filters} if filters != Filters() else {}
        events = conversation.ask_stream(question, k=k, model=model, **changed)
    elif started := new_conversation(newsqa, k=k, model=model, filters=filters):
        events = started.ask_stream(question)
    else:
        events = newsqa.ask_stream(question, k=k, model=model, filters=filters)
    echo_answer(events, json_output, sys.stdout.isatty() if stream is None else stream)


def echo_answer(events: Iterator[str | Answer], json_output: bool, stream: bool) -> Answer:
    """Print an answer as its pieces come (`stream`), or whole, or as JSON; returns it."""
    from qa.cli.render import render_after_stream, render_answer

    shown: list[str] = []
    for event in events:
        if isinstance(event, Answer):
            if json_output:
                print_json(event.to_dict())
            elif stream:
                typer.echo(render_after_stream(event, "".join(shown)))
            else:
                typer.echo(render_answer(event))
            return event
        if stream and not json_output:
            typer.echo(event, nl=False)
        shown.append(event)
    raise AssertionError("an answer stream ends with its Answer")


def new_conversation(newsqa: NewsQA, **options: Any) -> Conversation | None:
    """A conversation for this question, so that `ask -c` can follow it up; None when the
    conversations file cannot be used (the question is still answered, only not kept)."""
    try:
        return newsqa.conversation(**options)
    except BadQuestion as error:
        typer.echo(f"note: this question is not kept for --continue: {error}", err=True)
        return None


def latest_conversation() -> str | None:
    """The conversation used last, or None (a new one starts)."""
    from qa.conversation.book import ConversationBook

    return ConversationBook.users().latest()


def conversation_store(conversation_id: str) -> Path | None:
    """The store a conversation was asking."""
    from qa.conversation.book import ConversationBook

    kept = ConversationBook.users().options(conversation_id).get("store")
    return Path(kept) if kept else None


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
