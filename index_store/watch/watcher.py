"""`newsqa watch`: the feeds of one store, polled when due, for ever or once (for cron).

Feeds are polled one after the other, each when its next poll is due; a failing feed only moves
its own next poll back. The schedule is in the ledger, so a restarted watch resumes it: a feed
polled five minutes before the restart is polled again ten minutes after it (at 15m).

Time comes from a `Clock`, so tests drive the loop without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from index_store.errors import NewsQAError
from index_store.store import LEDGER, Store
from index_store.watch.book import FeedBook, FeedState
from index_store.watch.poll import PollResult, WatchOptions, poll
from index_store.watch.reading import feed_key

# A watch of the subscribed feeds looks for newly added or removed ones at least this often.
MAX_SLEEP = 60.0


class NoFeeds(NewsQAError):
    """A watch was started with no feed to poll."""


class UnknownFeed(NewsQAError):
    """`watch remove` named a feed the store does not watch."""


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class Watcher:
    """Polls the feeds of `store`; `on_poll` hears every poll's result as it ends."""

    def __init__(
        self,
        store: Store,
        options: WatchOptions,
        clock: Clock | None = None,
        on_poll: Callable[[PollResult], None] | None = None,
        on_article: Callable[[str, str], None] | None = None,
    ) -> None:
        self.store = store
        self.options = options
        self.clock = clock or SystemClock()
        self.book = FeedBook(store.path / LEDGER)
        self._on_poll = on_poll
        self._on_article = on_article
        # Feeds another process was polling: looked at again after MAX_SLEEP, not every second.
        self._snoozed: dict[str, float] = {}

    def close(self) -> None:
        self.book.close()
        self.store.close()

    def add(self, feeds: list[str]) -> list[str]:
        """Subscribe to feeds (a plain `newsqa watch` polls them); returns the new ones."""
        now = self.clock.now()
        return [key for key in map(feed_key, feeds) if self.book.ensure(key, now, subscribe=True)]

    def remove(self, feeds: list[str]) -> None:
        """Forget feeds and what was seen of them; their articles stay in the store."""
        missing = [f for f in feeds if not self.book.remove(feed_key(f))]
        if missing:
            raise UnknownFeed(f"not a watched feed: {', '.join(missing)} (see `newsqa watch list`)")

    def feeds(self) -> list[FeedState]:
        return self.book.feeds()

    def run_once(self, feeds: list[str] | None = None) -> list[PollResult]:
        """Poll each feed once now, except those backing off after failures (they wait until
        their next poll, so cron does not defeat the backoff)."""
        results = []
        for key in self._keys(feeds):
            state = self.book.get(key)
            now = self.clock.now()
            if state and state.failures and state.next_poll > now:
                result = PollResult(
                    key, "waiting", now, state.next_poll, reason=state.last_error,
                    failures=state.failures,
                )  # fmt: skip
                self._report(result)
            else:
                result = self._poll(key)
            results.append(result)
        return results

    def run(self, feeds: list[str] | None = None) -> None:
        """Poll every feed when it is due, until interrupted (KeyboardInterrupt)."""
        while True:
            keys = self._keys(feeds)
            for key in keys:
                if self._due(key) <= self.clock.now():
                    self._poll(key)
            due = min((self._due(key) for key in keys), default=self.clock.now() + MAX_SLEEP)
            self.clock.sleep(min(max(due - self.clock.now(), 1.0), MAX_SLEEP))

    def _due(self, key: str) -> float:
        state = self.book.get(key)
        if state is None:
            return float("inf")
        return max(state.next_poll, self._snoozed.get(key, 0.0))

    def _keys(self, feeds: list[str] | None) -> list[str]:
        """The feeds given (now known to the ledger), else the subscribed ones."""
        if feeds:
            keys = list(dict.fromkeys(feed_key(f) for f in feeds))
            for key in keys:
                self.book.ensure(key, self.clock.now())
            return keys
        keys = [state.url for state in self.book.feeds(subscribed_only=True)]
        if not keys:
            raise NoFeeds(
                f"no feeds to watch in {self.store.path}: give feeds (`newsqa watch URL...`) or "
                "subscribe the store to some (`newsqa watch add URL`)"
            )
        return keys

    def _poll(self, key: str) -> PollResult:
        now = self.clock.now()
        result = poll(self.store, self.book, key, self.options, now, self._on_article)
        if result.status == "in_use":
            self._snoozed[key] = now + MAX_SLEEP
        self._report(result)
        return result

    def _report(self, result: PollResult) -> None:
        if self._on_poll:
            self._on_poll(result)
