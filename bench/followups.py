"""What a follow-up finds: has_answer@5 of each follow-up of a follow-up suite
(`newsqa eval make-followups`) searched as written, as made standalone without an LLM, and as
rewritten by an LLM, against its question asked in full; and of each question asked after an
unrelated one (a new topic), against it asked alone. Rewriting time per follow-up too.

    python bench/followups.py --store DIR --suite FOLLOWUPS.jsonl --full SUITE.jsonl \
        [--model llamacpp:PATH] [--exclude DEV.jsonl]

Only retrieval is run (the answer does not change what a follow-up finds), each question as of
its date. Results go to bench/followups.json, keyed by suite and model.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402  (sets NEWSQA_HOME before newsqa reads settings)

from eval.metrics import FOLLOWUP_DEPTH, first_hit_rank  # noqa: E402
from eval.suite import load_suite  # noqa: E402
from qa import NewsQA  # noqa: E402

RESULTS = benchlib.BENCH / "followups.json"


def found(newsqa: NewsQA, question: str, golds, as_of: str | None) -> bool:
    """Whether an answer passage is in the top FOLLOWUP_DEPTH for `question`."""
    from dataclasses import asdict

    ranked = [asdict(p) for p in newsqa.search(question, k=FOLLOWUP_DEPTH, as_of=as_of)]
    rank = first_hit_rank(ranked, golds)
    return rank is not None and rank <= FOLLOWUP_DEPTH


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--suite", type=Path, required=True, help="a follow-up suite")
    parser.add_argument("--full", type=Path, required=True, help="the suite it was made from")
    parser.add_argument("--model", help="an answer LLM that rewrites follow-ups")
    parser.add_argument("--exclude", type=Path, help="a suite whose question ids are left out")
    args = parser.parse_args()
    newsqa = NewsQA(store=args.store)
    left_out = {q.id for q in load_suite(args.exclude).questions} if args.exclude else set()
    rows = [q for q in load_suite(args.suite).questions if q.answers]
    rows = [q for q in rows if q.id.removesuffix("-followup") not in left_out]
    seen: dict[str, list[bool]] = {"full": [], "as written": [], "standalone": []}
    rewrite_ms: list[float] = []
    for q in rows:
        full = q.extra["full_question"]
        seen["full"].append(found(newsqa, full, q.answers, q.as_of))
        seen["as written"].append(found(newsqa, q.question, q.answers, q.as_of))
        started = time.perf_counter()
        standalone = newsqa.standalone(q.question, q.history, args.model or "extractive")
        rewrite_ms.append((time.perf_counter() - started) * 1000)
        seen["standalone"].append(found(newsqa, standalone, q.answers, q.as_of))
        print(f"{q.id}: {standalone!r}", file=sys.stderr, flush=True)
    topics = new_topics(newsqa, args.full, left_out, args.model)
    summary = {
        "store": str(args.store),
        "suite": args.suite.name,
        "model": args.model or "extractive (no LLM)",
        "machine": benchlib.machine(),
        "load": benchlib.load(),
        "answerable_followups": len(rows),
        **{f"has_answer@5 {name}": round(statistics.mean(v), 3) for name, v in seen.items()},
        "followup_reach": round(
            statistics.mean(s for f, s in zip(seen["full"], seen["standalone"]) if f), 3
        ),
        "rewrite_ms_p50": round(statistics.median(rewrite_ms), 1),
        "rewrite_ms_p95": round(sorted(rewrite_ms)[int(0.95 * (len(rewrite_ms) - 1))], 1),
        **topics,
    }
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": {}}
    data["runs"][f"{args.suite.name}/{args.model or 'extractive'}"] = summary
    RESULTS.write_text(json.dumps(data, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


def new_topics(newsqa: NewsQA, suite: Path, left_out: set[str], model: str | None) -> dict:
    """has_answer@5 of each answerable question asked alone, and asked after the question
    before it in the suite (another story): a new topic must find what it finds alone."""
    questions = [q for q in load_suite(suite).questions if q.id not in left_out]
    alone, after = [], []
    for before, q in zip(questions, questions[1:]):
        if not q.answers:
            continue
        history = [{"question": before.question}]
        searched = newsqa.standalone(q.question, history, model or "extractive")
        alone.append(found(newsqa, q.question, q.answers, q.as_of))
        after.append(found(newsqa, searched, q.answers, q.as_of))
    return {
        "new_topic_questions": len(alone),
        "has_answer@5 alone": round(statistics.mean(alone), 3),
        "has_answer@5 after another question": round(statistics.mean(after), 3),
    }


if __name__ == "__main__":
    main()
