"""The `newsqa` command: a thin layer over `qa.api.NewsQA`, one module per group of commands.

Heavy libraries (torch, chromadb, llama-index) are imported inside commands, so `--help` and
argument errors stay instant.
"""

from __future__ import annotations

import os
import sys
from contextlib import suppress

import typer

from qa.cli import (
    ask_commands,
    chat_command,
    demo_command,
    eval_command,
    maintenance_commands,
    mcp_command,
    model_commands,
    news_commands,
    serve_command,
    store_commands,
    watch_commands,
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
news_commands.register(app)
chat_command.register(app)
demo_command.register(app)
model_commands.register(app)
eval_command.register(app)
serve_command.register(app)
mcp_command.register(app)
watch_commands.register(app)


# Commands that only read the store: they leave nothing to save at exit.
READ_ONLY_COMMANDS = ("ask", "search", "sources", "stats", "brief", "timeline")


def main() -> None:
    """The `newsqa` program. A read-only command ends its process without Python's teardown of
    the ~1,200 modules chromadb, onnxruntime and bm25s load: that took 0.25 s of CPU, more than
    a search."""
    try:
        app()
    except SystemExit as done:
        if sys.argv[1:2] and sys.argv[1] in READ_ONLY_COMMANDS and _is_code(done.code):
            _flush()
            os._exit(done.code or 0)
        raise


def _is_code(code: object) -> bool:
    return code is None or isinstance(code, int)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):
            stream.flush()
