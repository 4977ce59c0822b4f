"""Embedding models side by side on the grounded suites: retrieval quality (dense alone and fused
with BM25, the default pipeline), ingest rates, store size and query latency.

    python bench/embedding_bakeoff.py [--models minilm,e5,mpnet] [--sets small,full]
        [--stores DIR] [--mpnet FOLDER] [--build-only] [--report-only]

Each (model, set) store is built once by the real `newsqa ingest` in a child process (its wall
and CPU time, peak RSS and load written beside it as `<store>.build.json`) and kept under
`--stores` (default /work/bakeoff/stores, outside the repo), so a rerun reuses it; a store found
without its build record (a build that was stopped and resumed) is completed and its rates marked
as covering only the last leg. A record may carry a `note`, shown under the table (e.g. rates
from a stopped build while the store scored is another complete one of the same model). Each
store is then asked its suite by `newsqa eval`'s own runner
(`eval.run_suite`, so the metrics are eval's): once as the default pipeline (fused), once with
the keyword retriever answering nothing (dense alone; no answers are written in that mode, only
the ranking is scored). Warm search latency: 100 questions of the suite without dates after 5
warm-up searches, one process; cold: `newsqa search` in a new process, median of 3.

Sets: `small` = questions-2025-small-grounded.jsonl over articles-2025-small.jsonl; `full` =
questions-2025-grounded.jsonl over articles-2025.jsonl, also scored on its questions outside
questions-2025-small.jsonl (the questions every weight was tuned on), which were never tuned on.
Writes bench/embedding_bakeoff.json and the `embedding_bakeoff` section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchlib import (
    REALTIMEQA,
    REPO,
    load,
    machine,
    machine_line,
    percentiles,
    python_child,
    read_jsonl,
    report_child,
    save,
    show,
    table,
)

NEWSQA = Path(sys.executable).with_name("newsqa")
MODELS = {
    "minilm": "all-MiniLM-L6-v2",
    "e5": "multilingual-e5-small",
    "mpnet": None,  # a folder: --mpnet, or ../shared/models/get_model.py all-mpnet-base-v2
}
SETS = {
    "small": ("articles-2025-small.jsonl", "questions-2025-small-grounded.jsonl"),
    "full": ("articles-2025.jsonl", "questions-2025-grounded.jsonl"),
}
TUNED_ON = REALTIMEQA / "questions-2025-small.jsonl"
MODES = ("fused", "dense")
WARM_QUESTIONS, WARM_UP = 100, 5
METRICS = ("has_answer@1", "has_answer@5", "has_answer@10", "mrr@10", "doc_recall@10")
ANSWER_METRICS = ("accuracy", "abstain_f1", "false_abstention_rate")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="minilm,e5,mpnet")
    parser.add_argument("--sets", default="small,full")
    parser.add_argument("--stores", type=Path, default=Path("/work/bakeoff/stores"))
    parser.add_argument("--mpnet", type=Path, help="all-mpnet-base-v2 sentence-transformers folder")
    parser.add_argument("--build-only", action="store_true", help="build stores, score nothing")
    parser.add_argument("--report-only", action="store_true", help="write the table from disk")
    parser.add_argument(
        "--subset",
        nargs=2,
        metavar=("NAME", "ARTICLES"),
        help="a set NAME: the small grounded questions over another articles file (e.g. a "
        "subset of articles-2025-small.jsonl holding every answer doc, when all take too long)",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.subset:
        SETS[args.subset[0]] = (str(Path(args.subset[1]).resolve()), SETS["small"][1])
    if args.child:
        report_child(CHILDREN[args.child[0]](*args.child[1:]))
        return
    models = {key: model_name(key, args.mpnet) for key in args.models.split(",")}
    for set_name in args.sets.split(","):
        for key, model in models.items():
            if not args.report_only:
                measure(args.stores, set_name, key, model, build_only=args.build_only)
    if not args.build_only:
        facts = machine()
        results = collect(args.stores)
        save("embedding_bakeoff", {"machine": facts, "results": results}, report(facts, results))
        show("embedding_bakeoff")


def model_name(key: str, mpnet: Path | None) -> str:
    if key != "mpnet":
        return MODELS[key]
    if mpnet is None:
        getter = REPO.parent / "shared" / "models" / "get_model.py"
        found = subprocess.run(
            [sys.executable, str(getter), "all-mpnet-base-v2"], capture_output=True, text=True
        )
        mpnet = Path(found.stdout.strip().splitlines()[-1])
    return str(mpnet)


def measure(stores: Path, set_name: str, key: str, model: str, build_only: bool) -> None:
    """Build the store if needed, then score it in both modes and time its searches."""
    articles, suite = (REALTIMEQA / name for name in SETS[set_name])
    store = stores / f"{key}-{set_name}"
    build(store, articles, model)
    if build_only:
        return
    for mode in MODES:
        out = stores.parent / "runs" / f"{key}-{set_name}-{mode}"
        if not (out / "summary.json").exists():
            print(f"scoring {store.name} ({mode})", flush=True)
            run = python_child(Path(__file__), "eval", str(store), str(suite), str(out), mode)
            (out / "bench.json").write_text(json.dumps(run.facts(), indent=1) + "\n")
    timing = store.with_name(store.name + ".latency.json")
    if not timing.exists():
        warm = python_child(Path(__file__), "warm", str(store), str(suite)).facts()
        timing.write_text(json.dumps({"warm": warm, "cold": cold_search(store)}, indent=1) + "\n")


def build(store: Path, articles: Path, model: str) -> None:
    """`newsqa ingest ARTICLES` with the model, unless the store and its record exist."""
    record = store.with_name(store.name + ".build.json")
    if record.exists():
        return
    resumed = store.exists()
    print(f"building {store.name} with {model}{' (resuming)' if resumed else ''}", flush=True)
    env = {**os.environ, "NEWSQA_EMBEDDING_MODEL": model}
    before, started = load(), time.perf_counter()
    command = [str(NEWSQA), "ingest", str(articles), "--store", str(store), "--json"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"ingest failed: {' '.join(command)}")
    facts = {
        "model": model,
        "articles_file": articles.name,
        "resumed": resumed,
        "summary": json.loads(output),
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "load_before": before,
        "load_after": load(),
    }
    record.write_text(json.dumps(facts, indent=1) + "\n")


def cold_search(store: Path) -> dict:
    """`newsqa search` in a new process (OS file cache warm), median of 3, with its CPU time."""
    runs = []
    for _ in range(3):
        before, started = load(), time.perf_counter()
        command = [str(NEWSQA), "search", "Who won the election?", "--store", str(store)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"search failed: {' '.join(command)}")
        runs.append((time.perf_counter() - started, usage.ru_utime + usage.ru_stime, before))
    runs.sort()
    seconds, cpu, before = runs[1]
    return {"seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3), "load": before}


# ---- child processes ----


class DenseOnly:
    """The default pipeline with its keyword retriever answering nothing, so the fused ranking
    is the dense one (recency prior, passages and per-article cap unchanged). `ask` returns no
    answer: only the ranking is scored in this mode."""

    def __init__(self, newsqa) -> None:
        self._newsqa = newsqa
        keyword = newsqa._reader().keyword_index()  # the cached index every search reads
        keyword.search = lambda *args, **kwargs: []

    def ask(self, question: str, *, k: int, model: str, as_of: str | None):
        return _NoAnswer(question)

    def search(self, question: str, *, k: int, as_of: str | None):
        return self._newsqa.search(question, k=k, as_of=as_of)

    def describe(self) -> dict:
        return self._newsqa.describe()


class _NoAnswer:
    def __init__(self, question: str) -> None:
        self._question = question

    def to_dict(self) -> dict:
        return {"question": self._question, "answer": "", "abstained": True, "model": "none"}


def child_eval(store: str, suite: str, out: str, mode: str) -> dict:
    from eval.runner import run_suite
    from qa import NewsQA

    newsqa = NewsQA(store=store)
    pipeline = newsqa if mode == "fused" else DenseOnly(newsqa)
    summary = run_suite(suite, pipeline, out=out)
    return {"duration_s": summary["duration_s"], "questions": summary["suite"]["run"]}


def child_warm(store: str, suite: str) -> dict:
    """Warm `search` (k 5, no dates) of the suite's first questions: wall and CPU per query."""
    from qa import NewsQA

    newsqa = NewsQA(store=store)
    questions = [row["question"] for row in read_jsonl(Path(suite), WARM_QUESTIONS + WARM_UP)]
    for question in questions[:WARM_UP]:
        newsqa.search(question, k=5)
    wall, cpu = [], []
    for question in questions[WARM_UP:]:
        started, used = time.perf_counter(), time.process_time()
        newsqa.search(question, k=5)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return {"wall": percentiles(wall), "cpu": percentiles(cpu), "load": load()}


CHILDREN = {"eval": child_eval, "warm": child_warm}


# ---- report ----


def collect(stores: Path) -> list[dict]:
    """Every (model, set) found on disk: build record, run summaries, latencies, size."""
    from eval.metrics import summarize

    tuned = {row["id"] for row in read_jsonl(TUNED_ON)}
    found = []
    for record in sorted(stores.glob("*.build.json")):
        key, set_name = record.name.removesuffix(".build.json").split("-", 1)
        store = stores / f"{key}-{set_name}"
        entry = {"key": key, "set": set_name, "build": json.loads(record.read_text())}
        entry["store_mib"] = round(_size(store) / 2**20, 1)
        timing = store.with_name(store.name + ".latency.json")
        entry["latency"] = json.loads(timing.read_text()) if timing.exists() else None
        for mode in MODES:
            out = stores.parent / "runs" / f"{key}-{set_name}-{mode}"
            if not (out / "summary.json").exists():
                continue
            rows = read_jsonl(out / "results.jsonl")
            entry[mode] = summarize(rows)["metrics"]
            if set_name == "full":
                outside = [row for row in rows if row["id"] not in tuned]
                entry[f"{mode}_outside"] = summarize(outside)["metrics"]
                entry["outside_questions"] = len(outside)
        found.append(entry)
    return found


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def report(facts: dict, results: list[dict]) -> str:
    parts = [
        "## Embedding models: bake-off on the grounded suites\n",
        "`python bench/embedding_bakeoff.py` — see the script's docstring for what each column "
        "is. Quality figures do not depend on load; timings do (the load column).\n",
        machine_line(facts) + "\n",
    ]
    titles = {"small": "grounded small", "full": "grounded full"}
    for set_name in dict.fromkeys(e["set"] for e in results):
        entries = [e for e in results if e["set"] == set_name]
        title = titles.get(set_name, f"grounded small questions over `{set_name}`")
        parts.append(f"### Retrieval, {title}\n")
        parts.append(quality_table(entries, "") + "\n")
        if set_name == "full":
            outside = entries[0].get("outside_questions")
            parts.append(f"\nOn the {outside} questions outside `questions-2025-small.jsonl`:\n")
            parts.append(quality_table(entries, "_outside"))
    parts.append("\n### Ingest, size and latency\n")
    parts.append(cost_table(results))
    return "\n".join(parts) + "\n"


def quality_table(entries: list[dict], suffix: str) -> str:
    header = ["model", "retrieval", *METRICS, *ANSWER_METRICS]
    rows = []
    for entry in entries:
        for mode in MODES:
            metrics = entry.get(mode + suffix)
            if metrics is None:
                continue
            answers = [metrics.get(m) if mode == "fused" else None for m in ANSWER_METRICS]
            rows.append([entry["key"], mode, *[metrics.get(m) for m in METRICS], *answers])
    return table(header, rows)


def cost_table(results: list[dict]) -> str:
    header = ["model", "set", "articles", "chunks", "ingest s", "articles/s", "chunks/s", "CPU s",
              "peak RSS MiB", "store MiB", "load (ingest)", "warm search p50 ms", "CPU p50 ms",
              "cold search s", "its CPU s", "load (search)"]  # fmt: skip
    rows, notes = [], []
    for entry in results:
        build, summary = entry["build"], entry["build"]["summary"]
        seconds = build["seconds"]
        articles, chunks = summary["added"], summary["chunks_written"]
        latency = entry["latency"] or {}
        warm, cold = latency.get("warm", {}), latency.get("cold", {})
        partial = " (last leg)" if build["resumed"] else ""
        if build.get("note"):
            notes.append(f"- {entry['key']}-{entry['set']}: {build['note']}")
            partial += f" ({len(notes)})"
        rows.append([
            entry["key"], entry["set"], f"{articles:,}{partial}", chunks, seconds,
            round(articles / seconds, 3), round(chunks / seconds, 2), build["cpu_seconds"],
            build["peak_rss_mib"], entry["store_mib"],
            f"{build['load_before']} → {build['load_after']}",
            warm.get("wall", {}).get("p50_ms"), warm.get("cpu", {}).get("p50_ms"),
            cold.get("seconds"), cold.get("cpu_seconds"), cold.get("load"),
        ])  # fmt: skip
    return table(header, rows) + "".join(f"\n{note}" for note in ["", *notes] if notes)


if __name__ == "__main__":
    main()
