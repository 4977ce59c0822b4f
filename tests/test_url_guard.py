"""A server fetches only public internet addresses unless `allow_private_urls`: URLs its clients
name, every redirect and every linked page; the CLI's own ingest fetches anything.

Only loopback is ever connected to: private and public addresses come from a stubbed resolver,
and the redirect tests hand `fetch` a guard that lets a made-up public name stand for the
loopback site, so each hop is checked by the real `check_url`.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from index_store.errors import RefusedAddress
from index_store.loaders import url_guard
from index_store.loaders.sources import iter_sources
from index_store.loaders.url_guard import check_url
from index_store.loaders.web import FetchFailed, fetch
from index_store.types import SourceError
from qa import NewsQA
from qa.server import create_app
from tests.news_site import NewsSite, rss

pytestmark = pytest.mark.usefixtures("no_proxy_for_local_server")

STORY = b"Harbour ferry gets a hydrogen engine\n\nThe Wendmoor ferry was fitted with a new engine."
PUBLIC_NAME = "news.example"
PRIVATE = {
    "10.1.2.3": "a private address",
    "192.168.1.20": "a private address",
    "169.254.169.254": "a link-local address",
    "fd00::1": "a private address",
}
FAKE_DNS = {
    "private.example": ["10.1.2.3"],
    "metadata.example": ["169.254.169.254"],
    "mixed.example": ["93.184.215.14", "192.168.1.20"],
    "public.example": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
}


def fake_dns(host: str) -> list[str]:
    """FAKE_DNS's answer for a name; an address is its own."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        return FAKE_DNS[host]


def refusal(url: str, address: str, kind: str) -> str:
    return f"refused {url}: {address} is {kind} (set allow_private_urls to fetch it)"


@pytest.fixture
def site() -> Iterator[NewsSite]:
    with NewsSite() as site:
        site.set("/story.txt", STORY, "text/plain")
        yield site


def loopback_urls(site: NewsSite) -> list[tuple[str, str]]:
    """The site by each loopback name, with the address a refusal names."""
    port = urlsplit(site.url("/")).port
    return [
        (site.url("/story.txt"), "127.0.0.1"),
        (f"http://[::1]:{port}/story.txt", "::1"),
        (f"http://localhost:{port}/story.txt", url_guard.resolve_host("localhost")[0]),
    ]


def stub_resolver(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    """The names of `answers` resolve as it says, for every check of the guard (server, MCP,
    fetch); other names (the loopback ones) as the machine resolves them."""
    real = url_guard.resolve_host
    monkeypatch.setattr(url_guard, "resolve_host", lambda host: answers.get(host) or real(host))


# The check of one URL


@pytest.mark.parametrize(("address", "kind"), PRIVATE.items())
def test_a_public_looking_name_that_resolves_to_a_private_address_is_refused(address, kind):
    url = f"http://{PUBLIC_NAME}/story"

    with pytest.raises(RefusedAddress) as refused:
        check_url(url, resolve=lambda host: [address])

    assert str(refused.value) == refusal(url, address, kind)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("224.0.0.1", "a multicast address"),
        ("0.0.0.0", "an unspecified address"),
        ("240.0.0.1", "a reserved address"),
        ("100.64.0.1", "not a public address"),
    ],
)
def test_every_kind_of_non_public_address_is_named(address, kind):
    with pytest.raises(RefusedAddress, match=f"{address} is {kind} "):
        check_url("https://a.example/", resolve=lambda host: [address])


def test_every_address_of_a_name_is_checked_and_public_ones_pass():
    with pytest.raises(RefusedAddress, match="192.168.1.20 is a private address"):
        check_url("https://mixed.example/", resolve=fake_dns)
    assert check_url("https://public.example/a", resolve=fake_dns) == FAKE_DNS["public.example"]


def test_loopback_names_are_refused_by_the_real_resolver(site: NewsSite):
    for url, address in loopback_urls(site):
        with pytest.raises(RefusedAddress) as refused:
            check_url(url)
        assert str(refused.value) == refusal(url, address, "a loopback address")


# Every hop of a fetch


def public_site_guard(url: str) -> Sequence[str]:
    """The real check for every name but PUBLIC_NAME, which stands for a public server and is
    answered with the loopback site's address: the fetch must connect to what the guard said."""
    if urlsplit(url).hostname == PUBLIC_NAME:
        return ["127.0.0.1"]
    return check_url(url, resolve=fake_dns)


def public_url(site: NewsSite, path: str) -> str:
    return f"http://{PUBLIC_NAME}:{urlsplit(site.url('/')).port}{path}"


def test_a_fetch_connects_to_the_checked_address_under_the_name(site: NewsSite):
    fetched = fetch(
        public_url(site, "/story.txt"),
        timeout=10,
        max_bytes=10_000,
        guard=public_site_guard,
    )

    assert fetched.body == STORY and fetched.url == public_url(site, "/story.txt")
    assert site.seen("/story.txt")[0].headers["host"] == urlsplit(fetched.url).netloc


def test_the_next_checked_address_is_tried_when_one_refuses_the_connection(site: NewsSite):
    # 127.0.0.2 is loopback too, but nothing listens there.
    fetched = fetch(
        site.url("/story.txt"),
        timeout=10,
        max_bytes=10_000,
        guard=lambda url: ["127.0.0.2", "127.0.0.1"],
    )

    assert fetched.body == STORY


@pytest.mark.parametrize(
    ("target", "address", "kind"),
    [
        ("http://10.1.2.3/story", "10.1.2.3", "a private address"),
        ("http://metadata.example/latest/meta-data/", "169.254.169.254", "a link-local address"),
    ],
)
def test_a_redirect_to_a_private_address_is_refused_before_it_is_followed(
    site: NewsSite, target, address, kind
):
    site.fail("/moved", 302, {"Location": target})
    with pytest.raises(FetchFailed) as failed:
        fetch(public_url(site, "/moved"), timeout=10, max_bytes=10_000, guard=public_site_guard)

    assert str(failed.value) == refusal(target, address, kind)
    assert len(site.seen("/moved")) == 1


def test_a_redirect_to_a_public_address_is_followed(site: NewsSite):
    site.fail("/moved", 301, {"Location": "/story.txt"})

    fetched = fetch(
        public_url(site, "/moved"), timeout=10, max_bytes=10_000, guard=public_site_guard
    )

    assert fetched.body == STORY and fetched.url == public_url(site, "/story.txt")


def test_a_teasers_linked_page_is_guarded_like_the_feed(site: NewsSite):
    entry = {"guid": "t-1", "title": "Ferry", "link": "http://private.example/a/1",
             "description": "A short teaser."}  # fmt: skip
    site.set("/feed.xml", rss("Wendmoor Post", [entry]), "application/rss+xml")

    items = list(
        iter_sources([public_url(site, "/feed.xml")], follow_links=True, guard=public_site_guard)
    )

    assert len(items) == 1 and isinstance(items[0], SourceError)
    assert items[0].reason == "following http://private.example/a/1: " + refusal(
        "http://private.example/a/1", "10.1.2.3", "a private address"
    )


# Through the server, MCP and the library


def wait_for(server: TestClient, job: dict[str, Any]) -> dict[str, Any]:
    for _ in range(600):
        job = server.get(f"/api/jobs/{job['id']}").json()
        if job["state"] != "running":
            return job
        time.sleep(0.1)
    pytest.fail(f"ingest job never finished: {job}")


def test_the_server_refuses_loopback_urls_with_a_403_and_fetches_nothing(
    tmp_path: Path, site: NewsSite
):
    with TestClient(create_app(tmp_path / "store"), base_url="http://127.0.0.1") as server:
        replies = [
            (server.post("/api/ingest", json={"urls": [url]}), url, address)
            for url, address in loopback_urls(site)
        ]

    for reply, url, address in replies:
        assert reply.status_code == 403
        assert reply.json() == {"detail": refusal(url, address, "a loopback address")}
    assert site.requests == []


@pytest.mark.parametrize(("address", "kind"), PRIVATE.items())
def test_the_server_refuses_a_name_that_resolves_to_a_private_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, address, kind
):
    stub_resolver(monkeypatch, {PUBLIC_NAME: [address]})
    url = f"https://{PUBLIC_NAME}/story"

    with TestClient(create_app(tmp_path / "store"), base_url="http://127.0.0.1") as server:
        reply = server.post("/api/ingest", json={"articles": [], "urls": [url]})

    assert reply.status_code == 403 and reply.json() == {"detail": refusal(url, address, kind)}


def test_with_allow_private_urls_the_server_fetches_a_loopback_url(tmp_path: Path, site: NewsSite):
    app = create_app(tmp_path / "store", allow_private_urls=True)
    with TestClient(app, base_url="http://127.0.0.1") as server:
        job = wait_for(
            server, server.post("/api/ingest", json={"urls": [site.url("/story.txt")]}).json()
        )

    assert job["state"] == "done" and job["summary"]["added"] == 1, job
    assert len(site.seen("/story.txt")) == 1


def test_the_mcp_write_tool_refuses_loopback_and_private_addresses(
    tmp_path: Path, site: NewsSite, monkeypatch: pytest.MonkeyPatch
):
    pytest.importorskip("mcp", reason="the MCP SDK is not installed: pip install 'newsqa[mcp]'")
    import anyio
    from mcp import Client

    from qa.server.mcp_server import create_mcp_server

    stub_resolver(monkeypatch, {"metadata.example": ["169.254.169.254"]})
    server = create_mcp_server(tmp_path / "store", allow_writes=True)
    urls = [*loopback_urls(site), ("http://metadata.example/latest/", "169.254.169.254")]

    async def calls() -> list[Any]:
        async with Client(server) as client:
            return [await client.call_tool("ingest_url", {"url": url}) for url, _ in urls]

    results = anyio.run(calls)

    for result, (url, address) in zip(results, urls, strict=True):
        kind = "a link-local address" if address.startswith("169.254") else "a loopback address"
        assert result.is_error is True
        assert result.content[0].text == refusal(url, address, kind)
    assert site.requests == []


def test_the_clis_ingest_fetches_loopback_and_public_only_is_what_guards(
    tmp_path: Path, site: NewsSite
):
    url = site.url("/story.txt")

    guarded = NewsQA(store=tmp_path / "store").ingest([url], public_only=True)
    assert site.requests == []
    assert [str(error) for error in guarded.errors] == [
        f"{url}: " + refusal(url, "127.0.0.1", "a loopback address")
    ]
    assert NewsQA(store=tmp_path / "store").ingest([url]).added == 1
