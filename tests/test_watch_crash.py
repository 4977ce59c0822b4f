"""SIGKILL `newsqa watch --once` mid-poll, then start it again: the store ends exactly as after
uninterrupted polls (articles, chunks, vectors, keyword index), and so does the watch's own
state in the ledger (validators, entries seen).

The feed is served by a real site on 127.0.0.1 and changes between two polls (new entries, edited
ones, syndicated copies, teasers followed to their pages). Kills land at random moments: while
fetching, between write batches, during the keyword update, before the feed state is recorded.
"""

from __future__ import annotations

import os
import random
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from index_store.watch.book import FeedBook
from qa import NewsQA
from tests.killing import kill_mid_run
from tests.news_site import NewsSite, article_page, rss, story
from tests.store_checks import StoreState, audit
from tests.test_crash_safety import PRELOAD

KILLS = int(os.environ.get("NEWSQA_WATCH_KILLS", "3"))
SETTINGS = {"chunk_tokens": 32, "chunk_overlap_tokens": 0}
BATCH_CHUNKS = 48
pytestmark = pytest.mark.usefixtures("no_proxy_for_local_server")


def entries(site: NewsSite, edition: int) -> list[dict]:
    """Edition 0: 16 full entries, 4 teasers, 4 syndicated copies. Edition 1: 8 more, 4 of the
    first edited, 2 gone from the feed."""
    found = []
    for n in range(16 + 8 * edition):
        changed = edition if n % 4 == 0 and n < 16 else 0
        text = "".join(f"<p>{p}</p>" for p in story(n, edition=changed))
        found.append({"guid": f"full-{n}", "title": f"Full {n}", "link": site.url(f"/f/{n}"),
                      "content": text})  # fmt: skip
    for n in range(100, 104):
        site.set(f"/t/{n}", article_page(f"Teaser {n}", story(n)), "text/html")
        found.append({"guid": f"teaser-{n}", "title": f"Teaser {n}", "link": site.url(f"/t/{n}"),
                      "description": f"Read about story {n}."})  # fmt: skip
    for n in range(4):
        copy = {**found[n], "guid": f"copy-{n}", "link": site.url(f"/copy/{n}")}
        found.append(copy)
    return found[2:] if edition else found


def publish(site: NewsSite, edition: int) -> str:
    site.set("/feed.xml", rss("Coast Radio", entries(site, edition)), "application/rss+xml")
    return site.url("/feed.xml")


def watch_state(store: Path, feed: str) -> tuple:
    book = FeedBook(store / "manifest.sqlite")
    try:
        state = book.get(feed)
        return state.etag, state.last_modified, state.failures, book.seen(feed)
    finally:
        book.close()


def poll_once(store: Path, feed: str) -> str:
    watcher = NewsQA(store=store, **SETTINGS).watcher()
    try:
        [result] = watcher.run_once([feed])
        assert result.status in ("ok", "not_modified") and not result.failed, result
        return result.status
    finally:
        watcher.close()


def poll_in_child(store: str, feed: str, progress: Connection) -> None:
    """The killed process: `newsqa watch FEED --once`, reporting each article it takes."""
    import index_store.ingest

    os.environ["NO_PROXY"] = "127.0.0.1,localhost"
    index_store.ingest.BATCH_CHUNKS = BATCH_CHUNKS
    watcher = NewsQA(store=store, **SETTINGS).watcher(on_article=lambda o, _: progress.send(o))
    watcher.run_once([feed])
    progress.send("done")


@pytest.fixture(scope="module")
def processes():
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([*PRELOAD, "index_store.watch", "httpx", "trafilatura"])
    return context


def test_a_watch_killed_mid_poll_and_restarted_ends_as_an_uninterrupted_one(processes, tmp_path):
    with NewsSite() as site:
        reference = tmp_path / "reference"
        references: list[tuple[StoreState, tuple]] = []
        for edition in (0, 1):
            feed = publish(site, edition)
            assert poll_once(reference, feed) == "ok"
            references.append((audit(reference, **SETTINGS), watch_state(reference, feed)))
        assert len(references[1][0].articles) > len(references[0][0].articles) >= 20

        rng = random.Random(14)
        killed = 0
        store = tmp_path / "killed"
        for edition in (0, 1):
            feed = publish(site, edition)
            for _ in range(KILLS):
                killed += kill_mid_run(processes, poll_in_child, (str(store), feed), 30, rng)
            poll_once(store, feed)
            state, watched = references[edition]
            assert audit(store, **SETTINGS) == state, f"edition {edition}"
            assert watch_state(store, feed) == watched, f"edition {edition}"
        assert killed >= KILLS, "most polls finished before their kill"
