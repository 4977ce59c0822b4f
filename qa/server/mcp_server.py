"""`newsqa mcp`: the tools of `qa.server.mcp_tools` and every stored article as a resource, on the
Model Context Protocol, over stdin/stdout or streamable HTTP (`pip install 'newsqa[mcp]'`).

Built on the SDK's low-level `Server` rather than its `MCPServer`, whose argument checking would
answer a bad `k` with pydantic's multi-line report behind 'Error executing tool ask:'; here a
tool's arguments are checked by the HTTP API's request models and every failure reaches the
client as the one line the CLI prints. Over HTTP the requests pass the guards of `newsqa serve`.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import anyio
import mcp_types as types
from mcp.server import Server
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError

from index_store.errors import NewsQAError, StoreNotFound
from index_store.types import ArticleRecord
from qa.server.config import ServerConfig
from qa.server.errors import ArticleNotFound
from qa.server.guards import RequestGuard, TokenGuard
from qa.server.library import Library
from qa.server.mcp_tools import Tool, Toolbox

log = logging.getLogger(__name__)

ARTICLES = "newsqa://articles/"
ENDPOINT = "/mcp"
PAGE = 100
INTERNAL = "internal error: see the server's log"
INSTRUCTIONS = (
    "A store of news articles. `ask` answers a question with cited passages, or abstains when "
    "the articles do not answer it; `search` finds passages; `brief` gives the stories about a "
    "topic and `timeline` its events in date order, both cited and flagging figures that differ; "
    f"`sources` and `stats` describe the store; {ARTICLES}{{id}} is an article's whole text. "
    "Answers rest only on the stored articles: pass on their citations (title, outlet, date, "
    "url), their abstentions and their notes."
)


def create_mcp_server(
    store: str | Path | None = None, *, allow_writes: bool = False, **settings: Any
) -> Server:
    """The MCP server of one store; `settings` are `NewsQA`'s (chroma_url, model, k...).
    `ingest_url` is offered only with `allow_writes`."""
    from qa.api import NewsQA
    from qa.server.app import package_version

    toolbox = Toolbox(Library(functools.partial(NewsQA, store, **settings)), allow_writes)
    return Server(
        "newsqa",
        version=package_version(),
        title="newsqa",
        description="Questions answered from your news articles, with citations.",
        instructions=INSTRUCTIONS,
        **_handlers(toolbox),
    )


def run_stdio(server: Server) -> None:
    """Serve one client on stdin/stdout until it closes them."""

    async def serve() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(serve)


def http_app(server: Server, config: ServerConfig) -> Any:
    """The streamable HTTP endpoint at /mcp behind `newsqa serve`'s rules: on loopback only
    requests naming this machine, beyond it only with a token (`UnsafeServer` otherwise), and
    with a token every request must bear it."""
    config.check()
    app = server.streamable_http_app(
        streamable_http_path=ENDPOINT,
        host=config.host,
        max_request_body_size=config.max_request_bytes,
    )
    return RequestGuard(TokenGuard(app, config), config)


def run_http(server: Server, config: ServerConfig) -> None:
    import uvicorn

    uvicorn.run(http_app(server, config), host=config.host, port=config.port, log_level="info")


def article_uri(article_id: str) -> str:
    return ARTICLES + quote(article_id, safe="")


def _handlers(toolbox: Toolbox) -> dict[str, Any]:
    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[_describe(tool) for tool in toolbox.tools.values()])

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        try:
            data = await anyio.to_thread.run_sync(toolbox.call, params.name, params.arguments or {})
        except NewsQAError as error:
            return _failed(str(error))
        except Exception:
            log.exception("tool %s failed", params.name)
            return _failed(INTERNAL)
        text = json.dumps(data, ensure_ascii=False, indent=2)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)], structured_content=data
        )

    async def list_resources(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        cursor = (params.cursor if params else None) or "0"
        if not cursor.isdigit():
            raise MCPError(types.INVALID_PARAMS, f"'{cursor[:40]}' is not a cursor of this server")
        offset = int(cursor)
        records = await _read(lambda: _newest(toolbox, offset))
        more = len(records) > PAGE
        return types.ListResourcesResult(
            resources=[_resource(record) for record in records[:PAGE]],
            next_cursor=str(offset + PAGE) if more else None,
        )

    async def list_templates(ctx: Any, params: Any) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(resource_templates=[ARTICLE_TEMPLATE])

    async def read_resource(
        ctx: Any, params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        uri = str(params.uri)
        if not uri.startswith(ARTICLES):
            raise MCPError(types.INVALID_PARAMS, f"no resource {uri}: articles are {ARTICLES}ID")
        text = await _read(lambda: toolbox.article_text(unquote(uri.removeprefix(ARTICLES))))
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=uri, mime_type="text/markdown", text=text)]
        )

    return {
        "on_list_tools": list_tools,
        "on_call_tool": call_tool,
        "on_list_resources": list_resources,
        "on_list_resource_templates": list_templates,
        "on_read_resource": read_resource,
    }


ARTICLE_TEMPLATE = types.ResourceTemplate(
    name="article",
    title="A stored article",
    uri_template=ARTICLES + "{id}",
    description="An article's whole stored text under its title, outlet, date and url; {id} is "
    "the article id the tools give (article_id, id), percent-encoded.",
    mime_type="text/markdown",
)


async def _read(call: Any) -> Any:
    """A library read on a worker thread; a failure is a protocol error with its one line."""
    try:
        return await anyio.to_thread.run_sync(call)
    except ArticleNotFound as error:
        raise MCPError(types.INVALID_PARAMS, str(error)) from None
    except NewsQAError as error:
        raise MCPError(types.INTERNAL_ERROR, str(error)) from None
    except Exception:
        log.exception("reading a resource failed")
        raise MCPError(types.INTERNAL_ERROR, INTERNAL) from None


def _newest(toolbox: Toolbox, offset: int) -> list[ArticleRecord]:
    """A page of articles (and one more, to know whether another page follows); none while the
    store is empty or missing, since listing nothing is not a mistake."""
    try:
        return toolbox.library.read(lambda nq: nq.sources(limit=PAGE + 1, offset=offset))
    except StoreNotFound:
        return []


def _describe(tool: Tool) -> types.Tool:
    return types.Tool(
        name=tool.name,
        title=tool.title,
        description=tool.description,
        input_schema=tool.arguments.model_json_schema(),
        output_schema=tool.output_schema(),
        annotations=types.ToolAnnotations(
            title=tool.title,
            read_only_hint=not tool.writes,
            destructive_hint=False,
            idempotent_hint=True,
            open_world_hint=tool.writes,
        ),
    )


def _resource(record: ArticleRecord) -> types.Resource:
    return types.Resource(
        name=record.id,
        title=record.title,
        uri=article_uri(record.id),
        description=f"{record.source}, {record.published or 'undated'}",
        mime_type="text/markdown",
    )


def _failed(message: str) -> types.CallToolResult:
    text = types.TextContent(type="text", text=message)
    return types.CallToolResult(content=[text], is_error=True)
