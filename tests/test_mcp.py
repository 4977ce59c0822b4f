"""`newsqa mcp` as an assistant meets it: the MCP SDK's own client, over stdio (spawning the
installed `newsqa mcp`) and over streamable HTTP (the same program with `--http`), against the
demo store built with the real MiniLM and Chroma."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp", reason="the MCP SDK is not installed: pip install 'newsqa[mcp]'")

import anyio  # noqa: E402
import httpx  # noqa: E402
import httpx2  # noqa: E402
from mcp import Client, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402
from mcp.shared.exceptions import MCPError  # noqa: E402

from qa import NewsQA  # noqa: E402
from qa.models.base import ABSTAIN_PHRASE  # noqa: E402
from tests.chat_servers import free_port  # noqa: E402
from tests.conftest import DEMO, read_jsonl  # noqa: E402

NEWSQA = Path(sys.executable).with_name("newsqa")
QUESTION = "Who won the Quayside ward by-election?"
SECRET = "sk-test-never-show-this-0123456789"
READ_TOOLS = ["ask", "search", "sources", "stats", "brief", "timeline"]
BOUND = 600  # seconds a whole session may take before the test fails instead of hanging


def server_env(home: Path) -> dict[str, str]:
    """What the spawned server sees: a private user dir, and keys it must never show."""
    return {"NEWSQA_HOME": str(home), "NEWSQA_API_KEY": SECRET, "OPENAI_API_KEY": SECRET}


def stdio(
    store: Path, home: Path, *options: str, env: dict[str, str] | None = None
) -> StdioServerParameters:
    return StdioServerParameters(
        command=str(NEWSQA),
        args=["mcp", "--store", str(store), *options],
        env={**server_env(home), **(env or {})},
    )


def session(params: StdioServerParameters, stderr: Path, mode: str = "auto") -> Client:
    """A client over stdio whose server's stderr goes to a file the test can read."""
    return Client(stdio_client(params, errlog=stderr.open("a")), mode=mode)


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A tool call as the test keeps it: error flag, text, structured content."""
    result = await client.call_tool(tool, arguments)
    text = "".join(block.text for block in result.content if block.type == "text")
    return {"is_error": result.is_error, "text": text, "data": result.structured_content}


MISTAKES = {
    "k=0": ("ask", {"question": QUESTION, "k": 0}, "k: Input should be greater than or equal to 1"),
    "k=51": ("search", {"query": "bridge", "k": 51}, "k: Input should be less than or equal to 50"),
    "bad date": (
        "ask",
        {"question": QUESTION, "since": "yesterday"},
        "since: 'yesterday' is not a date, use YYYY-MM-DD",
    ),
    "no question": ("ask", {"k": 3}, "question: Field required"),
    "empty question": ("ask", {"question": ""}, "question: String should have at least 1"),
    "local model file": (
        "ask",
        {"question": QUESTION, "model": "llamacpp:/x.gguf"},
        "a tool call cannot choose a local GGUF file",
    ),
    "unknown tool": ("summarise", {}, "no tool 'summarise': the tools are ask, search, sources"),
    "unknown conversation": (
        "ask",
        {"question": "What is her job?", "conversation_id": "0123456789ab"},
        "no conversation '0123456789ab' (deleted, expired, or never made)",
    ),
    "writes refused": (
        "ingest_url",
        {"url": "https://example.com/story.html"},
        "ingest_url changes the store, and this server was started read-only: start it with "
        "`newsqa mcp --allow-writes` to allow it",
    ),
}


async def demo_transcript(params: StdioServerParameters, stderr: Path) -> dict[str, Any]:
    """One session over the demo store: every read tool, the resources and the mistakes."""
    unanswerable = next(q for q in read_jsonl(DEMO / "demo-qa.jsonl") if q["expect_abstain"])
    seen: dict[str, Any] = {}
    with anyio.fail_after(BOUND):
        async with session(params, stderr) as client:
            seen["tools"] = (await client.list_tools()).tools
            seen["ask"] = await call(client, "ask", {"question": QUESTION})
            seen["abstain"] = await call(
                client, "ask", {"question": unanswerable["question"], "until": "2024-12-31"}
            )
            first_turn = await call(client, "ask", {"question": QUESTION, "conversation_id": "new"})
            thread = first_turn["data"]["conversation_id"]
            follow_up = {"question": "What is her job?", "conversation_id": thread}
            seen["thread"] = [first_turn, await call(client, "ask", follow_up)]
            seen["search"] = await call(client, "search", {"query": "bridge repairs", "k": 4})
            seen["sources"] = await call(client, "sources", {"limit": 5})
            seen["sources_next"] = await call(client, "sources", {"limit": 5, "offset": 5})
            seen["stats"] = await call(client, "stats", {})
            seen["resources"] = (await client.list_resources()).resources
            seen["templates"] = (await client.list_resource_templates()).resource_templates
            first = seen["resources"][0].uri
            seen["article"] = (await client.read_resource(first)).contents[0]
            try:
                await client.read_resource("newsqa://articles/no-such-article")
            except MCPError as error:
                seen["missing_article"] = error
            for name, (tool, arguments, _) in MISTAKES.items():
                seen[name] = await call(client, tool, arguments)
    return seen


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mcp-home")


@pytest.fixture(scope="module")
def over_stdio(demo_store: Path, demo_home: Path, tmp_path_factory) -> dict[str, Any]:
    """What one stdio session on the demo store returned, and what its server wrote to stderr."""
    stderr = tmp_path_factory.mktemp("mcp-stdio") / "stderr.txt"
    seen = anyio.run(demo_transcript, stdio(demo_store, demo_home), stderr)
    seen["stderr"] = stderr.read_text()
    return seen


# Over stdio: the read tools


def test_the_read_tools_are_listed_with_their_argument_and_result_schemas(over_stdio):
    tools = {tool.name: tool for tool in over_stdio["tools"]}

    assert list(tools) == READ_TOOLS
    ask = tools["ask"]
    assert ask.input_schema["required"] == ["question"]
    k = ask.input_schema["properties"]["k"]["anyOf"][0]
    assert (k["minimum"], k["maximum"]) == (1, 50)
    assert {"answer", "abstained", "citations"} <= set(ask.output_schema["properties"])
    assert all(tool.description and tool.annotations.read_only_hint for tool in tools.values())


def test_ask_answers_with_the_citations_the_library_gives(over_stdio, demo_store: Path):
    expected = NewsQA(store=demo_store).ask(QUESTION)
    asked = over_stdio["ask"]

    assert asked["is_error"] is False
    answer = asked["data"]
    assert answer["answer"] == expected.answer and "Ashdown" in answer["answer"]
    assert answer["short_answer"] == expected.short_answer == "Maren Ashdown"
    assert answer["abstained"] is False
    assert answer["citations"] == [json.loads(json.dumps(asdict(c))) for c in expected.citations]
    for citation in answer["citations"]:
        assert citation["title"] and citation["source"] and citation["published"]
        assert citation["url"].startswith("https://")


def test_ask_in_a_conversation_searches_a_follow_up_with_the_earlier_turn(over_stdio):
    first, follow_up = (turn["data"] for turn in over_stdio["thread"])
    assert first["conversation_id"] and first["short_answer"] == "Maren Ashdown"
    assert follow_up["conversation_id"] == first["conversation_id"]
    assert follow_up["searched_for"] == "What is Maren Ashdown's job?"
    assert "marine biologist" in follow_up["citations"][0]["text"]
    assert over_stdio["ask"]["data"]["conversation_id"] is None, "a plain ask keeps no thread"


def test_ask_abstains_when_no_article_in_range_answers(over_stdio):
    abstained = over_stdio["abstain"]["data"]

    assert abstained["abstained"] is True
    assert abstained["answer"] == ABSTAIN_PHRASE
    assert abstained["citations"] == []


def test_search_sources_and_stats_are_the_librarys(over_stdio, demo_store: Path):
    library = NewsQA(store=demo_store)
    passages = over_stdio["search"]["data"]["passages"]
    first, then = over_stdio["sources"]["data"], over_stdio["sources_next"]["data"]
    stored = [record.id for record in library.sources()]

    expected = library.search("bridge repairs", k=4)
    assert [p["chunk_id"] for p in passages] == [p.chunk_id for p in expected]
    assert all(p["title"] and p["text"] and "url" in p for p in passages)
    assert first["total"] == then["total"] == len(stored) == 12
    assert [a["id"] for a in first["articles"] + then["articles"]] == stored[:10]
    assert over_stdio["stats"]["data"] == json.loads(json.dumps(asdict(library.stats())))


def test_every_result_is_also_json_text_for_clients_that_read_only_text(over_stdio):
    for name in ("ask", "search", "sources", "stats"):
        assert json.loads(over_stdio[name]["text"]) == over_stdio[name]["data"]


def test_stored_articles_are_resources_with_their_whole_text(over_stdio, demo_store: Path):
    resources = over_stdio["resources"]
    article = over_stdio["article"]
    record = NewsQA(store=demo_store).sources()[0]

    assert len(resources) == 12
    assert resources[0].title == record.title
    assert over_stdio["templates"][0].uri_template == "newsqa://articles/{id}"
    assert article.text.startswith(f"# {record.title}\n")
    assert record.text in article.text and record.url in article.text
    assert "no article with id 'no-such-article'" in over_stdio["missing_article"].error.message


# Over stdio: mistakes


@pytest.mark.parametrize("name", list(MISTAKES))
def test_a_mistake_is_a_one_line_tool_error(over_stdio, name):
    returned = over_stdio[name]

    assert returned["is_error"] is True
    assert MISTAKES[name][2] in returned["text"]
    assert "\n" not in returned["text"] and "Traceback" not in returned["text"]


def test_no_key_and_no_traceback_ever_leaves_the_server(over_stdio):
    everything = json.dumps({k: str(v) for k, v in over_stdio.items()})

    assert SECRET not in everything
    assert "Traceback" not in over_stdio["stderr"]


def test_an_empty_store_gives_the_clis_message(tmp_path: Path):
    missing = tmp_path / "none"
    cli = subprocess.run(
        [str(NEWSQA), "stats", "--store", str(missing)],
        capture_output=True,
        text=True,
        env={**os.environ, "NEWSQA_HOME": str(tmp_path / "home")},
        timeout=BOUND,
    )

    async def empty() -> dict[str, Any]:
        with anyio.fail_after(BOUND):
            params = stdio(missing, tmp_path / "home")
            async with session(params, tmp_path / "stderr.txt", mode="legacy") as client:
                return {
                    "tools": [tool.name for tool in (await client.list_tools()).tools],
                    "ask": await call(client, "ask", {"question": QUESTION}),
                    "stats": await call(client, "stats", {}),
                    "resources": (await client.list_resources()).resources,
                }

    seen = anyio.run(empty)

    assert cli.returncode == 1 and cli.stderr.startswith("error: no newsqa store at")
    assert seen["tools"] == READ_TOOLS
    for tool in ("ask", "stats"):
        assert seen[tool]["is_error"] is True
        assert f"error: {seen[tool]['text']}\n" == cli.stderr
    assert seen["resources"] == []


# Over stdio: writes


class _Articles(http.server.BaseHTTPRequestHandler):
    """One article at /ferry.txt; every other path is a 404."""

    def do_GET(self) -> None:
        if self.path != "/ferry.txt":
            self.send_error(404)
            return
        body = (
            b"Harbour ferry gets a hydrogen engine\n\n"
            b"The Wendmoor harbour ferry was fitted with a hydrogen fuel-cell engine in June, the "
            b"first of its kind on the coast, the harbour board said."
        )
        self.send_response(200)
        self.send_header("content-type", "text/plain; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def article_site() -> Iterator[str]:
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Articles)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{site.server_address[1]}"
    finally:
        site.shutdown()


def test_with_allow_writes_ingest_url_adds_an_article_that_ask_then_cites(
    tmp_path: Path, article_site: str
):
    # The article site is on 127.0.0.1, which a server fetches only when told it may.
    local = {"NEWSQA_ALLOW_PRIVATE_URLS": "true"}
    params = stdio(tmp_path / "store", tmp_path / "home", "--allow-writes", env=local)

    async def write() -> dict[str, Any]:
        with anyio.fail_after(BOUND):
            async with session(params, tmp_path / "stderr.txt") as client:
                tools = [tool.name for tool in (await client.list_tools()).tools]
                url = f"{article_site}/ferry.txt"
                return {
                    "tools": tools,
                    "first": await call(client, "ingest_url", {"url": url}),
                    "again": await call(client, "ingest_url", {"url": url}),
                    "ask": await call(client, "ask", {"question": "What engine was fitted?"}),
                    "404": await call(client, "ingest_url", {"url": f"{article_site}/gone"}),
                    "file": await call(client, "ingest_url", {"url": "file:///etc/passwd"}),
                }

    seen = anyio.run(write)

    assert seen["tools"] == [*READ_TOOLS, "ingest_url"]
    assert seen["first"]["data"]["added"] == 1 and seen["first"]["data"]["chunks_written"] >= 1
    assert seen["again"]["data"]["unchanged"] == 1
    assert "hydrogen" in seen["ask"]["data"]["answer"]
    assert seen["ask"]["data"]["citations"][0]["url"].endswith("/ferry.txt")
    for refused in ("404", "file"):
        assert seen[refused]["is_error"] is True and "\n" not in seen[refused]["text"]
    assert "404" in seen["404"]["text"] and "/gone" in seen["404"]["text"]
    assert "url: Value error, 'file:///etc/passwd' is not an http(s) URL" in seen["file"]["text"]
    assert NewsQA(store=tmp_path / "store").stats().articles == 1


# Over streamable HTTP


@contextmanager
def mcp_http(store: Path, home: Path, *options: str) -> Iterator[str]:
    """`newsqa mcp --http` on a free port; yields its URL once it accepts connections."""
    port = free_port()
    process = subprocess.Popen(
        [str(NEWSQA), "mcp", "--http", "--port", str(port), "--store", str(store), *options],
        env={**os.environ, **server_env(home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + BOUND
        while not _accepts(port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"newsqa mcp --http did not start: {process.communicate()[1]}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=60)


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


async def over_http(url: str, token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with anyio.fail_after(BOUND):
        async with (
            httpx2.AsyncClient(headers=headers, timeout=BOUND) as http_client,
            Client(streamable_http_client(url, http_client=http_client)) as client,
        ):
            return {
                "tools": [tool.name for tool in (await client.list_tools()).tools],
                "ask": await call(client, "ask", {"question": QUESTION}),
                "k=0": await call(client, "ask", {"question": QUESTION, "k": 0}),
                "stats": await call(client, "stats", {}),
            }


def test_streamable_http_serves_the_same_tools_on_loopback(demo_store: Path, demo_home: Path):
    with mcp_http(demo_store, demo_home) as url:
        seen = anyio.run(over_http, url)
        foreign = httpx.post(url, json={}, headers={"host": "attacker.example"})

    assert seen["tools"] == READ_TOOLS
    assert "Ashdown" in seen["ask"]["data"]["answer"] and seen["ask"]["data"]["citations"]
    assert seen["k=0"]["is_error"] is True
    assert seen["k=0"]["text"] == "k: Input should be greater than or equal to 1"
    assert seen["stats"]["data"]["articles"] == 12
    assert foreign.status_code == 421


def test_beyond_loopback_it_refuses_to_start_without_a_token(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "NEWSQA_TOKEN"}
    done = subprocess.run(
        [str(NEWSQA), "mcp", "--http", "--host", "0.0.0.0", "--store", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**env, "NEWSQA_HOME": str(tmp_path / "home")},
        timeout=BOUND,
    )

    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "error: --host 0.0.0.0 listens beyond this machine: set a token with --token or "
        "NEWSQA_TOKEN, or keep the default --host 127.0.0.1"
    ]


def test_host_and_port_without_http_are_a_mistake(tmp_path: Path):
    from typer.testing import CliRunner

    from qa.cli import app

    result = CliRunner().invoke(app, ["mcp", "--store", str(tmp_path), "--host", "0.0.0.0"])

    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: --host and --port are for --http; without it newsqa mcp uses stdio"
    )


def test_beyond_loopback_every_request_must_bear_the_token(demo_store: Path, demo_home: Path):
    token = "s3cret-" + os.urandom(8).hex()
    with mcp_http(demo_store, demo_home, "--host", "0.0.0.0", "--token", token) as url:
        allowed = anyio.run(over_http, url, token)
        with pytest.raises(Exception):  # noqa: B017 - whatever the SDK raises on a 401
            anyio.run(over_http, url)
        plain = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        wrong = httpx.post(url, json={}, headers={"authorization": "Bearer nope"})

    assert allowed["tools"] == READ_TOOLS and allowed["stats"]["data"]["articles"] == 12
    assert plain.status_code == wrong.status_code == 401
    assert plain.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer TOKEN" in plain.json()["detail"]
    assert token not in plain.text
