"""Query latency and memory at 10k, 50k and 1M chunks: warm `search` and `ask` (extractive)
p50/p95, a new `newsqa search` process, the BM25 rebuild, and peak RSS of each.

    python bench/query_latency.py [--sizes 10000,50000,1000000] [--source-store DIR] [--keep]

Stores are built through newsqa's real ingest (loaders, cleaning, chunking, ledger, Chroma,
BM25) with one substitution: the embedder. Embedding a million chunks takes about nine hours
on these 2 cores, so vectors come from `--source-store`, a store that really embedded the
corpus (by default the one `bench/ingest_throughput.py` leaves in the work folder):
- chunks whose text that store holds get its real vector;
- sizes past the real corpus are filled with generated articles: a real article's paragraphs
  (sentences, for one-paragraph articles) in a seeded random order, with a new id, title
  suffix and a random date in 2019-2025. Their chunks get a real chunk's vector plus Gaussian
  noise (cosine about 0.85 to it), renormalised, so the vectors keep the real ones' clusters.
Queries are the first 200 questions of questions-2025.jsonl, embedded for real at query time.
Writes bench/query_latency.json and its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from benchlib import (
    ARTICLES,
    DEFAULT_WORK,
    QUESTIONS,
    load,
    machine,
    machine_line,
    percentiles,
    python_child,
    read_jsonl,
    report_child,
    run_child,
    save,
    settings_facts,
    show,
    table,
    write_jsonl,
)

QUESTION_COUNT = 200
NOISE = 0.0316  # per dimension: |noise| ~ 0.62, so cosine to the real vector ~ 0.85
FIRST_DAY, DAYS = date(2019, 1, 1), 7 * 365
TARGETS_P50_MS = {50_000: 30.0, 1_000_000: 150.0}
RSS_TARGET_MIB = {1_000_000: 8 * 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000,1000000")
    parser.add_argument("--source-store", type=Path, default=DEFAULT_WORK / "ingest" / "newsqa")
    parser.add_argument("--articles", type=Path, default=ARTICLES)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--rebuild", action="store_true", help="rebuild stores that exist")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the sizes bench/query_latency.json holds that this run does not measure "
        "(each row says when and at which commit it was measured)",
    )
    args = parser.parse_args()
    if not (args.source_store / "manifest.sqlite").exists():
        raise SystemExit(
            f"no embedded store at {args.source_store}: run bench/ingest_throughput.py first "
            "(or pass --source-store DIR)"
        )
    facts = {"machine": machine(), "settings": settings_facts(), "sizes": {}}
    facts["source"] = {"store": str(args.source_store), "articles": str(args.articles)}
    kept = _earlier_sizes() if args.keep else {}
    for size in [int(s) for s in args.sizes.split(",")]:
        kept.pop(str(size), None)
        facts["sizes"][str(size)] = _measure_size(size, args)
        facts["sizes"][str(size)]["measured"] = _when(machine())
        sizes = {**kept, **facts["sizes"]}
        save("query_latency", {**facts, "sizes": sizes}, _markdown({**facts, "sizes": sizes}))
    show("query_latency")


def _earlier_sizes() -> dict[str, dict]:
    """The sizes of the last saved run, each with when and at which commit it was measured."""
    path = Path(__file__).with_name("query_latency.json")
    if not path.exists():
        return {}
    earlier = json.loads(path.read_text())
    when = _when(earlier["machine"])
    return {size: {"measured": when, **r} for size, r in earlier["sizes"].items()}


def _when(facts: dict) -> dict:
    return {"when": facts["when"], "commit": facts["git_commit"], "load": facts["load_1_5_15"]}


def _measure_size(size: int, args) -> dict:
    folder = args.work / "latency" / str(size)
    store, built_facts = folder / "store", folder / "build.json"
    if args.rebuild or not built_facts.exists():
        shutil.rmtree(folder, ignore_errors=True)
        _say(f"building a {size:,}-chunk store in {store}")
        build = python_child(
            Path(__file__), "build", str(size), str(args.source_store), str(args.articles),
            str(folder),
        )  # fmt: skip
        built_facts.write_text(json.dumps(build.facts()))
    result = {"build": json.loads(built_facts.read_text())}
    _say(f"warm queries on {size:,} chunks")
    result["warm"] = python_child(Path(__file__), "warm", str(store)).facts()
    _say("new-process searches")
    result["cold_search"] = _cold_searches(store)
    _say("BM25 rebuild")
    result["bm25_rebuild"] = python_child(Path(__file__), "bm25", str(store)).facts()
    result["disk_mib"] = round(
        sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) / 2**20
    )
    return result


def _cold_searches(store: Path, runs: int = 3) -> dict:
    question = read_jsonl(QUESTIONS, 1)[0]["question"]
    newsqa = str(Path(sys.executable).with_name("newsqa"))
    samples = [run_child([newsqa, "search", question, "--store", str(store)]) for _ in range(runs)]
    walls = sorted(s.wall_seconds for s in samples)
    cpus = sorted(s.cpu_seconds for s in samples)
    return {
        "runs": runs,
        "median_seconds": round(walls[len(walls) // 2], 2),
        "median_cpu_seconds": round(cpus[len(cpus) // 2], 2),
        "max_seconds": round(walls[-1], 2),
        "peak_rss_mib": round(max(s.peak_rss_mib for s in samples)),
        "load": [samples[0].load_before, samples[-1].load_after],
    }


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text} (load {load()})", flush=True)


def _markdown(facts: dict) -> str:
    rows = []
    for r in facts["sizes"].values():
        build, warm = r["build"], r["warm"]
        rows.append(
            [
                f"{build['chunks']:,}",
                f"{build['real_chunks']:,} real",
                warm["search"]["p50_ms"],
                warm["search"]["p95_ms"],
                warm["search"].get("cpu_p50_ms"),
                warm["search_as_of"]["p50_ms"],
                warm["ask"]["p50_ms"],
                warm["ask"]["p95_ms"],
                warm["ask"].get("cpu_p50_ms"),
                round(warm["peak_rss_mib"]),
                r["cold_search"]["median_seconds"],
                r["cold_search"].get("median_cpu_seconds"),
                round(r["cold_search"]["peak_rss_mib"]),
                round(r["bm25_rebuild"]["seconds"], 1),
                round(r["bm25_rebuild"]["peak_rss_mib"]),
                round(build["process_wall_seconds"]),
                round(build["peak_rss_mib"]),
                r["disk_mib"],
                f"{warm['load_before']} → {warm['load_after']}",
                _measured(r, facts),
            ]
        )
    header = [
        "chunks",
        "of which",
        "search p50 ms",
        "p95",
        "CPU p50",
        "search as-of p50",
        "ask p50 ms",
        "p95",
        "CPU p50",
        "warm RSS MiB",
        "new-process search s",
        "CPU s",
        "its RSS MiB",
        "BM25 rebuild s",
        "its RSS MiB",
        "build s",
        "build RSS MiB",
        "disk MiB",
        "load (warm)",
        "measured (UTC, commit)",
    ]
    return "\n".join(
        [
            "## Query latency and memory by store size",
            "",
            "`python bench/query_latency.py` — warm: one process, "
            f"{QUESTION_COUNT} questions of `questions-2025.jsonl` after 5 warm-up queries, "
            "k=5, default settings (hybrid dense + BM25); `search as-of` adds each question's "
            "`as_of` date filter; `ask` is the extractive answerer. New-process search: "
            "`newsqa search QUESTION --store DIR`, median of 3 (warm OS file cache). `CPU`: "
            "CPU time of the process (all its threads) for the same call: on a shared machine "
            "wall time includes waiting for a core, CPU time does not. "
            "Build = newsqa's real ingest with vectors reused instead of embedded (see the "
            "script's docstring): chunks past the real corpus are generated articles with "
            "perturbed real vectors. Real articles and vectors: "
            f"`{Path(facts['source']['articles']).name}` as embedded by newsqa in "
            f"`{facts['source']['store']}`.",
            "",
            machine_line(facts["machine"]),
            "",
            table(header, rows),
            "",
            _target_lines(facts),
        ]
    )


def _measured(result: dict, facts: dict) -> str:
    when = result.get("measured") or _when(facts["machine"])
    return f"{when['when'][5:16].replace('T', ' ')}, {when['commit']}"


def _growth_lines(facts: dict) -> list[str]:
    """How each cost grew from size to size, and what a size the issue asks for but this run
    left out would take to build at the largest build's rate."""
    measured = sorted(facts["sizes"].values(), key=lambda r: r["build"]["chunks"])
    if len(measured) < 2:
        return []

    def series(value) -> str:
        return " → ".join(f"{value(r):,}" for r in measured)

    sizes = " → ".join(f"{round(r['build']['chunks'] / 1000):,}k" for r in measured)
    search = series(lambda r: round(r["warm"]["search"]["p50_ms"], 1))
    search_cpu = series(lambda r: round(r["warm"]["search"].get("cpu_p50_ms") or 0, 1))
    out = [
        f"- growth {sizes} chunks: warm search p50 {search} ms (CPU {search_cpu}); warm RSS "
        f"{series(lambda r: round(r['warm']['peak_rss_mib']))} MiB; new-process search "
        f"{series(lambda r: r['cold_search']['median_seconds'])} s; BM25 rebuild "
        f"{series(lambda r: round(r['bm25_rebuild']['seconds'], 1))} s; build "
        f"{series(lambda r: round(r['build']['process_wall_seconds']))} s"
    ]
    largest = measured[-1]["build"]
    for size in TARGETS_P50_MS:
        if str(size) in facts["sizes"] or size <= largest["chunks"]:
            continue
        hours = largest["process_wall_seconds"] * size / largest["chunks"] / 3600
        out.append(
            f"- {size:,} chunks: **not measured** in this run: at the {largest['chunks']:,}-chunk "
            f"build's rate its build alone would take about {hours:.1f} h here, before its "
            f"{3 * QUESTION_COUNT} warm queries and its BM25 rebuild, more time than the run had"
        )
    return out


def _target_lines(facts: dict) -> str:
    out = _growth_lines(facts)
    for size, target in TARGETS_P50_MS.items():
        r = facts["sizes"].get(str(size))
        if not r:
            continue
        p50 = r["warm"]["search"]["p50_ms"]
        verdict = "met" if p50 <= target else f"MISSED by {p50 / target - 1:.0%}"
        out.append(
            f"- warm search p50 at {size:,} chunks: **{p50:.1f} ms**; "
            f"target <= {target:.0f} ms: {verdict}"
        )
        if size in RSS_TARGET_MIB:
            rss = max(r["warm"]["peak_rss_mib"], r["cold_search"]["peak_rss_mib"])
            limit = RSS_TARGET_MIB[size]
            verdict = "met" if rss <= limit else f"MISSED by {rss / limit - 1:.0%}"
            out.append(
                f"- peak RSS of a query process at {size:,} chunks: **{rss / 1024:.2f} GiB**; "
                f"target <= 8 GiB: {verdict}"
            )
    return "\n".join(out)


# ---- child processes ----


class ReusedVectors:
    """An embedder that returns the vectors a real store computed for the same chunk text, and
    perturbed real vectors for text it has never seen (generated articles)."""

    def __init__(self, source: Path) -> None:
        from index_store.store import Store
        from qa.settings import load_settings

        store = Store.open(load_settings(store=source).index_config())
        rows = list(store.ledger.all_chunks())
        ids = [row[0] for row in rows]
        by_id: dict[str, np.ndarray] = {}
        for first in range(0, len(ids), 4000):
            got = store.vectors._collection.get(
                ids=ids[first : first + 4000], include=["embeddings"]
            )
            by_id.update(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32)))
        self.known = {text: by_id[chunk_id] for chunk_id, text, _, _ in rows if chunk_id in by_id}
        self.pool = np.stack(list(by_id.values()))
        self.name, self.dimension = store.meta["embedding_model"], self.pool.shape[1]
        self.generated = 0
        store.close()

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vector(text) for text in texts])

    def _vector(self, text: str) -> np.ndarray:
        known = self.known.get(text)
        if known is not None:
            return known
        self.generated += 1
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        rng = np.random.default_rng(seed)
        vector = self.pool[rng.integers(len(self.pool))] + rng.normal(0, NOISE, self.dimension)
        return (vector / np.linalg.norm(vector)).astype(np.float32)


def child_build(size: str, source: str, articles: str, folder: str) -> dict:
    from index_store.ingest import ingest
    from index_store.store import Store
    from qa.settings import load_settings

    target = int(size)
    counts = _chunk_counts(Path(source))
    corpus = write_jsonl(Path(folder) / "corpus.jsonl", _articles(Path(articles), counts, target))
    embedder = ReusedVectors(Path(source))
    store = Store.create_or_open(load_settings(store=Path(folder) / "store").index_config())
    store.__dict__["embedder"] = store.__dict__["ingest_embedder"] = embedder
    started = time.perf_counter()
    summary = ingest(store, [str(corpus)])
    seconds = time.perf_counter() - started
    chunks = store.ledger.counts()[1]
    store.close()
    return {
        "seconds": seconds,
        "articles": summary.added,
        "chunks": chunks,
        "real_chunks": chunks - embedder.generated,
        "generated_chunks": embedder.generated,
    }


def _chunk_counts(source: Path) -> dict[str, int]:
    from index_store.ledger import Ledger

    ledger = Ledger(source / "manifest.sqlite", readonly=True)
    return {record.id: record.chunk_count for record in ledger.articles()}


def _articles(path: Path, counts: dict[str, int], target: int):
    """Real articles in file order, then generated ones, until about `target` chunks."""
    rows = [row for row in read_jsonl(path) if row.get("id") in counts]
    planned = 0
    for row in rows:
        if planned >= target:
            return
        planned += counts[row["id"]]
        yield row
    rng = random.Random(13)
    for n in range(10**9):
        if planned >= target:
            return
        row = rows[n % len(rows)]
        planned += counts[row["id"]]
        yield _generated(row, n, rng)


def _generated(row: dict, n: int, rng: random.Random) -> dict:
    parts = [p for p in row["text"].split("\n\n") if p.strip()]
    if len(parts) < 3:
        parts = [s.strip() + "." for s in row["text"].split(". ") if s.strip()]
    rng.shuffle(parts)
    day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    return {
        "id": f"generated-{n}",
        "title": f"{row.get('title') or 'Untitled'} (generated {n})",
        "source": row.get("source") or "",
        "published": day.isoformat(),
        "text": "\n\n".join(parts),
    }


def child_warm(store: str) -> dict:
    from qa import NewsQA

    questions = read_jsonl(QUESTIONS, QUESTION_COUNT)
    nq = NewsQA(store=store)
    for q in questions[:5]:
        nq.ask(q["question"])
    samples: dict[str, list[tuple[float, float]]] = {"search": [], "search_as_of": [], "ask": []}
    stages: dict[str, list[float]] = {}
    for q in questions:
        text, as_of = q["question"], q.get("as_of")
        samples["search"].append(_ms(nq.search, text)[0])
        samples["search_as_of"].append(_ms(nq.search, text, as_of=as_of)[0])
        pair, answer = _ms(nq.ask, text)
        samples["ask"].append(pair)
        for stage, ms in answer.timings_ms.items():
            stages.setdefault(stage, []).append(ms)
    result = {}
    for name, pairs in samples.items():
        result[name] = percentiles([wall for wall, _ in pairs])
        result[name]["cpu_p50_ms"] = round(float(np.median([cpu for _, cpu in pairs])), 2)
    result["ask_stages_p50_ms"] = {k: round(float(np.median(v)), 2) for k, v in stages.items()}
    return result


def _ms(call, *args, **kwargs):
    """((wall ms, CPU ms), result) of a call. On a shared machine wall time includes waiting
    for a core; CPU time (all threads of this process) does not."""
    started, cpu = time.perf_counter(), time.process_time()
    result = call(*args, **kwargs)
    times = ((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000)
    return times, result


def child_bm25(store: str) -> dict:
    from index_store.keyword import KeywordIndex
    from index_store.store import Store
    from qa.settings import load_settings

    opened = Store.open(load_settings(store=Path(store)).index_config())
    started = time.perf_counter()
    index = KeywordIndex.build(opened.keyword_rows())
    return {"seconds": time.perf_counter() - started, "chunks": len(index.chunk_ids)}


CHILDREN = {"build": child_build, "warm": child_warm, "bm25": child_bm25}

if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        report_child(CHILDREN[sys.argv[2]](*sys.argv[3:]))
    else:
        main()
