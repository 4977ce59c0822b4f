"""Date and outlet filters as users give them, turned into what the store filters on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from index_store.vectors import ChunkFilter


@dataclass(frozen=True)
class Filters:
    """`as_of` answers as of that day: nothing published after it is seen."""

    since: date | None = None
    until: date | None = None
    as_of: date | None = None
    sources: tuple[str, ...] = ()

    def chunk_filter(self) -> ChunkFilter:
        return ChunkFilter(
            since_epoch=_epoch(self.since),
            until_epoch=_epoch(self.until),
            as_of_epoch=_epoch(self.as_of),
            sources=self.sources,
        )


def parse_day(value: str | date | None, field: str) -> date | None:
    """A YYYY-MM-DD day, or a ValueError naming the option."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{field}: '{value}' is not a date, use YYYY-MM-DD") from None


def _epoch(day: date | None) -> int | None:
    if day is None:
        return None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
