"""`newsqa models` (providers and whether each can answer now) and `newsqa keys` (API keys).

No command here prints a key: listings show names and where a key comes from.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from qa.cli.common import JsonOption, print_json, user_errors

models_app = typer.Typer(
    invoke_without_command=True,
    help="Answer models: list providers and named models; name, pull or forget a model.",
)
keys_app = typer.Typer(
    no_args_is_help=True,
    help="API keys for hosted models, kept in $NEWSQA_HOME/keys.json (readable by you only).",
)


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
    app.add_typer(keys_app, name="keys")


@models_app.callback()
@user_errors
def models(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """List the answer-model providers and which can answer now, then the named models."""
    if ctx.invoked_subcommand is not None:
        return
    from dataclasses import asdict

    from qa.models.listing import list_models
    from qa.settings import load_settings

    listing = list_models(load_settings())
    if json_output:
        print_json(asdict(listing))
        return
    for row in listing.providers:
        mark = "yes" if row.usable else "no "
        typer.echo(f"{mark}  {row.name:<18} {row.description}")
        typer.echo(f"     {'':<18} {row.detail}")
        typer.echo(f"     {'':<18} e.g. {row.example}")
    if listing.named:
        typer.echo("\nnamed models (newsqa models add / pull / remove):")
    for named in listing.named:
        mark = "yes" if named.usable else "no "
        typer.echo(f"{mark}  {named.name:<18} {named.spec}  [{named.file}]")
    typer.echo(f"\ndefault model: {listing.default} (set `model` in config.toml or NEWSQA_MODEL)")


@models_app.command("add")
@user_errors
def add(
    name: Annotated[str, typer.Argument(help="The name to use with -m, e.g. qwen.")],
    spec: Annotated[str, typer.Argument(help="A .gguf file, or a model spec.")],
) -> None:
    """Name a model: `newsqa models add qwen ~/models/qwen.gguf`, then `-m qwen` anywhere."""
    from qa.models.named import add_model
    from qa.models.registry import providers

    named = add_model(name, spec, set(providers()))
    if named.path is not None and named.size is None:
        typer.echo(f"note: {named.path} does not exist yet", err=True)
    typer.echo(f"{named.name} = {named.spec}")


@models_app.command("remove")
@user_errors
def remove(name: Annotated[str, typer.Argument(help="A named model.")]) -> None:
    """Forget a model's name (a downloaded file is kept)."""
    from qa.models.named import remove_model

    typer.echo(f"forgot {remove_model(name).name}")


@models_app.command("pull")
@user_errors
def pull(
    source: Annotated[
        str, typer.Argument(help="A known model (see --help), or hf:OWNER/REPO/FILE.gguf.")
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="Name to give it [default: the source].")
    ] = None,
    sha256: Annotated[
        str | None, typer.Option("--sha256", help="The file's sha256 (for hf: sources).")
    ] = None,
) -> None:
    """Download a GGUF from the Hugging Face Hub, check its sha256, and name it.

    Known models: qwen2.5-coder-1.5b-instruct (1.1 GB), qwen2.5-coder-0.5b-instruct (0.5 GB).
    """
    from qa.models.pull import pull as fetch
    from qa.models.registry import providers

    default = source.rsplit("/", 1)[-1].removesuffix(".gguf").lower()
    named = fetch(source, name or default, set(providers()), sha256)
    typer.echo(f"{named.name} = {named.spec}  (use: newsqa ask -m {named.name} ...)")


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
