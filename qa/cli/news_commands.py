"""Commands that answer like a news desk: `brief` (the stories on a topic) and `timeline`."""

from __future__ import annotations

from typing import Annotated

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


def register(app: typer.Typer) -> None:
    app.command()(brief)
    app.command()(timeline)


@user_errors
def brief(
    topic: TopicArgument,
    since: BriefSinceOption = None,
    until: UntilOption = None,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    limit: LimitOption = 5,
    model: ModelOption = None,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    json_output: JsonOption = False,
) -> None:
    """The stories about a topic, newest first: dated headline, outlets, what happened (cited),
    and the figures their articles give differently; with an answer LLM, a summary of each."""
    from qa.cli.news_render import render_brief

    made = open_newsqa(store, chroma_url=chroma_url).brief(
        topic, limit=limit, since=since, until=until, as_of=as_of, source=source, model=model
    )
    if json_output:
        print_json(made.to_dict())
    else:
        typer.echo(render_brief(made))


@user_errors
def timeline(
    topic: TopicArgument,
    since: BriefSinceOption = None,
    until: UntilOption = None,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    limit: LimitOption = 5,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    json_output: JsonOption = False,
) -> None:
    """What happened in the stories about a topic, oldest first, one cited line per event."""
    from qa.cli.news_render import render_timeline

    made = open_newsqa(store, chroma_url=chroma_url).timeline(
        topic, limit=limit, since=since, until=until, as_of=as_of, source=source
    )
    if json_output:
        print_json(made.to_dict())
    else:
        typer.echo(render_timeline(made))
