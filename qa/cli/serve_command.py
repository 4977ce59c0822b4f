"""`newsqa serve`: the web page and HTTP API over one store."""

from __future__ import annotations

from typing import Annotated

import typer

from qa.cli.common import ChromaOption, StoreOption, user_errors


def register(app: typer.Typer) -> None:
    app.command()(serve)


@user_errors
def serve(
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; beyond loopback needs --token.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)
    ] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="NEWSQA_TOKEN",
            help="Bearer token that ingest and remove requests must send.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve a page for asking the articles, and the HTTP API (docs at /docs)."""
    import uvicorn

    from qa.server import ServerConfig, create_app

    config = ServerConfig(host=host, port=port, token=token or None)
    app = create_app(store, config=config, chroma_url=chroma_url)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"newsqa: page at http://{shown}:{port}/ , API docs at /docs (Ctrl+C stops)")
    uvicorn.run(app, host=host, port=port, log_level="info")
