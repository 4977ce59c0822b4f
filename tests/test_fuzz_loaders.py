"""Fuzzing the loaders: whatever bytes a file holds, each article is loaded or skipped with a
one-line reason, never a traceback or a hang, and a real store stays consistent.

Each format gets its own generator of hostile files (random bytes, wrong and mixed encodings,
BOMs, NUL bytes, huge single lines, deep nesting, empty articles, absurd dates, duplicate ids).
`FUZZ_EXAMPLES` inputs in all go through the loaders; a few folders of them through ingest.
"""

from __future__ import annotations

import codecs
import json
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from index_store.cleaning import clean_article
from index_store.identity import article_id
from index_store.loaders import iter_sources
from index_store.types import Article, SourceError
from qa import NewsQA
from qa.cli import app
from tests.store_checks import audit

# Per format; the README's Reliability section quotes their sum.
EXAMPLES = {"text": 300, "html": 120, "json": 200, "jsonl": 200, "feed": 190}
FUZZ_EXAMPLES = sum(EXAMPLES.values())
HANG_SECONDS = 60
STORE_MAX_ARTICLE_CHARS = 60_000
FUZZ = settings(
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- the pieces hostile files are made of --------------------------------------------------

ENCODINGS = ["utf-8", "utf-16", "utf-16-be", "latin-1", "cp1252", "shift_jis", "koi8-r", "gb18030"]
BOMS = [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE]
ABSURD_DATES = [
    "0000-00-00",
    "9999-12-31T99:99:99Z",
    "2025-02-30",
    "-1",
    "1e309",
    "NaN",
    "99999999999999999999999",
    "Mon, 32 Foo 2025 25:61:61 +9999",
    "tomorrow",
    "",
]
WORDS = ["The", "council", "voted", "on", "Tuesday.", "Prices", "rose", "3%", "in", "May."]

characters = st.characters(blacklist_categories=("Cs",))
any_text = st.text(characters, max_size=300)
prose = st.lists(st.sampled_from(WORDS), min_size=1, max_size=60).map(" ".join)
whitespace = st.text(st.sampled_from(" \t\n\r\x0b\x0c\u00a0\u2028\u3000\ufeff"), max_size=40)
dates = st.sampled_from(ABSURD_DATES) | any_text | st.integers().map(str)


@st.composite
def encoded(draw, text: st.SearchStrategy[str] = any_text | prose) -> bytes:
    """Text in one encoding, or pieces in several (mixed), with or without a lying BOM."""
    parts = draw(st.lists(st.tuples(text, st.sampled_from(ENCODINGS)), min_size=1, max_size=3))
    body = b"".join(part.encode(encoding, errors="replace") for part, encoding in parts)
    return draw(st.sampled_from(BOMS)) + body


@st.composite
def with_nuls(draw, data: bytes) -> bytes:
    at = draw(st.integers(0, len(data)))
    return data[:at] + b"\x00" * draw(st.integers(1, 4)) + data[at:]


huge_line = st.integers(50_000, 3_000_000).map(lambda n: (b"x" * 7 + b" ") * (n // 8))
nasty_bytes = (
    st.binary(max_size=2_000)
    | encoded()
    | encoded().flatmap(with_nuls)
    | whitespace.map(str.encode)
    | huge_line
)


def nested(depth_max: int, open_: str, close: str, inner: str = "") -> st.SearchStrategy[str]:
    return st.integers(1, depth_max).map(lambda n: open_ * n + inner + close * n)


# --- files of each format ------------------------------------------------------------------


@st.composite
def text_files(draw) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from([".txt", ".md"]))
    body = draw(nasty_bytes | encoded(prose))
    if draw(st.booleans()):
        lines = [
            "---",
            f"title: {draw(any_text | whitespace)}",
            f"published: {draw(dates)}",
            f"authors: [{draw(any_text)}, {draw(any_text)}]",
            draw(st.sampled_from(["url: https://x.example/a", "url: ::::", "source:", "- stray"])),
            draw(st.sampled_from(["---", "", "--- "])),
        ]
        body = "\n".join(lines).encode("utf-8", errors="replace") + b"\n" + body
    return suffix, body


@st.composite
def html_files(draw) -> tuple[str, bytes]:
    paragraph = draw(prose | any_text | whitespace)
    shell = draw(st.integers(0, 3_000))
    page = (
        f'<html><head><meta charset="{draw(st.sampled_from(ENCODINGS + ["bogus"]))}">'
        f"<title>{draw(any_text)}</title>"
        f'<meta property="article:published_time" content="{draw(dates)}"></head><body>'
        + "<div>" * shell
        + f"<article><h1>{draw(any_text)}</h1><p>{paragraph}</p><p>{paragraph}</p></article>"
        + draw(st.sampled_from(["</div>" * shell, "", "<p><b><i>", "</body></html>"]))
    )
    encoding = draw(st.sampled_from(ENCODINGS))
    data = draw(st.sampled_from(BOMS)) + page.encode(encoding, errors="replace")
    cut = draw(st.integers(0, len(data)))
    return ".html", draw(st.sampled_from([data, data[:cut], data[:cut] + data[cut:] * 2]))


def json_values(max_leaves: int = 12) -> st.SearchStrategy[object]:
    return st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | any_text | prose | dates,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(["text", "body", "title", "id", "published", "date", "authors"])
                | any_text,
                children,
                max_size=5,
            )
        ),
        max_leaves=max_leaves,
    )


@st.composite
def records(draw, ids: list[str]) -> dict:
    """An article record whose fields may have any type; ids are drawn from a small shared pool,
    so duplicate ids are common."""
    record = {
        "id": draw(st.sampled_from(ids) | st.integers() | st.none()),
        "title": draw(any_text | json_values(3)),
        "published": draw(dates | json_values(3)),
        "authors": draw(st.lists(any_text, max_size=3) | any_text | json_values(3)),
        draw(st.sampled_from(["text", "body", "content"])): draw(
            prose | any_text | whitespace | st.lists(prose, max_size=3) | json_values(3)
        ),
    }
    return {k: v for k, v in record.items() if draw(st.integers(0, 4))}


id_pools = st.lists(st.text(max_size=8), min_size=1, max_size=3)


@st.composite
def json_files(draw) -> tuple[str, bytes]:
    pool = draw(id_pools)
    value = draw(
        st.lists(records(pool), max_size=6)
        | st.fixed_dictionaries({"articles": st.lists(records(pool), max_size=4)})
        | records(pool)
        | json_values()
    )
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    data = draw(
        st.sampled_from(
            [
                text.encode(),
                text.encode("utf-16"),
                codecs.BOM_UTF8 + text.encode(),
                text.encode()[: len(text) // 2],
            ]
        )
        | nested(20_000, "[", "]").map(str.encode)
        | nested(20_000, '{"text":', "}", '"deep"').map(str.encode)
        | nasty_bytes
    )
    return ".json", data


@st.composite
def jsonl_files(draw) -> tuple[str, bytes]:
    pool = draw(id_pools)
    line = (
        records(pool).map(lambda r: json.dumps(r).encode())
        | nested(20_000, "[", "]").map(str.encode)
        | json_values(4).map(lambda v: json.dumps(v).encode())
        | st.binary(max_size=200)
        | whitespace.map(str.encode)
    )
    lines = draw(st.lists(line, max_size=12))
    if draw(st.integers(0, 9)) == 0:
        lines.append(draw(huge_line))
    return ".jsonl", draw(st.sampled_from(BOMS[:2])) + b"\n".join(lines)


FEED_ITEM = {
    "rss": "<item><title>{title}</title><guid>{id}</guid><pubDate>{date}</pubDate>"
    "<description>{text}</description></item>",
    "atom": "<entry><title>{title}</title><id>{id}</id><updated>{date}</updated>"
    '<content type="html">{text}</content></entry>',
}
FEED_SHELL = {
    "rss": '<?xml version="1.0" encoding="{enc}"?><rss version="2.0"><channel><title>{title}'
    "</title>{items}</channel></rss>",
    "atom": '<?xml version="1.0" encoding="{enc}"?><feed xmlns="http://www.w3.org/2005/Atom">'
    "<title>{title}</title>{items}</feed>",
}


def _xml_text(value: str, draw) -> str:
    """Escaped, CDATA-wrapped, or raw (breaking the XML) on purpose."""
    how = draw(st.sampled_from(["escape", "cdata", "raw"]))
    if how == "escape":
        return value.replace("&", "&amp;").replace("<", "&lt;")
    return f"<![CDATA[{value}]]>" if how == "cdata" else value


markup = nested(5_000, "<p>", "</p>")


@st.composite
def feed_files(draw) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["rss", "atom"]))
    pool = draw(id_pools)
    items = [
        FEED_ITEM[kind].format(
            title=_xml_text(draw(any_text), draw),
            id=_xml_text(draw(st.sampled_from(pool)), draw),
            date=_xml_text(draw(dates), draw),
            text=_xml_text(draw(prose | any_text | whitespace | markup), draw),
        )
        for _ in range(draw(st.integers(0, 8)))
    ]
    declared, actual = draw(st.sampled_from(ENCODINGS)), draw(st.sampled_from(ENCODINGS))
    feed = FEED_SHELL[kind].format(enc=declared, title=draw(any_text), items="".join(items))
    data = feed.encode(actual, errors="replace")
    cut = draw(st.integers(0, len(data)))
    suffix = draw(st.sampled_from([".xml", ".rss", ".atom"]))
    return suffix, draw(st.sampled_from([data, data[:cut]]) | nasty_bytes)


class Blob(bytes):
    """File contents that print short in a failure report (some are megabytes)."""

    def __repr__(self) -> str:
        return f"<{len(self):,} bytes: {bytes(self[:200])!r}...>"


def short_repr(file: tuple[str, bytes]) -> tuple[str, Blob]:
    return file[0], Blob(file[1])


FORMATS: dict[str, st.SearchStrategy[tuple[str, bytes]]] = {
    "text": text_files().map(short_repr),
    "html": html_files().map(short_repr),
    "json": json_files().map(short_repr),
    "jsonl": jsonl_files().map(short_repr),
    "feed": feed_files().map(short_repr),
}

# --- what every outcome must be ------------------------------------------------------------


@contextmanager
def watchdog(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: a loader stuck on one input raises after `seconds`."""

    def stuck(signum: int, frame: object) -> None:
        raise TimeoutError(f"a loader ran for more than {seconds}s on one input")

    previous = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_outcomes(path: Path) -> list[Article | SourceError]:
    """Load a file the way ingest does; every item is a usable article or a one-line reason."""
    with watchdog(HANG_SECONDS):
        items = list(iter_sources([str(path)], max_article_chars=1_000_000))
    assert items, "a source must yield at least one article or error"
    for item in items:
        assert item.origin.startswith(str(path))
        if isinstance(item, SourceError):
            assert item.reason.strip() and "\n" not in str(item), repr(item)
        else:
            assert isinstance(item, Article) and item.text.strip()
            article_id(clean_article(item))
    return items


def run_fuzz(strategy: st.SearchStrategy[tuple[str, bytes]], examples: int, folder: Path) -> int:
    """Feed `examples` generated files to the loaders; returns how many were tried."""
    tried = []

    @settings(FUZZ, max_examples=examples)
    @given(strategy)
    def loads_or_reports(file: tuple[str, bytes]) -> None:
        suffix, data = file
        path = folder / f"input{suffix}"
        path.write_bytes(data)
        tried.append(len(data))
        check_outcomes(path)

    loads_or_reports()
    return len(tried)


def test_text_and_markdown_files(tmp_path: Path) -> None:
    assert run_fuzz(FORMATS["text"], EXAMPLES["text"], tmp_path) >= EXAMPLES["text"]


def test_html_pages(tmp_path: Path) -> None:
    assert run_fuzz(FORMATS["html"], EXAMPLES["html"], tmp_path) >= EXAMPLES["html"]


def test_json_files(tmp_path: Path) -> None:
    assert run_fuzz(FORMATS["json"], EXAMPLES["json"], tmp_path) >= EXAMPLES["json"]


def test_json_lines_files(tmp_path: Path) -> None:
    assert run_fuzz(FORMATS["jsonl"], EXAMPLES["jsonl"], tmp_path) >= EXAMPLES["jsonl"]


def test_rss_and_atom_feeds(tmp_path: Path) -> None:
    assert run_fuzz(FORMATS["feed"], EXAMPLES["feed"], tmp_path) >= EXAMPLES["feed"]


def test_known_hostile_shapes_are_reported_in_one_line(tmp_path: Path) -> None:
    """Shapes random generation reaches rarely: deep nesting past the parser's recursion limit,
    an XML entity bomb, a NUL-filled file."""
    bomb = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    )
    shapes = {
        "deep.json": b"[" * 100_000 + b"]" * 100_000,
        "deep-record.jsonl": b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
        "bomb.xml": f'<?xml version="1.0"?><!DOCTYPE r [{bomb}]><rss version="2.0"><channel>'
        "<item><title>t</title><description>&l9;</description></item></channel></rss>".encode(),
        "nuls.txt": b"\x00" * 10_000,
    }
    for name, data in shapes.items():
        (tmp_path / name).write_bytes(data)
        check_outcomes(tmp_path / name)


# --- through a real store ------------------------------------------------------------------

any_file = st.one_of(*FORMATS.values())


@settings(FUZZ, max_examples=3, phases=[Phase.generate])
@given(st.lists(any_file, min_size=20, max_size=25))
def test_fuzzed_folders_ingest_into_a_consistent_store(files: list[tuple[str, bytes]]) -> None:
    """Everything good is stored, everything bad is one `error:` line, and the store is whole."""
    import tempfile

    with tempfile.TemporaryDirectory() as temp:
        folder, store = Path(temp, "in"), Path(temp, "store")
        folder.mkdir()
        for number, (suffix, data) in enumerate(files):
            (folder / f"{number:02d}{suffix}").write_bytes(data)
        (folder / "00-good.txt").write_text("Harbour news\n\nThe harbour wall was repaired.")
        # Huge lines past this limit are refused with a message, not embedded for minutes.
        limit = {"NEWSQA_MAX_ARTICLE_CHARS": str(STORE_MAX_ARTICLE_CHARS)}
        with watchdog(HANG_SECONDS * 4):
            result = CliRunner().invoke(
                app, ["ingest", str(folder), "--store", str(store)], env=limit
            )
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert "Traceback" not in result.output
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert f"{len(errors)} failed" in result.stdout
        assert len(result.stderr.splitlines()) == len(errors)
        state = audit(store, max_article_chars=STORE_MAX_ARTICLE_CHARS)
        assert len(state.articles) == len(NewsQA(store=store).sources()) >= 1
