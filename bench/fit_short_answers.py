"""Fit the short-answer weights on the dev questions, then score the answerer anywhere.

    python bench/fit_short_answers.py --store /work/stores/rtqa-small-dev \
        --suite ../shared/data/realtimeqa/questions-2025-small.jsonl --fit
    python bench/fit_short_answers.py --store /work/stores/rtqa-full \
        --suite ../shared/data/realtimeqa/questions-2025-grounded.jsonl \
        --dev ../shared/data/realtimeqa/questions-2025-small.jsonl

1. With `--fit`: a logistic regression over `qa.reading.short_answer.SpanFeatures` on the
   answerable questions of `--suite`, a candidate being a positive when it is a gold answer
   (the gold holds it, or it holds the gold); prints SPAN_WEIGHTS to paste into
   `qa/reading/short_answer.py`. Only ever fit on the dev questions.
2. Scores the extractive answerer through the real pipeline (`answer_events`, as `ask` does)
   on the passages retrieved as of each question's date, and summarises as `newsqa eval` does
   (`eval.metrics`): all questions, and with `--dev`, the dev questions (ids in that suite)
   and the unseen ones apart. Passages are retrieved once per store and suite and cached in
   bench/.cache/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
from dataclasses import fields
from datetime import date
from pathlib import Path

import numpy as np
from fit_answerer import fit_listwise, fit_logistic

from eval.metrics import result_row, summarize
from eval.normalize import contains, contains_any, normalize_tokens
from eval.suite import load_suite
from index_store.store import Store
from qa import NewsQA
from qa.answering.pipeline import answer_events
from qa.models.base import ModelContext
from qa.models.extractive import model as extractive
from qa.reading import short_answer
from qa.reading.answer_types import expected_kind
from qa.reading.sentences import rank_sentences
from qa.retrieval.retrieve import read_question
from qa.types import Answer, Asked

SHOWN = (
    "questions",
    "choice_accuracy",
    "accuracy",
    "token_f1",
    "answer_words_median",
    "short_answer_share",
    "abstain_precision",
    "abstain_recall",
    "abstain_f1",
    "false_abstention_rate",
    "citation_support",
)


def is_gold(candidate: str, golds: tuple[str, ...]) -> bool:
    """The candidate names a gold answer: it holds one, or one holds it and it is at least half
    of that gold's words ("Glaser" for "Nikki Glaser", not "New" for "New York")."""
    if contains_any(candidate, golds):
        return True
    words = len(normalize_tokens(candidate))
    return any(contains(g, candidate) and 2 * words >= len(normalize_tokens(g)) for g in golds)


def candidates(asked: Asked, question: str, passages: list) -> list:
    ranked = rank_sentences(question, passages, asked)
    read = [
        short_answer.ReadSentence(s.passage_index, s.text, 1 / (1 + np.exp(-s.score)))
        for s in ranked[: extractive.READ_SENTENCES]
    ]
    texts = [f"{p.title}\n{p.text}" for p in passages]
    kind = expected_kind(question)
    return short_answer.rank_spans(question, kind, read, texts, [p.title for p in passages])


def fit(store: Store, rows: list, listwise: bool = False) -> None:
    names = [f.name for f in fields(short_answer.SpanFeatures)]
    x, y, groups, reachable = [], [], [], 0
    for q, passages in rows:
        if not q.answers:
            continue
        found = candidates(read_question(store, q.question), q.question, passages)
        labels = [is_gold(c.text, q.answers) for c in found]
        reachable += any(labels)
        x += [[getattr(c.features, n) for n in names] for c in found]
        y += labels
        groups += [q.id] * len(found)
    if listwise:
        weights = fit_listwise(np.array(x), np.array(y), groups, names)
        weights["bias"] = short_answer.SPAN_WEIGHTS["bias"]
    else:
        weights = fit_logistic(np.array(x), np.array(y), names)
    short_answer.SPAN_WEIGHTS.update(weights)
    answerable = sum(bool(q.answers) for q, _ in rows)
    print(f"gold among the candidates: {reachable}/{answerable}; {len(y)} candidates")
    print("SPAN_WEIGHTS =", weights)


CACHE = Path(__file__).resolve().parent / ".cache"


def retrieved(nq: NewsQA, suite: str) -> list:
    """(question, passages) per question of the suite, as of its date, cached per store, suite
    and retrieval code."""
    code = "".join(p.read_text() for p in sorted(Path("qa/retrieval").glob("*.py")))
    key = hashlib.sha1(f"{Path(nq.settings.store).resolve()}|{suite}|{code}".encode())
    cache = CACHE / f"short-answers-{key.hexdigest()[:12]}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    rows = [(q, nq.search(q.question, as_of=q.as_of)) for q in load_suite(suite).questions]
    CACHE.mkdir(exist_ok=True)
    cache.write_bytes(pickle.dumps(rows))
    return rows


def answer(question, passages, context: ModelContext) -> Answer:
    *_, final = answer_events(question.question, passages, "extractive", context)
    return final


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--suite", required=True)
    parser.add_argument("--dev", help="the dev suite: its question ids are reported apart")
    parser.add_argument("--fit", action="store_true", help="refit SPAN_WEIGHTS on --suite")
    parser.add_argument("--listwise", action="store_true", help="--fit: rank within questions")
    parser.add_argument("--out", help="write the result rows (JSONL) here")
    args = parser.parse_args()
    nq = NewsQA(store=args.store)
    rows = retrieved(nq, args.suite)
    store = Store.open(nq.settings.index_config())
    if args.fit:
        fit(store, rows, args.listwise)
    results = []
    for q, passages in rows:
        as_of = None if q.as_of is None else date.fromisoformat(q.as_of)
        asked = read_question(store, q.question)
        final = answer(q, passages, ModelContext(nq.settings, asked, as_of))
        results.append(result_row(q, final.to_dict()))
    if args.out:
        with Path(args.out).open("w") as out:
            out.writelines(json.dumps(r) + "\n" for r in results)
    dev = {q.id for q in load_suite(args.dev).questions} if args.dev else set()
    groups = {"all": results}
    if dev:
        groups["dev"] = [r for r in results if r["id"] in dev]
        groups["unseen"] = [r for r in results if r["id"] not in dev]
    for name, group in groups.items():
        metrics = summarize(group)["metrics"]
        shown = {k: round(v, 3) if isinstance(v, float) else v for k, v in metrics.items()}
        print(name, {k: shown.get(k) for k in SHOWN})


if __name__ == "__main__":
    main()
