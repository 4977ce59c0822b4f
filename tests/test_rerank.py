"""Reranking the head of the fused candidates by how much of the question each one holds: the
chunk that holds the question's specific terms (in its text, its title or one sentence) moves up,
nothing below the head moves, and weight 0 leaves the fused order alone."""

from __future__ import annotations

from index_store.sentences import sentence_spans
from index_store.types import ChunkRecord
from qa.retrieval.candidates import Candidate
from qa.retrieval.rerank import rerank

RRF_K = 60
QUESTION = "When did the Saltholm lifeboat crew launch the hovercraft?"
UNRELATED = "The council met on Tuesday to discuss the parking budget."
ANSWERING = "The Saltholm lifeboat crew launched the hovercraft on Friday."


def fused(*chunk_ids: str) -> list[Candidate]:
    """Candidates in fused order, scored as reciprocal rank fusion scores a chunk that both
    rankings put at that rank: neighbours differ by about 1.6% of the top score."""
    return [
        Candidate(chunk_id, 2 / (RRF_K + rank), rank, rank, 0.5)
        for rank, chunk_id in enumerate(chunk_ids, 1)
    ]


def chunks(**texts: str) -> dict[str, ChunkRecord]:
    """Stored chunks by id, each the whole of a one-chunk article, with its sentence spans as
    ingest computes them."""
    return {
        chunk_id: ChunkRecord(
            chunk_id, f"article-{chunk_id}", 0, 0, len(text), text, tuple(sentence_spans(text))
        )
        for chunk_id, text in texts.items()
    }


def order(candidates: list[Candidate]) -> list[str]:
    return [c.chunk_id for c in candidates]


def reranked(candidates, stored, titles=None, question=QUESTION, weight=1.0, depth=30):
    return rerank(question, candidates, stored, titles or {}, weight=weight, depth=depth)


def test_the_candidate_holding_more_of_the_question_moves_up():
    stored = chunks(
        unrelated=UNRELATED, one_term="A crew from the harbour attended.", answering=ANSWERING
    )
    result = reranked(fused("unrelated", "one_term", "answering"), stored)
    assert order(result) == ["answering", "one_term", "unrelated"]


def test_a_specific_term_counts_for_more_than_a_common_one():
    """Each chunk holds one of the question's terms; "hovercraft" says more than "council"."""
    stored = chunks(common="The council met on Tuesday.", specific="A hovercraft arrived today.")
    candidates = fused("common", "specific")
    result = reranked(candidates, stored, question="Did the council approve the hovercraft?")
    assert order(result) == ["specific", "common"]


def test_the_question_in_the_title_counts():
    stored = chunks(unrelated=UNRELATED, titled="It happened on Friday morning.")
    titles = {"titled": "Saltholm lifeboat crew launch a hovercraft"}
    assert order(reranked(fused("unrelated", "titled"), stored, titles)) == ["titled", "unrelated"]


def test_the_question_in_one_sentence_beats_it_spread_over_several():
    spread = (
        "The Saltholm lifeboat station opened in May. Its crew trained all summer. "
        "A hovercraft was delivered. Crews launch boats daily."
    )
    stored = chunks(spread=spread, together=ANSWERING + " Nothing else happened.")
    assert order(reranked(fused("spread", "together"), stored)) == ["together", "spread"]


def test_candidates_below_the_depth_keep_their_order_below_the_head():
    """The tail answers the question best, yet only the head is reordered."""
    candidates = fused("unrelated", "answering", "tail_1", "tail_2", "tail_3")
    stored = chunks(
        unrelated=UNRELATED, answering=ANSWERING, tail_1=ANSWERING, tail_2=ANSWERING,
        tail_3=ANSWERING,
    )  # fmt: skip
    result = reranked(candidates, stored, depth=2)
    assert order(result) == ["answering", "unrelated", "tail_1", "tail_2", "tail_3"]
    assert result[2:] == candidates[2:]


def test_the_weight_sets_how_far_coverage_moves_a_candidate():
    """The answering chunk is tenth in the fused order, 13% of the top score behind: a small
    weight moves it up past close neighbours only, a full weight to the top."""
    fillers = [f"filler_{n}" for n in range(9)]
    candidates = fused(*fillers, "answering")
    stored = chunks(answering=ANSWERING, **dict.fromkeys(fillers, UNRELATED))
    assert 0 < order(reranked(candidates, stored, weight=0.05)).index("answering") < 9
    assert order(reranked(candidates, stored, weight=1.0))[0] == "answering"


def test_weight_zero_keeps_the_fused_order_and_scores():
    candidates = fused("unrelated", "answering")
    stored = chunks(unrelated=UNRELATED, answering=ANSWERING)
    assert order(reranked(candidates, stored)) == ["answering", "unrelated"]
    assert reranked(candidates, stored, weight=0.0) == candidates


def test_no_candidates_or_no_head_leaves_nothing_to_reorder():
    assert reranked([], {}) == []
    candidates = fused("unrelated", "answering")
    stored = chunks(unrelated=UNRELATED, answering=ANSWERING)
    assert reranked(candidates, stored, depth=0) == candidates


def test_a_candidate_without_chunk_text_stays_in_as_one_that_holds_nothing():
    """One candidate's chunk was not read from the store, another's text is empty: both are kept,
    ranked by their fused score alone, and the one that answers still moves up."""
    candidates = fused("not_read", "empty", "answering")
    stored = {**chunks(answering=ANSWERING), **chunks(empty="")}
    result = reranked(candidates, stored)
    assert order(result) == ["answering", "not_read", "empty"]
    assert [c.score for c in result[1:]] == [1.0, candidates[1].score / candidates[0].score]
