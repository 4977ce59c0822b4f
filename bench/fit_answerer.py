"""Fit the extractive answerer's sentence weights and its abstention model on the tune half of a
dev suite, and report both halves.

    python bench/fit_answerer.py --store /work/stores/rtqa-small \
        --suite ../shared/data/realtimeqa/questions-2025-small.jsonl

1. Sentence weights: logistic regression over `SentenceFeatures`, a sentence being a positive when
   it holds a gold answer (answerable tune questions only); `--fit abstention` keeps the current
   ones.
2. Abstention: logistic regression over `qa.reading.answerability.Evidence` (with the
   fitted sentence weights), a positive being an answerable question; the threshold is the one
   on the tune half with the best abstention F1 among those with at most 10% false abstentions
   (with `abstain.abstains`' phrase rule applied too; when no threshold keeps false abstentions
   that low, the lowest).

Passages are retrieved once per question (as of its date, as eval does) and cached in
bench/.cache/, keyed by store and suite. Prints the fitted constants to paste into
`qa/models/extractive/sentences.py` and `qa/reading/answerability.py`, and the accuracy /
abstention figures of each half.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
from dataclasses import fields
from pathlib import Path

import numpy as np
from tune_retrieval import CACHE, Memo, eval_split

from eval.normalize import contains_any
from eval.suite import load_suite
from index_store.store import Store
from qa import NewsQA
from qa.models.extractive import model as extractive
from qa.reading import answerability as abstain_module
from qa.reading import sentences as reading
from qa.retrieval.retrieve import read_question

MAX_FALSE_ABSTENTIONS = 0.10


def retrieved(nq: NewsQA, suite_path: str, store: str, overrides: dict) -> list:
    retrieval = Path(__file__).resolve().parents[1] / "qa" / "retrieval"
    code = "".join(path.read_text() for path in sorted(retrieval.glob("*.py")))
    text = f"{store}|{suite_path}|{sorted(overrides.items())}|{code}"
    key = hashlib.sha1(text.encode()).hexdigest()
    cache = CACHE / f"passages-{key[:12]}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    rows = []
    for q in load_suite(suite_path).questions:
        rows.append((q, nq.search(q.question, as_of=q.as_of)))
    CACHE.mkdir(exist_ok=True)
    cache.write_bytes(pickle.dumps(rows))
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray, names: list[str]) -> dict[str, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(x, y)
    weights = {"bias": round(float(model.intercept_[0]), 3)}
    weights.update({n: round(float(w), 3) for n, w in zip(names, model.coef_[0])})
    return weights


def fit_listwise(
    x: np.ndarray, y: np.ndarray, groups: list[str], names: list[str], l2: float = 0.1
) -> dict[str, float]:
    """Weights that rank a gold candidate first within its question (a conditional logit:
    softmax over each question's candidates, the gold ones' probability maximised), since
    the answerer keeps one candidate per question; the bias cancels out (callers keep theirs)."""
    from scipy.optimize import minimize

    keys = sorted(set(groups))
    members = [np.array([i for i, g in enumerate(groups) if g == k]) for k in keys]
    members = [m for m in members if y[m].any()]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = l2 * w @ w, 2 * l2 * w
        for m in members:
            scores = x[m] @ w
            p = np.exp(scores - scores.max())
            p /= p.sum()
            gold = y[m].astype(bool)
            p_gold = p[gold].sum()
            total -= np.log(p_gold)
            q = np.where(gold, p / p_gold, 0.0)
            grad -= x[m].T @ (q - p)
        return total, grad

    found = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B")
    weights = {}
    weights.update({n: round(float(w), 3) for n, w in zip(names, found.x)})
    return weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--suite", required=True)
    parser.add_argument("--set", action="append", default=[], help="a setting, NAME=VALUE")
    parser.add_argument(
        "--fit",
        choices=("both", "abstention", "none"),
        default="both",
        help="what to refit; the rest is scored with the current constants",
    )
    parser.add_argument("--listwise", action="store_true", help="rank sentences per question")
    args = parser.parse_args()
    overrides = dict(item.split("=", 1) for item in args.set)
    memo = Memo(args.store)
    nq = memo.newsqa(args.store, **overrides)
    rows = retrieved(nq, args.suite, args.store, overrides)
    store = Store.open(nq.settings.index_config())
    asked = {q.id: read_question(store, q.question) for q, _ in rows}
    scored = [
        (q, passages, reading.score_sentences(q.question, passages, asked[q.id]))
        for q, passages in rows
    ]
    memo.save()

    if args.fit == "both":
        names = [f.name for f in fields(reading.SentenceFeatures)]
        x, y, groups = [], [], []
        for q, _, sentences in scored:
            if eval_split(q.id) == "tune" and q.answers:
                for s in sentences:
                    x.append([getattr(s.features, n) for n in names])
                    y.append(contains_any(s.text, q.answers))
                    groups.append(q.id)
        if args.listwise:
            fitted = fit_listwise(np.array(x), np.array(y), groups, names)
            fitted["bias"] = reading.SENTENCE_WEIGHTS["bias"]
        else:
            fitted = fit_logistic(np.array(x), np.array(y), names)
        reading.SENTENCE_WEIGHTS.update(fitted)
    print("SENTENCE_WEIGHTS =", reading.SENTENCE_WEIGHTS)

    facts = {}
    for q, passages, sentences in scored:
        ranked = sorted(sentences, key=lambda s: -s.score)
        if ranked:
            weight = dict(asked[q.id].weights)
            facts[q.id] = (
                ranked,
                abstain_module.evidence(q.question, passages, ranked, weight, nq.settings.rrf_k),
            )
    names = list(abstain_module.SIGNALS)
    if args.fit != "none":
        x = [[getattr(facts[q.id][1], n) for n in names] for q, _, _ in scored if _tune(q, facts)]
        y = [bool(q.answers) for q, _, _ in scored if _tune(q, facts)]
        abstain_module.WEIGHTS.update(fit_logistic(np.array(x), np.array(y), names))
        abstain_module.THRESHOLD = choose_threshold(scored, facts, "tune")
    print("WEIGHTS =", abstain_module.WEIGHTS)
    print("THRESHOLD =", abstain_module.THRESHOLD)
    for split in ("tune", "holdout", None):
        print(split or "all", report(scored, facts, split, abstain_module.THRESHOLD))


def _tune(q, facts) -> bool:
    return eval_split(q.id) == "tune" and q.id in facts


def outcomes(scored, facts, split, threshold):
    """(expects abstention, abstained, answered correctly) per question of the split."""
    found = []
    for q, _, _ in scored:
        if split and eval_split(q.id) != split:
            continue
        if q.id not in facts:
            found.append((not q.answers, True, False))
            continue
        ranked, evidence = facts[q.id]
        abstained = abstain_module.abstains(evidence, threshold)
        answer = extractive.compose(ranked, q.question)
        correct = bool(q.answers) and not abstained and contains_any(answer, q.answers)
        found.append((not q.answers, abstained, correct))
    return found


def report(scored, facts, split, threshold) -> dict[str, float]:
    found = outcomes(scored, facts, split, threshold)
    answerable = [f for f in found if not f[0]]
    both = sum(e and a for e, a, _ in found)
    precision = both / max(1, sum(a for _, a, _ in found))
    recall = both / max(1, sum(e for e, _, _ in found))
    oracle = [
        any(contains_any(s.text, q.answers) for s in sentences)
        for q, _, sentences in scored
        if q.answers and (not split or eval_split(q.id) == split)
    ]
    top1 = [
        bool(facts.get(q.id)) and contains_any(facts[q.id][0][0].text, q.answers)
        for q, _, _ in scored
        if q.answers and (not split or eval_split(q.id) == split)
    ]
    return {
        "questions": len(found),
        "accuracy": round(sum(c for _, _, c in answerable) / max(1, len(answerable)), 3),
        "top1_sentence": round(sum(top1) / max(1, len(top1)), 3),
        "sentence_ceiling": round(sum(oracle) / max(1, len(oracle)), 3),
        "abstain_f1": round(2 * precision * recall / max(1e-9, precision + recall), 3),
        "false_abstention": round(sum(a for _, a, _ in answerable) / max(1, len(answerable)), 3),
    }


def choose_threshold(scored, facts, split) -> float:
    """Best abstention F1 on the split with false abstentions at most MAX_FALSE_ABSTENTIONS."""
    best = (-1.0, 0.05)
    for threshold in np.arange(0.05, 0.96, 0.01):
        result = report(scored, facts, split, float(threshold))
        if result["false_abstention"] <= MAX_FALSE_ABSTENTIONS:
            best = max(best, (result["abstain_f1"], round(float(threshold), 2)))
    return best[1]


if __name__ == "__main__":
    main()
