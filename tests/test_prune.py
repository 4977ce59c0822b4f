"""`newsqa prune`: old articles leave with their chunks, vectors and keyword entries, and the
store stays consistent (ledger, Chroma and BM25 agree)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from index_store.store import Store
from qa import NewsQA
from qa.cli import app
from tests.store_checks import audit

RECORDS = [
    ("old-ferry", "2023-05-02", "The Saltholm ferry gained a second deck for the summer."),
    ("old-bridge", "2024-02-10", "Kellan bridge closed for repairs to its cast iron arches."),
    ("old-library", "2024-11-30", "Lowmere library added Sunday opening hours in winter."),
    ("new-tram", "2025-03-14", "The Quayside tram line reopened after track renewal works."),
    ("new-market", "2025-06-01", "Aldwen market moved to the harbour square for good."),
    ("undated-note", None, "Wendmoor lighthouse keepers held their annual open day."),
]


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "records.jsonl"
    lines = []
    for article_id, published, text in RECORDS:
        record = {"id": article_id, "title": article_id.replace("-", " "), "text": text}
        if published:
            record["published"] = published
        lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n")
    store = tmp_path / "store"
    NewsQA(store=store).ingest([path])
    return store


def run(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_prune_removes_old_articles_everywhere_and_keeps_the_store_consistent(store):
    before = audit(store)
    dry = run("prune", "--before", "2025-01-01", "--dry-run", "--store", store)
    assert dry.exit_code == 0, dry.output
    assert "would remove 3 articles" in dry.output and "before 2025-01-01" in dry.output
    assert audit(store) == before

    result = run("prune", "--before", "2025-01-01", "--store", store, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["article_ids"] == ["old-ferry", "old-bridge", "old-library"]
    assert summary["chunks"] == sum(1 for c in before.chunk_ids if c not in audit(store).chunk_ids)

    after = audit(store)
    assert set(after.articles) == {"new-tram", "new-market", "undated-note"}
    opened = Store.open(NewsQA(store=store).settings.index_config())
    try:
        assert not opened.keyword_index().search("Saltholm ferry second deck", 5)
        assert opened.keyword_index().search("Quayside tram", 5)
    finally:
        opened.close()
    found = NewsQA(store=store).search("ferry deck bridge arches library Sunday", k=10)
    assert {p.article_id for p in found} <= set(after.articles)


def test_older_than_counts_back_from_today(store):
    assert "removed 0 articles" in run("prune", "--older-than", "100000d", "--store", store).output
    result = run("prune", "--older-than", "1d", "--store", store)
    assert result.exit_code == 0 and "removed 5 articles" in result.output
    assert set(audit(store).articles) == {"undated-note"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give one of --older-than"),
        (["--older-than", "1d", "--before", "2025-01-01"], "give one of --older-than"),
        (["--older-than", "half a year"], "is not a duration"),
        (["--before", "last year"], "is not a day"),
    ],
)
def test_bad_prune_options_are_refused_and_change_nothing(store, args, message):
    before = audit(store)
    result = run("prune", *args, "--store", store)
    assert result.exit_code == 2 and message in result.output
    assert audit(store) == before
