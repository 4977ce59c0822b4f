"""SIGKILL an ingest at random moments: the store must open, hold every article fully or not at
all, and reach exactly the state of an uninterrupted run when the same ingest is run again.

The corpus is generated (200 short articles, some syndicated copies, some edited
re-appearances of earlier ids) and chunked small, in small batches, so that kills land in every
phase of a batch: embedding, journaling, the Chroma upsert, the ledger commit, the deletion of
replaced chunks, the BM25 rebuild.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from index_store.errors import StoreNotFound
from qa import NewsQA
from tests.killing import kill_mid_run
from tests.store_checks import StoreState, audit

TRIALS = int(os.environ.get("NEWSQA_KILL_TRIALS", "20"))
KILLS_PER_STORE = 5
ARTICLES = 200
COPIES = 12
EDITS = 8
# Small chunks and batches: many batch boundaries for the same embedding work.
SETTINGS = {"chunk_tokens": 32, "chunk_overlap_tokens": 0}
BATCH_CHUNKS = 48
# Ingest processes are forked from a server that has already imported these, so that each of
# the many killed processes does not spend seconds importing before it writes anything.
PRELOAD = ["qa.api", "index_store.ingest", "index_store.loaders", "chromadb", "onnxruntime", "nltk"]
PLACES = ["Harrowgate", "Wendmoor", "Saltholm", "Lowmere", "Kellan", "Aldwen", "Quayside"]
SUBJECTS = ["The council", "The harbour board", "Volunteers", "The lifeboat crew", "Engineers"]
VERBS = ["approved", "opened", "repaired", "rejected", "funded", "postponed", "inspected"]
OBJECTS = ["a new bridge", "the sea wall", "a library", "the tram line", "two schools"]


def sentence(rng: random.Random, n: int) -> str:
    return (
        f"{rng.choice(SUBJECTS)} in {rng.choice(PLACES)} {rng.choice(VERBS)} "
        f"{rng.choice(OBJECTS)} on day {n} at a cost of {rng.randint(2, 900)},000 pounds."
    )


def write_corpus(path: Path) -> int:
    """Distinct articles, then syndicated copies (same text, new id) and edits (same id, new
    text); returns how many records the file holds."""
    rng = random.Random(8)
    records = []
    for n in range(ARTICLES):
        text = " ".join(sentence(rng, n) for _ in range(rng.randint(1, 6)))
        records.append(
            {
                "id": f"story-{n:03d}",
                "title": f"{rng.choice(PLACES)} story {n}",
                "source": rng.choice(["Harrowgate Herald", "Coast Radio", "Wendmoor Post"]),
                "published": f"2025-0{rng.randint(1, 6)}-{rng.randint(10, 28)}",
                "text": text,
            }
        )
    for original in rng.sample(records[:ARTICLES], COPIES):
        records.append({**original, "id": f"copy-of-{original['id']}", "source": "Wire"})
    for original in rng.sample(records[:ARTICLES], EDITS):
        records.append({**original, "text": original["text"] + " " + sentence(rng, 999)})
    rng.shuffle(records)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return len(records)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("crash-corpus") / "corpus.jsonl"
    return path, write_corpus(path)


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> StoreState:
    """The state an uninterrupted ingest reaches."""
    store = tmp_path_factory.mktemp("crash-reference") / "store"
    summary = NewsQA(store=store, **SETTINGS).ingest([corpus[0]])
    assert (summary.added, summary.duplicates, summary.failed) == (ARTICLES, COPIES, 0)
    state = audit(store, **SETTINGS)
    assert len(state.articles) == ARTICLES
    return state


def ingest_in_child(store: str, corpus: str, progress: Connection) -> None:
    """The killed process: a plain ingest that reports each article as it is taken."""
    import index_store.ingest

    assert hasattr(index_store.ingest, "BATCH_CHUNKS")
    index_store.ingest.BATCH_CHUNKS = BATCH_CHUNKS
    NewsQA(store=store, **SETTINGS).ingest([corpus], on_article=lambda o, _: progress.send(o))
    progress.send("done")


@pytest.fixture(scope="module")
def processes():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def state_after_kill(store: Path) -> StoreState:
    try:
        return audit(store, settled=False, **SETTINGS)
    except StoreNotFound:
        return StoreState({}, frozenset())


def test_killed_ingests_leave_whole_articles_and_rerunning_completes_them(
    corpus, reference, processes, tmp_path
):
    """Each store is killed KILLS_PER_STORE times in a row (each new ingest first recovers what
    the last one left), checked after every kill, then ingested to the end."""
    path, records = corpus
    kills = tries = 0
    while kills < TRIALS:
        store = tmp_path / f"store-{tries}"
        for _ in range(KILLS_PER_STORE):
            tries += 1
            rng = random.Random(tries)
            kills += kill_mid_run(processes, ingest_in_child, (str(store), str(path)), records, rng)
            partial = state_after_kill(store)
            assert set(partial.articles) <= set(reference.articles)
        NewsQA(store=store, **SETTINGS).ingest([path])
        assert audit(store, **SETTINGS) == reference, f"store {store.name}"
        assert tries < TRIALS * 2, "the ingest finished before most kills"
