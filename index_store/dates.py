"""Turn the many ways sources write a publication date into a `date`, or None when unsure."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

EARLIEST_YEAR = 1800
# A year-less string is parsed onto this default, so a missing year shows up as year 1 and is
# rejected as absurd instead of silently becoming the current year.
_NO_YEAR = datetime(1, 1, 1)
_EPOCH_DIGITS = re.compile(r"-?\d{9,}(\.\d+)?")
# Epoch values this large can only be milliseconds (seconds would be past the year 5000).
_MILLISECONDS_FROM = 100_000_000_000


def parse_published(value: object) -> date | None:
    """The calendar date `value` stands for; None when it is missing, unparseable or absurd.

    Accepts `date`, `datetime`, ISO 8601 and RFC 822 strings, and epoch seconds or milliseconds.
    Absurd means before 1800 or more than a year in the future: such values are scraping errors.
    """
    found = _to_date(value)
    if found is None or not _plausible(found):
        return None
    return found


def _to_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_epoch(value)
    if isinstance(value, str):
        return _from_string(value.strip())
    return None


def _from_epoch(seconds: float) -> date | None:
    if abs(seconds) >= _MILLISECONDS_FROM:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


def _from_string(text: str) -> date | None:
    if not text:
        return None
    if _EPOCH_DIGITS.fullmatch(text):
        return _from_epoch(float(text))
    from dateutil import parser

    try:
        return parser.isoparse(text).date()
    except (ValueError, OverflowError):
        pass
    try:
        return parser.parse(text, default=_NO_YEAR, ignoretz=True).date()
    except (ValueError, OverflowError):
        return None


def _plausible(found: date) -> bool:
    return found.year >= EARLIEST_YEAR and found <= date.today() + timedelta(days=365)
