"""Commands that answer like a news desk: `brief` (the stories on a topic) and `timeline`.

Both take a topic, the same filters and the same store and output options. Typer reads a
command's options from its signature, so `news_command` gives each command the one list of them
declared here instead of a copy per command."""

from __future__ import annotations

from collections.abc import Callable
from inspect import Parameter, Signature
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from qa.cli.common import (
    AsOfOption,
    ChromaOption,
    JsonOption,
    ModelOption,
    SourceOption,
    StoreOption,
    UntilOption,
    open_newsqa,
    print_json,
    user_errors,
)

if TYPE_CHECKING:
    from qa.news.types import Brief, Timeline

F = TypeVar("F", bound=Callable[..., None])

TopicArgument = Annotated[str, typer.Argument(help="What the news is about, e.g. 'Kellan Bridge'.")]
BriefSinceOption = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="Only published on/after a day (YYYY-MM-DD) or within a span before --as-of or "
        "today (7d, 2w); 'last': only what was added since this topic's last brief.",
    ),
]
LimitOption = Annotated[int, typer.Option("--limit", min=1, help="At most this many stories.")]


def _option(name: str, annotation: Any, default: Any = None) -> Parameter:
    return Parameter(name, Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


TOPIC = Parameter("topic", Parameter.POSITIONAL_OR_KEYWORD, annotation=TopicArgument)
FILTERS = (
    _option("since", BriefSinceOption),
    _option("until", UntilOption),
    _option("as_of", AsOfOption),
    _option("source", SourceOption),
    _option("limit", LimitOption, 5),
)
"""Named as `NewsOptions` names them: a command hands its `**filters` to `NewsQA` as they come."""
MODEL = _option("model", ModelOption)
OUTPUT = (
    _option("store", StoreOption),
    _option("chroma_url", ChromaOption),
    _option("json_output", JsonOption, False),
)


def register(app: typer.Typer) -> None:
    app.command()(brief)
    app.command()(timeline)


def news_command(*extra: Parameter) -> Callable[[F], F]:
    """Give a command the topic, filter, store and output options as Typer reads them (from its
    signature); `extra` come after --limit, where brief's help lists --model."""

    def declared(command: F) -> F:
        parameters = [TOPIC, *FILTERS, *extra, *OUTPUT]
        command.__signature__ = Signature(parameters)  # type: ignore[attr-defined]
        return command

    return declared


@news_command(MODEL)
@user_errors
def brief(
    topic: str,
    model: str | None,
    store: Path | None,
    chroma_url: str | None,
    json_output: bool,
    **filters: Any,
) -> None:
    """The stories about a topic, newest first: dated headline, outlets, what happened (cited),
    and the figures their articles give differently; with an answer LLM, a summary of each."""
    from qa.cli.news_render import render_brief

    made = open_newsqa(store, chroma_url=chroma_url).brief(topic, model=model, **filters)
    _print(made, render_brief, json_output)


@news_command()
@user_errors
def timeline(
    topic: str,
    store: Path | None,
    chroma_url: str | None,
    json_output: bool,
    **filters: Any,
) -> None:
    """What happened in the stories about a topic, oldest first, one cited line per event."""
    from qa.cli.news_render import render_timeline

    made = open_newsqa(store, chroma_url=chroma_url).timeline(topic, **filters)
    _print(made, render_timeline, json_output)


def _print(made: Brief | Timeline, render: Callable[[Any], str], json_output: bool) -> None:
    if json_output:
        print_json(made.to_dict())
    else:
        typer.echo(render(made))
