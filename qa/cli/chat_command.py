"""`newsqa chat`: questions in a conversation at a prompt, follow-ups searched as standalone
questions. Line editing and history (arrow keys, Ctrl-R) come from prompt_toolkit; with no
terminal (a pipe), questions are read one a line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from qa.cli.ask_commands import echo_answer
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

if TYPE_CHECKING:
    from qa.api import NewsQA
    from qa.conversation.conversation import Conversation
    from qa.types import Answer

COMMANDS = (
    "/new  start a new conversation",
    "/sources  list the last answer's sources",
    "/model NAME  answer with another model from the next question",
    "/exit  leave (or Ctrl-D)",
)


conversations_app = typer.Typer(
    help="The kept conversations: `newsqa conversations list`, `newsqa conversations show ID`, "
    "`newsqa conversations delete ID`.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.command()(chat)
    app.add_typer(conversations_app, name="conversations")


@conversations_app.command("list")
@user_errors
def list_conversations(json_output: JsonOption = False) -> None:
    """Kept conversations, the most recently used first: id, last used, turns, first question."""
    from dataclasses import asdict
    from datetime import datetime

    from qa.conversation.book import ConversationBook

    kept = ConversationBook.users().list()
    if json_output:
        print_json([asdict(c) for c in kept])
        return
    if not kept:
        typer.echo("no conversations kept: `newsqa chat` or `newsqa ask` starts one")
    for c in kept:
        used = datetime.fromtimestamp(c.updated).strftime("%Y-%m-%d %H:%M")
        typer.echo(f"{c.id}  {used}  {c.turns:>3} turns  {c.first_question}")


@conversations_app.command("show")
@user_errors
def show_conversation(conversation_id: str, json_output: JsonOption = False) -> None:
    """A conversation's turns: each question, what was searched, and the answer."""
    from dataclasses import asdict

    from qa.conversation.book import ConversationBook

    turns = ConversationBook.users().turns(conversation_id)
    if json_output:
        print_json([asdict(t) for t in turns])
        return
    for n, turn in enumerate(turns, start=1):
        typer.echo(f"{n}. {turn.question}")
        if turn.searched_for != turn.question:
            typer.echo(f"   searched for: {turn.searched_for}")
        typer.echo(f"   {turn.short_answer or turn.answer.splitlines()[0]}")


@conversations_app.command("delete")
@user_errors
def delete_conversation(conversation_id: str) -> None:
    """Forget a conversation."""
    from qa.conversation.book import ConversationBook

    ConversationBook.users().delete(conversation_id)
    typer.echo(f"deleted conversation {conversation_id}")


@user_errors
def chat(
    k: KOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    resume: Annotated[
        str | None, typer.Option("--conversation", help="Resume this conversation (an id).")
    ] = None,
) -> None:
    """Ask questions in a conversation: "What is her job?" after "Who won the by-election?"
    searches for the winner's job. /new, /sources, /model NAME, /exit."""
    from qa.retrieval.filters import Filters

    newsqa = open_newsqa(store, chroma_url=chroma_url, base_url=base_url, api_key=api_key)
    options = {"k": k, "model": model, "filters": Filters.parse(since, until, as_of, source)}
    conversation = newsqa.conversation(resume) if resume else newsqa.conversation(**options)
    typer.echo(f"conversation {conversation.id} (commands: /new /sources /model NAME /exit)")
    last: Answer | None = None
    try:
        for line in _lines():
            if line in ("/exit", "/quit"):
                break
            if line == "/new":
                _leave(newsqa, conversation)
                conversation = newsqa.conversation(**options)
                typer.echo(f"conversation {conversation.id}")
            elif line == "/sources":
                typer.echo(_sources(last))
            elif line.startswith("/model"):
                options["model"] = line.removeprefix("/model").strip() or None
                typer.echo(f"model: {options['model'] or newsqa.settings.model}")
            elif line.startswith("/"):
                typer.echo("commands:\n  " + "\n  ".join(COMMANDS))
            else:
                last = _turn(conversation, line, options["model"]) or last
    finally:
        _leave(newsqa, conversation)


def _leave(newsqa: NewsQA, conversation: Conversation) -> None:
    """A conversation left without a question is not kept: `conversations list` and `ask -c`
    would find an empty thread."""
    if not conversation.turns:
        newsqa.delete_conversation(conversation.id)


def _turn(conversation: Conversation, question: str, model: str | None) -> Answer | None:
    """Ask one question of the conversation, printing what was searched and the answer; a
    user's mistake (an unknown model...) is printed and the conversation goes on."""
    from index_store.errors import NewsQAError

    try:
        found = conversation.standalone(question, model)
        if found.rewritten:
            typer.echo(f"searched for: {found.text}")
        elif found.new_topic and conversation.turns:
            typer.echo("(a new topic)")
        events = conversation.ask_stream(question, model=model)
        return echo_answer(events, json_output=False, stream=sys.stdout.isatty())
    except NewsQAError as error:
        typer.echo(f"error: {error}", err=True)
        return None


def _lines() -> Iterator[str]:
    """The user's lines, stripped and non-empty: from prompt_toolkit at a terminal (history
    kept across sessions), else from stdin."""
    if not sys.stdin.isatty():
        yield from (line.strip() for line in sys.stdin if line.strip())
        return
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    from qa.paths import user_dir

    user_dir().mkdir(parents=True, exist_ok=True)
    session = PromptSession(history=FileHistory(str(user_dir() / "chat_history")))
    while True:
        try:
            line = session.prompt("newsqa> ").strip()
        except KeyboardInterrupt:
            continue
        except EOFError:
            return
        if line:
            yield line


def _sources(answer: Answer | None) -> str:
    from qa.cli.render import source_line

    if answer is None or not answer.citations:
        return "no sources yet"
    return "\n".join(
        f"[{c.n}] {source_line(c.title, c.source, c.published, c.url)}" for c in answer.citations
    )
