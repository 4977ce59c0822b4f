"""The FastAPI application: API routes, the page, error mapping and request guards."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from index_store.errors import NewsQAError
from qa.server.config import ServerConfig
from qa.server.errors import invalid_fields, status_for
from qa.server.guards import RequestGuard
from qa.server.jobs import IngestJobs
from qa.server.library import Library
from qa.server.read_routes import read_routes
from qa.server.write_routes import write_routes

STATIC = Path(__file__).parent / "static"
# The page runs only its own script and style: article text that slipped into markup still could
# not run. Links leave without a Referer, so a story's site never learns the server's address.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def create_app(
    store: str | Path | None = None, config: ServerConfig | None = None, **settings: Any
) -> FastAPI:
    """The server for one store; `settings` are `NewsQA`'s (chroma_url, model, k...).

    Raises `UnsafeServer` when the config would take writes from the network without a token.
    """
    from fastapi_offline import FastAPIOffline

    from qa.api import NewsQA

    config = config or ServerConfig()
    config.check()
    library = Library(functools.partial(NewsQA, store, **settings))
    jobs = IngestJobs(library.writer, keep=config.jobs_kept)
    app = FastAPIOffline(
        title="newsqa",
        summary="Ask questions of your news articles; answers cite the passages they rest on.",
        version=package_version(),
        redoc_url=None,
        static_url="/docs-assets",
    )
    app.include_router(read_routes(library, config))
    app.include_router(write_routes(library, jobs, config))
    _add_page(app)
    app.add_exception_handler(NewsQAError, _library_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_middleware(RequestGuard, config=config)
    return app


def _add_page(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")


async def _library_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, NewsQAError)
    return JSONResponse({"detail": str(error)}, status_code=status_for(error))


async def _invalid_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return JSONResponse({"detail": invalid_fields(error.errors())}, status_code=422)


def package_version() -> str:
    """newsqa's installed version, shown in the API docs and to MCP clients."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsqa")
    except PackageNotFoundError:
        return "0"
