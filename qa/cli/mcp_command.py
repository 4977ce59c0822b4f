"""`newsqa mcp`: the store as tools for assistants (Model Context Protocol), on stdin/stdout or
streamable HTTP."""

from __future__ import annotations

from typing import Annotated

import typer

from qa.cli.common import ChromaOption, ModelOption, StoreOption, user_errors

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001


def register(app: typer.Typer) -> None:
    app.command()(mcp)


@user_errors
def mcp(
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    model: ModelOption = None,
    allow_writes: Annotated[
        bool, typer.Option("--allow-writes", help="Offer the ingest_url tool (adds articles).")
    ] = False,
    http: Annotated[
        bool, typer.Option("--http", help="Serve streamable HTTP at /mcp instead of stdio.")
    ] = False,
    host: Annotated[
        str | None,
        typer.Option(
            "--host",
            help=f"With --http: address to listen on (default {DEFAULT_HOST}); "
            "beyond loopback needs --token.",
            show_default=False,
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port", help=f"With --http: port (default {DEFAULT_PORT}).", min=1, max=65535
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="NEWSQA_TOKEN",
            help="With --http: bearer token every request must send.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the store to assistants over the Model Context Protocol (stdio by default)."""
    from qa.errors import BadSetting
    from qa.models.extras import require

    require("mcp", "newsqa mcp", "mcp")
    if not http and (host or port):
        raise BadSetting("--host and --port are for --http; without it newsqa mcp uses stdio")
    from qa.server import ServerConfig
    from qa.server.mcp_server import create_mcp_server, run_http, run_stdio

    config = ServerConfig(host=host or DEFAULT_HOST, port=port or DEFAULT_PORT, token=token or None)
    if http:
        config.check()
    server = create_mcp_server(store, allow_writes=allow_writes, chroma_url=chroma_url, model=model)
    if not http:
        typer.echo("newsqa mcp: serving an MCP client on stdin/stdout (Ctrl+C stops)", err=True)
        run_stdio(server)
        return
    shown = f"[{config.host}]" if ":" in config.host else config.host
    typer.echo(f"newsqa mcp: http://{shown}:{config.port}/mcp (Ctrl+C stops)", err=True)
    run_http(server, config)
