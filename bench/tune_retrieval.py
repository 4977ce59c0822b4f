"""Retrieval and answering experiments on a RealTimeQA suite, scored exactly as `newsqa eval`
scores (`eval.metrics.result_row` + `summarize`), fast enough to run after every change.

    python bench/tune_retrieval.py --store /work/stores/rtqa-small \
        --suite ../shared/data/realtimeqa/questions-2025-small.jsonl [--split tune|holdout] \
        [--set max_per_article=3 --set recency_weight=0]

Each question is asked as of its suite `as_of` date and scored as `eval.runner` scores it.
`--split` keeps the questions whose id hashes into that half (`eval_split`), the fixed split the
abstention threshold is chosen on. Writes the summary to `bench/results/<name>.json` and every
result row to `bench/.cache/<name>.jsonl` (with the memo; not committed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from eval.metrics import RANK_DEPTH, result_row, summarize
from eval.suite import SuiteQuestion, load_suite
from qa import NewsQA

RESULTS = Path(__file__).resolve().parent / "results"
CACHE = Path(__file__).resolve().parent / ".cache"
SHOWN = (
    "has_answer@1",
    "has_answer@5",
    "has_answer@10",
    "mrr@10",
    "mean_passage_chars",
    "accuracy",
    "token_f1",
    "abstain_precision",
    "abstain_recall",
    "abstain_f1",
    "false_abstention_rate",
    "latency_total_p50_ms",
)


def eval_split(question_id: str) -> str:
    """'tune' or 'holdout': half the questions each, by a stable hash of the id."""
    return "tune" if hashlib.sha1(question_id.encode()).digest()[0] % 2 == 0 else "holdout"


class Memo:
    """Retriever hits and embeddings memoised on disk per store, so that a rerun that changes
    only fusion, passage or answering settings costs no model or index time."""

    def __init__(self, store: str) -> None:
        key = hashlib.sha1(str(Path(store).resolve()).encode()).hexdigest()[:12]
        self.path = CACHE / f"memo-{key}.pkl"
        self.data = pickle.loads(self.path.read_bytes()) if self.path.exists() else {}

    def newsqa(self, store: str, **settings) -> NewsQA:
        """A NewsQA whose retrieval hits and sentence embeddings come from the memo."""
        from qa.retrieval.retrieve import Stages, search_both

        def memo_search(store, settings, question, vector, filters, n, timings):
            key = ("search", question, filters, n, 1)
            if key not in self.data:
                self.data[key] = search_both(store, settings, question, vector, filters, n, timings)
            return self.data[key]

        nq = NewsQA(store=store, stages=Stages(search=memo_search), **settings)
        embedder = nq._reader().embedder
        encode = embedder.encode

        def memo_encode(texts):
            missing = [t for t in dict.fromkeys(texts) if ("vec", t) not in self.data]
            if missing:
                for text, vector in zip(missing, encode(missing)):
                    self.data[("vec", text)] = vector
            return np.stack([self.data[("vec", t)] for t in texts])

        embedder.encode = memo_encode
        return nq

    def save(self) -> None:
        CACHE.mkdir(exist_ok=True)
        self.path.write_bytes(pickle.dumps(self.data))


def run(nq: NewsQA, questions: list[SuiteQuestion], k: int | None) -> list[dict]:
    """As `newsqa eval` does: answer with k passages, score retrieval on the top 10."""
    k = k or nq.settings.k
    rows = []
    for question in questions:
        answer = nq.ask(question.question, k=k, as_of=question.as_of)
        ranking = nq.search(question.question, k=max(k, RANK_DEPTH), as_of=question.as_of)
        rows.append(result_row(question, answer.to_dict(), ranking=[asdict(p) for p in ranking]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--suite", required=True)
    parser.add_argument("--split", choices=("tune", "holdout"))
    parser.add_argument("--limit", type=int)
    parser.add_argument(
        "-k", type=int, help="passages retrieved (default: the settings k, as eval)"
    )
    parser.add_argument("--set", action="append", default=[], help="a setting, NAME=VALUE")
    parser.add_argument("--name", default="last")
    parser.add_argument("--memo", action="store_true", help="memoise hits and embeddings")
    args = parser.parse_args()

    overrides = dict(item.split("=", 1) for item in args.set)
    memo = Memo(args.store) if args.memo else None
    nq = memo.newsqa(args.store, **overrides) if memo else NewsQA(store=args.store, **overrides)
    questions = list(load_suite(args.suite).questions)
    if args.split:
        questions = [q for q in questions if eval_split(q.id) == args.split]
    questions = questions[: args.limit] if args.limit else questions
    started = time.perf_counter()
    rows = run(nq, questions, args.k)
    if memo:
        memo.save()
    summary = summarize(rows)["metrics"]
    summary["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    CACHE.mkdir(exist_ok=True)
    with (CACHE / f"{args.name}.jsonl").open("w") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    record = {"store": args.store, "suite": args.suite, "split": args.split, "set": overrides}
    (RESULTS / f"{args.name}.json").write_text(json.dumps({**record, **summary}, indent=1))
    print(" ".join(f"{m}={_fmt(summary[m])}" for m in (*SHOWN, "seconds")))


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
