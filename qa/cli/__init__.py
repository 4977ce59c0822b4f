"""The `newsqa` command: a thin layer over `qa.api.NewsQA`, one module per group of commands.

Heavy libraries (torch, chromadb, llama-index) are imported inside commands, so `--help` and
argument errors stay instant.
"""

from __future__ import annotations

import typer

from qa.cli import (
    ask_commands,
    demo_command,
    eval_command,
    maintenance_commands,
    model_commands,
    serve_command,
    store_commands,
)

app = typer.Typer(
    name="newsqa",
    help="Ask questions of your news articles; answers cite the passages they rest on.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
store_commands.register(app)
maintenance_commands.register(app)
ask_commands.register(app)
demo_command.register(app)
model_commands.register(app)
eval_command.register(app)
serve_command.register(app)


def main() -> None:
    app()
