"""The CLI end to end on real stores: what a user reads, and the exit codes scripts rely on."""

from __future__ import annotations

import json
import re
import shlex
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from qa.cli import app
from tests.conftest import REALTIMEQA, REPO, SEED_ARTICLE, SEED_QA, needs_shared, read_jsonl

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def ask_json(store, question: str) -> dict:
    result = run("ask", question, "--store", store, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@needs_shared(SEED_QA)
@pytest.mark.parametrize(
    "case", read_jsonl(SEED_QA) if SEED_QA.exists() else [], ids=lambda c: c["id"]
)
def test_seed_questions_are_answered_with_citations_or_abstained(seed_store, case):
    answer = ask_json(seed_store, case["question"])
    if case["expect_abstain"]:
        assert answer["abstained"] is True
        assert answer["citations"] == []
        return
    assert answer["abstained"] is False
    assert any(gold.lower() in answer["answer"].lower() for gold in case["answers"])
    assert answer["citations"], "an answer must cite"
    shown = {p["chunk_id"]: p for p in answer["passages"]}
    for citation in answer["citations"]:
        passage = shown[citation["chunk_id"]]
        fields = ("article_id", "title", "source", "published", "url", "text")
        assert {f: citation[f] for f in fields} == {f: passage[f] for f in fields}
    cited = " ".join(c["text"] for c in answer["citations"]).lower()
    assert any(gold.lower() in cited for gold in case["answers"]), "the cited passage must hold it"
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])]
    assert (
        sorted(set(markers))
        == [c["n"] for c in answer["citations"]]
        == list(range(1, len(answer["citations"]) + 1))
    )


@needs_shared(SEED_ARTICLE)
def test_the_stored_seed_article_is_clean(seed_store):
    result = run("sources", "--store", seed_store, "--json")
    (article,) = json.loads(result.stdout)
    chunks = json.loads(
        run("search", "Putin visit India", "--store", seed_store, "-k", "10", "--json").stdout
    )
    text = " ".join(c["text"] for c in chunks)
    for noise in ("Advertisement", "Scroll to continue", "ALSO READ"):
        assert noise not in text
    assert text.count("Russia is gearing up for President") == 1
    assert article["title"].startswith("Russia is gearing up")


def test_text_answer_lists_numbered_sources(demo_store):
    result = run("ask", "Who won the Quayside ward by-election?", "--store", demo_store)
    assert result.exit_code == 0, result.output
    assert "Ashdown" in result.stdout
    assert re.search(r"^Sources:\n\[1\] .+ — .+, 2025-\d\d-\d\d", result.stdout, re.M)


def test_search_json_has_metadata(demo_store):
    result = run("search", "wildfire moor", "--store", demo_store, "-k", "3", "--json")
    passages = json.loads(result.stdout)
    assert len(passages) == 3
    for key in (
        "rank",
        "score",
        "chunk_id",
        "article_id",
        "title",
        "text",
        "source",
        "published",
        "url",
    ):
        assert key in passages[0]
    assert [p["rank"] for p in passages] == [1, 2, 3]


def search_json(store, query: str, *options: str) -> list[dict]:
    result = run("search", query, "--store", store, "-k", "5", "--json", *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_search_filters_by_date_and_outlet_from_the_command_line(demo_store):
    everything = search_json(demo_store, "Harrowgate")
    since = search_json(demo_store, "Harrowgate", "--since", "2025-04-01")
    until = search_json(demo_store, "Harrowgate", "--until", "2025-02-28")
    window = search_json(demo_store, "Harrowgate", "--since", "2025-02-01", "--until", "2025-03-31")
    outlets = ["Wendmoor Gazette", "Harrowgate Herald"]
    chosen = search_json(demo_store, "Harrowgate", "--source", outlets[0], "--source", outlets[1])

    assert any(p["published"] < "2025-04-01" for p in everything), "the filter must change results"
    assert len(since) == 5 and all(p["published"] >= "2025-04-01" for p in since)
    assert until and all(p["published"] <= "2025-02-28" for p in until)
    assert window and all("2025-02-01" <= p["published"] <= "2025-03-31" for p in window)
    named = [{p["source"], *p["sources"]} & set(outlets) for p in chosen]
    assert len(chosen) == 5 and all(named) and set().union(*named) == set(outlets)


def test_a_bad_date_filter_is_one_line_naming_the_option(demo_store):
    result = run("search", "Harrowgate", "--store", demo_store, "--until", "June")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: until: 'June' is not a date, use YYYY-MM-DD"


def test_demo_ingests_the_bundled_corpus_once_and_answers_with_citations(private_user_dir):
    first = run("demo")
    again = run("demo", "Who won the Quayside ward by-election?")

    store = private_user_dir / "demo-store"
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith(f"demo corpus in {store}: 12 added, 0 unchanged, 1 duplicates")
    assert "Q: How many jobs will Lumenfold create" in first.stdout
    assert "120 jobs" in first.stdout and "[1]" in first.stdout
    assert re.search(
        r"^Sources:\n\[1\] Lumenfold to create 120 jobs .+ — .+, 2025-", first.stdout, re.M
    )
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith(f"demo corpus in {store}: 0 added, 12 unchanged")
    assert "Ashdown" in again.stdout
    suggested = re.search(r"^next: newsqa (brief .+?)   #", first.stdout, re.M)
    brief = run(*shlex.split(suggested[1]))
    assert brief.exit_code == 0 and "Figures differ on cost" in brief.stdout


PAGES = {
    "/story.html": ("text/html; charset=utf-8", REPO / "tests" / "data" / "loaders" / "page.html"),
    "/feed.xml": ("application/rss+xml", REPO / "tests" / "data" / "loaders" / "feed.rss"),
}


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        content_type, path = PAGES.get(self.path, ("text/plain", None))
        body = path.read_bytes() if path else b"no such page"
        self.send_response(200 if path else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def web(no_proxy_for_local_server) -> Iterator[str]:
    """A news site on 127.0.0.1: an article page, an RSS feed, and 404 for anything else."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_ingest_fetches_pages_and_feeds_by_url(web, tmp_path):
    store = tmp_path / "store"
    urls = [f"{web}/story.html", f"{web}/feed.xml", f"{web}/gone.html"]
    # The feed's short entries link to pages this site does not serve: read them as they are
    # (following teasers to their pages is tests/test_teasers.py).
    result = run("ingest", *urls, "--store", store, "--no-follow-links")

    assert result.exit_code == 1, "a source failed"
    assert result.stdout.startswith("3 added, 0 updated, 0 unchanged, 0 duplicates, 2 failed")
    assert result.stderr.splitlines() == [
        f"error: {web}/feed.xml#entry3: empty article",
        f"error: {web}/gone.html: HTTP 404 Not Found",
    ]
    stored = json.loads(run("sources", "--store", store, "--json").stdout)
    assert {(s["title"], s["url"]) for s in stored} == {
        ("Harbour town opens tidal library", "https://courier.example/2024/03/tidal-library"),
        ("Harbour wall to be raised", "https://gazette.example/harbour-wall"),
        ("Library extends opening hours", "https://gazette.example/library-hours"),
    }
    (hit, *_) = search_json(store, "library reached at low tide")
    assert (
        hit["title"] == "Harbour town opens tidal library" and hit["source"] == "Coastline Courier"
    )


def test_stats_and_sources_json(demo_store):
    stats = json.loads(run("stats", "--store", demo_store, "--json").stdout)
    sources = json.loads(run("sources", "--store", demo_store, "--json").stdout)
    assert stats["articles"] == len(sources) >= 12
    assert stats["chunks"] == sum(s["chunks"] for s in sources)
    assert {"id", "title", "published", "chunks"} <= set(sources[0])


def test_ingest_reports_counts_and_fails_on_bad_input(tmp_path):
    (tmp_path / "bad.jsonl").write_text(
        '{"title": "A", "text": "Body of the article."}\nnot json\n'
    )
    result = run("ingest", tmp_path / "bad.jsonl", tmp_path / "nope.txt", "--store", tmp_path / "s")
    assert result.exit_code == 1
    assert "1 added" in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert any("bad.jsonl:2" in line for line in errors)
    assert any("nope.txt" in line for line in errors)
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "   "), "question is empty"),
        (("ask", "Who won?", "--as-of", "yesterday"), "YYYY-MM-DD"),
        (("ask", "Who won?", "-m", "no-such-model"), "unknown model"),
    ],
)
def test_user_mistakes_get_one_line_errors(demo_store, args, message):
    result = run(*args, "--store", demo_store)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_asking_without_a_store_says_how_to_ingest(tmp_path):
    result = run("ask", "Who won?", "--store", tmp_path / "empty")
    assert result.exit_code == 1
    assert "newsqa ingest" in result.stderr


@needs_shared(REALTIMEQA / "articles-2025-small.jsonl")
def test_a_realtimeqa_sample_ingests_and_searches(tmp_path):
    sample = tmp_path / "sample.jsonl"
    lines = (REALTIMEQA / "articles-2025-small.jsonl").read_text().splitlines()[:40]
    sample.write_text("\n".join(lines) + "\n")
    result = run("ingest", sample, "--store", tmp_path / "s")
    assert result.exit_code == 0, result.output
    assert "40 added" in result.stdout
    first = json.loads(lines[0])
    hits = json.loads(run("search", first["title"], "--store", tmp_path / "s", "--json").stdout)
    assert hits[0]["article_id"] in {json.loads(line)["id"] for line in lines}
    assert all(h["url"].startswith("http") and h["source"] for h in hits)
