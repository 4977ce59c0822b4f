"""The installed `newsqa` program as scripts run it: a read-only command ends its process early
(`qa.cli.main`), and must still write all its output and exit with the right code."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from qa import NewsQA

NEWSQA = Path(sys.executable).with_name("newsqa")


def newsqa(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(NEWSQA), *map(str, args)], capture_output=True, text=True, timeout=300
    )


def test_search_writes_every_passage_to_a_pipe(demo_store):
    question = "How many homes lost power in Storm Ilse?"
    done = newsqa("search", question, "--store", demo_store, "-k", "20", "--json")
    assert done.returncode == 0, done.stderr
    expected = [asdict(p) for p in NewsQA(store=demo_store).search(question, k=20)]
    assert [p["chunk_id"] for p in json.loads(done.stdout)] == [p["chunk_id"] for p in expected]


def test_ask_and_stats_print_in_full_and_exit_0(demo_store):
    asked = newsqa("ask", "How many homes lost power in Storm Ilse?", "--store", demo_store)
    assert asked.returncode == 0, asked.stderr
    assert "6,200" in asked.stdout
    stats = newsqa("stats", "--store", demo_store, "--json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["articles"] == NewsQA(store=demo_store).stats().articles


def test_a_read_only_command_still_fails_with_one_line_and_exit_1(tmp_path):
    done = newsqa("search", "anything", "--store", tmp_path / "none")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: no newsqa store at {tmp_path / 'none'}: add articles with "
        f"`newsqa ingest PATH --store {tmp_path / 'none'}`"
    ]
    assert done.stdout == ""
