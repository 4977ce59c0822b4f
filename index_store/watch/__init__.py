"""Keep a store current from feeds: poll them politely, ingest what is new, remember where each
feed stands in the store's ledger (see `watcher`, `poll`, `book`)."""

from index_store.watch.book import FeedState
from index_store.watch.poll import PollResult, WatchOptions
from index_store.watch.watcher import Clock, NoFeeds, SystemClock, UnknownFeed, Watcher

__all__ = [
    "Clock",
    "FeedState",
    "NoFeeds",
    "PollResult",
    "SystemClock",
    "UnknownFeed",
    "WatchOptions",
    "Watcher",
]
