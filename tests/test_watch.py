"""`newsqa watch` against a real news site on 127.0.0.1 whose feeds change between polls.

Time is a fake clock the tests move (no sleeping, no timing assertions): the watch loop runs
hours of simulated time in a moment, with real HTTP requests, a real store and the real model.
"""

from __future__ import annotations

import json
import threading

import pytest
from typer.testing import CliRunner

from index_store.lock import write_lock
from index_store.watch.poll import MAX_BACKOFF, feed_lock
from qa import NewsQA
from qa.cli import app
from tests.news_site import NewsSite, article_page, rss, story
from tests.store_checks import audit

START = 1_800_000_000.0
EVERY = 900.0
pytestmark = pytest.mark.usefixtures("no_proxy_for_local_server")


class Stop(Exception):
    """Ends a watch loop at a simulated time."""


class FakeClock:
    def __init__(self, until: float | None = None) -> None:
        self.t = START
        self.until = until

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.t += seconds
        if self.until is not None and self.t >= self.until:
            raise Stop


def entry(site: NewsSite, n: int, *, teaser: bool = False, edition: int = 0) -> dict:
    text = story(n, edition=edition)
    found = {"guid": f"story-{n}", "title": f"Story {n} of the coast", "link": site.url(f"/p/{n}")}
    if teaser:
        site.set(f"/p/{n}", article_page(found["title"], text), "text/html")
        return {**found, "description": f"Teaser for story {n}."}
    return {**found, "content": "".join(f"<p>{p}</p>" for p in text)}


def publish(site: NewsSite, path: str, entries: list[dict]) -> str:
    site.set(path, rss("Coast Radio", entries), "application/rss+xml")
    return site.url(path)


@pytest.fixture
def site():
    with NewsSite() as site:
        yield site


def watcher(store, clock, polls=None, **settings):
    return NewsQA(store=store, **settings).watcher(
        clock=clock, on_poll=polls.append if polls is not None else None
    )


def test_new_entries_arrive_and_unchanged_polls_send_validators_and_get_304(site, tmp_path):
    feed = publish(site, "/feed.xml", [entry(site, 1), entry(site, 2, teaser=True)])
    clock = FakeClock()
    w = watcher(tmp_path / "store", clock)
    try:
        [first] = w.run_once([feed])
        assert (first.status, first.new, first.updated, first.failed) == ("ok", 2, 0, 0)
        assert first.next_poll == START + EVERY
        [request] = site.seen("/feed.xml")
        assert request.headers["user-agent"].startswith("newsqa/")
        assert "if-none-match" not in request.headers

        clock.t += EVERY
        [second] = w.run_once([feed])
        assert second.status == "not_modified"
        route = site.routes["/feed.xml"]
        sent = site.seen("/feed.xml")[-1]
        assert sent.headers["if-none-match"] == route.etag
        assert sent.headers["if-modified-since"] == route.last_modified
        assert sent.status == 304

        clock.t += EVERY
        publish(site, "/feed.xml", [entry(site, 1, edition=1), entry(site, 2, teaser=True),
                                    entry(site, 3, teaser=True)])  # fmt: skip
        [third] = w.run_once([feed])
        assert (third.status, third.new, third.updated, third.failed) == ("ok", 1, 1, 0)
        assert len(site.seen("/p/2")) == 1, "an unchanged teaser was followed again"
        assert len(site.seen("/p/3")) == 1
        [state] = w.feeds()
        assert (state.total_new, state.total_updated, state.failures) == (3, 1, 0)
        assert not state.subscribed and state.last_success == clock.t
    finally:
        w.close()
    texts = {r.id: r.text for r in NewsQA(store=tmp_path / "store").sources()}
    assert set(texts) == {"story-1", "story-2", "story-3"}
    assert texts["story-1"].startswith(story(1, edition=1)[0])
    assert texts["story-3"].startswith(story(3)[0])
    audit(tmp_path / "store")


def test_a_failing_feed_backs_off_while_the_others_continue(site, tmp_path):
    good = publish(site, "/good.xml", [entry(site, 1)])
    site.fail("/down.xml", 503)
    site.fail("/limited.xml", 429, {"Retry-After": "7200"})
    bad, limited = site.url("/down.xml"), site.url("/limited.xml")
    polls = []
    clock = FakeClock(until=START + 3 * 3600)
    w = watcher(tmp_path / "store", clock, polls)
    try:
        with pytest.raises(Stop):
            w.run([good, bad, limited])
        times = {
            feed: [round(p.at - START) for p in polls if p.feed == feed]
            for feed in (good, bad, limited)
        }
        assert times[good] == [n * 900 for n in range(12)]
        # 2, 4, 8 intervals after each failure; Retry-After (2h) beats 2 intervals.
        assert times[bad] == [0, 1800, 1800 + 3600]
        assert times[limited] == [0, 7200]
        assert len(site.seen("/down.xml")) == 3 and len(site.seen("/limited.xml")) == 2
        down = next(s for s in w.feeds() if s.url == bad)
        assert (down.failures, down.last_error) == (3, "HTTP 503 Service Unavailable")
        assert down.next_poll == START + 1800 + 3600 + 7200

        publish(site, "/down.xml", [entry(site, 2)])
        clock.t, clock.until = down.next_poll, down.next_poll + 60
        with pytest.raises(Stop):
            w.run([good, bad, limited])
        recovered = next(s for s in w.feeds() if s.url == bad)
        assert (recovered.failures, recovered.total_new) == (0, 1)
    finally:
        w.close()
    assert {p.status for p in polls if p.feed == good} == {"ok", "not_modified"}
    assert polls[0].new == 1


def test_backoff_is_capped_at_a_day():
    from index_store.watch.poll import backoff

    assert backoff(EVERY, 1, None) == 2 * EVERY
    assert backoff(EVERY, 30, None) == MAX_BACKOFF
    assert backoff(EVERY, 1, 7200) == 7200


def test_a_poll_that_finds_another_writer_says_so_and_retries_at_the_next_interval(site, tmp_path):
    store = tmp_path / "store"
    NewsQA(store=store).ingest([])
    feed = publish(site, "/feed.xml", [entry(site, 1)])
    clock = FakeClock()
    w = watcher(store, clock)
    try:
        with write_lock(store):
            [busy] = w.run_once([feed])
        assert busy.status == "busy" and "is being written by pid" in busy.reason
        assert busy.next_poll == START + EVERY
        [state] = w.feeds()
        assert (state.failures, state.etag, state.total_new) == (0, "", 0)

        clock.t += EVERY
        [done] = w.run_once([feed])
        assert (done.status, done.new) == ("ok", 1)
        assert "if-none-match" not in site.seen("/feed.xml")[-1].headers
    finally:
        w.close()


def test_a_feed_another_process_is_polling_is_skipped(site, tmp_path):
    feed = publish(site, "/feed.xml", [entry(site, 1)])
    w = watcher(tmp_path / "store", FakeClock())
    try:
        held, release = threading.Event(), threading.Event()

        def other_poller() -> None:
            with feed_lock(tmp_path / "store", feed) as mine:
                assert mine
                held.set()
                release.wait(60)

        thread = threading.Thread(target=other_poller)
        thread.start()
        held.wait(60)
        [result] = w.run_once([feed])
        assert result.status == "in_use"
        polls = []
        w._on_poll, w.clock = polls.append, FakeClock(until=START + 600)
        with pytest.raises(Stop):
            w.run([feed])
        release.set()
        thread.join()
        # Looked at again once a minute while the other process holds it, not every second.
        assert [(p.status, p.at - START) for p in polls] == [
            ("in_use", 60.0 * n) for n in range(1, 10)
        ]
        assert not site.seen("/feed.xml")
    finally:
        w.close()


def test_an_ingest_waits_for_a_poll_that_is_writing(tmp_path, monkeypatch):
    """The poll releases the store only once the ingest has found it held (it then reads who
    holds it), so the ingest can only succeed by waiting."""
    import index_store.lock
    from tests.conftest import DEMO

    store = tmp_path / "store"
    NewsQA(store=store).ingest([])
    found_held = threading.Event()
    read_holder = index_store.lock._holder

    def holder_seen(path):
        holder = read_holder(path)
        found_held.set()
        return holder

    monkeypatch.setattr(index_store.lock, "_holder", holder_seen)
    results, failures = [], []

    def ingest() -> None:
        try:
            results.append(NewsQA(store=store).ingest([DEMO / "articles" / "storm-ilse.txt"]))
        except Exception as error:
            failures.append(error)

    with write_lock(store, brief=True):
        thread = threading.Thread(target=ingest)
        thread.start()
        assert found_held.wait(300), "the ingest never tried the lock"
    thread.join(300)
    assert not failures, failures
    assert results[0].added == 1, results


def test_a_folder_feed_reads_new_and_changed_files_only(tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "one.txt").write_text("Ferry fares\n\nThe Saltholm ferry fare rose to four pounds.")
    clock = FakeClock()
    w = watcher(tmp_path / "store", clock)
    try:
        [first] = w.run_once([str(folder)])
        assert (first.new, first.unchanged) == (1, 0)
        clock.t += EVERY
        [quiet] = w.run_once([str(folder)])
        assert (quiet.status, quiet.new, quiet.unchanged) == ("ok", 0, 0)
        (folder / "two.md").write_text("# Tram line\n\nThe Kellan tram line reopened on Monday.")
        clock.t += EVERY
        [second] = w.run_once([str(folder)])
        assert (second.new, second.unchanged) == (1, 0)
    finally:
        w.close()


def run_cli(*args: object) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def test_watch_add_list_once_and_remove_from_the_command_line(site, tmp_path):
    store = tmp_path / "store"
    feed = publish(site, "/feed.xml", [entry(site, 1), entry(site, 2, teaser=True)])
    added = run_cli("watch", "add", feed, "--store", store)
    assert added.exit_code == 0 and f"watching {feed}" in added.output
    assert "already watched" in run_cli("watch", "add", feed, "--store", store).output

    once = run_cli("watch", "--once", "--json", "--store", store)
    assert once.exit_code == 0, once.output
    assert f"feed {feed}: 2 new, 0 updated, 0 failed, next in 15m" in once.stderr
    [line] = [json.loads(x) for x in once.stdout.splitlines()]
    assert (line["feed"], line["status"], line["new"], line["next_in_seconds"]) == (
        feed, "ok", 2, 900,
    )  # fmt: skip

    listed = run_cli("watch", "list", "--store", store, "--json")
    [state] = json.loads(listed.stdout)
    assert (state["url"], state["subscribed"], state["total_new"]) == (feed, True, 2)
    assert state["last_success"] and state["failures"] == 0
    text = run_cli("watch", "list", "--store", store).output
    assert "2 new, 0 updated in all" in text and "next poll:    in " in text

    again = run_cli("watch", "--once", "--store", store)
    assert f"feed {feed}: 0 new, 0 updated, 0 failed (not modified), next in 15m" in again.stderr

    assert run_cli("watch", "remove", feed, "--store", store).exit_code == 0
    gone = run_cli("watch", "remove", feed, "--store", store)
    assert gone.exit_code == 1 and f"error: not a watched feed: {feed}" in gone.output
    empty = run_cli("watch", "--once", "--store", store)
    assert empty.exit_code == 1 and "error: no feeds to watch in" in empty.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--every", "10s"], "error: bad setting watch_every"),
        (["--every", "soon"], "'soon' is not a duration"),
    ],
)
def test_bad_watch_options_are_one_line_errors(site, tmp_path, args, message):
    feed = publish(site, "/feed.xml", [entry(site, 1)])
    result = run_cli("watch", feed, "--once", "--store", tmp_path / "s", *args)
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output


def test_a_failing_feed_fails_a_once_run_with_its_reason(site, tmp_path):
    site.fail("/down.xml", 500)
    result = run_cli("watch", site.url("/down.xml"), "--once", "--store", tmp_path / "s")
    assert result.exit_code == 1
    assert (
        f"feed {site.url('/down.xml')}: failed (HTTP 500 Internal Server Error), 1 in a row, "
        "next in 30m" in result.stderr
    )


def test_a_running_watch_leaves_the_store_to_others_and_stops_cleanly_on_ctrl_c(site, tmp_path):
    """A real `newsqa watch` process between polls: search, ingest and `watch add` work beside
    it (it holds no lock while it waits), and Ctrl-C ends it with exit code 0."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import DEMO

    newsqa = str(Path(sys.executable).with_name("newsqa"))
    store = tmp_path / "store"
    feed = publish(site, "/feed.xml", [entry(site, 1), entry(site, 2, teaser=True)])
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}
    watch = subprocess.Popen(
        [newsqa, "watch", feed, "--every", "1m", "--store", str(store), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # Ctrl-C as at a terminal, even when the test run itself ignores SIGINT (started in the
        # background with `&` or nohup, whose children inherit the ignored signal)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        lines = iter(watch.stderr.readline, "")
        first = next(line for line in lines if line.startswith("feed ") or "error" in line)
        assert first.startswith(f"feed {feed}: 2 new, 0 updated, 0 failed, next in 1m"), first

        def run(*args: object) -> subprocess.CompletedProcess:
            return subprocess.run(
                [newsqa, *map(str, args), "--store", str(store)],
                capture_output=True, text=True, timeout=300, env=env,
            )  # fmt: skip

        found = run("search", "story 2 paragraph 0", "--json")
        assert found.returncode == 0 and "story-2" in found.stdout, found.stderr
        assert run("watch", "add", site.url("/other.xml")).returncode == 0
        added = run("ingest", DEMO / "articles" / "storm-ilse.txt")
        assert added.returncode == 0 and "1 added" in added.stdout, added.stderr
        assert watch.poll() is None, "the watch must still be running"
    finally:
        watch.send_signal(signal.SIGINT)
        out, err = watch.communicate(timeout=120)
    assert watch.returncode == 0, err
    assert "watch stopped" in err and "Traceback" not in err
    [line] = [json.loads(x) for x in out.splitlines()][:1]
    assert (line["status"], line["new"]) == ("ok", 2)
