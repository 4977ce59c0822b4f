"""Which addresses a server may fetch: public internet ones only, unless `allow_private_urls`.

The CLI fetches whatever its user names. A server fetches what its clients name, and a client
must not reach the server's own network through it: loopback, the LAN, a cloud's metadata
address (169.254.169.254). `check_url` is the test of one URL; `GuardedTransport` applies it to
every request of a fetch, redirects included, and connects to the addresses it checked.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from index_store.errors import RefusedAddress

Resolve = Callable[[str], Sequence[str]]
# A guard takes a URL and returns the addresses its host may be reached at, or raises
# RefusedAddress; `check_url` is the one servers use, tests hand in their own.
Guard = Callable[[str], Sequence[str]]

# The first test an address passes names it; `is_private` also covers loopback, link-local and
# reserved ranges, so it comes last, and multicast is counted "global" by `ipaddress`.
_KINDS = (
    ("is_loopback", "a loopback address"),
    ("is_link_local", "a link-local address"),
    ("is_multicast", "a multicast address"),
    ("is_unspecified", "an unspecified address"),
    ("is_reserved", "a reserved address"),
    ("is_private", "a private address"),
)


def check_url(url: str, resolve: Resolve | None = None) -> Sequence[str]:
    """Every address `url`'s host resolves to, when all are public; else RefusedAddress naming
    the first that is not. A host that does not resolve raises the resolver's OSError."""
    host = urlsplit(url).hostname
    if not host:
        raise RefusedAddress(f"refused {url}: it names no host")
    addresses = (resolve or resolve_host)(host)
    for address in addresses:
        kind = non_public(address)
        if kind:
            raise RefusedAddress(
                f"refused {url}: {address} is {kind} (set allow_private_urls to fetch it)"
            )
    return addresses


def resolve_host(host: str) -> list[str]:
    """Every address `host` resolves to, in the resolver's order (an address is its own)."""
    found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def non_public(address: str) -> str | None:
    """What keeps `address` off the public internet ('a private address'), or None."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for test, kind in _KINDS:
        if getattr(ip, test):
            return kind
    return None if ip.is_global else "not a public address"
