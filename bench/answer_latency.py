"""What one `newsqa ask` costs with each answer model: the whole program run as a user runs it
(cold: a new process loads the embedder and the model), and warm asks in one process (the model
loaded, as in an eval or the server), wall and CPU time, with the load average beside each.

    python bench/answer_latency.py --store DIR [--models extractive,qwen0.5,qwen1.5] [--questions N]

The questions are the first N answerable ones of the grounded small suite, asked as of their
dates. Model names: extractive, smollm2, qwen0.5 and qwen1.5 (the GGUF files assembled by
../shared/models/get_model.py), or any spec. Results: bench/answer_latency.json and the
`answer_latency` section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402  (sets NEWSQA_HOME before newsqa reads settings)

GET_MODEL = benchlib.REPO.parent / "shared" / "models" / "get_model.py"
SUITE = benchlib.REALTIMEQA / "questions-2025-small-grounded.jsonl"
GGUF_NAMES = {"qwen0.5": "qwen2.5-coder-0.5b-instruct", "qwen1.5": "qwen2.5-coder-1.5b-instruct"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--models", default="extractive,qwen0.5,qwen1.5")
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--child", nargs=3, metavar=("STORE", "SPEC", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        store, spec, count = args.child
        benchlib.report_child(warm_asks(Path(store), spec, int(count)))
        return
    if args.store is None:
        parser.error("--store is required")
    rows = [
        measure(name, spec_of(name), args.store, args.questions) for name in args.models.split(",")
    ]
    data = {"machine": benchlib.machine(), "store": str(args.store), "models": rows}
    benchlib.save("answer_latency", data, markdown(data))
    benchlib.show("answer_latency")


def spec_of(name: str) -> str:
    if name not in GGUF_NAMES:
        return name
    done = subprocess.run(
        [sys.executable, str(GET_MODEL), GGUF_NAMES[name]],
        capture_output=True,
        text=True,
        check=True,
    )
    return f"llamacpp:{done.stdout.strip().splitlines()[-1]}"


def measure(name: str, spec: str, store: Path, count: int) -> dict:
    """Two cold `newsqa ask`s (each its own process: the first with no local model's rules
    prefix saved, the second loading the one the first saved), then `count` warm asks in
    another process."""
    from qa.models.prefix_state import prefix_dir

    question = questions(1)[0]
    ask = [
        str(Path(sys.executable).with_name("newsqa")),
        "ask",
        question["question"],
        "--store",
        str(store),
        "-m",
        spec,
        "--as-of",
        question["as_of"],
        "--no-stream",
    ]
    shutil.rmtree(prefix_dir(), ignore_errors=True)
    first = benchlib.run_child(ask)
    cold = benchlib.run_child(ask)
    warm = benchlib.python_child(Path(__file__), str(store), spec, str(count))
    return {
        "model": name,
        "spec": spec,
        "first_cold_wall_s": round(first.wall_seconds, 2),
        "cold_wall_s": round(cold.wall_seconds, 2),
        "cold_cpu_s": round(cold.cpu_seconds, 2),
        "cold_load": [cold.load_before, cold.load_after],
        **warm.result,
        "warm_load": [warm.load_before, warm.load_after],
    }


def warm_asks(store: Path, spec: str, count: int) -> dict:
    """Ask once to load everything, then time `count` asks: wall and CPU per ask."""
    from qa import NewsQA

    newsqa = NewsQA(store=store)
    asked = questions(count)
    newsqa.ask(asked[0]["question"], model=spec, as_of=asked[0]["as_of"])
    walls, cpus, answers = [], [], []
    for question in asked:
        wall, cpu = time.perf_counter(), time.process_time()
        answer = newsqa.ask(question["question"], model=spec, as_of=question["as_of"])
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        answers.append(answer.timings_ms["answer"])
    return {
        "asks": count,
        "warm_wall": benchlib.percentiles(walls),
        "warm_cpu": benchlib.percentiles(cpus),
        "warm_answer_stage": benchlib.percentiles(answers),
    }


def questions(count: int) -> list[dict]:
    rows = [row for row in benchlib.read_jsonl(SUITE) if row["answers"]]
    return rows[:count]


def markdown(data: dict) -> str:
    header = [
        "model", "first cold ask wall s", "cold ask wall s", "cold ask CPU s",
        "warm ask wall p50/p95 ms", "warm ask CPU p50 ms", "answer stage p50 ms",
        "load (cold, warm)",
    ]  # fmt: skip
    rows = [
        [
            row["model"],
            row.get("first_cold_wall_s", "-"),
            row["cold_wall_s"],
            row["cold_cpu_s"],
            f"{row['warm_wall']['p50_ms']:.0f} / {row['warm_wall']['p95_ms']:.0f}",
            f"{row['warm_cpu']['p50_ms']:.0f}",
            f"{row['warm_answer_stage']['p50_ms']:.0f}",
            f"{row['cold_load'][0]}, {row['warm_load'][0]}",
        ]
        for row in data["models"]
    ]
    return "\n".join(
        [
            "## Answer latency: one `newsqa ask` per answer model",
            "",
            benchlib.machine_line(data["machine"]),
            "",
            f"`python bench/answer_latency.py --store {data['store']}`: a cold ask is the whole "
            "program in a new process (imports, embedder and model load, retrieval, answer), "
            "the first one with no local model's rules prefix saved yet "
            "(`qa.models.prefix_state`); "
            f"warm asks are {data['models'][0]['asks']} answerable questions of the grounded "
            "small suite asked in one process after a first untimed ask. CPU counts every "
            "thread of the process.",
            "",
            benchlib.table(header, rows),
        ]
    )


if __name__ == "__main__":
    main()
