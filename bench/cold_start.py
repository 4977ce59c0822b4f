"""Cold start: `newsqa --help`, an argument error, and `newsqa search` from a new process, with
where the time of a new search process goes (imports, then each part of the store).

    python bench/cold_start.py [--store DIR ...]

Searches run on the bundled demo store (built first, in the work folder) and on each `--store`
(e.g. the 50k-chunk store `bench/query_latency.py` leaves in the work folder). Every figure
is the median of several new processes, with the OS file cache warm.
Writes bench/cold_start.json and its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchlib import (
    DEFAULT_WORK,
    QUESTIONS,
    REPO,
    machine,
    machine_line,
    python_child,
    read_jsonl,
    report_child,
    run_child,
    save,
    show,
    table,
)

HELP_RUNS, SEARCH_RUNS = 10, 5
TARGETS_SECONDS = {"help": 0.3, "search": 2.0}
HEAVY = ("chromadb", "onnxruntime", "bm25s", "scipy", "numpy", "simplemma", "torch", "nltk")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, action="append", default=[])
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    args = parser.parse_args()
    demo = args.work / "cold" / "demo-store"
    shutil.rmtree(demo, ignore_errors=True)
    run_child([_newsqa(), "ingest", str(REPO / "qa" / "demo" / "articles"), "--store", str(demo)])
    question = read_jsonl(QUESTIONS, 1)[0]["question"]
    facts = {
        "machine": machine(),
        "help": _repeat([_newsqa(), "--help"], HELP_RUNS),
        "argument_error": _repeat([_newsqa(), "search"], HELP_RUNS, ok=(2,)),
        "help_imports_heavy": _heavy_imports([_newsqa(), "--help"]),
        "stores": {},
    }
    for store in [demo, *args.store]:
        name = "demo" if store == demo else str(store)
        command = [_newsqa(), "search", question, "--store", str(store)]
        facts["stores"][name] = {
            "search": _repeat(command, SEARCH_RUNS),
            "phases": python_child(Path(__file__), "phases", str(store), question).facts(),
            "imports": _import_profile(store, question),
        }
    save("cold_start", facts, _markdown(facts))
    show("cold_start")


def _newsqa() -> str:
    return str(Path(sys.executable).with_name("newsqa"))


def _repeat(command: list[str], runs: int, ok: tuple[int, ...] = (0,)) -> dict:
    samples = []
    for _ in range(runs):
        samples.append(_one(command, ok))
    walls = sorted(s["wall"] for s in samples)
    return {
        "runs": runs,
        "median_seconds": round(walls[len(walls) // 2], 3),
        "min_seconds": round(walls[0], 3),
        "max_seconds": round(walls[-1], 3),
        "cpu_seconds_median": round(sorted(s["cpu"] for s in samples)[len(samples) // 2], 3),
        "peak_rss_mib": round(max(s["rss"] for s in samples)),
        "load": [samples[0]["load"], samples[-1]["load"]],
    }


def _one(command: list[str], ok: tuple[int, ...]) -> dict:
    import os

    load = round(os.getloadavg()[0], 2)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) not in ok:
        raise SystemExit(f"unexpected exit {os.waitstatus_to_exitcode(status)}: {command}")
    return {
        "wall": time.perf_counter() - started,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss": usage.ru_maxrss / 1024,
        "load": load,
    }


def _importtime(command: list[str]) -> dict[str, float]:
    """Cumulative import time in ms of each top-level package (`python -X importtime`)."""
    code = f"import sys; sys.argv = {command!r}; from qa.cli import main; main()"
    stderr = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
    ).stderr
    totals: dict[str, float] = {}
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if match and not match.group(2):
            top = match.group(3).split(".")[0]
            totals[top] = totals.get(top, 0.0) + int(match.group(1)) / 1000
    return totals


def _heavy_imports(command: list[str]) -> list[str]:
    return sorted(set(_importtime(command[1:])) & set(HEAVY))


def _import_profile(store: Path, question: str) -> dict[str, float]:
    totals = _importtime(["newsqa", "search", question, "--store", str(store)])
    top = sorted(totals.items(), key=lambda item: -item[1])[:10]
    return {name: round(ms) for name, ms in top}


def _markdown(facts: dict) -> str:
    rows = [
        _row("`newsqa --help`", facts["help"], TARGETS_SECONDS["help"]),
        _row("`newsqa search` (argument error)", facts["argument_error"], TARGETS_SECONDS["help"]),
    ]
    phases_rows, import_lines = [], []
    for name, store in facts["stores"].items():
        chunks = store["phases"]["chunks"]
        label = f"`newsqa search QUESTION` on {'the demo store' if name == 'demo' else name}"
        rows.append(_row(f"{label} ({chunks:,} chunks)", store["search"], 2.0))
        phases = store["phases"]["phases_ms"]
        phases_rows.append([f"{chunks:,}", *(round(v) for v in phases.values())])
        imports = ", ".join(f"{k} {v:,}" for k, v in store["imports"].items())
        import_lines.append(f"- {chunks:,} chunks: {imports}")
    phase_names = list(next(iter(facts["stores"].values()))["phases"]["phases_ms"])
    heavy = facts["help_imports_heavy"]
    return "\n".join(
        [
            "## Cold start",
            "",
            f"`python bench/cold_start.py` — new processes, median of {HELP_RUNS} (`--help`) or "
            f"{SEARCH_RUNS} (search), OS file cache warm.",
            "",
            machine_line(facts["machine"]),
            "",
            table(
                ["command", "median s", "min s", "max s", "CPU s", "peak RSS MiB", "target"],
                rows,
            ),
            "",
            f"`--help` imports none of {', '.join(HEAVY)}"
            if not heavy
            else f"`--help` imports {', '.join(heavy)}: FIX",
            "",
            "Where a new search process spends its time (ms, one process, in order):",
            "",
            table(["chunks", *phase_names], phases_rows),
            "",
            "Heaviest imports of a search process (cumulative ms, `python -X importtime`):",
            "",
            *import_lines,
        ]
    )


def _row(label: str, figures: dict, target: float) -> list:
    median = figures["median_seconds"]
    verdict = "met" if median <= target else f"MISSED by {median / target - 1:.0%}"
    return [
        label,
        median,
        figures["min_seconds"],
        figures["max_seconds"],
        figures["cpu_seconds_median"],
        figures["peak_rss_mib"],
        f"<= {target} s: {verdict}",
    ]


# ---- child process ----


def child_phases(store: str, question: str) -> dict:
    """The search path of a new process, one part at a time."""
    marks = [("start", time.perf_counter())]

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter()))

    import qa.cli  # noqa: F401

    mark("import CLI")
    from qa import NewsQA
    from qa.settings import load_settings

    mark("import API")
    from index_store.store import Store

    opened = Store.open(load_settings(store=Path(store)).index_config())
    mark("open ledger")
    opened.vectors.count()
    mark("chromadb + collection")
    vector = opened.embedder.encode([question])[0]
    mark("embedder + question")
    opened.vectors.query(vector, 50)
    mark("first vector query")
    opened.keyword_index()
    mark("BM25 index")
    chunks = opened.ledger.counts()[1]
    opened.close()
    nq = NewsQA(store=store)
    nq.search(question)
    mark("search through NewsQA")
    nq.search(question + " today")
    mark("second search")
    phases = {name: (t - marks[i][1]) * 1000 for i, (name, t) in enumerate(marks[1:])}
    return {"chunks": chunks, "phases_ms": {k: round(v, 1) for k, v in phases.items()}}


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        report_child(child_phases(*sys.argv[3:]))
    else:
        main()
