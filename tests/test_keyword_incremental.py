"""The keyword index is updated in proportion to what changed, and ranks exactly as one built
from scratch: after additions, edits, removals and merges, through the ledger a real store uses,
saved and reloaded, and when a reader catches up in memory."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from index_store.keyword import KeywordIndex, Marks, persist
from index_store.keyword.segment import Segment
from index_store.keyword.sync import current_index, rebuilt
from index_store.ledger import Ledger
from index_store.store import Store
from index_store.types import ArticleRecord, ChunkRecord
from index_store.vectors import ChunkFilter
from qa import NewsQA
from tests.conftest import DEMO

PLACES = ["Harrowgate", "Wendmoor", "Saltholm", "Lowmere", "Kellan", "Aldwen", "Quayside"]
SUBJECTS = ["council", "harbour board", "volunteers", "lifeboat crew", "engineers", "ferry"]
VERBS = ["approved", "opened", "repaired", "rejected", "funded", "postponed", "inspected"]
OBJECTS = ["bridge", "sea wall", "library", "tram line", "schools", "tunnel", "market"]
SOURCES = ["Harrowgate Herald", "Coast Radio", "Wendmoor Post"]
QUERIES = [
    "council approved bridge",
    "Saltholm lifeboat",
    "tram line postponed in Kellan",
    "library",
    "harbour board funded the sea wall repairs",
    "ferry ferry ferry",
    "volunteers inspected schools Lowmere",
    "tunnel",
    "nothing matches zyzzyva",
]


def sentence(rng: random.Random) -> str:
    return (
        f"The {rng.choice(SUBJECTS)} in {rng.choice(PLACES)} {rng.choice(VERBS)} the "
        f"{rng.choice(OBJECTS)} at a cost of {rng.randint(2, 40)} million."
    )


def search_all(index: KeywordIndex, where: ChunkFilter | None = None, queries=QUERIES) -> list:
    return [[(h.chunk_id, h.score) for h in index.search(q, 10, where)] for q in queries]


def same_as_rebuild(index: KeywordIndex, ledger: Ledger, queries=QUERIES) -> None:
    """Identical hits and scores (not merely close) and the same idf as a fresh build."""
    fresh = rebuilt(ledger)
    assert index.chunk_ids == fresh.chunk_ids
    for where in (None, ChunkFilter(since_epoch=5 * 86400), ChunkFilter(sources=(SOURCES[1],))):
        assert search_all(index, where, queries) == search_all(fresh, where, queries)
    for term in ("council", "bridg", "saltholm", "unseen"):
        assert index.idf(term) == fresh.idf(term)


class WrittenLedger:
    """Articles written straight to a real ledger, as ingest does, without embedding them."""

    def __init__(self, path: Path, seed: int) -> None:
        self.ledger = Ledger(path)
        self.rng = random.Random(seed)
        self.versions: dict[str, int] = {}

    def write(self, article_id: str) -> None:
        version = self.versions.get(article_id, -1) + 1
        paragraphs = [sentence(self.rng) for _ in range(self.rng.randint(1, 4))]
        text = "\n\n".join(paragraphs)
        record = ArticleRecord(
            id=article_id,
            content_hash=f"{article_id}-v{version}",
            title=article_id,
            source=self.rng.choice(SOURCES),
            url="",
            authors=(),
            published=None,
            published_epoch=self.rng.randint(0, 9) * 86400,
            text=text,
            chunk_count=len(paragraphs),
        )
        chunks, start = [], 0
        for position, paragraph in enumerate(paragraphs):
            chunk_id = f"{article_id}-v{version}-{position}"
            chunks.append(
                ChunkRecord(chunk_id, article_id, position, start, start + len(paragraph), "", ())
            )
            start += len(paragraph) + 2
        replaced = self.ledger.chunk_ids_of(article_id)
        self.ledger.commit_articles([record], chunks, replaced)
        self.versions[article_id] = version

    def remove(self, article_id: str) -> None:
        self.ledger.remove_article(article_id)
        self.versions.pop(article_id)


def test_scores_match_bm25s_over_the_same_chunks():
    """The index bm25s built before (its defaults: lucene, k1 1.5, b 0.75) ranks the same chunks
    with the same scores; only exact ties may come in another order."""
    import bm25s

    from index_store.terms import query_terms, terms

    rng = random.Random(3)
    rows = [(f"c{i}", sentence(rng) + " " + sentence(rng), 0, "x") for i in range(400)]
    reference = bm25s.BM25()
    reference.index([terms(text) for _, text, _, _ in rows], show_progress=False)
    index = KeywordIndex.build(rows)
    for query in QUERIES[:-1]:
        expected = reference.get_scores(query_terms(query))
        got = index.scores(query_terms(query))
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
        top = sorted(expected[expected > 0], reverse=True)[:10]
        np.testing.assert_allclose([h.score for h in index.search(query, 10)], top, rtol=1e-5)


def test_random_adds_edits_and_removals_rank_as_a_fresh_build(tmp_path):
    ledger = WrittenLedger(tmp_path / "manifest.sqlite", seed=11)
    folder = tmp_path / "bm25"
    rng = random.Random(5)
    saved_sizes = []
    for step in range(40):
        for _ in range(rng.randint(1, 6)):
            article = f"a{rng.randint(0, 80)}"
            if article in ledger.versions and rng.random() < 0.3:
                ledger.remove(article)
            else:
                ledger.write(article)
        index = current_index(folder, ledger.ledger, None, save=True)
        saved_sizes.append(len(index.parts))
        if step % 8 == 7:
            same_as_rebuild(index, ledger.ledger)
            same_as_rebuild(persist.load(folder), ledger.ledger)
    assert max(saved_sizes) <= 6, f"segments pile up: {saved_sizes}"
    assert max(saved_sizes) > 1, "every update rewrote the whole index"
    assert not ledger.ledger.removals_after(0), "the saved index took in every removal"


def test_an_update_tokenises_only_the_new_chunks(tmp_path, monkeypatch):
    ledger = WrittenLedger(tmp_path / "manifest.sqlite", seed=2)
    for n in range(60):
        ledger.write(f"a{n}")
    folder = tmp_path / "bm25"
    current_index(folder, ledger.ledger, None, save=True)
    ledger.write("a3")
    ledger.write("new-1")
    tokenised = []
    real_build = Segment.build.__func__

    def counting_build(cls, rows):
        rows = list(rows)
        tokenised.extend(chunk_id for chunk_id, *_ in rows)
        return real_build(cls, rows)

    monkeypatch.setattr(Segment, "build", classmethod(counting_build))
    index = current_index(folder, ledger.ledger, None, save=True)
    new_chunks = set(ledger.ledger.chunk_ids_of("a3")) | set(ledger.ledger.chunk_ids_of("new-1"))
    assert set(tokenised) == new_chunks
    monkeypatch.undo()
    same_as_rebuild(index, ledger.ledger)


def test_a_reader_catches_up_in_memory_without_writing(tmp_path):
    path = tmp_path / "manifest.sqlite"
    ledger = WrittenLedger(path, seed=4)
    for n in range(30):
        ledger.write(f"a{n}")
    folder = tmp_path / "bm25"
    current_index(folder, ledger.ledger, None, save=True)
    before = sorted(p.name for p in folder.iterdir())
    ledger.write("a1")
    ledger.remove("a2")
    ledger.write("late")
    reader = Ledger(path, readonly=True)
    index = current_index(folder, reader, None, save=False)
    same_as_rebuild(index, reader)
    assert sorted(p.name for p in folder.iterdir()) == before


def test_a_reader_whose_removals_were_trimmed_reloads_the_saved_index(tmp_path):
    path = tmp_path / "manifest.sqlite"
    ledger = WrittenLedger(path, seed=6)
    for n in range(20):
        ledger.write(f"a{n}")
    folder = tmp_path / "bm25"
    reader = Ledger(path, readonly=True)
    old = current_index(folder, reader, None, save=False)
    ledger.remove("a5")
    ledger.write("a6")
    current_index(folder, ledger.ledger, None, save=True)  # a writer saves, trims the log
    assert ledger.ledger.removals_trimmed_through() > old.marks.removal_seq
    ledger.write("a7")
    index = current_index(folder, reader, old, save=False)
    same_as_rebuild(index, reader)
    assert "a5" not in {c.split("-")[0] for c in index.chunk_ids}


def test_a_folder_in_the_old_bm25s_layout_is_rebuilt(tmp_path):
    ledger = WrittenLedger(tmp_path / "manifest.sqlite", seed=8)
    for n in range(10):
        ledger.write(f"a{n}")
    folder = tmp_path / "bm25"
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps({"generation": 999, "chunk_ids": []}))
    index = current_index(folder, ledger.ledger, None, save=True)
    same_as_rebuild(index, ledger.ledger)
    assert (folder / "index.json").exists() and not (folder / "meta.json").exists()


def test_merges_keep_rankings_and_drop_dead_chunks():
    rng = random.Random(9)
    rows = [(f"c{i}", sentence(rng), i % 7 * 86400, rng.choice(SOURCES)) for i in range(300)]
    index = KeywordIndex.build(rows[:50])
    live = {r[0]: r for r in rows[:50]}
    for start in range(50, 300, 25):
        doomed = rng.sample(sorted(live), 8)
        for chunk_id in doomed:
            live.pop(chunk_id)
        batch = rows[start : start + 25]
        live.update({r[0]: r for r in batch})
        index = index.updated(doomed, Segment.build(batch), Marks()).compacted()
        order = [r for r in rows if r[0] in live]
        fresh = KeywordIndex.build(order)
        assert search_all(index) == search_all(fresh)
        assert search_all(index, ChunkFilter(sources=(SOURCES[0],))) == search_all(
            fresh, ChunkFilter(sources=(SOURCES[0],))
        )
    assert all(dead <= size * 0.5 for size, dead in index.sizes())


def test_a_real_store_keeps_its_keyword_index_incremental_through_ingest_and_remove(tmp_path):
    store_dir = tmp_path / "store"
    nq = NewsQA(store=store_dir)
    nq.ingest([DEMO / "articles" / "storm-ilse.txt", DEMO / "articles" / "council-budget.txt"])
    nq.ingest([DEMO / "articles" / "wire-feed.jsonl"])
    (storm,) = [r.id for r in nq.sources() if "Ilse" in r.title]
    store = Store.open(nq.settings.index_config())
    storm_chunks = set(store.ledger.chunk_ids_of(storm))
    store.close()
    nq.remove([storm])
    store = Store.open(nq.settings.index_config())
    try:
        index = store.keyword_index()
        assert len(index.parts) >= 1 and index.marks.generation == store.ledger.generation()
        queries = ["council budget vote", "Storm Ilse gusts", "Quayside by-election", "bridge"]
        same_as_rebuild(index, store.ledger, queries)
        assert storm_chunks and not storm_chunks & set(index.chunk_ids)
        assert not storm_chunks & {h.chunk_id for h in index.search("Storm Ilse gusts", 20)}
    finally:
        store.close()
