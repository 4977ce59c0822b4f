"""The CLI end to end on real stores: what a user reads, and the exit codes scripts rely on."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from qa.cli import app
from tests.conftest import REALTIMEQA, SEED_ARTICLE, SEED_QA, needs_shared, read_jsonl

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
