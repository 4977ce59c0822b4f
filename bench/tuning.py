"""The measurements behind two defaults: how onnxruntime runs the model, and Chroma's HNSW
write settings.

    python bench/tuning.py [--chunks 768] [--vectors 60000]

1. ONNX: the same newsqa chunks of `articles-2025.jsonl` encoded in a new process per variant
   (spin-waiting on/off, batch 32/64/128, and the torch backend for reference), twice over in
   alternation. Chunks per CPU-second is the figure to compare on a shared machine: spinning
   threads burn CPU without encoding.
2. Chroma: `--vectors` vectors (real-like: clustered, normalised) upserted in batches of 512
   into a fresh collection per setting, then a new process opens it and runs its first query
   (which replays whatever the last persist left out).
Writes bench/tuning.json and its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from benchlib import (
    ARTICLES,
    DEFAULT_WORK,
    machine,
    machine_line,
    python_child,
    report_child,
    save,
    show,
    table,
)

ONNX_VARIANTS = {
    "no spinning, batch 64 (default)": ("0", 64),
    "spinning, batch 64": ("1", 64),
    "no spinning, batch 32": ("0", 32),
    "no spinning, batch 128": ("0", 128),
    "torch fp32 (sentence-transformers), batch 64": ("torch", 64),
}
HNSW_VARIANTS = {
    "Chroma defaults (batch 100, sync 1,000)": {},
    "batch 1,000, sync 10,000": {"batch_size": 1000, "sync_threshold": 10000},
    "batch 512, sync 2,048": {"batch_size": 512, "sync_threshold": 2048},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=768)
    parser.add_argument("--vectors", type=int, default=60_000)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    args = parser.parse_args()
    facts: dict = {"machine": machine(), "onnx": {}, "hnsw": {}}
    for _ in range(2):
        for name, (spinning, batch) in ONNX_VARIANTS.items():
            run = python_child(Path(__file__), "onnx", spinning, str(batch), str(args.chunks))
            facts["onnx"].setdefault(name, []).append(run.facts())
    for number, (name, hnsw) in enumerate(HNSW_VARIANTS.items()):
        folder = args.work / "tuning" / f"hnsw-{number}"
        shutil.rmtree(folder, ignore_errors=True)
        settings = [f"{k}={v}" for k, v in hnsw.items()]
        add = python_child(Path(__file__), "add", str(folder), str(args.vectors), *settings)
        reopen = python_child(Path(__file__), "reopen", str(folder))
        facts["hnsw"][name] = {"add": add.facts(), "reopen": reopen.facts()}
        shutil.rmtree(folder, ignore_errors=True)
    save("tuning", facts, _markdown(facts, args))
    show("tuning")


def _markdown(facts: dict, args) -> str:
    onnx_rows = []
    for name, runs in facts["onnx"].items():
        per_cpu = [r["chunks"] / r["cpu_seconds"] for r in runs]
        per_wall = [r["chunks"] / r["seconds"] for r in runs]
        onnx_rows.append(
            [
                name,
                " / ".join(f"{x:.1f}" for x in per_cpu),
                " / ".join(f"{x:.1f}" for x in per_wall),
                round(max(r["peak_rss_mib"] for r in runs)),
                " / ".join(f"{r['load_before']}" for r in runs),
            ]
        )
    hnsw_rows = []
    for name, r in facts["hnsw"].items():
        hnsw_rows.append(
            [
                name,
                round(r["add"]["seconds"], 1),
                round(r["add"]["cpu_seconds"], 1),
                round(r["reopen"]["seconds"], 2),
                r["reopen"]["first_query_ms"],
                f"{r['add']['load_before']} → {r['reopen']['load_after']}",
            ]
        )
    return "\n".join(
        [
            "## Tuning: onnxruntime options and Chroma HNSW write settings",
            "",
            f"`python bench/tuning.py` — {args.chunks} newsqa chunks per ONNX run (two runs each, "
            f"alternating); {args.vectors:,} vectors per Chroma run.",
            "",
            machine_line(facts["machine"]),
            "",
            table(
                ["onnxruntime", "chunks per CPU-s", "chunks/s", "peak RSS MiB", "load"],
                onnx_rows,
            ),
            "",
            table(
                ["HNSW", "add s", "add CPU s", "open + first query s", "that query ms", "load"],
                hnsw_rows,
            ),
        ]
    )


# ---- child processes ----


def child_onnx(spinning: str, batch: str, count: str) -> dict:
    import onnxruntime

    import index_store.embedders.onnx as onnx_engine
    import index_store.embedding as embedding
    from index_store.chunking import chunk_text
    from index_store.cleaning import clean_article
    from index_store.embedders.sbert import SentenceTransformerEmbedder
    from index_store.loaders import iter_sources

    texts = []
    starts = embedding.token_starts(embedding.DEFAULT_MODEL)
    for article in iter_sources([str(ARTICLES)], max_article_chars=2_000_000):
        texts += [d.text for d in chunk_text(clean_article(article).text, starts, 128, 16)]
        if len(texts) >= int(count):
            break
    texts = texts[: int(count)]
    default_options = onnx_engine._session_options

    def options(module):
        chosen = default_options(module)
        chosen.add_session_config_entry("session.intra_op.allow_spinning", spinning)
        return chosen

    onnx_engine._session_options = options
    if spinning == "torch":
        embedder = SentenceTransformerEmbedder(embedding.DEFAULT_MODEL, int(batch))
    else:
        embedder = onnx_engine.OnnxEmbedder(embedding.DEFAULT_MODEL, int(batch))
    embedder.encode(texts[:4])
    started, cpu = time.perf_counter(), time.process_time()
    embedder.encode(texts)
    return {
        "chunks": len(texts),
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "onnxruntime": onnxruntime.__version__,
    }


def child_add(folder: str, count: str, *settings: str) -> dict:
    import chromadb
    from chromadb.config import Settings

    hnsw: dict = {"space": "cosine"}
    hnsw.update({k: int(v) for k, v in (s.split("=") for s in settings)})
    client = chromadb.PersistentClient(folder, settings=Settings(anonymized_telemetry=False))
    collection = client.create_collection(
        "tuning", embedding_function=None, configuration={"hnsw": hnsw}
    )
    vectors = _vectors(int(count))
    started, cpu = time.perf_counter(), time.process_time()
    for first in range(0, len(vectors), 512):
        part = vectors[first : first + 512]
        collection.upsert(
            ids=[f"c{first + i}" for i in range(len(part))],
            embeddings=part,
            metadatas=[{"published_epoch": 1_700_000_000 + i} for i in range(len(part))],
        )
    return {"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu}


def child_reopen(folder: str) -> dict:
    started = time.perf_counter()
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(folder, settings=Settings(anonymized_telemetry=False))
    collection = client.get_collection("tuning")
    query = time.perf_counter()
    collection.query(query_embeddings=_vectors(1, seed=1), n_results=50)
    done = time.perf_counter()
    return {"seconds": done - started, "first_query_ms": round((done - query) * 1000, 1)}


def _vectors(count: int, seed: int = 0) -> np.ndarray:
    """Clustered unit vectors, like sentence embeddings of news text."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(2000, 384))
    vectors = centres[rng.integers(0, 2000, count)] + rng.normal(scale=0.5, size=(count, 384))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


CHILDREN = {"onnx": child_onnx, "add": child_add, "reopen": child_reopen}

if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        report_child(CHILDREN[sys.argv[2]](*sys.argv[3:]))
    else:
        main()
