"""Retrieval end to end on real stores (real Chroma, the packaged model): filters, answering as of
a date, syndicated copies collapsed, per-article cap, passage length cap, BM25 kept in step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index_store.store import Store
from qa import NewsQA
from tests.conftest import DEMO, read_jsonl

DEMO_QA = {case["id"]: case for case in read_jsonl(DEMO / "demo-qa.jsonl")}


def story(outlet: str, title: str, published: str, body: str) -> str:
    url = f"https://{outlet.lower().replace(' ', '')}.example/{title.lower().replace(' ', '-')}"
    return (
        f"---\ntitle: {title}\nsource: {outlet}\nurl: {url}\npublished: {published}\n---\n{body}\n"
    )


WIRE = (
    "Engineers closed the Saltmarsh swing bridge on Monday after divers found cracks in two of "
    "its piers. The county said repairs would cost 1.4 million pounds and take until October. "
    "Buses will divert through Eastgate, adding twenty minutes to the journey. "
    "Traders on the quay said the closure would hit the busiest months of the year. "
    "The bridge, opened in 1898, carries about 9,000 vehicles a day."
)
LONG = " ".join(
    f"Saltmarsh bridge update {i}: the swing bridge repairs continued with crews on the piers."
    for i in range(80)
)


@pytest.fixture(scope="module")
def wire_store(tmp_path_factory) -> Path:
    """One wire story printed by three outlets (one trimmed, one with its own lead), a long
    article that matches everywhere, and an unrelated story."""
    folder = tmp_path_factory.mktemp("wire")
    copies = {
        "a.txt": story("Saltmarsh Echo", "Swing bridge shut", "2025-03-03", WIRE),
        "b.txt": story(
            "County Post",
            "Bridge closed for repairs",
            "2025-03-03",
            WIRE.rsplit(" The bridge,", 1)[0],
        ),
        "c.txt": story(
            "Coast Daily", "Cracks close bridge", "2025-03-04", "From our wire desk. " + WIRE
        ),
        "long.txt": story("Saltmarsh Echo", "Bridge diary", "2025-03-05", LONG),
        "other.txt": story(
            "Coast Daily",
            "Lifeboat day",
            "2025-03-05",
            "The lifeboat crew held an open day on Sunday.",
        ),
    }
    for name, text in copies.items():
        (folder / name).write_text(text)
    store = folder / "store"
    NewsQA(store=store).ingest([folder])
    return store


def test_syndicated_near_duplicates_collapse_to_one_passage_listing_every_outlet(wire_store):
    passages = NewsQA(store=wire_store).search(
        "How much will the Saltmarsh swing bridge repairs cost?", k=4
    )
    wire = [p for p in passages if "1.4 million" in p.text]
    assert len(wire) == 1
    assert set(wire[0].sources) == {"Saltmarsh Echo", "County Post", "Coast Daily"}


def test_one_article_fills_at_most_max_per_article_places_while_others_match(wire_store):
    for cap in (1, 2):
        nq = NewsQA(store=wire_store, max_per_article=cap)
        passages = nq.search("Saltmarsh swing bridge repairs piers", k=cap + 2)
        per_article = [p.article_id for p in passages]
        assert len(passages) == cap + 2
        assert max(per_article.count(a) for a in per_article) == cap


def test_an_article_past_its_cap_fills_the_places_no_other_article_can(wire_store):
    nq = NewsQA(store=wire_store, max_per_article=1)
    passages = nq.search("Saltmarsh swing bridge repairs", k=4, source="Saltmarsh Echo")
    assert len(passages) == 4
    assert [p.title for p in passages].count("Bridge diary") == 3
    diary = [p.text for p in passages if p.title == "Bridge diary"]
    assert len(set(diary)) == 3 and not any(a in b for a in diary for b in diary if a != b)


def test_passages_grow_around_the_hit_but_never_past_the_cap(wire_store):
    for cap in (300, 1200):
        passages = NewsQA(store=wire_store, passage_max_chars=cap).search(
            "swing bridge piers crews", k=5
        )
        assert passages and all(len(p.text) <= cap for p in passages)
    wide = NewsQA(store=wire_store, passage_max_chars=1200).search("lifeboat open day", k=1)[0]
    assert wide.text.startswith("The lifeboat crew")


def test_filters_apply_inside_the_store_and_still_fill_k(demo_store):
    nq = NewsQA(store=demo_store)
    since = nq.search("Harrowgate", k=4, since="2025-04-01")
    assert len(since) == 4 and all(p.published and p.published >= "2025-04-01" for p in since)
    until = nq.search("Harrowgate", k=3, until="2025-02-28")
    assert len(until) == 3 and all(p.published and p.published <= "2025-02-28" for p in until)
    outlet = since[0].source
    assert all(outlet in p.sources for p in nq.search("Harrowgate", k=5, source=outlet))
    assert nq.search("Harrowgate", k=5, since="2031-01-01") == []


def test_as_of_sees_nothing_later_and_answers_from_what_was_known_then(demo_store):
    case = DEMO_QA["demo-9"]
    nq = NewsQA(store=demo_store)
    then = nq.ask(case["question"], as_of=case["as_of"])
    assert all(p.published is None or p.published <= case["as_of"] for p in then.passages)
    assert not then.abstained
    assert any(gold in then.answer for gold in case["answers"])
    later = nq.search(case["question"], k=5)
    assert any(p.published and p.published > case["as_of"] for p in later)


@pytest.mark.parametrize(
    ("query", "meaning", "words"),
    [
        # MiniLM matches the meaning (the electric buses), BM25 the words (a library story
        # that says "public" and "transport").
        ("zero-emission public transport", "electric-buses", "library-reopens"),
        ("storm damage", "storm-ilse", "port-record-tonnage"),
    ],
)
def test_fusion_ranks_the_best_hit_of_each_retriever_first(demo_store, query, meaning, words):
    from index_store.vectors import ChunkFilter

    nq = NewsQA(store=demo_store)
    store = nq._reader()
    vector = store.embedder.encode([query])[0]
    (dense,) = store.vectors.query(vector, 1)
    (keyword,) = store.keyword_index().search(query, 1, ChunkFilter())
    heads = store.ledger.chunks([dense.chunk_id, keyword.chunk_id])
    assert meaning in heads[dense.chunk_id].article_id, "MiniLM's best hit"
    assert words in heads[keyword.chunk_id].article_id, "BM25's best hit"
    fused = {p.article_id for p in nq.search(query, k=2)}
    assert fused == {heads[dense.chunk_id].article_id, heads[keyword.chunk_id].article_id}


@pytest.fixture(scope="module")
def rematch_store(tmp_path_factory) -> Path:
    """An old story that matches the question word for word, and a newer one that answers it
    as of late March in fewer of its words."""
    folder = tmp_path_factory.mktemp("rematch")
    (folder / "old.md").write_text(
        story(
            "Harrowgate Herald",
            "Quayside club wins the harbour festival boat race",
            "2025-03-01",
            "The Quayside rowing club won the Harrowgate harbour festival boat race on Saturday. "
            "The harbour festival boat race drew 2,000 spectators to the quay.",
        )
    )
    (folder / "new.md").write_text(
        story(
            "Harrowgate Herald",
            "Fenwick Hill crew takes the rematch",
            "2025-03-28",
            "The Fenwick Hill crew won Saturday's rematch on the river, beating the Quayside "
            "club by two lengths in front of a smaller crowd.",
        )
    )
    store = folder / "store"
    NewsQA(store=store).ingest([folder])
    return store


def test_as_of_a_date_the_recency_prior_puts_the_story_of_the_week_first(rematch_store):
    question = "Who won the harbour festival boat race?"

    def first_title(nq: NewsQA, **options) -> str:
        return nq.search(question, k=2, **options)[0].title

    nq = NewsQA(store=rematch_store)
    assert first_title(nq) == "Quayside club wins the harbour festival boat race"
    assert first_title(nq, as_of="2025-03-29") == "Fenwick Hill crew takes the rematch"
    # Without the prior, or months later when both stories are old, the words decide again.
    unweighted = NewsQA(store=rematch_store, recency_weight=0)
    assert first_title(unweighted, as_of="2025-03-29").startswith("Quayside club")
    assert first_title(nq, as_of="2025-09-30").startswith("Quayside club")


@pytest.mark.parametrize(
    "filters",
    [
        {"as_of": "2025-03-15"},
        {"since": "2025-05-01"},
        {"until": "2025-02-28"},
        {"source": "Harrowgate Herald"},
        {"since": "2025-06-01", "until": "2025-06-30"},
    ],
)
@pytest.mark.parametrize("n", [3, 10])
def test_dense_hits_filtered_from_an_overfetch_are_those_chroma_filters(demo_store, filters, n):
    """Dated queries filter unfiltered hits in Python (Chroma's own filter was ten times
    slower); the result must be what Chroma's filter gives, also when few chunks pass."""
    from qa.retrieval.filters import Filters
    from qa.retrieval.retrieve import dense_hits

    store = NewsQA(store=demo_store)._reader()
    where = Filters.parse(**filters).chunk_filter()
    vector = store.embedder.encode(["Harrowgate council budget bridge"])[0]
    ours = [h.chunk_id for h in dense_hits(store, vector, n, where)]
    assert ours == [h.chunk_id for h in store.vectors.query(vector, n, where)]


def test_the_cli_takes_as_of(demo_store):
    from typer.testing import CliRunner

    from qa.cli import app

    args = [
        "search",
        "Kellan Bridge",
        "--store",
        str(demo_store),
        "--as-of",
        "2025-03-15",
        "--json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert all(
        p["published"] is None or p["published"] <= "2025-03-15" for p in json.loads(result.stdout)
    )


TUNNEL = story(
    "Example Tribune",
    "Harbour tunnel opens",
    "2025-04-02",
    "The harbour tunnel opened on Wednesday. Engineers said it carries 40,000 vehicles a day.",
)


def test_bm25_stays_in_step_with_the_ledger_and_chroma_after_updates_and_removals(tmp_path):
    tunnel = tmp_path / "tunnel.txt"
    tunnel.write_text(TUNNEL)
    nq = NewsQA(store=tmp_path / "store")
    nq.ingest([tunnel, DEMO / "articles" / "storm-ilse.txt"])
    tunnel.write_text(TUNNEL.replace("Wednesday", "Thursday"))
    nq.ingest([tunnel])
    (storm,) = [r.id for r in nq.sources() if "Ilse" in r.title]
    nq.remove([storm])

    store = Store.open(nq.settings.index_config())
    try:
        ledger = {c for r in store.ledger.articles() for c in store.ledger.chunk_ids_of(r.id)}
        keyword = store.keyword_index()
        assert set(keyword.chunk_ids) == ledger and store.vectors.count() == len(ledger)
        hits = keyword.search("opened on Thursday", 5)
        assert hits and {h.chunk_id for h in hits} <= ledger
        assert keyword.search("Wednesday", 5) == [] and keyword.search("Ilse gust", 5) == []
    finally:
        store.close()
    reopened = Store.open(nq.settings.index_config())
    try:
        assert set(reopened.keyword_index().chunk_ids) == ledger
    finally:
        reopened.close()


def test_an_experiment_plugs_in_its_own_candidate_sources_and_fusion(demo_store):
    """bench/ experiments pass retrieval stages in (`NewsQA(stages=...)`) instead of patching
    private names; the defaults are today's stages."""
    from qa.retrieval.candidates import fuse
    from qa.retrieval.retrieve import Stages, search_both

    question = "How many jobs will Lumenfold create at its new Harrowgate engineering hub?"
    usual = [p.chunk_id for p in NewsQA(store=demo_store).search(question, k=3)]
    searched: list[str] = []

    def counted(*args):
        searched.append(args[2])
        return search_both(*args)

    def backwards(dense, keyword, similarity, rrf_k):
        return list(reversed(fuse(dense, keyword, similarity, rrf_k)))

    same = NewsQA(store=demo_store, stages=Stages(search=counted)).search(question, k=3)
    assert searched == [question] and [p.chunk_id for p in same] == usual
    flipped = NewsQA(store=demo_store, stages=Stages(fuse=backwards)).search(question, k=3)
    assert [p.chunk_id for p in flipped][0] != usual[0]
