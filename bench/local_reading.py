"""How well and how fast a local GGUF model answers, per model file, on the dev questions,
through the real `NewsQA.ask`. (The runs "choice" and "listed" in bench/local_reading.json
measured a model choosing among newsqa's candidate answers, or seeing them as hints; both were
worse than the free short answer and the code was removed.)

    python bench/local_reading.py --store DIR --model qwen1.5 [--limit N] [--label @rerun]
    python bench/local_reading.py --quantize q4_0        # writes the 1.5B model's Q4_0 file
    python bench/local_reading.py --speed qwen1.5,qwen1.5-q4_0 --prompts RUN/results.jsonl

One model per run (87 questions take 10-60 minutes on 2 cores, with the load); each
run's summary replaces its own entry of bench/local_reading.json and its rows go to
$TMPDIR/newsqa-bench/local_reading/. Every run asks the same questions (the whole suite in id
order, or its first `--limit`) as of their dates. Besides the eval metrics, each answer's
prompt is measured inside llama.cpp: its tokens, and how many of them were reused from the
previous question's prompt (the rules prefix) rather than read again. `--speed` times reading
and writing of the same prompts by several model files in turns, which compares files under a
changing load better than the runs' latencies do.
Model names: qwen0.5, qwen1.5 (../shared/models/get_model.py), qwen1.5-q4_0 (made by
--quantize under the same folder), or a path.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402  (sets NEWSQA_HOME before newsqa reads settings)

from eval.metrics import result_row, summarize  # noqa: E402
from eval.suite import load_suite  # noqa: E402
from qa import NewsQA  # noqa: E402
from qa.models import local_gguf  # noqa: E402

GET_MODEL = benchlib.REPO.parent / "shared" / "models" / "get_model.py"
SUITE = benchlib.REALTIMEQA / "questions-2025-small-grounded.jsonl"
RESULTS = benchlib.BENCH / "local_reading.json"
ROWS = benchlib.DEFAULT_WORK / "local_reading"
GGUF_NAMES = {"qwen0.5": "qwen2.5-coder-0.5b-instruct", "qwen1.5": "qwen2.5-coder-1.5b-instruct"}
REQUANTISED = {"qwen1.5-q4_0": ("qwen1.5", "q4_0")}
WRITTEN = 16
"""Tokens written per prompt when timing writing."""
KEPT_METRICS = (
    "questions",
    "answerable",
    "accuracy",
    "choice_accuracy",
    "token_f1",
    "abstain_precision",
    "abstain_recall",
    "abstain_f1",
    "false_abstention_rate",
    "kept_share",
    "citation_validity",
    "latency_answer_p50_ms",
    "latency_answer_p95_ms",
    "cpu_answer_p50_ms",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--suite", type=Path, default=SUITE)
    parser.add_argument("--model", default="qwen1.5")
    parser.add_argument("--limit", type=int, default=0, help="first N questions by id (0: all)")
    parser.add_argument("--quantize", metavar="TYPE", help="only write the 1.5B model as TYPE")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--label", default="", help="added to the run's key (a rerun)")
    parser.add_argument("--speed", metavar="MODELS", help="only time reading prompts, per model")
    parser.add_argument("--prompts", type=Path, help="--speed: a run's results.jsonl")
    args = parser.parse_args()
    if args.quantize:
        print(requantised(model_path("qwen1.5"), args.quantize))
        return
    if args.speed:
        timed = speed(args.speed.split(","), args.prompts)
        record(args.results, f"speed/{args.speed}", timed)
        print(json.dumps(timed, indent=1))
        return
    if args.store is None:
        parser.error("--store is required")
    run = measure(args.store, args.suite, args.model, args.limit, args.label)
    record(args.results, f"{args.model}/free{args.label}", run)
    print(json.dumps(run["summary"], indent=1))


def model_path(name: str) -> Path:
    if name in REQUANTISED:
        base, kind = REQUANTISED[name]
        return requantised(model_path(base), kind)
    if name not in GGUF_NAMES:
        return Path(name).expanduser()
    done = subprocess.run(
        [sys.executable, str(GET_MODEL), GGUF_NAMES[name]],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(done.stdout.strip().splitlines()[-1])


def requantised(source: Path, kind: str) -> Path:
    """`source` requantised to `kind` (q4_0, q8_0, ...) beside it, once: a file in the models
    folder, never in the repository."""
    import llama_cpp

    target = source.with_name(source.name.replace("q4_k_m", kind))
    if target == source:
        target = source.with_suffix(f".{kind}.gguf")
    if target.exists():
        return target
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{kind.upper()}")
    params.allow_requantize = True
    params.nthread = 1
    partial = target.with_suffix(".partial")
    status = llama_cpp.llama_model_quantize(str(source).encode(), str(partial).encode(), params)
    if status != 0:
        raise SystemExit(f"llama_model_quantize failed ({status}) for {source}")
    partial.rename(target)
    return target


class PromptMeter:
    """What each answer's prompt was and what llama.cpp did with it: an answer's first `eval`
    reads its prompt past the tokens kept from the previous prompt (the cached prefix), each
    later one reads a token it wrote."""

    def __init__(self, llama) -> None:
        self.calls: list[tuple[int, int]] = []
        self.user = ""
        original_eval, original_prompt = llama.eval, local_gguf.LocalModel.prompt

        def counted(tokens):
            self.calls.append((llama.n_tokens, len(tokens)))
            return original_eval(tokens)

        def kept(model, question, passages):
            prompt, grammar = original_prompt(model, question, passages)
            self.user = prompt.user
            return prompt, grammar

        llama.eval = counted
        local_gguf.LocalModel.prompt = kept

    def take(self) -> dict:
        calls, user, self.calls, self.user = self.calls, self.user, [], ""
        if not calls:
            return {}
        reused, read = calls[0]
        return {
            "prompt_tokens": reused + read,
            "prompt_reused": reused,
            "written": len(calls) - 1,
            "user": user,
        }


def speed(models: list[str], prompts_from: Path, rounds: int = 3, count: int = 6) -> dict:
    """Prompt reading and writing rates of each model file on the same prompts (the first
    `count` of a run), the models taking turns for `rounds` rounds so that a change in the
    machine's load falls on all of them; every model gets the same threads."""
    from llama_cpp import Llama

    from qa.models.prompting import RULES

    users = [row["llama"]["user"] for row in benchlib.read_jsonl(prompts_from)[:count]]
    threads = local_gguf.free_cores()
    loaded = {
        name: Llama(
            str(model_path(name)),
            n_ctx=local_gguf.DEFAULT_WINDOW,
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )
        for name in models
    }
    spent = {name: {"read": 0.0, "read_tokens": 0, "write": 0.0, "written": 0} for name in models}
    loads = [benchlib.load()]
    for _ in range(rounds):
        for name, llama in loaded.items():
            for user in users:
                tokens = llama.tokenize(f"{RULES}\n\n{user}".encode())
                llama.reset()
                started = time.perf_counter()
                llama.eval(tokens)
                spent[name]["read"] += time.perf_counter() - started
                spent[name]["read_tokens"] += len(tokens)
                started = time.perf_counter()
                for _ in range(WRITTEN):
                    llama.eval([tokens[-1]])
                spent[name]["write"] += time.perf_counter() - started
                spent[name]["written"] += WRITTEN
        loads.append(benchlib.load())
    return {
        "machine": benchlib.machine(),
        "threads": threads,
        "prompts": f"first {count} of {prompts_from}",
        "rounds": rounds,
        "load_each_round": loads,
        "models": {
            name: {
                "file": model_path(name).name,
                "mib": round(model_path(name).stat().st_size / 2**20),
                "read_tokens_per_s": round(s["read_tokens"] / s["read"], 1),
                "write_tokens_per_s": round(s["written"] / s["write"], 1),
                "prompt_tokens_mean": round(s["read_tokens"] / rounds / len(users)),
            }
            for name, s in spent.items()
        },
    }


def measure(store: Path, suite_path: Path, model: str, limit: int, label: str = "") -> dict:
    """Ask every question of the sample with one model; rows and a summary."""
    path = model_path(model)
    questions = sorted(load_suite(suite_path).questions, key=lambda q: q.id)
    questions = questions[:limit] if limit else questions
    newsqa = NewsQA(store=store)
    spec = f"llamacpp:{path}"
    llama, _ = local_gguf._load(str(path.resolve()), local_gguf.DEFAULT_WINDOW, None)
    meter = PromptMeter(llama)
    rows, started, load_before = [], time.perf_counter(), benchlib.load()
    for question in questions:
        answer = newsqa.ask(question.question, model=spec, as_of=question.as_of)
        row = result_row(question, answer.to_dict())
        row["llama"] = meter.take()
        rows.append(row)
        print(_progress(len(rows), len(questions), row), file=sys.stderr, flush=True)
    folder = ROWS / f"{model}-free{label}"
    benchlib.write_jsonl(folder / "results.jsonl", rows)
    return {
        "model": model,
        "file": path.name,
        "suite": suite_path.name,
        "store": str(store),
        "sample": f"first {limit} by id" if limit else "every question",
        "machine": benchlib.machine(),
        "source_digest": source_digest(),
        "load_before": load_before,
        "load_after": benchlib.load(),
        "wall_seconds": round(time.perf_counter() - started, 1),
        "rows": str(folder / "results.jsonl"),
        "summary": _summary(rows),
    }


def _summary(rows: list[dict]) -> dict:
    metrics = summarize(rows)["metrics"]
    measured = [row["llama"] for row in rows if row["llama"]]
    summary = {name: _round(metrics[name]) for name in KEPT_METRICS}
    summary["false_abstentions"] = sum(
        row["metrics"]["abstained"] for row in rows if row["answers"]
    )
    summary["fallbacks"] = sum(bool(row["answer"].get("fallback")) for row in rows)
    for key in ("prompt_tokens", "prompt_reused", "written"):
        values = [m[key] for m in measured]
        summary[f"{key}_mean"] = round(statistics.mean(values), 1) if values else None
    return summary


def _round(value):
    return round(value, 3) if isinstance(value, float) else value


def _progress(done: int, total: int, row: dict) -> str:
    short = row["answer"].get("short_answer") or row["answer"]["answer"][:60]
    mark = "ok" if row["metrics"]["right"] else "--"
    seconds = (row["timings_ms"].get("answer") or 0) / 1000
    facts = {k: v for k, v in row["llama"].items() if k != "user"}
    return f"{done}/{total} {mark} {seconds:5.1f}s {facts} {short!r}"


def record(results: Path, key: str, run: dict) -> None:
    """Replace this run's entry of the results file, keeping the others."""
    data = json.loads(results.read_text()) if results.exists() else {"runs": {}}
    data["runs"][key] = run
    results.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def source_digest() -> str:
    """A digest of the qa/ and index_store/ sources that ran: names the code of a run that was
    made from a copy of a working tree rather than a commit."""
    digest = hashlib.sha256()
    for path in sorted(
        [*benchlib.REPO.glob("qa/**/*.py"), *benchlib.REPO.glob("index_store/**/*.py")]
    ):
        digest.update(path.relative_to(benchlib.REPO).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


if __name__ == "__main__":
    main()
