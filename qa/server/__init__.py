"""`newsqa serve`: an HTTP API and a web page, and `newsqa mcp` (`mcp_server`, `mcp_tools`): the
same store as tools for assistants. All are thin layers over `qa.api.NewsQA`.

FastAPI and the MCP SDK are imported only here, never by `qa` itself, so the CLI stays quick to
start.
"""

from qa.server.app import create_app
from qa.server.config import ServerConfig

__all__ = ["ServerConfig", "create_app"]
