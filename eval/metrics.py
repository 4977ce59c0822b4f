"""Scoring: each question's metrics, and a run's metrics aggregated from result rows alone.

`result_row` scores one answer and returns the row stored in `results.jsonl`; `summarize` reads
nothing but those rows, so `summary.json` can always be recomputed from `results.jsonl`.
Answers are the dicts of `qa.types.Answer.to_dict()`; this module does not import `qa`.
Answer metrics read the answer as a reader would: `accuracy` looks for a gold string anywhere in
the full text, while `choice_accuracy` and the length metrics read what a reader reads first,
the answer's `short_answer` (the name, number or phrase asked for) when it has one.
Retrieval metrics (has_answer@k, mrr@10, doc_recall@10) are scored on a `ranking`: the
retriever's passages in order, position 1 first, fetched at depth 10 by the runner so that @10
means 10 even when the answerer reads fewer; without one, on the passages the answer lists.
Brief rows (`eval.briefs`) are scored apart: question metrics read question rows only, brief
metrics (story_recall, no_stories_rate, brief_duplicates, brief latency) brief rows only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from eval.briefs import BRIEF_STORIES, is_brief
from eval.choices import named_choice
from eval.normalize import best_token_f1, contains_any, normalize, without_citations
from eval.suite import SuiteQuestion

UNTYPED = "untyped"
HIT_DEPTHS = (1, 5, 10)
RANK_DEPTH = 10
LATENCY_STAGES = ("retrieve", "answer", "total")
LATENCY_PERCENTILES = (50, 95)
SHORT_ANSWER_WORDS = 12


@dataclass(frozen=True)
class Metric:
    """A metric's name, its one-line definition, and whether `higher` or `lower` is better.

    `better` is empty for counts and sizes, which describe a run rather than grade it.
    """

    name: str
    definition: str
    better: str = "higher"


FOLLOWUP_DEPTH = 5
"""A follow-up reaches the story when an answer passage is in its top 5, as has_answer@5."""


def _metric_registry() -> dict[str, Metric]:
    metrics = [
        Metric("questions", "number of questions in the run (briefs not counted)", ""),
        Metric("answerable", "number of questions with gold answers", ""),
        Metric("unanswerable", "number of questions expecting an abstention", ""),
        Metric("abstained", "number of answers that abstained", ""),
        Metric(
            "errors",
            "number of questions and briefs whose ask or brief failed with an error (recorded "
            "in the row's error, scored as wrong)",
            "",
        ),
        *(
            Metric(
                f"has_answer@{k}",
                f"share of answerable questions where one of the retriever's top {k} "
                "passages contains a gold string",
            )
            for k in HIT_DEPTHS
        ),
        Metric(
            f"mrr@{RANK_DEPTH}",
            "mean over answerable questions of 1/position of the first retrieved passage "
            f"containing a gold string (0 when none of the top {RANK_DEPTH} does)",
        ),
        Metric(
            f"doc_recall@{RANK_DEPTH}",
            f"share of questions with answer_docs where one of the retriever's top "
            f"{RANK_DEPTH} passages comes from one of those articles",
        ),
        Metric(
            "followup_reach",
            "share of follow-up questions (rows with history and a full_question) whose "
            "question asked in full has an answer passage in the top 5 and whose standalone "
            "rewrite has one too: how much of the full question's reach the rewriting keeps",
        ),
        Metric(
            "accuracy",
            "containment accuracy on the full answer text: share of answerable questions whose "
            "answer does not abstain and contains a gold string (citation markers such as [1] "
            "removed first)",
        ),
        Metric(
            "token_f1",
            "mean over answerable questions of the best SQuAD token F1 between the answer "
            "without its citation markers and a gold string (0 for an abstention)",
        ),
        Metric(
            "choice_accuracy",
            "share of answerable questions with choices whose answer names the gold choice "
            "first: the choice whose words start earliest in the short answer (else in the "
            "answer), failing that the one most of whose words, over half, it uses; an "
            "abstention is wrong (null when no answerable question has choices)",
        ),
        Metric(
            "answer_words_median",
            "median number of words a reader reads first (the short answer when there is one, "
            "else the answer without citation markers), over non-empty answers that did not "
            "abstain",
            "lower",
        ),
        Metric(
            "short_answer_share",
            f"share of non-empty answers that did not abstain whose text read first (the short "
            f"answer when there is one, else the answer) has at most {SHORT_ANSWER_WORDS} words",
        ),
        Metric(
            "abstain_precision",
            "share of abstentions that were on questions expecting one (0 when nothing "
            "abstained; null when no question expects one)",
        ),
        Metric(
            "abstain_recall",
            "share of questions expecting an abstention where the answer abstained (null "
            "when no question expects one)",
        ),
        Metric(
            "abstain_f1",
            "harmonic mean of abstain_precision and abstain_recall (0 when both are 0; "
            "null when no question expects an abstention)",
        ),
        Metric(
            "false_abstention_rate",
            "share of answerable questions where the answer abstained",
            "lower",
        ),
        Metric(
            "citation_validity",
            "share of all citations the model emitted in its answers that point to a passage "
            "retrieved for their question; markers qa dropped because they matched no passage "
            "given (the answer's dropped_citations) count as invalid, citations of abstentions "
            "do not count",
        ),
        Metric(
            "citation_support",
            "share of correct answers citing a retrieved passage that contains a gold string",
        ),
        Metric(
            "kept_share",
            "share of the answers that did not abstain which are shown as the model wrote them "
            "(not replaced by the extractive answer because they rested on no passage)",
        ),
        Metric(
            "prompt_tokens_mean",
            "mean tokens of the prompt the answer model read, over the answers of models that "
            "read one (estimated where the model's tokenizer is remote)",
            "lower",
        ),
        *(
            Metric(
                f"latency_{stage}_p{p}_ms",
                f"{p}th percentile of the '{stage}' time in ms (linear interpolation)",
                "lower",
            )
            for stage in LATENCY_STAGES
            for p in LATENCY_PERCENTILES
        ),
        *(
            Metric(
                f"cpu_answer_p{p}_ms",
                f"{p}th percentile of the CPU time of this process while the answer was written "
                "(ms, all threads; a model server's own CPU is not counted)",
                "lower",
            )
            for p in LATENCY_PERCENTILES
        ),
        Metric(
            "mean_passage_chars",
            "total characters of all passages returned, divided by their number",
            "",
        ),
        *_brief_metrics(),
    ]
    return {metric.name: metric for metric in metrics}


def _brief_metrics() -> list[Metric]:
    return [
        Metric("briefs", "number of briefs in the run (rows with a brief topic)", ""),
        Metric(
            "story_recall",
            "share of briefs not expecting an abstention, with answer_docs, whose stories (at "
            f"most {BRIEF_STORIES}) show one of those articles",
        ),
        Metric(
            "no_stories_rate",
            "share of briefs expecting an abstention (nothing in the store answers the "
            "question they were made from) that show no story",
        ),
        Metric(
            "brief_duplicates",
            "share of the briefs made where two stories show the same article",
            "lower",
        ),
        *(
            Metric(
                f"brief_latency_p{p}_ms",
                f"{p}th percentile of a brief's total time in ms (linear interpolation)",
                "lower",
            )
            for p in LATENCY_PERCENTILES
        ),
    ]


METRICS: dict[str, Metric] = _metric_registry()
"""Every metric of a summary, in report order; the README and `--fail-under` read it."""


@dataclass(frozen=True)
class QuestionScore:
    """How one answer did; None marks a metric that does not apply to the question.

    `right` is what a reader would judge: a correct answer to an answerable question, or an
    abstention where one was expected. Rows written before a field existed lack it: readers
    of rows take a missing field as None.
    """

    right: bool
    abstained: bool
    correct: bool | None
    token_f1: float | None
    first_hit_rank: int | None
    doc_hit: bool | None
    citations: int
    valid_citations: int
    cites_gold: bool | None
    passages: int
    passage_chars: int
    kept: bool | None = None
    prompt_tokens: int | None = None
    choice_correct: bool | None = None
    answer_words: int | None = None
    full_hit_rank: int | None = None
    """A follow-up's: the first hit of its question asked in full (`full_question`)."""


def score_question(
    question: SuiteQuestion,
    answer: Mapping[str, Any],
    ranking: Sequence[Mapping[str, Any]] | None = None,
) -> QuestionScore:
    """Score an `Answer.to_dict()` against the suite question it answers.

    `ranking` is the retriever's ranked passages for the retrieval metrics (see the module doc).
    """
    golds = question.answers
    passages = answer.get("passages") or []
    ranked = passages if ranking is None else ranking
    retrieved = {passage["chunk_id"] for passage in passages}
    abstained = bool(answer["abstained"])
    cited, dropped = _emitted_citations(answer, abstained)
    correct, f1 = _grade(answer["answer"], abstained, golds)
    return QuestionScore(
        right=abstained if question.expect_abstain else bool(correct),
        abstained=abstained,
        correct=correct,
        token_f1=f1,
        first_hit_rank=first_hit_rank(ranked, golds),
        doc_hit=_doc_hit(ranked, question.answer_docs),
        citations=len(cited) + dropped,
        valid_citations=sum(chunk_id in retrieved for chunk_id in cited),
        cites_gold=_cites_gold(passages, cited, golds) if correct else None,
        passages=len(passages),
        passage_chars=sum(len(passage["text"]) for passage in passages),
        kept=None if abstained else not answer.get("fallback", False),
        prompt_tokens=answer.get("prompt_tokens"),
        choice_correct=_choice_correct(question, answer, abstained),
        answer_words=None if abstained else (_word_count(_read_first(answer)) or None),
    )


def result_row(
    question: SuiteQuestion,
    answer: Mapping[str, Any],
    error: str | None = None,
    ranking: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The `results.jsonl` row for one question: the question, the full answer, its metrics.

    `error` is the message of an ask that failed; its `answer` is then an empty one.
    `ranking` (kept in the row) is what the retrieval metrics were scored on.
    """
    return {
        "id": question.id,
        "question": question.question,
        "type": question.type,
        "answers": list(question.answers),
        "expect_abstain": question.expect_abstain,
        "as_of": question.as_of,
        "answer_docs": list(question.answer_docs),
        "choices": list(question.choices),
        "answer": dict(answer),
        "metrics": asdict(score_question(question, answer, ranking)),
        "timings_ms": dict(answer.get("timings_ms") or {}),
        "error": error,
        "ranking": None if ranking is None else [dict(passage) for passage in ranking],
    }


def summarize(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Aggregate metrics of a run, overall and per question type, from result rows only.

    Returns `{"metrics": {name: value}, "by_type": {type: {name: value}}}` with names in
    `METRICS` order; a value is None when no question qualifies for it (such as abstention
    metrics on a suite without unanswerable questions). Questions without a type are "untyped".
    """
    rows = list(rows)
    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_type.setdefault(row.get("type") or UNTYPED, []).append(row)
    return {
        "metrics": _aggregate(rows),
        "by_type": {name: _aggregate(group) for name, group in sorted(by_type.items())},
    }


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile by linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _grade(text: str, abstained: bool, golds: Sequence[str]) -> tuple[bool | None, float | None]:
    """Whether an answer is correct, and its token F1, graded without its citation markers;
    None for both when nothing is gold."""
    if not golds:
        return None, None
    if abstained:
        return False, 0.0
    text = without_citations(text)
    return contains_any(text, golds), best_token_f1(text, golds)


def _choice_correct(
    question: SuiteQuestion, answer: Mapping[str, Any], abstained: bool
) -> bool | None:
    """Whether the first choice the answer names is a gold one; None without gold or choices.

    The short answer is read first, as a reader would; the full answer only when the short one
    names no choice.
    """
    if not question.answers or not question.choices:
        return None
    if abstained:
        return False
    golds = {normalize(gold) for gold in question.answers}
    for text in (answer.get("short_answer") or "", answer["answer"]):
        named = named_choice(without_citations(text), question.choices)
        if named is not None:
            return named in golds
    return False


def _read_first(answer: Mapping[str, Any]) -> str:
    """What a reader reads first: the short answer when there is one, else the whole answer."""
    short = answer.get("short_answer") or ""
    return without_citations(short if short.strip() else answer["answer"])


def _word_count(text: str) -> int:
    """Words as a reader counts them: a stray "." left where a marker was is not one."""
    return sum(any(ch.isalnum() for ch in word) for word in text.split())


def _emitted_citations(answer: Mapping[str, Any], abstained: bool) -> tuple[list[str], int]:
    """Chunk ids of the kept citations, and how many markers qa dropped as pointing nowhere.

    An abstention's citations are not counted: qa strips them, as a reader never sees them.
    """
    if abstained:
        return [], 0
    cited = [citation["chunk_id"] for citation in answer.get("citations") or []]
    return cited, len(answer.get("dropped_citations") or [])


def first_hit_rank(passages: Sequence[Mapping[str, Any]], golds: Sequence[str]) -> int | None:
    if not golds:
        return None
    return next(
        (n for n, passage in enumerate(passages, start=1) if contains_any(passage["text"], golds)),
        None,
    )


def _doc_hit(passages: Sequence[Mapping[str, Any]], answer_docs: Sequence[str]) -> bool | None:
    if not answer_docs:
        return None
    return any(passage["article_id"] in answer_docs for passage in passages[:RANK_DEPTH])


def _cites_gold(
    passages: Sequence[Mapping[str, Any]], cited: Sequence[str], golds: Sequence[str]
) -> bool:
    return any(
        contains_any(passage["text"], golds) for passage in passages if passage["chunk_id"] in cited
    )


def _aggregate(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    briefs = [row for row in rows if is_brief(row)]
    summary = {
        **_question_metrics([row for row in rows if not is_brief(row)]),
        **_brief_summary(briefs),
        "errors": sum(bool(row.get("error")) for row in rows),
    }
    return {name: summary[name] for name in METRICS}


def _question_metrics(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    scores = [row["metrics"] for row in rows]
    answerable = [row["metrics"] for row in rows if row["answers"]]
    ranks = [score["first_hit_rank"] for score in answerable]
    words = [s["answer_words"] for s in scores if s.get("answer_words") is not None]
    summary: dict[str, Any] = {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": sum(bool(row["expect_abstain"]) for row in rows),
        "abstained": sum(score["abstained"] for score in scores),
        **{
            f"has_answer@{k}": _mean([rank is not None and rank <= k for rank in ranks])
            for k in HIT_DEPTHS
        },
        f"mrr@{RANK_DEPTH}": _mean(
            [1 / rank if rank is not None and rank <= RANK_DEPTH else 0.0 for rank in ranks]
        ),
        f"doc_recall@{RANK_DEPTH}": _mean(
            [score["doc_hit"] for score in scores if score["doc_hit"] is not None]
        ),
        "followup_reach": _mean(
            [
                rank is not None and rank <= FOLLOWUP_DEPTH
                for rank, full in (
                    (s["first_hit_rank"], s.get("full_hit_rank")) for s in answerable
                )
                if full is not None and full <= FOLLOWUP_DEPTH
            ]
        ),
        "accuracy": _mean([score["correct"] for score in answerable]),
        "token_f1": _mean([score["token_f1"] for score in answerable]),
        "choice_accuracy": _mean(
            [s["choice_correct"] for s in answerable if s.get("choice_correct") is not None]
        ),
        "answer_words_median": percentile([float(n) for n in words], 50),
        "short_answer_share": _mean([n <= SHORT_ANSWER_WORDS for n in words]),
        **_abstention(rows),
        "false_abstention_rate": _mean([score["abstained"] for score in answerable]),
        "citation_validity": _ratio(
            sum(score["valid_citations"] for score in scores),
            sum(score["citations"] for score in scores),
        ),
        "citation_support": _mean([score["cites_gold"] for score in scores if score["correct"]]),
        "kept_share": _mean([s["kept"] for s in scores if s.get("kept") is not None]),
        "prompt_tokens_mean": _mean(
            [s["prompt_tokens"] for s in scores if s.get("prompt_tokens") is not None]
        ),
        **_latencies(rows),
        **_cpu_times(rows),
        "mean_passage_chars": _ratio(
            sum(score["passage_chars"] for score in scores),
            sum(score["passages"] for score in scores),
        ),
    }
    return summary


def _brief_summary(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    scores = [row["metrics"] for row in rows]
    timings = [row.get("timings_ms") or {} for row in rows]
    totals = [float(t["total"]) for t in timings if t.get("total") is not None]
    return {
        "briefs": len(rows),
        "story_recall": _mean([s["story_hit"] for s in scores if s["story_hit"] is not None]),
        "no_stories_rate": _mean(
            [row["metrics"]["stories"] == 0 for row in rows if row["expect_abstain"]]
        ),
        "brief_duplicates": _mean([s["duplicate"] for s in scores if s["duplicate"] is not None]),
        **{f"brief_latency_p{p}_ms": percentile(totals, p) for p in LATENCY_PERCENTILES},
    }


def _abstention(rows: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    """Precision, recall and F1 of abstaining; all null when no question expects abstention.

    Precision is 0.0, not None, when nothing abstained: a system that never abstains on a suite
    with unanswerable questions should score badly, not drop out of the gates.
    """
    expected = [bool(row["expect_abstain"]) for row in rows]
    abstained = [bool(row["metrics"]["abstained"]) for row in rows]
    if not any(expected):
        return {"abstain_precision": None, "abstain_recall": None, "abstain_f1": None}
    both = sum(e and a for e, a in zip(expected, abstained, strict=True))
    precision = both / sum(abstained) if any(abstained) else 0.0
    recall = both / sum(expected)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"abstain_precision": precision, "abstain_recall": recall, "abstain_f1": f1}


def _latencies(rows: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    timings = [row.get("timings_ms") or {} for row in rows]
    return {
        f"latency_{stage}_p{p}_ms": percentile(
            [float(t[stage]) for t in timings if t.get(stage) is not None], p
        )
        for stage in LATENCY_STAGES
        for p in LATENCY_PERCENTILES
    }


def _cpu_times(rows: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    spent = [
        float(t["answer_cpu"])
        for t in (row.get("timings_ms") or {} for row in rows)
        if t.get("answer_cpu") is not None
    ]
    return {f"cpu_answer_p{p}_ms": percentile(spent, p) for p in LATENCY_PERCENTILES}


def _mean(values: Sequence[float | bool]) -> float | None:
    return sum(values) / len(values) if values else None


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None
