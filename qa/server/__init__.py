"""`newsqa serve`: an HTTP API and a web page, both thin layers over `qa.api.NewsQA`.

FastAPI is imported only here, never by `qa` itself, so the CLI stays quick to start.
"""

from qa.server.app import create_app
from qa.server.config import ServerConfig

__all__ = ["ServerConfig", "create_app"]
