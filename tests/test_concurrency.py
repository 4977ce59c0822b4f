"""One writer, many readers, in separate processes: `search` and `ask` keep answering while an
ingest writes, and a second ingest fails at once naming the process that holds the store.

The running ingest reads its articles from a named pipe that the test feeds, so it is
provably still running, holding the write lock and having committed batches, while the other
commands run (no sleeps).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa import NewsQA
from tests.conftest import DEMO
from tests.store_checks import audit

NEWSQA = Path(sys.executable).with_name("newsqa")
LIVE_ARTICLES = 330
# Small chunks: the writer commits its first batches within seconds of embedding work.
SMALL_CHUNKS = {"NEWSQA_CHUNK_TOKENS": "32", "NEWSQA_CHUNK_OVERLAP_TOKENS": "0"}


def live_record(n: int) -> str:
    text = " ".join(
        f"The Saltholm ferry board met for the {n}th time and sentence {k} says the fare rose."
        for k in range(5)
    )
    return json.dumps({"id": f"live-{n}", "title": f"Ferry board {n}", "text": text}) + "\n"


def run(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(NEWSQA), *map(str, args)], capture_output=True, text=True, timeout=300
    )


def stored_articles(store: Path) -> int:
    with sqlite3.connect(f"file:{store / 'manifest.sqlite'}?mode=ro", uri=True) as ledger:
        return ledger.execute("SELECT COUNT(*) FROM articles").fetchone()[0]


def wait_for(condition, what: str, limit: float = 180.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe (POSIX)")
def test_readers_keep_working_and_a_second_writer_is_refused_while_an_ingest_runs(tmp_path):
    store = tmp_path / "store"
    NewsQA(store=store).ingest([DEMO / "articles"])
    pipe = tmp_path / "live.jsonl"
    os.mkfifo(pipe)
    writer = subprocess.Popen(
        [str(NEWSQA), "ingest", str(pipe), "--store", str(store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **SMALL_CHUNKS},
    )
    with pipe.open("w") as feed:
        feed.writelines(live_record(n) for n in range(LIVE_ARTICLES))
        feed.flush()
        wait_for(lambda: stored_articles(store) > 12, "the ingest to commit a batch")
        assert (store / ".write.holder").exists()

        second = run("ingest", DEMO / "articles", "--store", store)
        assert second.returncode == 1
        [line] = second.stderr.strip().splitlines()
        assert line.startswith(f"error: store {store} is being written by pid {writer.pid} on ")
        assert "(newsqa ingest, since " in line

        found = run("search", "Storm Ilse gusts power cuts", "--store", store, "--json")
        assert found.returncode == 0, found.stderr
        assert "Storm Ilse" in found.stdout
        asked = run("ask", "How many homes lost power in Storm Ilse?", "--store", store)
        assert asked.returncode == 0, asked.stderr
        assert "6,200" in asked.stdout
        assert writer.poll() is None, "the ingest must still be running"

        feed.writelines(live_record(n) for n in range(LIVE_ARTICLES, LIVE_ARTICLES + 10))
    out, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, err
    assert f"{LIVE_ARTICLES + 10} added" in out
    assert len(audit(store).articles) == 12 + LIVE_ARTICLES + 10
    assert not (store / ".write.holder").exists()
