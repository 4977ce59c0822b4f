"""How a server listens and what it accepts; checked before it starts."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from qa.server.errors import UnsafeServer

LOCAL_NAMES = ("localhost",)


@dataclass(frozen=True)
class ServerConfig:
    """Listening address, token and request size limits of one server.

    The limits bound what one request can make the server hold in memory or on disk: a question
    is a few hundred bytes, an uploaded feed or JSONL export a few megabytes.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    max_request_bytes: int = 64 * 1024
    max_upload_bytes: int = 25 * 1024 * 1024
    jobs_kept: int = 50

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def check(self) -> None:
        """Refuse to listen beyond this machine without a token."""
        if not self.loopback and not self.token:
            raise UnsafeServer(
                f"--host {self.host} listens beyond this machine: set a token with "
                "--token or NEWSQA_TOKEN, or keep the default --host 127.0.0.1"
            )


def is_loopback(host: str) -> bool:
    """True for names and addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    name = host.strip("[]").lower()
    if name in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
