"""Articles from plain text and Markdown, with optional front matter, in whatever encoding."""

from __future__ import annotations

import codecs
import dataclasses
import re

from index_store.loaders.markdown import markdown_to_text
from index_store.loaders.records import TEXT_KEYS, article_from_record
from index_store.types import Article, SourceError

BINARY_REASON = "binary file, not text"
# Share of control characters above which decoded "text" is really binary data.
_MAX_CONTROL_SHARE = 0.05
_KEY_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")
_LIST_ITEM = re.compile(r"^\s*-\s+(.*)$")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def article_from_text(
    data: bytes,
    origin: str,
    *,
    markdown: bool = False,
    url: str = "",
    charset: str | None = None,
) -> Article | SourceError:
    """Decode `data` and read its front matter; without a title, the first line is the headline.

    `charset` is the encoding a server declared; it is trusted only if the bytes decode with it.
    """
    text = decode_text(data, charset)
    if text is None:
        return SourceError(origin, BINARY_REASON)
    fields, body = split_front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    if markdown:
        body = markdown_to_text(body)
    record = {key: value for key, value in fields.items() if key not in TEXT_KEYS}
    if url and not record.get("url"):
        record["url"] = url
    article = article_from_record({**record, "text": body.strip()}, origin)
    if isinstance(article, SourceError) or article.title:
        return article
    return dataclasses.replace(article, title=first_line_title(body, markdown=markdown))


def decode_text(data: bytes, charset: str | None = None) -> str | None:
    """Text of `data`: BOM-marked UTF-8/16, declared charset, UTF-8, else the likeliest guess.

    Returns None for binary data (NUL bytes outside UTF-16, or mostly control characters).
    """
    if data.startswith(codecs.BOM_UTF8):
        return _decoded_or_guess(data, "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decoded_or_guess(data, "utf-16")
    if b"\x00" in data:
        return None
    for encoding in (charset, "utf-8"):
        if encoding and (text := _try_decode(data, encoding)) is not None:
            return _unless_binary(text)
    return _guess(data)


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """Split a leading `---` block of `key: value` lines off the body (lists: `[a, b]` or `- a`)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            fields = _parse_front_matter(lines[1:end])
            if fields is None:
                return {}, text
            return fields, "\n".join(lines[end + 1 :])
    return {}, text


def first_line_title(body: str, *, markdown: bool = False) -> str:
    """The first non-empty line, without Markdown heading marks when `markdown`."""
    for line in body.split("\n"):
        if line.strip():
            return line.strip().lstrip("#").strip() if markdown else line.strip()
    return ""


def _parse_front_matter(lines: list[str]) -> dict[str, object] | None:
    """Fields of the block, or None when a line is neither `key: value` nor a list item."""
    fields: dict[str, object] = {}
    key = ""
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = _LIST_ITEM.match(line)
        if item and key and isinstance(fields[key], list):
            fields[key].append(_unquote(item.group(1)))
            continue
        pair = _KEY_LINE.match(line)
        if not pair:
            return None
        key = pair.group(1).lower()
        fields[key] = _value(pair.group(2).strip())
    return fields


def _value(raw: str) -> object:
    if not raw:
        return []
    if raw.startswith("[") and raw.endswith("]"):
        return [_unquote(part) for part in raw[1:-1].split(",") if part.strip()]
    return _unquote(raw)


def _unquote(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    return raw


def _decoded_or_guess(data: bytes, encoding: str) -> str | None:
    text = _try_decode(data, encoding)
    return _guess(data) if text is None else _unless_binary(text)


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _guess(data: bytes) -> str | None:
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    return None if best is None else _unless_binary(str(best))


def _unless_binary(text: str) -> str | None:
    controls = len(_CONTROL.findall(text))
    return None if controls > _MAX_CONTROL_SHARE * len(text) else text
