"""Does late interaction over MiniLM's token vectors rerank the fused candidates better?

    python bench/late_interaction.py --store /work/stores/r5-small \
        --suite ../shared/data/realtimeqa/questions-2025-small.jsonl

For each answerable question, the default pipeline's top `--depth` passages (as of the
question's date) are reranked by MaxSim (ColBERT's score: each question token's best cosine
with any token of the passage's hit chunk, averaged over the question's tokens), alone and fused
with the original order by reciprocal rank. MiniLM was trained for mean-pooled sentence vectors,
not for token matching, so this measures whether its token vectors carry the signal anyway.
Prints has_answer@1/5/10 and MRR@10 of each order, on both halves of the dev split, and writes
them to bench/late_interaction.json. Costs one fp32 MiniLM pass per candidate chunk.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from tune_retrieval import eval_split

from eval.normalize import contains_any
from eval.suite import load_suite
from index_store.embedding import model_folder
from index_store.store import Store
from qa import NewsQA

RRF_K = 60
OUT = Path(__file__).with_name("late_interaction.json")


def token_vectors(model, texts: list[str]) -> list[np.ndarray]:
    """Unit token vectors of each text, without [CLS] and [SEP]."""
    found = model.encode(texts, output_value="token_embeddings", batch_size=32)
    vectors = []
    for tokens in found:
        tokens = tokens.numpy()[1:-1]
        vectors.append(tokens / np.linalg.norm(tokens, axis=1, keepdims=True))
    return vectors


def maxsim(question: np.ndarray, passage: np.ndarray) -> float:
    return float((question @ passage.T).max(axis=1).mean())


def fused(*orders: list[int]) -> list[int]:
    scores: dict[int, float] = {}
    for order in orders:
        for rank, item in enumerate(order, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores, key=lambda item: -scores[item])


def figures(hits: list[list[bool]]) -> dict[str, float]:
    """has_answer@1/5/10 and MRR@10 over questions, each a list of per-rank gold flags."""
    count = max(1, len(hits))
    result = {f"has_answer@{k}": sum(any(h[:k]) for h in hits) / count for k in (1, 5, 10)}
    result["mrr@10"] = sum(next((1 / r for r, x in enumerate(h[:10], 1) if x), 0) for h in hits)
    result["mrr@10"] /= count
    return {name: round(value, 3) for name, value in result.items()}


def main() -> None:
    from sentence_transformers import SentenceTransformer

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--suite", required=True)
    parser.add_argument("--depth", type=int, default=20)
    args = parser.parse_args()
    nq = NewsQA(store=args.store)
    store = Store.open(nq.settings.index_config())
    model = SentenceTransformer(str(model_folder(nq.settings.embedding_model)), device="cpu")
    orders = {"fused (default)": {}, "maxsim": {}, "fused + maxsim (RRF)": {}}
    for q in load_suite(args.suite).questions:
        if not q.answers:
            continue
        passages = nq.search(q.question, k=args.depth, as_of=q.as_of)
        chunks = store.manifest.chunks(p.chunk_id for p in passages)
        texts = [chunks[p.chunk_id].text if p.chunk_id in chunks else p.text for p in passages]
        question, *candidates = token_vectors(model, [q.question, *texts])
        by_maxsim = sorted(range(len(passages)), key=lambda i: -maxsim(question, candidates[i]))
        default = list(range(len(passages)))
        gold = [contains_any(p.text, q.answers) for p in passages]
        for name, order in (
            ("fused (default)", default),
            ("maxsim", by_maxsim),
            ("fused + maxsim (RRF)", fused(default, by_maxsim)),
        ):
            orders[name][q.id] = [gold[i] for i in order]
    report = {"store": args.store, "suite": args.suite, "depth": args.depth, "orders": {}}
    for name, rows in orders.items():
        report["orders"][name] = {
            split or "all": figures(
                [hits for qid, hits in rows.items() if split in (None, eval_split(qid))]
            )
            for split in (None, "tune", "holdout")
        }
        print(name, report["orders"][name])
    OUT.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
