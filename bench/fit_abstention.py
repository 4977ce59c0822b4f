"""The abstain thresholds of a local model (`abstain_threshold`, `abstain_threshold_doubted`),
fitted on the dev questions.

A small model's own first choice refuses a quarter of the questions its evidence answers. Read
instead its probability of writing the abstention phrase (`Answer.abstain_probability`) and
abstain only above a threshold, a lower one where the extractive answerer doubts that the
passages answer (`qa.answering.abstention`). One eval run with both thresholds at 1 (the model
must always answer, and its probability is recorded) shows what every pair would give: a
question abstains when the pipeline refused it anyway (subject rule, verification) or its
probability reaches the threshold that applies. The pair kept is the one with the best sum of
choice accuracy and abstain F1 (the issue's two targets) on the fitting run; other runs are read
at it. The extractive doubt is read again from each row's passages, so the store is needed.

    NEWSQA_ABSTAIN_THRESHOLD=1 NEWSQA_ABSTAIN_THRESHOLD_DOUBTED=1 \
        newsqa eval SUITE --store STORE -m MODEL --out RUN
    python bench/fit_abstention.py --store STORE --fit DEV_RUN [--check RUN --exclude SUITE]
        [--label NAME] [--at HIGH,LOW]

Writes bench/abstain_threshold.json (one entry per label).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "abstain_threshold.json"
GRID = [round(0.02 * i, 2) for i in range(1, 50)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="the runs' store")
    parser.add_argument("--fit", type=Path, required=True, help="eval run at threshold 1")
    parser.add_argument("--check", type=Path, help="another such run, read at the fitted value")
    parser.add_argument("--exclude", type=Path, help="suite whose ids the check run leaves out")
    parser.add_argument("--only", type=Path, help="suite whose ids alone the check run reads")
    parser.add_argument("--label", default="run")
    parser.add_argument(
        "--at", help="HIGH,LOW: read the runs at these thresholds instead of fitting them"
    )
    args = parser.parse_args()
    doubt = Doubts(args.store)
    fit_rows = doubt.read(rows_of(args.fit))
    if args.at:
        high, low = map(float, args.at.split(","))
        pairs = [(high, low)]
    else:
        pairs = [(high, low) for high in GRID for low in GRID if low <= high]
    table = {pair: scores(fit_rows, *pair) for pair in pairs}
    best = max(
        pairs, key=lambda p: (table[p]["choice_accuracy"] + table[p]["abstain_f1"], -p[0], -p[1])
    )
    entry = {
        "fit_run": str(args.fit),
        "threshold": best[0],
        "threshold_doubted": best[1],
        "fit": table[best],
        "fit_one_threshold": _best_single(fit_rows),
        "fit_always_answering": always_answering(fit_rows),
    }
    if args.check:
        check_rows = doubt.read(rows_of(args.check, args.exclude, args.only))
        entry["check_run"] = str(args.check)
        entry["check"] = scores(check_rows, *best)
        entry["check_one_threshold"] = scores(
            check_rows, *[entry["fit_one_threshold"]["threshold"]] * 2
        )
        entry["check_always_answering"] = always_answering(check_rows)
    record(args.label, entry)
    print(json.dumps(entry, indent=1))


def rows_of(run: Path, exclude: Path | None = None, only: Path | None = None) -> list[dict]:
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    if exclude is not None:
        left_out = _ids(exclude)
        rows = [r for r in rows if r["id"] not in left_out]
    if only is not None:
        kept = _ids(only)
        rows = [r for r in rows if r["id"] in kept]
    missing = [r["id"] for r in rows if r["answer"].get("abstain_probability") is None]
    if missing:
        raise SystemExit(f"{run}: no abstain_probability for {missing[:3]}: run at threshold 1")
    return rows


def _ids(suite: Path) -> set[str]:
    return {json.loads(line)["id"] for line in suite.read_text().splitlines() if line.strip()}


class Doubts:
    """Whether the extractive answerer doubts a row's passages answer its question."""

    def __init__(self, store: Path) -> None:
        from index_store.store import Store
        from qa import NewsQA

        self._settings = NewsQA(store=store).settings
        self._store = Store.open(self._settings.index_config())

    def read(self, rows: list[dict]) -> list[dict]:
        """The rows, each with `doubted` set."""
        from qa.answering.abstention import extractive_doubts
        from qa.models.base import ModelContext
        from qa.retrieval.retrieve import read_question

        for row in rows:
            passages = [_passage(p) for p in row["answer"]["passages"]]
            context = ModelContext(self._settings, read_question(self._store, row["question"]))
            row["doubted"] = extractive_doubts(row["question"], passages, context)
        return rows


def _passage(saved: dict):
    from dataclasses import fields

    from qa.types import Passage

    known = {f.name for f in fields(Passage)}
    values = {k: v for k, v in saved.items() if k in known}
    values["sources"] = tuple(values.get("sources", ()))
    values["sentence_spans"] = tuple(map(tuple, values.get("sentence_spans", ())))
    return Passage(**values)


def _best_single(rows: list[dict]) -> dict:
    """The best one threshold for every question (the doubt ignored), for comparison."""
    table = {t: scores(rows, t, t) for t in GRID}
    best = max(GRID, key=lambda t: (table[t]["choice_accuracy"] + table[t]["abstain_f1"], -t))
    return {"threshold": best, **table[best]}


def scores(rows: list[dict], threshold: float, doubted: float) -> dict:
    """Choice accuracy and abstention at `threshold`, and at `doubted` for doubted rows."""
    answerable = [r for r in rows if not r["expect_abstain"]]
    refused = {r["id"] for r in rows if _abstains(r, threshold, doubted)}
    right = [r["id"] not in refused and bool(r["metrics"]["choice_correct"]) for r in answerable]
    should = {r["id"] for r in rows if r["expect_abstain"]}
    hits = len(refused & should)
    precision = hits / len(refused) if refused else 0.0
    recall = hits / len(should) if should else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {
        "questions": len(rows),
        "choice_accuracy": round(statistics.mean(right), 3) if right else None,
        "abstain_precision": round(precision, 3),
        "abstain_recall": round(recall, 3),
        "abstain_f1": round(f1, 3),
        "false_abstention_rate": round(
            sum(r["id"] in refused for r in answerable) / len(answerable), 3
        ),
    }


def always_answering(rows: list[dict]) -> dict:
    """The same answers with no threshold (the model must always answer; only the pipeline's
    own checks refuse)."""
    return scores(rows, 2.0, 2.0)


def _abstains(row: dict, threshold: float, doubted: float) -> bool:
    answer = row["answer"]
    bar = doubted if row["doubted"] else threshold
    return bool(answer["abstained"]) or answer["abstain_probability"] >= bar


def record(label: str, entry: dict) -> None:
    kept = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    kept[label] = entry
    RESULTS.write_text(json.dumps(kept, indent=1) + "\n")


if __name__ == "__main__":
    main()
