"""Articles from JSON and JSON Lines records, whatever the field names the exporter chose."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from index_store.dates import parse_published
from index_store.types import Article, SourceError

TEXT_KEYS = ("text", "body", "content", "article", "description")
TITLE_KEYS = ("title", "headline")
URL_KEYS = ("url", "link")
DATE_KEYS = ("published", "date", "published_at", "pubDate", "publishedAt")
SOURCE_KEYS = ("source", "site", "outlet", "publisher")
AUTHOR_KEYS = ("authors", "author")
LIST_KEYS = ("articles", "items", "data")

_AUTHOR_SEPARATORS = re.compile(r"\s*(?:;|,|\band\b|&)\s*")
_BYLINE_PREFIX = re.compile(r"^by\s+", re.IGNORECASE)
# Parsing JSON needs several times the file's size in memory; bigger exports should be JSON Lines.
MAX_JSON_BYTES = 50_000_000
_TOO_DEEP = "JSON nested too deeply to be an article record"
# JSON escapes can spend up to 12 bytes on one character (a \uXXXX surrogate pair), plus room
# for the other fields: a longer line cannot hold an article we would accept.
_BYTES_PER_CHAR = 12
_LINE_SLACK = 1_000_000


def iter_json_file(path: Path) -> Iterator[Article | SourceError]:
    """Yield the records of a `.json` file: a list, a wrapper object holding one, or one record.

    JSON is parsed whole, so files over MAX_JSON_BYTES are refused: JSON Lines streams instead.
    """
    origin = str(path)
    try:
        if (size := path.stat().st_size) > MAX_JSON_BYTES:
            yield SourceError(
                origin,
                f"file is {size:,} bytes, over the {MAX_JSON_BYTES:,}-byte limit for .json files, "
                "which are read whole: write one record per line and name it .jsonl to stream it",
            )
            return
        data = json.loads(path.read_bytes())
    except OSError as exc:
        yield SourceError(origin, f"cannot read file: {exc.strerror or exc}")
        return
    except UnicodeDecodeError:
        yield SourceError(origin, "not valid UTF-8 JSON (save the file as UTF-8)")
        return
    except json.JSONDecodeError as exc:
        hint = " (one record per line? name the file .jsonl)" if exc.msg == "Extra data" else ""
        yield SourceError(origin, f"invalid JSON at line {exc.lineno}: {_json_problem(exc)}{hint}")
        return
    except RecursionError:
        yield SourceError(origin, _TOO_DEEP)
        return
    records = _record_list(data)
    if records is None:
        yield article_from_record(data, origin)
        return
    if not records:
        yield SourceError(origin, "no records in the JSON file")
    for number, record in enumerate(records, start=1):
        yield article_from_record(record, f"{origin}#record{number}")


def iter_jsonl_file(path: Path, *, max_article_chars: int) -> Iterator[Article | SourceError]:
    """Yield one article or error per line, reading line by line so huge files stream."""
    max_line_bytes = max_article_chars * _BYTES_PER_CHAR + _LINE_SLACK
    try:
        with path.open("rb") as lines:
            yield from _iter_lines(lines, str(path), max_line_bytes)
    except OSError as exc:
        yield SourceError(str(path), f"cannot read file: {exc.strerror or exc}")


def _iter_lines(
    lines: BinaryIO, origin: str, max_line_bytes: int
) -> Iterator[Article | SourceError]:
    number = found = 0
    while raw := lines.readline(max_line_bytes + 1):
        number += 1
        where = f"{origin}:{number}"
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            _skip_rest_of_line(lines, max_line_bytes)
            found += 1
            yield SourceError(where, f"line is longer than {max_line_bytes:,} bytes, skipped")
        elif raw.strip():
            found += 1
            yield _record_from_line(raw, where)
    if not found:
        yield SourceError(origin, "no records in the JSON Lines file")


def _skip_rest_of_line(lines: BinaryIO, chunk_bytes: int) -> None:
    while chunk := lines.readline(chunk_bytes):
        if chunk.endswith(b"\n"):
            return


def _record_from_line(raw: bytes, where: str) -> Article | SourceError:
    try:
        record = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return SourceError(where, "not valid UTF-8 (save the file as UTF-8)")
    except json.JSONDecodeError as exc:
        return SourceError(where, f"invalid JSON at column {exc.colno}: {_json_problem(exc)}")
    except RecursionError:
        return SourceError(where, _TOO_DEEP)
    return article_from_record(record, where)


def _json_problem(exc: json.JSONDecodeError) -> str:
    """The decoder's message without its dangling "at" ("Invalid control character at")."""
    return exc.msg.removesuffix(" at").lower()


def _record_list(data: object) -> list | None:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in LIST_KEYS:
            if isinstance(data.get(key), list):
                return data[key]
    return None


def article_from_record(record: object, origin: str) -> Article | SourceError:
    """Map one record (any of the accepted field-name aliases) to an Article."""
    if not isinstance(record, Mapping):
        return SourceError(origin, f"record is a JSON {_json_type(record)}, expected an object")
    text_key = next((key for key in TEXT_KEYS if record.get(key) not in (None, "")), "")
    text = _as_text(record[text_key]) if text_key else ""
    if text is None:
        found = _json_type(record[text_key])
        return SourceError(origin, f"'{text_key}' is a JSON {found}, expected a string")
    if not text.strip():
        return SourceError(origin, "empty article")
    return Article(
        text=text,
        title=_string(_first(record, TITLE_KEYS)),
        source=_source_name(_first(record, SOURCE_KEYS)),
        url=_string(_first(record, URL_KEYS)),
        authors=split_authors(_first(record, AUTHOR_KEYS)),
        published=parse_published(_first(record, DATE_KEYS)),
        origin=origin,
        record_id=_string(record.get("id")),
    )


def split_authors(value: object) -> tuple[str, ...]:
    """Names from a byline string ("By A, B and C"), a list of names, or a list of {name: ...}."""
    if isinstance(value, str):
        names = _AUTHOR_SEPARATORS.split(_BYLINE_PREFIX.sub("", value.strip()))
    elif isinstance(value, list):
        names = [_string(item.get("name") if isinstance(item, Mapping) else item) for item in value]
    else:
        return ()
    return tuple(dict.fromkeys(name.strip() for name in names if name and name.strip()))


def _as_text(value: object) -> str | None:
    """The article text, also from a list of paragraphs; None when it is not text at all."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return "\n\n".join(value)
    return None


def _first(record: Mapping, keys: tuple[str, ...]) -> object:
    for key in keys:
        value = record.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _source_name(value: object) -> str:
    """Outlet name; NewsAPI-style exports nest it as {"id": ..., "name": ...}."""
    if isinstance(value, Mapping):
        return _string(value.get("name"))
    return _string(value)


def _string(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _json_type(value: object) -> str:
    names = {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        type(None): "null",
    }
    return names.get(type(value), "number")
