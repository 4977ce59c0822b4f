"""Ingest throughput: newsqa against LlamaIndex's own pipeline and against raw encoding.

    python bench/ingest_throughput.py [--limit N] [--articles PATH] [--work DIR]

One after the other, in one run, each in its own process (so each pays its own imports and its
peak RSS is its own):
1. `newsqa` ingest into an empty store (default settings: int8 ONNX MiniLM);
2. re-ingest of the same corpus (nothing changed), then of a copy with 1% of articles edited;
3. LlamaIndex: `VectorStoreIndex.from_documents` with a `SentenceSplitter` at the same chunk size
   and overlap, counted in the same MiniLM tokenizer, `HuggingFaceEmbedding` (fp32, through
   sentence-transformers) on the same packaged MiniLM folder at the same batch size (its default
   is 10), into Chroma (cosine). Documents carry title, source, date and url; as LlamaIndex does
   by default, title, source and date are embedded with every chunk and count towards its size
   (the url is kept out of the text, as a careful user would);
4. raw encoding of exactly the chunks newsqa stored, in one length-sorted call to the same
   embedder: the physical limit of this machine for those chunks.
Imports happen before each pipeline's clock starts; model loading is inside it.
Writes bench/ingest_throughput.json and its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from pathlib import Path

from benchlib import (
    ARTICLES,
    DEFAULT_WORK,
    load,
    machine,
    machine_line,
    python_child,
    read_jsonl,
    report_child,
    save,
    settings_facts,
    show,
    table,
    write_jsonl,
)

EDITED_SHARE = 0.01
EDIT_NOTE = "Correction: an earlier version of this story misstated the date of the meeting."
TARGETS = {"vs_llamaindex": 1.5, "vs_raw_encode": 0.85, "reingest_unchanged": 0.10}
STEPS = ("newsqa", "reingest", "llamaindex", "raw")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=Path, default=ARTICLES)
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="scratch folder")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"subset of {','.join(STEPS)}")
    parser.add_argument(
        "--raw-sample", type=int, default=0, help="encode a random N of the chunks (0: all)"
    )
    args = parser.parse_args()
    steps = args.steps.split(",")
    if not args.articles.exists():
        raise SystemExit(f"articles not found: {args.articles} (pass --articles PATH)")
    work = args.work / "ingest"
    rows = read_jsonl(args.articles, args.limit)
    corpus = write_jsonl(work / "corpus.jsonl", rows)
    facts = {"machine": machine(), "settings": settings_facts(), "corpus": _describe(args, rows)}
    runs: dict[str, dict] = {}
    newsqa_store = work / "newsqa"
    if "newsqa" in steps:
        _fresh(newsqa_store)
        runs["newsqa"] = _timed("newsqa", str(corpus), str(newsqa_store))
    if "reingest" in steps:
        runs["reingest_unchanged"] = _timed("reingest", str(corpus), str(newsqa_store))
        edited = write_jsonl(work / "corpus-edited.jsonl", _edited(rows))
        runs["reingest_edited"] = _timed("reingest", str(edited), str(newsqa_store), "--bm25")
    if "llamaindex" in steps:
        _fresh(work / "llamaindex")
        runs["llamaindex"] = _timed("llamaindex", str(corpus), str(work / "llamaindex"))
    if "raw" in steps:
        runs["raw_encode"] = _timed("raw", str(newsqa_store), str(args.raw_sample))
    facts["runs"] = runs
    facts["ratios"] = _ratios(runs, len(rows))
    save("ingest_throughput", facts, _markdown(facts))
    show("ingest_throughput")


def _timed(mode: str, *args: str) -> dict:
    print(f"[{time.strftime('%H:%M:%S')}] {mode} {' '.join(args)} (load {load()})", flush=True)
    run = python_child(Path(__file__), mode, *args)
    print(f"    {run.facts()}", flush=True)
    return run.facts()


def _fresh(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _describe(args, rows: list[dict]) -> dict:
    described = {
        "path": str(args.articles),
        "articles": len(rows),
        "characters": sum(len(r.get("text") or "") for r in rows),
        "limit": args.limit,
    }
    if args.limit:
        whole = read_jsonl(args.articles)
        described["file_articles"] = len(whole)
        described["file_characters"] = sum(len(r.get("text") or "") for r in whole)
    return described


def _edited(rows: list[dict]) -> list[dict]:
    """The corpus with 1% of articles (a fixed random choice) given a correction paragraph."""
    chosen = set(random.Random(7).sample(range(len(rows)), max(1, round(len(rows) * EDITED_SHARE))))
    edited = []
    for i, row in enumerate(rows):
        if i in chosen:
            head, _, tail = row["text"].partition("\n\n")
            row = {**row, "text": f"{head}\n\n{EDIT_NOTE}\n\n{tail}".strip()}
        edited.append(row)
    return edited


def _ratios(runs: dict[str, dict], articles: int) -> dict:
    ratios: dict[str, float | None] = {}
    ours = runs.get("newsqa")
    if ours and runs.get("llamaindex"):
        ratios["vs_llamaindex"] = runs["llamaindex"]["seconds"] / ours["seconds"]
        ratios["vs_llamaindex_cpu"] = runs["llamaindex"]["cpu_seconds"] / ours["cpu_seconds"]
    if ours and runs.get("raw_encode"):
        raw = runs["raw_encode"]
        ratios["vs_raw_encode"] = (ours["chunks"] / ours["seconds"]) / raw["chunks_per_second"]
        ratios["vs_raw_encode_cpu"] = (ours["chunks"] / ours["cpu_seconds"]) / raw[
            "chunks_per_cpu_second"
        ]
    if ours and runs.get("reingest_unchanged"):
        ratios["reingest_unchanged"] = runs["reingest_unchanged"]["seconds"] / ours["seconds"]
    if ours and runs.get("reingest_edited"):
        ratios["reingest_edited"] = runs["reingest_edited"]["seconds"] / ours["seconds"]
    return {k: round(v, 3) for k, v in ratios.items()}


def _markdown(facts: dict) -> str:
    corpus, runs, ratios = facts["corpus"], facts["runs"], facts["ratios"]
    s = facts["settings"]
    size = "the full file" if not corpus["limit"] else f"the first {corpus['limit']:,} articles"
    command_flags = f" --limit {corpus['limit']}" if corpus["limit"] else ""
    rows = []
    for name, label in (
        ("newsqa", f"newsqa ingest ({s['ingest_embedding_backend']})"),
        ("llamaindex", "LlamaIndex `VectorStoreIndex.from_documents`"),
        ("raw_encode", f"raw encode of newsqa's chunks ({s['ingest_embedding_backend']})"),
        ("reingest_unchanged", "newsqa re-ingest, nothing changed"),
        ("reingest_edited", "newsqa re-ingest, 1% of articles edited"),
    ):
        run = runs.get(name)
        if not run:
            continue
        seconds = run["seconds"]
        rows.append(
            [
                label,
                run.get("articles"),
                run.get("chunks"),
                round(seconds, 1),
                run["articles"] / seconds if run.get("articles") else None,
                run["chunks"] / seconds if run.get("chunks") else None,
                round(run["cpu_seconds"], 1),
                round(run["peak_rss_mib"]),
                f"{run['load_before']} → {run['load_after']}",
            ]
        )
    header = [
        "pipeline",
        "articles",
        "chunks",
        "seconds",
        "articles/s",
        "chunks/s",
        "CPU s",
        "peak RSS MiB",
        "load",
    ]
    lines = [
        "## Ingest throughput",
        "",
        f"`python bench/ingest_throughput.py{command_flags}`"
        f" — {size} of `{Path(corpus['path']).name}`: {corpus['articles']:,} articles, "
        f"{corpus['characters'] / 1e6:.1f} M characters. Chunks of {s['chunk_tokens']} MiniLM "
        f"tokens with {s['chunk_overlap_tokens']} of overlap for both pipelines; batch "
        f"{s['embed_batch_size']}. newsqa embeds articles with its default ingest backend "
        f"(`{s['ingest_embedding_backend']}`), "
        "LlamaIndex with fp32 sentence-transformers, and embeds each chunk's title, source and "
        "date with it (its default; this takes room from the article text, so it makes more "
        "chunks). Each pipeline runs in its own process, imports before its clock; seconds "
        "include loading the model and every write (newsqa: ledger, Chroma, BM25).",
        "",
        machine_line(facts["machine"]),
        "",
        table(header, rows),
        "",
        _ratio_lines(ratios, runs),
        _not_run_line(corpus, runs),
    ]
    return "\n".join(lines)


def _not_run_line(corpus: dict, runs: dict) -> str:
    """What a limited run leaves out, and how long the whole file would take at its rates."""
    if not corpus.get("file_characters"):
        return ""
    scale = corpus["file_characters"] / max(corpus["characters"], 1)
    pipelines = ("newsqa", "llamaindex", "raw_encode")
    seconds = scale * sum(runs[name]["seconds"] for name in pipelines if name in runs)
    return (
        f"\nThe whole file ({corpus['file_articles']:,} articles, "
        f"{corpus['file_characters'] / 1e6:.1f} M characters) was not run: at this run's rates "
        f"its three pipelines would take about {seconds / 3600:.1f} h on this shared machine, "
        "so the ratios above come from its first articles only."
    )


def _ratio_lines(ratios: dict, runs: dict) -> str:
    out = []
    checks = (
        ("vs_llamaindex", "newsqa articles/s ÷ LlamaIndex articles/s", ">=", "vs_llamaindex_cpu"),
        ("vs_raw_encode", "newsqa chunks/s ÷ raw encode chunks/s", ">=", "vs_raw_encode_cpu"),
        ("reingest_unchanged", "unchanged re-ingest time ÷ first ingest time", "<=", None),
    )
    for key, label, sense, cpu_key in checks:
        if key not in ratios:
            continue
        value, target = ratios[key], TARGETS[key]
        met = value >= target if sense == ">=" else value <= target
        cpu = f" (per CPU-second: {ratios[cpu_key]:.2f})" if cpu_key in ratios else ""
        verdict = "met" if met else f"MISSED by {abs(value - target) / target:.0%}"
        out.append(f"- {label}: **{value:.2f}**{cpu}; target {sense} {target}: {verdict}")
    if "reingest_edited" in ratios:
        edited = runs["reingest_edited"]
        out.append(
            f"- re-ingest with 1% edited ÷ first ingest: **{ratios['reingest_edited']:.2f}** "
            f"({edited['updated']} articles updated, {edited['chunks_written']} chunks "
            f"re-embedded; the BM25 rebuild alone took {edited['bm25_rebuild_seconds']:.1f} s)"
        )
    return "\n".join(out)


# ---- child processes: one pipeline each, result as one JSON line ----


def child_newsqa(corpus: str, store: str, *flags: str) -> dict:
    import bm25s  # noqa: F401  imported before the clock, like LlamaIndex's modules
    import chromadb  # noqa: F401
    import onnxruntime  # noqa: F401

    import index_store.ingest  # noqa: F401
    from qa import NewsQA

    started, cpu = time.perf_counter(), time.process_time()
    nq = NewsQA(store=store)
    summary = nq.ingest([corpus])
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    result = {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "articles": len(read_jsonl(Path(corpus))),
        "chunks": summary.chunks_written,
        **summary.counts(),
    }
    if "--bm25" in flags:
        result["bm25_rebuild_seconds"] = _bm25_rebuild_seconds(nq)
    return result


def _bm25_rebuild_seconds(nq) -> float:
    from index_store.keyword import KeywordIndex
    from index_store.store import Store

    store = Store.open(nq.settings.index_config())
    started = time.perf_counter()
    KeywordIndex.build(store.keyword_rows())
    return time.perf_counter() - started


def child_llamaindex(corpus: str, store: str) -> dict:
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index_store.embedding import load_tokenizer, model_folder
    from qa.settings import load_settings

    s = load_settings()
    tokenizer = load_tokenizer(s.embedding_model)
    started, cpu = time.perf_counter(), time.process_time()
    documents = [
        Document(
            text=row["text"],
            id_=row.get("id"),
            metadata={
                "title": row.get("title") or "",
                "source": row.get("source") or "",
                "published": row.get("published") or "",
                "url": row.get("url") or "",
            },
            excluded_embed_metadata_keys=["url"],
            excluded_llm_metadata_keys=["url"],
        )
        for row in read_jsonl(Path(corpus))
    ]
    splitter = SentenceSplitter(
        chunk_size=s.chunk_tokens,
        chunk_overlap=s.chunk_overlap_tokens,
        tokenizer=lambda text: tokenizer.encode(text, add_special_tokens=False).ids,
    )
    embed_model = HuggingFaceEmbedding(
        model_name=str(model_folder(s.embedding_model)),
        device="cpu",
        embed_batch_size=s.embed_batch_size,
    )
    client = chromadb.PersistentClient(store, settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection(
        "llamaindex", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )
    VectorStoreIndex.from_documents(
        documents,
        storage_context=StorageContext.from_defaults(
            vector_store=ChromaVectorStore(chroma_collection=collection)
        ),
        embed_model=embed_model,
        transformations=[splitter],
    )
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "articles": len(documents),
        "chunks": collection.count(),
    }


def child_raw(store: str, sample: str) -> dict:
    from index_store.embedding import load_embedder, load_tokenizer
    from index_store.ledger import Ledger
    from index_store.store import LEDGER
    from qa.settings import load_settings

    s = load_settings()
    ledger = Ledger(Path(store) / LEDGER, readonly=True)
    texts = [text for _, text, _, _ in ledger.all_chunks()]
    if int(sample) and int(sample) < len(texts):
        texts = random.Random(11).sample(texts, int(sample))
    tokens = sum(len(e.ids) for e in load_tokenizer(s.embedding_model).encode_batch(texts))
    embedder = load_embedder(s.embedding_model, s.ingest_embedding_backend, s.embed_batch_size)
    embedder.encode(texts[:8])
    started, cpu = time.perf_counter(), time.process_time()
    embedder.encode(texts)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "chunks": len(texts),
        "tokens": tokens,
        "chunks_per_second": len(texts) / seconds,
        "chunks_per_cpu_second": len(texts) / cpu_seconds,
        "tokens_per_second": tokens / seconds,
    }


CHILDREN = {
    "newsqa": child_newsqa,
    "reingest": child_newsqa,
    "llamaindex": child_llamaindex,
    "raw": child_raw,
}

if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        report_child(CHILDREN[sys.argv[2]](*sys.argv[3:]))
    else:
        main()
