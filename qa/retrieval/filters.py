"""Date and outlet filters as users give them, turned into what the store filters on.

A question or search carries one `Filters` from where it is parsed (the CLI's options, an HTTP
request, `NewsQA`'s keyword arguments) down to both indexes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypedDict

from index_store.vectors import ChunkFilter
from qa.errors import BadQuestion


class FilterOptions(TypedDict, total=False):
    """The filters as keyword arguments (`NewsQA.ask(..., since="2025-02-01")`)."""

    since: str | date | None
    until: str | date | None
    as_of: str | date | None
    source: str | Iterable[str] | None


@dataclass(frozen=True)
class Filters:
    """`as_of` answers as of that day: nothing published after it is seen."""

    since: date | None = None
    until: date | None = None
    as_of: date | None = None
    sources: tuple[str, ...] = ()

    @classmethod
    def parse(
        cls,
        since: str | date | None = None,
        until: str | date | None = None,
        as_of: str | date | None = None,
        source: str | Iterable[str] | None = None,
    ) -> Filters:
        """Filters from what a user typed: YYYY-MM-DD days (empty means 'not given') and one
        outlet or several. A day that is not one is a `BadQuestion` naming the option."""
        return cls(
            since=_day(since, "since"),
            until=_day(until, "until"),
            as_of=_day(as_of, "as_of"),
            sources=(source,) if isinstance(source, str) else tuple(source or ()),
        )

    def chunk_filter(self) -> ChunkFilter:
        return ChunkFilter(
            since_epoch=_epoch(self.since),
            until_epoch=_epoch(self.until),
            as_of_epoch=_epoch(self.as_of),
            sources=self.sources,
        )


def _day(value: str | date | None, field: str) -> date | None:
    """A YYYY-MM-DD day, or a `BadQuestion` naming the option."""
    if not value or isinstance(value, date):
        return value or None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadQuestion(f"{field}: '{value}' is not a date, use YYYY-MM-DD") from None


def _epoch(day: date | None) -> int | None:
    if day is None:
        return None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
