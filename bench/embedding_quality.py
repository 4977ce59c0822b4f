"""Does the int8 ONNX embedder cost retrieval quality against fp32 torch? The rule: ONNX stays
the default only if it loses at most 1 point of has_answer@5.

    python bench/embedding_quality.py [--articles PATH] [--suite PATH]

The same corpus (`articles-2025-small.jsonl`) is ingested twice with default settings, once per
backend (so the chunks are identical and only the vectors differ), and the dev suite
(`questions-2025-small.jsonl`) is asked of each store as `newsqa eval` asks it: default k, as of
each question's date, scored by `eval.metrics`. Also reported: has_answer@5 of the dense side
alone (the part the backend changes), the cosine between the two backends' vectors for a sample
of chunks, and the two ingests' times (measured one after the other in this run).
Writes bench/embedding_quality.json and its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from benchlib import (
    DEFAULT_WORK,
    REALTIMEQA,
    load,
    machine,
    machine_line,
    python_child,
    report_child,
    save,
    settings_facts,
    show,
    table,
)

BACKENDS = ("onnx", "torch")
MAX_LOSS_POINTS = 1.0
COSINE_SAMPLE = 2000
SHOWN = ("has_answer@1", "has_answer@5", "has_answer@10", "mrr@10", "accuracy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=Path, default=REALTIMEQA / "articles-2025-small.jsonl")
    parser.add_argument("--suite", type=Path, default=REALTIMEQA / "questions-2025-small.jsonl")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--reuse", action="store_true", help="keep stores built by a last run")
    args = parser.parse_args()
    for path in (args.articles, args.suite):
        if not path.exists():
            raise SystemExit(f"not found: {path}")
    facts = {"machine": machine(), "settings": settings_facts(), "backends": {}}
    facts["corpus"], facts["suite"] = str(args.articles), str(args.suite)
    for backend in BACKENDS:
        store = args.work / "quality" / backend
        figures = facts["backends"].setdefault(backend, {})
        if not (args.reuse and (store / "manifest.sqlite").exists()):
            shutil.rmtree(store, ignore_errors=True)
            _say(f"ingest with {backend}")
            figures["ingest"] = python_child(
                Path(__file__), "ingest", backend, str(args.articles), str(store)
            ).facts()
    for backend in BACKENDS:
        _say(f"suite with {backend}")
        store = args.work / "quality" / backend
        score = python_child(Path(__file__), "score", backend, str(store), str(args.suite))
        facts["backends"][backend]["scores"] = score.facts()
    _say("cosine between backends")
    cosine = python_child(Path(__file__), "cosine", str(args.work / "quality" / "onnx"))
    facts["cosine"] = cosine.facts()
    facts["decision"] = _decision(facts)
    save("embedding_quality", facts, _markdown(facts))
    show("embedding_quality")


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text} (load {load()})", flush=True)


def _decision(facts: dict) -> dict:
    onnx, torch = (facts["backends"][b]["scores"]["metrics"]["has_answer@5"] for b in BACKENDS)
    loss = round((torch - onnx) * 100, 1)
    return {"loss_points": loss, "onnx_stays_default": loss <= MAX_LOSS_POINTS}


def _markdown(facts: dict) -> str:
    rows = []
    for backend in BACKENDS:
        figures = facts["backends"][backend]
        metrics = figures["scores"]["metrics"]
        ingest = figures.get("ingest")
        rows.append(
            [
                backend,
                *(metrics[m] for m in SHOWN),
                figures["scores"]["dense_has_answer@5"],
                ingest["chunks_written"] if ingest else None,
                round(ingest["seconds"]) if ingest else None,
                round(ingest["chunks_written"] / ingest["seconds"], 1) if ingest else None,
                f"{ingest['load_before']} → {ingest['load_after']}" if ingest else None,
            ]
        )
    decision, cosine = facts["decision"], facts["cosine"]
    verdict = (
        "ONNX int8 may stay the default for questions (articles are embedded with torch, the "
        "faster here: see the ingest section)"
        if decision["onnx_stays_default"]
        else "ONNX loses more than 1 point: torch must become the default for questions too"
    )
    return "\n".join(
        [
            "## Embedding backend quality (int8 ONNX against fp32 torch)",
            "",
            f"`python bench/embedding_quality.py` — `{Path(facts['corpus']).name}` ingested once "
            f"per backend, `{Path(facts['suite']).name}` asked as `newsqa eval` asks it "
            f"({facts['backends']['onnx']['scores']['metrics']['answerable']} answerable "
            "questions, default settings, as of each question's date). `dense has@5`: the dense "
            "retriever alone, top 5.",
            "",
            machine_line(facts["machine"]),
            "",
            table(
                [
                    "backend",
                    *SHOWN,
                    "dense has@5",
                    "chunks",
                    "ingest s",
                    "chunks/s",
                    "load (ingest)",
                ],
                rows,
            ),
            "",
            f"- has_answer@5 loss of ONNX against torch: **{decision['loss_points']:+.1f} points**"
            f" (limit {MAX_LOSS_POINTS:.0f}): {verdict}.",
            f"- cosine between the backends' vectors of {cosine['chunks']:,} chunks: min "
            f"{cosine['min']:.4f}, 1st percentile {cosine['p1']:.4f}, mean {cosine['mean']:.4f}.",
        ]
    )


# ---- child processes ----


def child_ingest(backend: str, corpus: str, store: str) -> dict:
    import index_store.ingest  # noqa: F401  imported before the clock
    from qa import NewsQA

    started = time.perf_counter()
    summary = NewsQA(
        store=store, embedding_backend=backend, ingest_embedding_backend=backend
    ).ingest([corpus])
    return {
        "seconds": time.perf_counter() - started,
        "added": summary.added,
        "chunks_written": summary.chunks_written,
    }


def child_score(backend: str, store: str, suite: str) -> dict:
    from eval.metrics import result_row, summarize
    from eval.suite import load_suite
    from qa import NewsQA

    nq = NewsQA(store=store, embedding_backend=backend)
    questions = list(load_suite(suite).questions)
    rows = [
        result_row(q, nq.ask(q.question, as_of=q.as_of).to_dict())
        for q in questions  # as the eval runner asks
    ]
    metrics = summarize(rows)["metrics"]
    return {
        "metrics": {k: metrics[k] for k in (*SHOWN, "answerable")},
        "dense_has_answer@5": _dense_has_answer(store, backend, questions),
    }


def _dense_has_answer(store: str, backend: str, questions) -> float:
    from eval.normalize import contains_any
    from index_store.store import Store
    from qa.retrieval.filters import Filters
    from qa.settings import load_settings

    opened = Store.open(load_settings(store=store, embedding_backend=backend).index_config())
    answerable = [q for q in questions if q.answers]
    hits = 0
    for q in answerable:
        vector = opened.embedder.encode([q.question])[0]
        where = Filters.parse(as_of=q.as_of).chunk_filter()
        found = opened.vectors.query(vector, 5, where)
        texts = opened.ledger.chunks(h.chunk_id for h in found)
        hits += any(contains_any(c.text, q.answers) for c in texts.values())
    return round(hits / len(answerable), 3)


def child_cosine(store: str) -> dict:
    from index_store.embedding import load_embedder
    from index_store.ledger import Ledger

    texts = [
        text
        for _, text, _, _ in Ledger(Path(store) / "manifest.sqlite", readonly=True).all_chunks()
    ]
    texts = random.Random(5).sample(texts, min(COSINE_SAMPLE, len(texts)))
    onnx = load_embedder(backend="onnx").encode(texts)
    torch = load_embedder(backend="torch").encode(texts)
    cosines = (onnx * torch).sum(axis=1)
    return {
        "chunks": len(texts),
        "min": float(cosines.min()),
        "p1": float(np.percentile(cosines, 1)),
        "mean": float(cosines.mean()),
    }


CHILDREN = {"ingest": child_ingest, "score": child_score, "cosine": child_cosine}

if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        report_child(CHILDREN[sys.argv[2]](*sys.argv[3:]))
    else:
        main()
