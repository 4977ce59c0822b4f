"""Every metric pinned on hand-made answers, including the edge cases that decide a grade."""

from __future__ import annotations

import json

import pytest

from eval.gates import GateError, check_floors, gate_metrics, parse_floors
from eval.metrics import METRICS, percentile, result_row, score_question, summarize
from eval.normalize import best_token_f1, contains, normalize, token_f1
from eval.suite import SuiteQuestion


def passage(n: int, text: str, article_id: str = "a1") -> dict:
    return {
        "rank": n,
        "score": 1.0 / n,
        "chunk_id": f"{article_id}-c{n}",
        "article_id": article_id,
        "title": f"Title {n}",
        "text": text,
        "source": "example.com",
        "published": None,
        "url": "",
        "sources": [],
    }


def answer(
    text: str = "",
    *,
    abstained: bool = False,
    passages: list[dict] | None = None,
    cited: tuple[str, ...] = (),
    timings: dict | None = None,
    short: str | None = None,
) -> dict:
    citations = [
        {
            "n": n,
            "article_id": "",
            "chunk_id": chunk_id,
            "title": "",
            "source": "",
            "published": None,
            "url": "",
            "text": "",
        }
        for n, chunk_id in enumerate(cited, start=1)
    ]
    return {
        "question": "q",
        "answer": text,
        "abstained": abstained,
        "model": "test",
        "citations": citations,
        "passages": passages or [],
        "supported": True,
        "dropped_citations": [],
        "notes": [],
        "timings_ms": timings or {},
        **({} if short is None else {"short_answer": short}),
    }


def question(
    qid: str = "q1",
    answers: tuple[str, ...] = ("Lavrov",),
    *,
    type=None,
    answer_docs=(),
    choices=(),
) -> SuiteQuestion:
    return SuiteQuestion(
        id=qid,
        question=f"Question {qid}?",
        answers=answers,
        expect_abstain=not answers,
        answer_docs=tuple(answer_docs),
        type=type,
        choices=tuple(choices),
    )


def metrics_of(*pairs: tuple[SuiteQuestion, dict]) -> dict:
    return summarize([result_row(q, a) for q, a in pairs])["metrics"]


UNANSWERABLE = question("u", ())


# --- normalisation and matching ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S.’s “best” — plan!", "uss best plan"),
        ("An apple a day", "apple day"),
        ("  Many\n\tspaces  ", "many spaces"),
        ("$60 billion", "60 billion"),
        ("25%", "25"),
        ("€60 billion", "€60 billion"),
        ("India–Russia", "indiarussia"),
        ("", ""),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "gold", "expected"),
    [
        ("a partial view", "art", False),
        ("modern art museum", "Art", True),
        ("It was Sergey Lavrov.", "sergey lavrov", True),
        ("Lavrov, Sergey", "Sergey Lavrov", False),
        ("India–Russia trade", "India-Russia", True),
        ("trade was worth $60 billion", "60 billion", True),
        ("trade was worth 60 billion", "$60 billion", True),
        ("the ‘Ship Bottom’ tower", "Ship Bottom", True),
        ("The Sun", "the", False),
        ("", "Lavrov", False),
    ],
)
def test_contains_matches_whole_normalised_words(text, gold, expected):
    assert contains(text, gold) is expected


def test_token_f1():
    assert token_f1("Sergey Lavrov", "Lavrov") == pytest.approx(2 / 3)
    assert token_f1("the Lavrov", "Lavrov") == 1.0
    assert token_f1("Putin", "Lavrov") == 0.0
    assert token_f1("", "Lavrov") == 0.0
    assert token_f1("", "") == 1.0
    assert best_token_f1("It was Sergey Lavrov", ["Sergey Lavrov", "Lavrov"]) == pytest.approx(
        2 / 3
    )
    assert best_token_f1("anything", []) == 0.0


# --- retrieval -----------------------------------------------------------------------------


def test_rank_of_first_hit_drives_has_answer_and_mrr():
    filler = [passage(n, "nothing here") for n in range(1, 12)]
    at = {
        rank: [*filler[: rank - 1], passage(rank, "pop art wing"), *filler[rank:]]
        for rank in (2, 7, 11)
    }
    golds = ("art",)
    m = metrics_of(
        (question("r2", golds), answer(passages=[passage(1, "partial"), *at[2][1:]])),
        (question("r7", golds), answer(passages=at[7])),
        (question("r11", golds), answer(passages=at[11])),
        (question("none", golds), answer()),
        (UNANSWERABLE, answer(abstained=True, passages=[passage(1, "art")])),
    )
    assert m["has_answer@1"] == 0.0
    assert m["has_answer@5"] == 1 / 4
    assert m["has_answer@10"] == 2 / 4
    assert m["mrr@10"] == pytest.approx((1 / 2 + 1 / 7) / 4)


def test_first_hit_rank_is_the_position_in_the_list():
    score = score_question(
        question(answers=("Lavrov",)),
        answer(
            passages=[
                passage(1, "Putin"),
                passage(2, "Mr Lavrov said"),
                passage(3, "Lavrov"),
            ]
        ),
    )
    assert score.first_hit_rank == 2


def test_retrieval_metrics_use_the_ranking_when_given_and_answer_metrics_the_answer():
    shown = [passage(1, "weather"), passage(2, "sport")]
    ranking = [*shown, passage(3, "Lavrov spoke", article_id="a2")]
    q = question("q1", answer_docs=["a2"])
    row = result_row(q, answer("Lavrov", passages=shown, cited=("a1-c1",)), ranking=ranking)
    score = row["metrics"]
    assert (score["first_hit_rank"], score["doc_hit"]) == (3, True)
    assert (score["correct"], score["cites_gold"], score["passages"]) == (True, False, 2)
    assert row["ranking"] == ranking


def test_doc_recall_counts_only_questions_with_answer_docs_in_the_top_ten():
    deep = [passage(n, "x", "other") for n in range(1, 11)] + [passage(11, "x", "gold-doc")]
    m = metrics_of(
        (
            question("hit", answer_docs=["gold-doc"]),
            answer(passages=[passage(3, "x", "gold-doc")]),
        ),
        (question("deep", answer_docs=["gold-doc"]), answer(passages=deep)),
        (question("no-docs"), answer(passages=[passage(1, "x", "gold-doc")])),
    )
    assert m["doc_recall@10"] == 0.5
    assert metrics_of((question(), answer()))["doc_recall@10"] is None


# --- answers -------------------------------------------------------------------------------


def test_accuracy_and_token_f1_over_answerable_questions():
    golds = ("Sergey Lavrov", "Lavrov")
    m = metrics_of(
        (question("right", golds), answer("It was Sergey Lavrov.")),
        (
            question("abstained-with-gold", golds),
            answer("Lavrov, maybe", abstained=True),
        ),
        (question("empty", golds), answer("")),
        (question("substring", ("art",)), answer("partial")),
        (UNANSWERABLE, answer("Lavrov")),
    )
    assert m["accuracy"] == 1 / 4
    assert m["token_f1"] == pytest.approx((2 / 3) / 4)


def test_citation_markers_are_not_part_of_the_graded_answer():
    m = metrics_of(
        (question("marker", ("1",)), answer("One president was born on July 4. [1]")),
        (question("count", ("1",)), answer("Only 1 of them voted no [2, 3].")),
    )
    assert m["accuracy"] == 1 / 2
    assert m["token_f1"] == pytest.approx((0 + 2 * (1 / 6) * 1 / (1 / 6 + 1)) / 2)


CHOICES = ("Sergey Lavrov", "Vladimir Putin", "Xi Jinping", "Joe Biden")


def choice_right(text: str, choices=CHOICES, golds=("Sergey Lavrov",), **kw) -> bool | None:
    return score_question(
        question(answers=golds, choices=choices), answer(text, **kw)
    ).choice_correct


@pytest.mark.parametrize(
    ("text", "right"),
    [
        ("Sergey Lavrov met Vladimir Putin.", True),
        ("Vladimir Putin, not Sergey Lavrov, went. [1]", False),
        ("It was the Sergey-Lavrov who went", False),
        ("SERGEY LAVROV", True),
        ("Nobody named in the choices", False),
        ("", False),
    ],
)
def test_choice_accuracy_takes_the_first_choice_named(text, right):
    assert choice_right(text) is right


def test_a_choice_starting_where_another_does_wins_when_longer():
    choices = ("New York", "New York City", "Boston")
    assert choice_right("New York City officials", choices, ("New York City",)) is True
    assert choice_right("New York state officials", choices, ("New York City",)) is False


CONINGSBY = "Coningsby, Lincolnshire"
ST_JAMES = "St James’s Park, London"


@pytest.mark.parametrize(
    ("text", "gold", "right"),
    [
        ("It was recorded at Coningsby in Lincolnshire.", CONINGSBY, True),
        ("Lincolnshire, at Coningsby", CONINGSBY, True),
        ("a park in London", ST_JAMES, False),
        ("James's park", ST_JAMES, False),
        ("St James's park", ST_JAMES, True),
        ("St James's park in London, not Coningsby", ST_JAMES, True),
    ],
)
def test_a_text_naming_no_choice_names_the_one_over_half_of_whose_words_it_uses(text, gold, right):
    choices = (CONINGSBY, "Heathrow airport", "St James's Park, London")
    assert choice_right(text, choices, (gold,)) is right


def test_word_overlap_tie_between_choices_names_none():
    choices = ("John Smith Jr", "John Smith Sr")
    assert choice_right("Smith, John", choices, ("John Smith Jr",)) is False


def test_short_answer_is_read_before_the_answer():
    told = "Vladimir Putin said Sergey Lavrov would go."
    assert choice_right(told, short="Sergey Lavrov [1]") is True
    assert choice_right("Sergey Lavrov went.", short="Vladimir Putin") is False
    # "Lavrov" is half of "Sergey Lavrov", not over half: the full answer is read instead.
    assert choice_right(told, short="Lavrov") is False
    assert choice_right("Sergey Lavrov went [1].", short="the foreign minister") is True
    assert choice_right("Sergey Lavrov went.", short="  ") is True


def test_choice_accuracy_counts_abstentions_wrong_and_needs_choices_and_gold():
    with_choices = {"choices": CHOICES}
    m = metrics_of(
        (question("right", ("Sergey Lavrov",), **with_choices), answer("Sergey Lavrov")),
        (
            question("abstained", ("Sergey Lavrov",), **with_choices),
            answer("Sergey Lavrov", abstained=True),
        ),
        (question("no-choices", ("Sergey Lavrov",)), answer("Vladimir Putin")),
        (question("u", (), **with_choices), answer("Vladimir Putin")),
    )
    assert m["choice_accuracy"] == 0.5
    assert metrics_of((question(), answer("Lavrov")))["choice_accuracy"] is None
    assert score_question(question("u", (), choices=CHOICES), answer("x")).choice_correct is None


def test_accuracy_stays_containment_on_the_full_answer():
    q = question(answers=("Sergey Lavrov",), choices=CHOICES)
    m = metrics_of((q, answer("Vladimir Putin and then Sergey Lavrov", short="Vladimir Putin")))
    assert (m["accuracy"], m["choice_accuracy"]) == (1.0, 0.0)


def test_answer_length_counts_what_a_reader_reads_first():
    long_answer = "He said that " + "very " * 15 + "much [1]."
    rows = [
        result_row(question("short"), answer(long_answer, short="Sergey Lavrov [1]")),
        result_row(question("plain"), answer("Lavrov went to Paris [1] [2].")),
        result_row(question("long"), answer(long_answer)),
        result_row(question("abstained"), answer("I cannot answer that.", abstained=True)),
        result_row(question("failed"), answer(), error="the model server is unreachable"),
    ]
    assert [r["metrics"]["answer_words"] for r in rows] == [2, 4, 19, None, None]
    m = summarize(rows)["metrics"]
    assert m["answer_words_median"] == 4.0
    assert m["short_answer_share"] == pytest.approx(2 / 3)
    assert METRICS["answer_words_median"].better == "lower"
    assert METRICS["short_answer_share"].better == "higher"
    assert summarize([])["metrics"]["answer_words_median"] is None


def test_rows_written_before_choices_and_lengths_still_summarize():
    rows = [
        result_row(question("a", choices=("Lavrov", "Putin")), answer("Lavrov")),
        result_row(UNANSWERABLE, answer(abstained=True)),
    ]
    for row in rows:
        del row["choices"], row["metrics"]["choice_correct"], row["metrics"]["answer_words"]
    m = summarize(rows)["metrics"]
    assert (m["choice_accuracy"], m["answer_words_median"], m["short_answer_share"]) == (
        None,
        None,
        None,
    )
    assert (m["accuracy"], m["abstain_recall"]) == (1.0, 1.0)


def test_unanswerable_question_has_no_answer_score():
    score = score_question(UNANSWERABLE, answer("Lavrov"))
    assert (score.correct, score.token_f1, score.first_hit_rank, score.right) == (
        None,
        None,
        None,
        False,
    )


# --- abstention ----------------------------------------------------------------------------


def test_abstention_precision_recall_f1_and_false_abstentions():
    m = metrics_of(
        (question("u1", ()), answer(abstained=True)),
        (question("u2", ()), answer("a guess")),
        (question("a1"), answer(abstained=True)),
        (question("a2"), answer("Lavrov")),
    )
    assert (m["abstain_precision"], m["abstain_recall"], m["abstain_f1"]) == (
        0.5,
        0.5,
        0.5,
    )
    assert m["false_abstention_rate"] == 0.5
    assert (m["abstained"], m["answerable"], m["unanswerable"], m["questions"]) == (
        2,
        2,
        2,
        4,
    )


def test_all_abstain_run():
    m = metrics_of(
        (question("u1", ()), answer(abstained=True)),
        (question("a1"), answer(abstained=True)),
        (question("a2"), answer(abstained=True)),
    )
    assert m["abstain_precision"] == pytest.approx(1 / 3)
    assert m["abstain_recall"] == 1.0
    assert m["abstain_f1"] == pytest.approx(0.5)
    assert (m["false_abstention_rate"], m["accuracy"], m["token_f1"]) == (1.0, 0.0, 0.0)


def test_no_abstention_run_scores_precision_zero():
    m = metrics_of((question("u1", ()), answer("guess")), (question("a1"), answer("Lavrov")))
    assert (m["abstain_precision"], m["abstain_recall"], m["abstain_f1"]) == (
        0.0,
        0.0,
        0.0,
    )
    assert m["false_abstention_rate"] == 0.0


def test_abstention_metrics_are_none_without_unanswerable_questions():
    m = metrics_of((question("a1"), answer(abstained=True)))
    assert (m["abstain_precision"], m["abstain_recall"], m["abstain_f1"]) == (
        None,
        None,
        None,
    )
    assert [c.passed for c in check_floors(m, {"abstain_f1": 0.9})] == [None]


def test_zero_answerable_questions():
    m = metrics_of((question("u1", ()), answer(abstained=True)), (question("u2", ()), answer("x")))
    for name in (
        "has_answer@1",
        "mrr@10",
        "accuracy",
        "token_f1",
        "false_abstention_rate",
    ):
        assert m[name] is None, name
    assert (m["answerable"], m["abstain_recall"], m["citation_support"]) == (
        0,
        0.5,
        None,
    )


def test_empty_run():
    m = summarize([])["metrics"]
    assert m["questions"] == 0
    assert all(value is None for name, value in m.items() if METRICS[name].better)


# --- citations -----------------------------------------------------------------------------


def test_citation_validity_counts_citations_to_unretrieved_chunks_as_invalid():
    ps = [passage(1, "Lavrov spoke"), passage(2, "other")]
    m = metrics_of(
        (question("q1"), answer("Lavrov", passages=ps, cited=("a1-c1", "a1-c9"))),
        (question("q2"), answer("Lavrov", passages=ps, cited=("a1-c2",))),
        (question("q3"), answer("Lavrov", passages=ps)),
    )
    assert m["citation_validity"] == 2 / 3
    assert metrics_of((question(), answer("Lavrov")))["citation_validity"] is None


def test_citation_validity_counts_markers_qa_dropped_as_invalid():
    ps = [passage(1, "Lavrov spoke"), passage(2, "other")]
    emitted = answer("Lavrov", passages=ps, cited=("a1-c1",))
    emitted["dropped_citations"] = ["[7]", "[9]"]
    abstention = answer(abstained=True, passages=ps)
    abstention["dropped_citations"] = ["[8]"]
    m = metrics_of((question("q1"), emitted), (question("q2"), abstention))
    assert m["citation_validity"] == 1 / 3


def test_citation_support_over_correct_answers_only():
    ps = [passage(1, "Lavrov spoke"), passage(2, "no name here")]
    m = metrics_of(
        (
            question("gold-cited"),
            answer("Lavrov", passages=ps, cited=("a1-c2", "a1-c1")),
        ),
        (question("other-cited"), answer("Lavrov", passages=ps, cited=("a1-c2",))),
        (question("unretrieved"), answer("Lavrov", passages=ps[1:], cited=("a1-c1",))),
        (question("uncited"), answer("Lavrov", passages=ps)),
        (question("wrong"), answer("Putin", passages=ps, cited=("a1-c1",))),
    )
    assert m["citation_support"] == 1 / 4


# --- latency and sizes ---------------------------------------------------------------------


def test_percentile_interpolates_linearly():
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([10.0, 20.0], 95) == pytest.approx(19.5)
    assert percentile([float(n) for n in range(1, 21)], 95) == pytest.approx(19.05)


def test_latency_percentiles_per_stage_skip_missing_timings():
    m = metrics_of(
        (question("a"), answer(timings={"retrieve": 10, "answer": 100, "total": 110})),
        (question("b"), answer(timings={"retrieve": 30, "answer": 300, "total": 330})),
        (question("c"), answer(timings={"retrieve": 20})),
    )
    assert m["latency_retrieve_p50_ms"] == 20.0
    assert m["latency_retrieve_p95_ms"] == pytest.approx(29.0)
    assert m["latency_answer_p50_ms"] == 200.0
    assert m["latency_total_p95_ms"] == pytest.approx(319.0)
    assert metrics_of((question(), answer()))["latency_total_p50_ms"] is None


def test_mean_passage_chars_is_per_passage():
    m = metrics_of(
        (question("a"), answer(passages=[passage(1, "ab"), passage(2, "abcd")])),
        (question("b"), answer(passages=[passage(1, "abcdef")])),
        (question("c"), answer()),
    )
    assert m["mean_passage_chars"] == 4.0
    assert metrics_of((question(), answer()))["mean_passage_chars"] is None


# --- rows, summaries, registry -------------------------------------------------------------


def test_result_row_shape_and_summary_recomputed_from_jsonl():
    q = question("q1", ("Lavrov",), type="fact", answer_docs=["a1"])
    a = answer(
        "Lavrov",
        passages=[passage(1, "Lavrov")],
        cited=("a1-c1",),
        timings={"total": 5},
    )
    row = result_row(q, a)
    assert list(row) == [
        "id",
        "question",
        "type",
        "answers",
        "expect_abstain",
        "as_of",
        "answer_docs",
        "choices",
        "answer",
        "metrics",
        "timings_ms",
        "error",
        "ranking",
    ]
    assert row["answer"] == a and row["timings_ms"] == {"total": 5}
    assert row["error"] is None and row["ranking"] is None
    assert row["metrics"]["right"] is True and row["metrics"]["first_hit_rank"] == 1
    rows = [row, result_row(UNANSWERABLE, answer(abstained=True))]
    reloaded = [json.loads(json.dumps(r)) for r in rows]
    assert summarize(reloaded) == summarize(rows)


def test_a_failed_ask_counts_as_an_error_and_a_wrong_answer():
    rows = [
        result_row(question("q1"), answer(), error="the model server is unreachable"),
        result_row(UNANSWERABLE, answer(), error="the model server is unreachable"),
        result_row(question("q2"), answer("Lavrov")),
    ]
    assert [r["metrics"]["right"] for r in rows] == [False, False, True]
    m = summarize(rows)["metrics"]
    assert (m["errors"], m["accuracy"], m["abstain_recall"]) == (2, 0.5, 0.0)


def test_breakdown_per_type():
    summary = summarize(
        [
            result_row(question("f1", type="fact"), answer("Lavrov")),
            result_row(question("f2", type="fact"), answer("Putin")),
            result_row(question("t1", type="temporal"), answer("Lavrov")),
            result_row(question("x1"), answer("Putin")),
        ]
    )
    assert list(summary["by_type"]) == ["fact", "temporal", "untyped"]
    assert summary["by_type"]["fact"]["accuracy"] == 0.5
    assert summary["by_type"]["temporal"]["accuracy"] == 1.0
    assert summary["by_type"]["untyped"]["questions"] == 1
    assert summary["metrics"]["accuracy"] == 0.5


def test_registry_names_every_summary_metric_with_a_definition():
    assert list(summarize([])["metrics"]) == list(METRICS)
    assert all(m.definition and m.better in {"higher", "lower", ""} for m in METRICS.values())


# --- gates ---------------------------------------------------------------------------------


def test_parse_floors():
    assert parse_floors(["accuracy=0.5,mrr@10=0.25", " has_answer@5 = 1 "]) == {
        "accuracy": 0.5,
        "mrr@10": 0.25,
        "has_answer@5": 1.0,
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("acuracy=0.5", "unknown metric 'acuracy'"),
        ("latency_total_p95_ms=100", "lower is better"),
        ("questions=10", "describes the run"),
        ("accuracy=60", "from 0 to 1"),
        ("accuracy=high", "from 0 to 1"),
        ("accuracy", "expected METRIC=VALUE"),
    ],
)
def test_parse_floors_rejects_bad_specs_listing_valid_metrics(spec, message):
    with pytest.raises(GateError) as error:
        parse_floors([spec])
    assert message in str(error.value)
    assert ", ".join(gate_metrics()) in str(error.value)


def test_check_floors_fails_under_floor_and_passes_at_it():
    checks = check_floors({"accuracy": 0.4, "mrr@10": 0.5}, {"accuracy": 0.5, "mrr@10": 0.5})
    assert [(c.metric, c.passed) for c in checks] == [
        ("accuracy", False),
        ("mrr@10", True),
    ]
