"""Loaders: every supported format, folders, limits, and fetching from a real local HTTP server."""

from __future__ import annotations

import codecs
import json
import os
import socket
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index_store.dates import parse_published
from index_store.loaders import SUPPORTED_SUFFIXES, iter_sources
from index_store.loaders.records import article_from_record
from index_store.types import Article, SourceError

DATA = Path(__file__).parent / "data" / "loaders"
SMALL_CAP = 5_000
pytestmark = pytest.mark.usefixtures("no_proxy_for_local_server")


def load(*inputs: object, **limits: int | float) -> list[Article | SourceError]:
    return list(iter_sources([str(source) for source in inputs], **limits))


def only_article(*inputs: object, **limits: int | float) -> Article:
    [item] = load(*inputs, **limits)
    assert isinstance(item, Article), item
    return item


def only_error(*inputs: object, **limits: int | float) -> SourceError:
    [item] = load(*inputs, **limits)
    assert isinstance(item, SourceError), item
    return item


# --- plain text and Markdown ---------------------------------------------------------------


def test_txt_without_front_matter_takes_its_first_line_as_title() -> None:
    article = only_article(DATA / "plain.txt")
    assert article.title == "Lowmere council votes to repaint the lighthouse"
    assert "red and white stripes" in article.text
    assert article.origin == str(DATA / "plain.txt")
    assert (article.url, article.source, article.authors, article.published) == ("", "", (), None)


def test_txt_front_matter_sets_metadata_and_is_not_in_the_text() -> None:
    article = only_article(DATA / "front_matter.txt")
    assert article.title == "Ferry timetable changes for the winter"
    assert article.source == "Lowmere Gazette"
    assert article.url == "https://gazette.example/ferry-winter"
    assert article.published == date(2024, 11, 2)
    assert article.authors == ("Ada Quill", "Ben Ort")
    assert article.text.startswith("From next week the ferry")
    assert "---" not in article.text


def test_markdown_yaml_list_authors_and_heading_title() -> None:
    article = only_article(DATA / "story.md")
    assert article.title == "Tidal library opens on the sandbar"
    assert article.authors == ("Maren Holt", "Theo Lind")
    assert article.published == date(2024, 3, 5)
    assert article.source == "Coastline Courier"
    assert "four thousand books" in article.text


def test_front_matter_inline_list_and_quotes(tmp_path: Path) -> None:
    path = tmp_path / "inline.md"
    path.write_text("---\nauthors: [\"Ada Quill\", 'Ben Ort']\ntitle: 'Quoted'\n---\nBody.\n")
    article = only_article(path)
    assert (article.title, article.authors, article.text) == (
        "Quoted",
        ("Ada Quill", "Ben Ort"),
        "Body.",
    )


def test_a_dash_rule_that_is_not_front_matter_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "rule.txt"
    path.write_text("---\nThis is prose, not fields.\n---\nMore prose.\n")
    assert "This is prose, not fields." in only_article(path).text


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf8.txt", "Café crème in Reykjavík\n\nÞórður said so.".encode()),
        ("utf8bom.txt", codecs.BOM_UTF8 + "Café crème in Reykjavík\n\nÞórður said so.".encode()),
        ("utf16.txt", "Café crème in Reykjavík\n\nÞórður said so.".encode("utf-16")),
        (
            "utf16be.txt",
            codecs.BOM_UTF16_BE + "Café crème in Reykjavík\n\nÞórður said so.".encode("utf-16-be"),
        ),
    ],
)
def test_text_encodings_with_and_without_bom(tmp_path: Path, name: str, data: bytes) -> None:
    (tmp_path / name).write_bytes(data)
    article = only_article(tmp_path / name)
    assert article.title == "Café crème in Reykjavík"
    assert article.text.endswith("Þórður said so.")


def test_legacy_encoding_is_guessed(tmp_path: Path) -> None:
    text = (
        "Le café du port a rouvert ses portes mercredi après des mois de travaux.\n\n"
        "Les pêcheurs étaient nombreux à fêter l'événement, a déclaré la propriétaire, "
        "qui espère voir revenir les habitués dès l'été prochain.\n"
    )
    (tmp_path / "latin.txt").write_bytes(text.encode("cp1252"))
    assert "Les pêcheurs étaient nombreux" in only_article(tmp_path / "latin.txt").text


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", bytes(range(1, 32)) * 40 + b"some words"],
    ids=["nul-bytes", "control-bytes"],
)
def test_binary_file_is_reported(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "image.txt").write_bytes(data)
    assert only_error(tmp_path / "image.txt").reason == "binary file, not text"


def test_empty_text_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_text("---\ntitle: Nothing here\n---\n\n")
    assert only_error(tmp_path / "empty.md").reason == "empty article"


# --- HTML ----------------------------------------------------------------------------------


def test_html_keeps_the_article_and_metadata_and_drops_boilerplate() -> None:
    article = only_article(DATA / "page.html")
    assert "can only be reached at low tide" in article.text
    assert "returned to a dry box on the quay" in article.text
    for boilerplate in (
        "Sport",
        "Subscribe for unlimited",
        "cookies",
        "Most read",
        "Gull steals",
        "All rights reserved",
        "Privacy policy",
    ):
        assert boilerplate not in article.text
    assert article.title == "Harbour town opens tidal library"
    assert article.authors == ("Ada Quill",)
    assert article.published == date(2024, 3, 5)
    assert article.source == "Coastline Courier"
    assert article.url == "https://courier.example/2024/03/tidal-library"
    assert "\n\nThe building sits on a sandbar" in article.text


def test_html_without_article_text_is_reported(tmp_path: Path) -> None:
    (tmp_path / "menu.htm").write_text(
        "<html><body><img src='map.png'><script>draw()</script></body></html>"
    )
    assert only_error(tmp_path / "menu.htm").reason == "no article text found in the HTML page"


# --- JSON and JSON Lines -------------------------------------------------------------------


def test_json_list_with_aliases() -> None:
    first, second = load(DATA / "records.json")
    assert first == Article(
        text="The old stone bridge reopened on Wednesday after three months of repairs.\n\n"
        "Cyclists must still dismount on the span.",
        title="Bridge reopens after repairs",
        source="Lowmere Gazette",
        url="https://gazette.example/bridge",
        authors=("Ada Quill",),
        published=date(2024, 5, 1),
        origin=f"{DATA / 'records.json'}#record1",
        record_id="rec-1",
    )
    assert isinstance(second, Article)
    assert (second.url, second.source, second.authors, second.published, second.record_id) == (
        "https://courier.example/market",
        "Coastline Courier",
        ("Ben Ort",),
        date(2024, 5, 3),
        "2",
    )


@pytest.mark.parametrize("wrapper", ["articles", "items", "data"])
def test_json_object_holding_a_list(tmp_path: Path, wrapper: str) -> None:
    path = tmp_path / "wrapped.json"
    path.write_text(json.dumps({"count": 1, wrapper: [{"title": "T", "text": "Body."}]}))
    assert only_article(path).origin == f"{path}#record1"


def test_json_single_record(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"id": "x9", "headline": "One", "description": "Only text."}))
    article = only_article(path)
    assert (article.title, article.text, article.origin, article.record_id) == (
        "One",
        "Only text.",
        str(path),
        "x9",
    )


def test_json_lines_in_a_json_file_get_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "lines.json"
    path.write_text('{"text": "a"}\n{"text": "b"}\n')
    error = only_error(path)
    assert "invalid JSON at line 2" in error.reason and ".jsonl" in error.reason


def test_jsonl_reads_every_good_line_and_reports_bad_ones() -> None:
    items = load(DATA / "records.jsonl")
    origin = str(DATA / "records.jsonl")
    by_origin = {item.origin: item for item in items}
    assert list(by_origin) == [f"{origin}:{line}" for line in (1, 2, 3, 5, 6, 7, 8)]

    malformed = by_origin[f"{origin}:3"]
    assert isinstance(malformed, SourceError) and malformed.reason.startswith(
        "invalid JSON at column"
    )
    assert "\n" not in str(malformed)
    assert by_origin[f"{origin}:5"] == SourceError(f"{origin}:5", "empty article")
    assert by_origin[f"{origin}:7"].reason == "record is a JSON array, expected an object"

    aliased = by_origin[f"{origin}:2"]
    assert aliased == Article(
        text="The new ferry will be named after Ida Brun, who fished these waters for sixty years.",
        title="New ferry named after fisherwoman",
        source="Coastline Courier",
        url="https://courier.example/ferry",
        authors=("Maren Holt", "Theo Lind"),
        published=date(2024, 6, 11),
        origin=f"{origin}:2",
    )
    newsapi_style = by_origin[f"{origin}:6"]
    assert newsapi_style.source == "Saltholm Post"
    assert newsapi_style.text.startswith("The island school installed solar panels")
    assert newsapi_style.published == date(2024, 6, 20)
    assert by_origin[f"{origin}:8"].text == "Records after bad lines are still loaded."


def test_jsonl_invalid_utf8_line_is_reported_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"text": "caf\xe9"}\n{"text": "fine"}\n')
    error, article = load(path)
    assert error == SourceError(f"{path}:1", "not valid UTF-8 (save the file as UTF-8)")
    assert isinstance(article, Article) and article.text == "fine"


def test_jsonl_streams_line_by_line(tmp_path: Path) -> None:
    """The first article arrives while the writer is still blocked writing the rest: the rest is
    megabytes, far more than a pipe holds, so a reader that read the whole file first would only
    have returned after the writer finished."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs a named pipe (POSIX)")
    pipe = tmp_path / "live.jsonl"
    os.mkfifo(pipe)
    rest = [json.dumps({"text": f"article {n}: " + "x" * 1000}) + "\n" for n in range(4000)]
    all_written = threading.Event()

    def write() -> None:
        with pipe.open("w") as writer:
            writer.write(json.dumps({"text": "first"}) + "\n")
            writer.writelines(rest)
            writer.flush()
            all_written.set()  # before closing: the end of the file comes after this

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    items = iter_sources([str(pipe)])
    assert next(items).text == "first"
    assert not all_written.is_set(), "the first article waited for the whole file"
    texts = [item.text for item in items]
    assert len(texts) == 4000 and texts[-1].startswith("article 3999: x")
    writer.join()


def test_article_over_the_char_limit_is_reported_and_the_rest_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "sizes.jsonl"
    path.write_text(json.dumps({"text": "x" * 500}) + "\n" + json.dumps({"text": "short"}) + "\n")
    too_long, short = load(path, max_article_chars=100)
    assert too_long == SourceError(
        f"{path}:1", "article is 500 characters, over max_article_chars (100)"
    )
    assert isinstance(short, Article)


def test_text_file_too_big_for_the_limit_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "huge.txt").write_text("word " * 200)
    error = only_error(tmp_path / "huge.txt", max_article_chars=100)
    assert error.reason == "file is 1,000 bytes, too big for max_article_chars"


def test_html_file_bigger_than_the_page_cap_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "huge.html").write_text("<p>word</p>" * 100)
    error = only_error(tmp_path / "huge.html", max_fetch_bytes=100)
    assert error.reason == "file is 1,100 bytes, too big for max_fetch_bytes"


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda children: (
            st.lists(children)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "text",
                        "title",
                        "authors",
                        "author",
                        "published",
                        "date",
                        "source",
                        "url",
                        "id",
                        "body",
                    ]
                ),
                children,
            )
        ),
        max_leaves=8,
    )
)
def test_any_json_value_becomes_an_article_or_an_error(record: object) -> None:
    assert isinstance(article_from_record(record, "here"), Article | SourceError)


# --- feeds ---------------------------------------------------------------------------------


def test_rss_entries_become_articles() -> None:
    first, second, empty = load(DATA / "feed.rss")
    origin = str(DATA / "feed.rss")
    assert first == Article(
        text="The harbour wall will be raised by half a metre before the autumn storms.\n\n"
        "Work starts next month.\nBoats will moor at the north quay meanwhile.",
        title="Harbour wall to be raised",
        source="Lowmere Gazette",
        url="https://gazette.example/harbour-wall",
        authors=("Ada Quill",),
        published=date(2024, 7, 15),
        origin=f"{origin}#entry1",
        record_id="gazette-101",
    )
    assert second.text == "The tidal library will open on Sundays during the summer."
    assert second.authors == ("Ben Ort",)
    assert empty == SourceError(f"{origin}#entry3", "empty article")


def test_rss_author_given_only_as_an_email_is_not_a_name(tmp_path: Path) -> None:
    path = tmp_path / "emails.rss"
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item>'
        "<author>desk@gazette.example</author><description>Text.</description>"
        "</item></channel></rss>"
    )
    assert only_article(path).authors == ()


def test_atom_entries_become_articles() -> None:
    first, second = load(DATA / "feed.atom")
    assert (
        first.text
        == "Two kayakers were rescued off Saltholm on Thursday evening.\n\nBoth were unhurt."
    )
    assert (first.authors, first.published, first.url) == (
        ("Theo Lind",),
        date(2024, 8, 1),
        "https://courier.example/lifeboat",
    )
    assert second.published == date(2024, 8, 2)
    assert second.origin == f"{DATA / 'feed.atom'}#entry2"


def test_xml_that_is_not_a_feed_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "sitemap.xml"
    path.write_text(
        '<?xml version="1.0"?><urlset><url><loc>https://a.example/</loc></url></urlset>'
    )
    assert only_error(path).reason == "not an RSS or Atom feed"


def test_feed_without_entries_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "quiet.rss"
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    )
    assert only_error(path).reason == "the feed has no entries"


# --- paths and folders ---------------------------------------------------------------------


def test_folder_is_walked_sorted_skipping_hidden_and_unsupported(tmp_path: Path) -> None:
    for name in ("b.txt", "a/c.md", "a/d/e.txt", ".hidden.txt", ".git/f.txt", "notes.pdf", "Z.TXT"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"{name}\n\nBody of {name}.")
    origins = [item.origin for item in load(tmp_path)]
    assert origins == [str(tmp_path / name) for name in ("Z.TXT", "a/c.md", "a/d/e.txt", "b.txt")]


def test_missing_path_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "article.txt"
    assert only_error(missing) == SourceError(str(missing), "no such file or directory")


def test_unsupported_file_type_lists_the_supported_ones(tmp_path: Path) -> None:
    (tmp_path / "paper.pdf").write_bytes(b"%PDF-1.4")
    error = only_error(tmp_path / "paper.pdf")
    assert (
        error.reason == f"unsupported file type '.pdf' (supported: {' '.join(SUPPORTED_SUFFIXES)})"
    )


def test_inputs_are_read_lazily(tmp_path: Path) -> None:
    items = iter_sources([str(DATA / "plain.txt"), str(tmp_path / "missing.txt")])
    assert isinstance(next(items), Article)
    assert isinstance(next(items), SourceError)


# --- URLs against a real local server -----------------------------------------------------

PLAIN_PAGE = (
    (DATA / "page.html")
    .read_bytes()
    .replace(b'<link rel="canonical" href="https://courier.example/2024/03/tidal-library">', b"")
)
ROUTES: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/article": (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        (DATA / "page.html").read_bytes(),
    ),
    "/plain-page": (200, {"Content-Type": "text/html"}, PLAIN_PAGE),
    "/feed": (200, {"Content-Type": "application/rss+xml"}, (DATA / "feed.rss").read_bytes()),
    "/atom": (
        200,
        {"Content-Type": "application/atom+xml; charset=utf-8"},
        (DATA / "feed.atom").read_bytes(),
    ),
    "/notes.txt": (
        200,
        {"Content-Type": "text/plain; charset=utf-8"},
        b"Notes from the quay\n\nThe tide was high at noon.",
    ),
    "/moved": (301, {"Location": "/notes.txt"}, b""),
    "/loop": (302, {"Location": "/loop"}, b""),
    "/to-ftp": (302, {"Location": "ftp://127.0.0.1/file.txt"}, b""),
    "/image.png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
    "/broken": (500, {"Content-Type": "text/plain"}, b"oops"),
    "/big-declared": (
        200,
        {"Content-Type": "text/html", "Content-Length": str(SMALL_CAP * 4)},
        b"<p>x</p>" * (SMALL_CAP // 2),
    ),
    "/big-streamed": (200, {"Content-Type": "text/html"}, b"<p>x</p>" * (SMALL_CAP // 2)),
}


RELEASE_SLOW = threading.Event()
"""Set by the timeout test once its fetch has given up; until then /slow sends nothing."""


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow":
            RELEASE_SLOW.wait(timeout=30)
        status, headers, body = ROUTES.get(
            self.path, (404, {"Content-Type": "text/plain"}, b"no such page")
        )
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up on purpose: size cap or timeout tests

    def log_message(self, *args: object) -> None:
        """Keep test output quiet."""


@pytest.fixture(scope="module")
def server() -> str:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def test_url_html_page(server: str) -> None:
    article = only_article(f"{server}/article")
    assert (
        "can only be reached at low tide" in article.text
        and "All rights reserved" not in article.text
    )
    assert article.origin == f"{server}/article"
    assert article.url == "https://courier.example/2024/03/tidal-library"
    assert article.title == "Harbour town opens tidal library"


def test_url_html_without_canonical_link_uses_the_fetched_url(server: str) -> None:
    assert only_article(f"{server}/plain-page").url == f"{server}/plain-page"


def test_url_feed_entries_are_named_after_the_url(server: str) -> None:
    items = load(f"{server}/feed")
    assert [item.origin for item in items] == [f"{server}/feed#entry{n}" for n in (1, 2, 3)]
    assert items[0].url == "https://gazette.example/harbour-wall"
    assert [item.title for item in load(f"{server}/atom")] == [
        "Lifeboat crew rescues kayakers",
        "Beach cleanup collects two tonnes",
    ]


def test_url_plain_text_after_redirect_gets_the_final_url(server: str) -> None:
    article = only_article(f"{server}/moved")
    assert (article.title, article.url, article.origin) == (
        "Notes from the quay",
        f"{server}/notes.txt",
        f"{server}/moved",
    )


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing", "HTTP 404 Not Found"),
        ("/broken", "HTTP 500 Internal Server Error"),
        (
            "/image.png",
            "unsupported content type 'image/png' (expected HTML, RSS/Atom or plain text)",
        ),
        ("/loop", "too many redirects (more than 5)"),
        ("/to-ftp", "redirected to a URL that is not http:// or https://"),
        (
            "/big-declared",
            f"response is larger than {SMALL_CAP:,} bytes (raise max_fetch_bytes to allow it)",
        ),
        (
            "/big-streamed",
            f"response is larger than {SMALL_CAP:,} bytes (raise max_fetch_bytes to allow it)",
        ),
    ],
)
def test_url_failures_are_one_line_errors_naming_the_url(
    server: str, path: str, reason: str
) -> None:
    assert only_error(f"{server}{path}", max_fetch_bytes=SMALL_CAP) == SourceError(
        f"{server}{path}", reason
    )


def test_url_timeout(server: str) -> None:
    """/slow answers only once the fetch has ended, so only the timeout can end it."""
    try:
        assert only_error(f"{server}/slow", fetch_timeout=0.2).reason == "timed out after 0.2s"
    finally:
        RELEASE_SLOW.set()


def test_unreachable_url() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = only_error(f"http://127.0.0.1:{port}/")
    assert error.origin == f"http://127.0.0.1:{port}/" and error.reason.startswith("cannot fetch:")


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/file.txt", "file:///etc/hostname", "http:///no-host"]
)
def test_non_http_urls_are_refused(url: str) -> None:
    assert only_error(url) == SourceError(url, "only http:// and https:// URLs can be fetched")


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("2024-03-05T23:30:00-05:00", date(2024, 3, 5)),
        ("Tue, 05 Mar 2024 10:00:00 GMT", date(2024, 3, 5)),
        ("Tue, 05 Mar 2024 10:00:00 EST", date(2024, 3, 5)),
        ("5 March 2024", date(2024, 3, 5)),
        (1_709_633_000, date(2024, 3, 5)),
        (1_709_633_000_000, date(2024, 3, 5)),
        ("1709633000", date(2024, 3, 5)),
        (date(2024, 3, 5), date(2024, 3, 5)),
        ("March 5", None),
        ("1700-01-01", None),
        (str(date.today() + timedelta(days=400)), None),
        ("not a date", None),
        ("", None),
        (None, None),
        (True, None),
        ([2024, 3, 5], None),
    ],
)
def test_parse_published(value: object, expected: date | None) -> None:
    assert parse_published(value) == expected


@given(st.text() | st.integers() | st.floats())
def test_parse_published_never_raises(value: object) -> None:
    assert parse_published(value) is None or isinstance(parse_published(value), date)


def test_markdown_syntax_does_not_reach_the_stored_text(tmp_path):
    path = tmp_path / "note.md"
    path.write_text(
        "# Council votes\n\n**Ada Moss** won, see [the results](https://x.example/r).\n\n"
        "- Turnout: *31%*\n- Seats: 12\n"
    )
    (article,) = list(iter_sources([str(path)]))
    assert article.title == "Council votes"
    assert "Ada Moss won, see the results." in article.text
    assert "Turnout: 31%" in article.text and "Seats: 12" in article.text
    for mark in ("**", "](", "# ", "- "):
        assert mark not in article.text
