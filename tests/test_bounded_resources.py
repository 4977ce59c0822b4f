"""Bounded resources: big inputs stream (the first article arrives before the file is fully
written), what must be read whole has a cap with a message saying what to do, and an oversized
article is refused by name while the rest is ingested. Peak memory on a 100 MB JSONL file and a
10,000-entry feed is measured by `bench/bounded_memory.py` (bench/RESULTS-reliability.md).

URL fetching limits (timeout, redirects, size cap, http(s) only, content type) are tested
against a real local server in tests/test_loaders.py.
"""

from __future__ import annotations

import json
import os
import threading
from itertools import islice
from pathlib import Path

import pytest
from typer.testing import CliRunner

from index_store.loaders import feeds, iter_sources, records
from index_store.types import Article, SourceError
from qa.cli import app

RSS_HEAD = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>'
RSS_TAIL = "</channel></rss>"


def rss_item(n: int) -> str:
    return (
        f"<item><title>Story {n}</title><guid>story-{n}</guid>"
        f"<description>The harbour board met for meeting number {n}.</description></item>"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe (POSIX)")
def test_a_feed_streams_its_first_entry_before_the_rest_is_written(tmp_path: Path) -> None:
    pipe = tmp_path / "live.rss"
    os.mkfifo(pipe)
    first_read = threading.Event()
    reader_was_first: list[bool] = []

    def write() -> None:
        with pipe.open("w") as writer:
            writer.write(RSS_HEAD + rss_item(1) + " " * 70_000)  # past any read-ahead buffer
            writer.flush()
            reader_was_first.append(first_read.wait(timeout=30))
            writer.write(rss_item(2) + RSS_TAIL)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    items = iter_sources([str(pipe)])
    first = next(items)
    assert isinstance(first, Article) and first.title == "Story 1" and first.source == "Wire"
    first_read.set()
    assert [item.title for item in items] == ["Story 2"]
    writer.join(timeout=30)
    assert reader_was_first == [True]


def test_a_ten_thousand_entry_feed_is_read_lazily_entry_by_entry(tmp_path: Path) -> None:
    """The first entries come out without the other 9,997 being parsed (the whole feed through
    ingest, with its peak memory, is in bench/bounded_memory.py)."""
    feed = tmp_path / "big.rss"
    feed.write_text(RSS_HEAD + "".join(rss_item(n) for n in range(10_000)) + RSS_TAIL)
    items = iter_sources([str(feed)])
    first = list(islice(items, 3))
    assert [item.title for item in first] == ["Story 0", "Story 1", "Story 2"]
    assert first[-1].origin == f"{feed}#entry3"
    assert next(items).title == "Story 3"


def test_a_broken_feed_too_big_to_parse_whole_keeps_the_entries_before_the_break(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feeds, "WHOLE_FEED_MAX_BYTES", 1_000)
    feed = tmp_path / "broken.rss"
    feed.write_text(
        RSS_HEAD + rss_item(1) + rss_item(2) + "<item><title>A & B</title>" + "x" * 2000
    )
    *entries, error = iter_sources([str(feed)])
    assert [entry.title for entry in entries] == ["Story 1", "Story 2"]
    assert isinstance(error, SourceError) and error.origin == str(feed)
    assert error.reason.startswith("XML breaks off after entry 2 (")
    assert "not read whole" in error.reason


def test_a_broken_small_feed_is_read_by_the_forgiving_parser(tmp_path: Path) -> None:
    feed = tmp_path / "broken.rss"
    feed.write_text(RSS_HEAD + rss_item(1) + "<item><title>Fish & chips</title><description>"
                    "Prices rose & queues grew.</description></item>" + RSS_TAIL)  # fmt: skip
    titles = [item.title for item in iter_sources([str(feed)])]
    assert titles == ["Story 1", "Fish & chips"]


def test_a_json_file_over_the_whole_file_limit_is_refused_with_a_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records, "MAX_JSON_BYTES", 100)
    path = tmp_path / "export.json"
    path.write_text(json.dumps([{"text": "A story about the harbour."}] * 10))
    [error] = iter_sources([str(path)])
    assert isinstance(error, SourceError)
    assert error.reason.startswith(f"file is {path.stat().st_size:,} bytes, over the 100-byte")
    assert "name it .jsonl" in error.reason


def test_an_oversized_article_is_refused_by_name_and_the_rest_is_ingested(tmp_path: Path) -> None:
    wire = tmp_path / "wire.jsonl"
    big = {"id": "huge", "title": "Huge", "text": "The board met. " * 2_000}
    small = {"id": "small", "title": "Small", "text": "The harbour wall was repaired on Monday."}
    wire.write_text(json.dumps(big) + "\n" + json.dumps(small) + "\n")
    result = CliRunner().invoke(
        app,
        ["ingest", str(wire), "--store", str(tmp_path / "store")],
        env={"NEWSQA_MAX_ARTICLE_CHARS": "10000"},
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: {wire}:1: article is 30,000 characters, over max_article_chars (10,000)"
    )
    assert result.stdout.startswith("1 added")
