"""The httpx transport of a server's fetches: every request, redirects included, is checked by a
guard (`url_guard`) and connects to an address the guard checked, never to a second lookup of
the name, so a name that resolves elsewhere the next time (DNS rebinding) gains nothing.

The request keeps its URL, so its Host header, the base of its redirects and `response.url` stay
the name's; TLS still verifies the certificate against the name (the `sni_hostname` extension).
Environment proxies are not used: a proxy would look the name up again, out of the guard's sight.
"""

from __future__ import annotations

import httpx

from index_store.loaders.url_guard import Guard


class GuardedTransport(httpx.BaseTransport):
    """Sends each request to the first of its host's checked addresses that accepts it."""

    def __init__(self, guard: Guard) -> None:
        self._guard = guard
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.raw_host.decode("ascii")
        try:
            addresses = self._guard(str(request.url))
        except OSError as error:
            raise httpx.ConnectError(f"cannot resolve {host}: {error}", request=request) from None
        failure = httpx.ConnectError(f"{host} has no address", request=request)
        for address in addresses:
            try:
                return self._inner.handle_request(_sent_to(request, address, host))
            except httpx.ConnectError as error:
                failure = error
        raise failure

    def close(self) -> None:
        self._inner.close()


def _sent_to(request: httpx.Request, address: str, host: str) -> httpx.Request:
    """`request` with its connection bound for `address`; headers and stream are its own."""
    return httpx.Request(
        request.method,
        request.url.copy_with(host=address),
        headers=request.headers,
        stream=request.stream,
        extensions={**request.extensions, "sni_hostname": host},
    )
