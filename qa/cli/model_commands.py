"""`newsqa models` (providers and whether each can answer now) and `newsqa keys` (API keys).

No command here prints a key: listings show names and where a key comes from.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from qa.cli.common import JsonOption, print_json, user_errors

keys_app = typer.Typer(
    no_args_is_help=True,
    help="API keys for hosted models, kept in $NEWSQA_HOME/keys.json (readable by you only).",
)


def register(app: typer.Typer) -> None:
    app.command()(models)
    app.add_typer(keys_app, name="keys")


@user_errors
def models(json_output: JsonOption = False) -> None:
    """List the answer-model providers, and which of them can answer now."""
    from qa.models.registry import providers
    from qa.settings import load_settings

    settings = load_settings()
    rows = []
    for name, provider in sorted(providers().items()):
        status = provider.status(settings)
        rows.append(
            {
                "name": name,
                "usable": status.usable,
                "detail": status.detail,
                "description": provider.description,
                "example": provider.example,
            }
        )
    if json_output:
        print_json({"default": settings.model, "providers": rows})
        return
    for row in rows:
        mark = "yes" if row["usable"] else "no "
        typer.echo(f"{mark}  {row['name']:<18} {row['description']}")
        typer.echo(f"     {'':<18} {row['detail']}")
        typer.echo(f"     {'':<18} e.g. {row['example']}")
    typer.echo(f"\ndefault model: {settings.model} (set `model` in config.toml or NEWSQA_MODEL)")


@keys_app.command("set")
@user_errors
def set_key(
    name: Annotated[str, typer.Argument(help="Provider name, e.g. openai or anthropic.")],
) -> None:
    """Store a key: paste it at the hidden prompt, or pipe it in (never as an argument, which
    would land in your shell history)."""
    from qa.keys import check_name, store_key

    check_name(name)
    if sys.stdin.isatty():
        value = typer.prompt(f"API key for {name}", hide_input=True)
    else:
        value = sys.stdin.readline()
    path = store_key(name, value)
    typer.echo(f"stored the key for {name} in {path}")


@keys_app.command("list")
@user_errors
def list_keys() -> None:
    """Names of stored keys, and which providers would take a key from the environment."""
    from qa.keys import stored_names
    from qa.models.registry import providers
    from qa.paths import keys_file

    names = stored_names()
    if not names:
        typer.echo(f"no keys stored in {keys_file()}")
    for name in names:
        typer.echo(f"{name}  (keys file)")
    for provider in sorted(providers().values(), key=lambda p: p.name):
        env_var = getattr(provider, "key_env", None)
        if env_var and os.environ.get(env_var):
            typer.echo(f"{provider.name}  (${env_var}, used when no stored key)")


@keys_app.command("remove")
@user_errors
def remove_key(name: Annotated[str, typer.Argument(help="Provider name.")]) -> None:
    """Forget a stored key."""
    from qa.keys import remove_key as forget

    if not forget(name):
        typer.echo(f"error: no key stored for {name} (see `newsqa keys list`)", err=True)
        raise typer.Exit(1)
    typer.echo(f"removed the key for {name}")
