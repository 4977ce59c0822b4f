"""`newsqa models` (providers and whether each can answer now) and `newsqa keys` (API keys).

No command here prints a key: listings show names and where a key comes from.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from qa.cli.common import JsonOption, print_json, user_errors

if TYPE_CHECKING:
    from qa.models.default_model import DefaultModel

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

    from qa.models.default_model import default_model
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
    typer.echo(f"\n{_describe(default_model())}; change it: newsqa models default NAME")


@models_app.command("default")
@user_errors
def default(
    name: Annotated[
        str | None,
        typer.Argument(help="A named model or a model spec; none: show the current default."),
    ] = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Back to the built-in default (extractive).")
    ] = False,
) -> None:
    """Show or set the answer model of `ask`, `serve`, `mcp` and `eval` when -m is not given.

    It is kept as `model` in config.toml; NEWSQA_MODEL and -m still win over it.
    """
    from qa.models.default_model import default_model, set_default_model

    if name is not None and reset:
        typer.echo("error: give a model or --reset, not both", err=True)
        raise typer.Exit(1)
    chosen = set_default_model(name) if name is not None or reset else default_model()
    typer.echo(_describe(chosen))
    if not chosen.status.usable:
        typer.echo(f"note: {chosen.spec} cannot answer yet: {chosen.status.detail}", err=True)


def _describe(chosen: DefaultModel) -> str:
    """'default model: qwen (from /home/me/.../config.toml)', saying what overrides what."""
    from qa.paths import config_file

    origin = {
        "built-in": "built-in default",
        "config": f"from {config_file()}",
        "env": "from NEWSQA_MODEL",
    }[chosen.origin]
    if chosen.origin == "env" and chosen.configured is not None:
        origin += f", over {chosen.configured} in {config_file()}"
    return f"default model: {chosen.spec} ({origin})"


def make_default_command(name: str) -> str:
    return f"newsqa models pull {name} && newsqa models default {name}"


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
        str | None,
        typer.Argument(
            help="A known model, or hf:OWNER/REPO/FILE.gguf; none: list the known models."
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Name to give it (default: the source).")
    ] = None,
    sha256: Annotated[
        str | None, typer.Option("--sha256", help="The file's sha256 (for hf: sources).")
    ] = None,
) -> None:
    """Download a GGUF from the Hugging Face Hub, check its sha256, and name it.

    Without a source, list the known models: their size and what each is good for.
    """
    from qa.models.pull import pull as fetch
    from qa.models.registry import providers

    if source is None:
        _list_known()
        return
    default = source.rsplit("/", 1)[-1].removesuffix(".gguf").lower()
    named = fetch(source, name or default, set(providers()), sha256)
    typer.echo(f"{named.name} = {named.spec}  (use: newsqa ask -m {named.name} ...)")
    typer.echo(f"make it the default: newsqa models default {named.name}")


def _list_known() -> None:
    from qa.models.pull import KNOWN, RECOMMENDED

    typer.echo("known models (newsqa models pull NAME):")
    for name, known in KNOWN.items():
        typer.echo(f"  {name:<28} {known.size / 1e9:.1f} GB  {known.about}")
    typer.echo("any other GGUF: newsqa models pull hf:OWNER/REPO/FILE.gguf --sha256 HEX")
    typer.echo("they answer in-process, with the llamacpp extra: pip install 'newsqa[llamacpp]'")
    typer.echo(f"pull one and make it the default:\n  {make_default_command(RECOMMENDED)}")


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
