"""Ingest on a real Chroma store with the packaged model: dedupe, updates, copies, removal."""

from __future__ import annotations

import json
from pathlib import Path

from index_store.store import Store
from qa import NewsQA
from tests.conftest import DEMO

STORY = """---
title: Harbour tunnel opens to traffic
source: Example Tribune
url: https://tribune.example/tunnel?utm_source=newsletter
published: 2025-04-02
---
The new harbour tunnel opened to traffic on Wednesday after four years of work.

Engineers said the tunnel carries 40,000 vehicles a day and cut the crossing to six minutes.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def ledger_and_vectors_agree(store_dir: Path) -> tuple[int, int]:
    store = Store.open(NewsQA(store=store_dir).settings.index_config())
    try:
        articles, chunks = store.ledger.counts()
        assert store.vectors.count() == chunks
        assert len(store.keyword_index().chunk_ids) == chunks
        return articles, chunks
    finally:
        store.close()


def test_reingesting_unchanged_articles_embeds_nothing(tmp_path):
    story = write(tmp_path, "tunnel.txt", STORY)
    nq = NewsQA(store=tmp_path / "store")
    first = nq.ingest([story, DEMO / "articles" / "storm-ilse.txt"])
    assert (first.added, first.failed) == (2, 0)
    counts = ledger_and_vectors_agree(tmp_path / "store")
    again = nq.ingest([story, DEMO / "articles" / "storm-ilse.txt"])
    assert (again.added, again.updated, again.unchanged, again.chunks_written) == (0, 0, 2, 0)
    assert ledger_and_vectors_agree(tmp_path / "store") == counts


def test_an_edited_article_replaces_its_old_chunks(tmp_path):
    story = write(tmp_path, "tunnel.txt", STORY)
    nq = NewsQA(store=tmp_path / "store")
    nq.ingest([story])
    write(tmp_path, "tunnel.txt", STORY.replace("40,000 vehicles", "52,000 vehicles"))
    summary = nq.ingest([story])
    assert (summary.added, summary.updated) == (0, 1)
    assert ledger_and_vectors_agree(tmp_path / "store") == (1, 1)
    texts = " ".join(p.text for p in nq.search("how many vehicles use the tunnel", k=5))
    assert "52,000" in texts and "40,000" not in texts


def test_the_url_is_the_identity_so_tracking_parameters_do_not_duplicate(tmp_path):
    nq = NewsQA(store=tmp_path / "store")
    nq.ingest([write(tmp_path, "a.txt", STORY)])
    nq.ingest([write(tmp_path, "b.txt", STORY.replace("?utm_source=newsletter", ""))])
    (record,) = nq.sources()
    assert record.id == "https://tribune.example/tunnel"


def test_a_syndicated_copy_is_stored_once_and_remembers_both_outlets(demo_store):
    nq = NewsQA(store=demo_store)
    closures = [r for r in nq.sources() if "Kellan Bridge" in r.title and "clos" in r.title.lower()]
    assert len(closures) == 1
    outlets = {closures[0].source, *(source for source, _ in closures[0].also_in)}
    assert len(outlets) == 2
    (story,) = closures
    passages = nq.search("Kellan Bridge closure repairs cost", k=5)
    of_story = [p for p in passages if p.article_id == story.id]
    assert of_story and all(set(p.sources) == outlets for p in of_story), "every outlet is named"


def test_the_same_file_twice_in_one_run_counts_as_a_duplicate(tmp_path):
    story = write(tmp_path, "tunnel.txt", STORY)
    summary = NewsQA(store=tmp_path / "store").ingest([story, story])
    assert (summary.added, summary.duplicates) == (1, 1)


def test_bad_sources_are_reported_and_the_rest_is_ingested(tmp_path):
    good = write(tmp_path, "tunnel.txt", STORY)
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 4)
    write(tmp_path, "empty.txt", "   \n\n")
    write(tmp_path, "lines.jsonl", '{"title": "ok", "text": "A fine article body here."}\n{oops\n')
    inputs = [good, tmp_path / "missing.txt", tmp_path / "binary.txt", tmp_path / "empty.txt"]
    summary = NewsQA(store=tmp_path / "store").ingest([*inputs, tmp_path / "lines.jsonl"])
    assert summary.added == 2
    assert summary.failed == 4
    origins = " ".join(e.origin for e in summary.errors)
    assert "missing.txt" in origins and "binary.txt" in origins and "lines.jsonl:2" in origins
    assert all("\n" not in str(e) for e in summary.errors)


def test_a_store_keeps_its_model_whatever_model_is_configured(tmp_path):
    """A store built before a change of the default keeps answering with the model that built
    it; the configured model (here one that could not even load) is for new stores."""
    NewsQA(store=tmp_path / "store").ingest([write(tmp_path, "tunnel.txt", STORY)])
    other = tmp_path / "other-model"
    other.mkdir()
    (other / "modules.json").write_text("[]")
    configured = NewsQA(store=tmp_path / "store", embedding_model=str(other))
    assert configured.search("harbour tunnel traffic")[0].title == "Harbour tunnel opens to traffic"
    assert configured.ingest([DEMO / "articles" / "storm-ilse.txt"]).added == 1
    assert configured.stats().embedding_model == "all-MiniLM-L6-v2"
    assert ledger_and_vectors_agree(tmp_path / "store")[0] == 2


def test_removing_an_article_removes_its_chunks_everywhere(tmp_path):
    nq = NewsQA(store=tmp_path / "store")
    nq.ingest([write(tmp_path, "tunnel.txt", STORY), DEMO / "articles" / "storm-ilse.txt"])
    assert nq.remove(["https://tribune.example/tunnel", "no-such-id"]) == ["no-such-id"]
    articles, _ = ledger_and_vectors_agree(tmp_path / "store")
    assert articles == 1
    assert all("tunnel" not in p.text for p in nq.search("harbour tunnel vehicles", k=5))


def test_copies_and_edits_are_recognised_while_the_batch_before_is_still_embedding(
    tmp_path, monkeypatch
):
    monkeypatch.setattr("index_store.ingest.BATCH_CHUNKS", 1)
    first = "The harbour tunnel opened on Wednesday. It carries 40,000 vehicles a day."
    records = [
        {"id": "t1", "url": "https://tribune.example/tunnel", "title": "Tunnel", "text": first},
        {"url": "https://wire.example/tunnel-copy", "title": "Tunnel", "text": first},
        {"id": "t1", "title": "Tunnel", "text": first.replace("40,000", "52,000")},
    ]
    corpus = write(tmp_path, "wire.jsonl", "\n".join(json.dumps(r) for r in records))
    nq = NewsQA(store=tmp_path / "store")
    summary = nq.ingest([corpus])
    assert (summary.added, summary.duplicates, summary.updated) == (1, 1, 1)
    assert ledger_and_vectors_agree(tmp_path / "store") == (1, 1)
    (record,) = nq.sources()
    assert "52,000" in record.text
    assert [url for _, url in record.also_in] == ["https://wire.example/tunnel-copy"]


def test_articles_are_embedded_by_torch_and_questions_read_them_with_onnx(tmp_path):
    from index_store.embedding import load_embedder

    store_dir = tmp_path / "store"
    newsqa = NewsQA(store=store_dir)
    newsqa.ingest([write(tmp_path, "tunnel.md", STORY)])
    store = Store.open(newsqa.settings.index_config())
    try:
        (chunk,) = store.ledger.chunks(store.vectors.ids()).values()
        by_torch = load_embedder(newsqa.settings.embedding_model, "torch").encode([chunk.text])
        by_onnx = load_embedder(newsqa.settings.embedding_model, "onnx").encode([chunk.text])
        (stored,) = store.vectors.query(by_torch[0], 1)
        (near,) = store.vectors.query(by_onnx[0], 1)
    finally:
        store.close()

    assert (newsqa.settings.ingest_embedding_backend, newsqa.settings.embedding_backend) == (
        "torch",
        "onnx",
    )
    assert stored.chunk_id == near.chunk_id == chunk.chunk_id
    assert stored.similarity > 0.9999 and 0.99 < near.similarity < 0.9999
    assert newsqa.search("How long is the harbour tunnel crossing now?")[0].title == (
        "Harbour tunnel opens to traffic"
    )
