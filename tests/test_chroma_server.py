"""A store whose vectors live on a Chroma server (`--chroma-url`), against a real `chroma run`
on 127.0.0.1: ingest, re-ingest, search, ask and remove behave as with the embedded Chroma."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from qa import NewsQA
from qa.cli import app
from tests.conftest import DEMO, read_jsonl

runner = CliRunner()
DEMO_QUESTIONS = [case for case in read_jsonl(DEMO / "demo-qa.jsonl") if not case["expect_abstain"]]


def run(*args: object):
    result = runner.invoke(app, [str(a) for a in args])
    return result


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    """A Chroma server of its own for this module, stopped at the end."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    assert chroma, "the `chroma` command (installed with chromadb) is missing"
    folder = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    with (folder / "server.log").open("w") as log:
        server = subprocess.Popen(
            [
                chroma,
                "run",
                "--path",
                str(folder / "db"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(url, server, folder / "server.log")
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.fixture(scope="module")
def server_store(chroma_url, tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("server-backed") / "store"
    result = run("ingest", DEMO / "articles", "--store", store, "--chroma-url", chroma_url)
    assert result.exit_code == 0, result.output
    return store


def test_ingest_keeps_vectors_on_the_server_and_the_ledger_in_the_folder(server_store, chroma_url):
    stats = NewsQA(store=server_store, chroma_url=chroma_url).stats()
    assert stats.chunks > 0 and stats.vectors == stats.chunks
    assert (server_store / "manifest.sqlite").exists()
    assert not (server_store / "chroma").exists()


@pytest.mark.parametrize("case", DEMO_QUESTIONS, ids=lambda c: c["id"])
def test_answers_are_those_of_the_embedded_store(server_store, chroma_url, demo_store, case):
    on_server = _ask(server_store, case, "--chroma-url", chroma_url)
    embedded = _ask(demo_store, case)
    assert on_server["abstained"] == embedded["abstained"]
    assert on_server["answer"] == embedded["answer"]
    assert _cited(on_server) == _cited(embedded)
    assert [p["text"] for p in on_server["passages"]] == [p["text"] for p in embedded["passages"]]


def test_reingest_and_remove_go_through_the_server(server_store, chroma_url, tmp_path):
    again = run("ingest", DEMO / "articles", "--store", server_store, "--chroma-url", chroma_url)
    assert again.exit_code == 0, again.output
    assert "0 added, 0 updated" in again.stdout and "0 chunks written" in again.stdout
    nq = NewsQA(store=server_store, chroma_url=chroma_url)
    victim = next(r for r in nq.sources() if "by-election" in r.title.lower())
    before = nq.stats()
    removed = run("remove", victim.id, "--store", server_store, "--chroma-url", chroma_url)
    assert removed.exit_code == 0, removed.output
    after = NewsQA(store=server_store, chroma_url=chroma_url).stats()
    assert after.vectors == after.chunks == before.chunks - victim.chunk_count
    hits = run(
        "search",
        "Quayside by-election",
        "--store",
        server_store,
        "--chroma-url",
        chroma_url,
        "--json",
    )
    assert victim.id not in {p["article_id"] for p in json.loads(hits.stdout)}


def test_a_store_is_opened_where_its_vectors_are(server_store, chroma_url, demo_store):
    without = run("search", "Quayside by-election", "--store", server_store)
    assert without.exit_code == 1
    assert "on a Chroma server: pass --chroma-url" in without.stderr
    assert not (server_store / "chroma").exists()
    wrong_way = run("search", "Quayside", "--store", demo_store, "--chroma-url", chroma_url)
    assert wrong_way.exit_code == 1
    assert "in its own folder" in wrong_way.stderr


def test_a_server_that_is_down_is_one_error_line(tmp_path):
    url = f"http://127.0.0.1:{_free_port()}"
    result = run(
        "ingest",
        DEMO / "articles" / "storm-ilse.txt",
        "--store",
        tmp_path / "s",
        "--chroma-url",
        url,
    )
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error:") and url in line


def _ask(store: Path, case: dict, *flags: str) -> dict:
    result = run(
        "ask", case["question"], "--as-of", case["as_of"], "--store", store, "--json", *flags
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _cited(answer: dict) -> list[tuple[str, str]]:
    return [(c["article_id"], c["text"]) for c in answer["citations"]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"chroma run exited with {server.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"chroma run did not answer on {url} within {seconds:.0f} s")
