"""What every benchmark shares: the machine's facts and load, child processes measured for wall
time and peak RSS, percentiles, and results written to `bench/<name>.json` and to that
benchmark's own section of `bench/RESULTS.md` (text outside the sections is left alone).

The machine is shared: each figure carries the 1-minute load average at its start and end, and
scripts measure the things they compare one after the other in the same run.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS_MD = BENCH / "RESULTS.md"
REALTIMEQA = REPO.parent / "shared" / "data" / "realtimeqa"
ARTICLES = REALTIMEQA / "articles-2025.jsonl"
QUESTIONS = REALTIMEQA / "questions-2025.jsonl"
DEFAULT_WORK = Path(os.environ.get("TMPDIR", "/tmp")) / "newsqa-bench"
PACKAGES = (
    "onnxruntime",
    "chromadb",
    "torch",
    "sentence-transformers",
    "llama-index-core",
    "llama-index-embeddings-huggingface",
    "llama-index-vector-stores-chroma",
    "bm25s",
)
# Figures are for newsqa's defaults: no user config.toml or NEWSQA_* setting may change them.
os.environ["NEWSQA_HOME"] = str(DEFAULT_WORK / "home")
for _name in [n for n in os.environ if n.startswith("NEWSQA_") and n != "NEWSQA_HOME"]:
    del os.environ[_name]
SECTIONS = (
    "ingest_throughput",
    "embedding_quality",
    "query_latency",
    "cold_start",
    "tuning",
    "ingest_memory",
    "watch_poll",
    "embedding_bakeoff",
    "answer_latency",
)


def load() -> float:
    """The 1-minute load average: with `nproc` 2, anything above 2 means others share the cores."""
    return round(os.getloadavg()[0], 2)


def machine() -> dict[str, Any]:
    """Facts every result file carries, so a figure can be judged later."""
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "git_commit": _git_commit(),
    }


def settings_facts() -> dict[str, Any]:
    """The newsqa defaults that shape every figure (chunking, embedding backend and batch)."""
    from qa.settings import load_settings

    s = load_settings()
    return {
        "chunk_tokens": s.chunk_tokens,
        "chunk_overlap_tokens": s.chunk_overlap_tokens,
        "embedding_model": s.embedding_model,
        "embedding_backend": s.embedding_backend,
        "ingest_embedding_backend": s.ingest_embedding_backend,
        "embed_batch_size": s.embed_batch_size,
    }


@dataclass(frozen=True)
class ChildRun:
    """A finished child process: what it printed as JSON on its last line, and its costs."""

    result: dict[str, Any]
    wall_seconds: float
    peak_rss_mib: float
    cpu_seconds: float
    load_before: float
    load_after: float

    def facts(self) -> dict[str, Any]:
        return {
            **self.result,
            "process_wall_seconds": round(self.wall_seconds, 2),
            "process_cpu_seconds": round(self.cpu_seconds, 2),
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "load_before": self.load_before,
            "load_after": self.load_after,
        }


def run_child(args: list[str], env: dict[str, str] | None = None) -> ChildRun:
    """Run a command to its end, measuring wall time, CPU time and peak RSS of that process."""
    load_before = load()
    started = time.perf_counter()
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, env={**os.environ, **(env or {})}, cwd=REPO, text=True
    )
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"benchmark step failed ({process.returncode}): {' '.join(args)}")
    lines = [line for line in output.splitlines() if line.startswith("{")]
    return ChildRun(
        result=json.loads(lines[-1]) if lines else {},
        wall_seconds=wall,
        peak_rss_mib=usage.ru_maxrss / 1024,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        load_before=load_before,
        load_after=load(),
    )


def python_child(script: Path, *args: str) -> ChildRun:
    """Run `script --child ARGS` with this interpreter."""
    return run_child([sys.executable, str(script), "--child", *args])


def report_child(result: dict[str, Any]) -> None:
    """The child's side of `run_child`: its result as one JSON line on stdout."""
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    values = np.asarray(samples_ms)
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 2),
        "p95_ms": round(float(np.percentile(values, 95)), 2),
        "mean_ms": round(float(values.mean()), 2),
        "n": len(samples_ms),
    }


def read_jsonl(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    rows = []
    with path.open() as lines:
        for line in lines:
            if line.strip():
                rows.append(json.loads(line))
                if limit and len(rows) == limit:
                    break
    return rows


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    return path


def save(name: str, data: dict[str, Any], markdown: str) -> None:
    """Write `bench/<name>.json` and replace the `name` section of RESULTS.md."""
    (BENCH / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")
    begin, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    section = f"{begin}\n{markdown.strip()}\n{end}"
    text = RESULTS_MD.read_text() if RESULTS_MD.exists() else "# Benchmark results\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = _insert_in_order(text, name, section)
    RESULTS_MD.write_text(text)


def show(name: str) -> None:
    """Print the `name` section of RESULTS.md, as just written."""
    text = RESULTS_MD.read_text()
    print(text.split(f"<!-- {name} -->", 1)[1].split(f"<!-- /{name} -->", 1)[0].strip())


def machine_line(facts: dict[str, Any]) -> str:
    """One line of markdown saying where and under what load a section was measured."""
    packages = ", ".join(f"{k} {v}" for k, v in facts["packages"].items() if v)
    return (
        f"Measured {facts['when']} on {facts['nproc']} cores ({facts['cpu']}), "
        f"{facts['memory_gib']} GiB, load average {facts['load_1_5_15']} at the start; "
        f"Python {facts['python']}, commit {facts['git_commit']}; {packages}."
    )


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "–" if value is None else str(value)


def _insert_in_order(text: str, name: str, section: str) -> str:
    """Sections appear in SECTIONS order, before any later section already present."""
    later = SECTIONS[SECTIONS.index(name) + 1 :] if name in SECTIONS else ()
    for other in later:
        marker = f"<!-- {other} -->"
        if marker in text:
            head, rest = text.split(marker, 1)
            return f"{head}{section}\n\n{marker}{rest}"
    return f"{text.rstrip()}\n\n{section}\n"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
