"""What every command shares: the --store option, settings, one-line user errors, and groups
that run a default command."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import click
import typer
from typer.core import TyperGroup

F = TypeVar("F", bound=Callable[..., Any])

StoreOption = Annotated[
    Path | None,
    typer.Option("--store", help="Store folder (default: $NEWSQA_HOME/store).", show_default=False),
]
ChromaOption = Annotated[
    str | None,
    typer.Option("--chroma-url", help="Keep vectors on a Chroma server (http://host:port)."),
]
ModelOption = Annotated[
    str | None, typer.Option("-m", "--model", help="Answer model spec (see `newsqa models`).")
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option("--base-url", help="Server of an openai-compatible (or ollama) model."),
]
ApiKeyOption = Annotated[
    str | None,
    typer.Option("--api-key", help="Key for the model [default: keys file, then env var]."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
FollowLinksOption = Annotated[
    bool | None,
    typer.Option(
        "--follow-links/--no-follow-links",
        help="Read feed entries that only tease an article (short summary + link) from the "
        "linked page (default: follow).",
        show_default=False,
    ),
]
KOption = Annotated[
    int | None, typer.Option("-k", help="How many passages [default: the k setting].")
]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="Only published on/after (YYYY-MM-DD).")
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Only published on/before (YYYY-MM-DD).")
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Answer as of this day: nothing published later.")
]
SourceOption = Annotated[
    list[str] | None, typer.Option("--source", help="Only this outlet (repeatable).")
]


def user_errors(command: F) -> F:
    """Print a user's mistake as 'error:' lines (one per problem: a bad suite names each bad
    line) and exit 1; our own bugs keep their traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from index_store.errors import NewsQAError

        try:
            return command(*args, **kwargs)
        except NewsQAError as error:
            for line in str(error).splitlines() or [type(error).__name__]:
                typer.echo(f"error: {line}", err=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo("interrupted: the store keeps everything written so far", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def open_newsqa(store: Path | None, **settings: Any):
    """The Python API object the command is a thin layer over."""
    from qa.api import NewsQA

    return NewsQA(store=store, **{k: v for k, v in settings.items() if v is not None})


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def group_running_by_default(command: str, *, when_bare: bool) -> type[TyperGroup]:
    """A Typer group class that runs `command` when the first argument names none of its
    commands (`newsqa eval SUITE` is `newsqa eval run SUITE`; a folder named like a command:
    write ./add); `when_bare`: also when there is no argument at all."""

    class RunningByDefault(TyperGroup):
        def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
            named = bool(args) and (args[0] in self.commands or args[0] in ctx.help_option_names)
            if (args and not named) or (not args and when_bare):
                args = [command, *args]
            return super().parse_args(ctx, args)

    return RunningByDefault
