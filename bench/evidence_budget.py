"""How much of the answer an LLM can see: the share of answerable questions whose gold answer is
in the evidence sentences (`qa.models.evidence`) at several token budgets, against the whole
passages, with the prompt tokens each costs. No model runs: this bounds what any LLM can answer
from what it is shown, and picks the budgets worth measuring with a model.

    python bench/evidence_budget.py --store DIR --suite SUITE.jsonl [--budgets 150,250,350,500]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402, F401  (sets NEWSQA_HOME before newsqa reads settings)

from eval.normalize import contains_any  # noqa: E402
from eval.suite import load_suite  # noqa: E402
from qa import NewsQA  # noqa: E402
from qa.models.base import ModelContext  # noqa: E402
from qa.models.evidence import select_evidence  # noqa: E402
from qa.models.prompting import build_prompt  # noqa: E402
from qa.retrieval.retrieve import read_question  # noqa: E402

CHARS_PER_TOKEN = 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--suite", type=Path, required=True)
    parser.add_argument("--budgets", default="150,250,350,500,800")
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]
    newsqa = NewsQA(store=args.store)
    rows = []
    for question in load_suite(args.suite).questions:
        if not question.answers:
            continue
        passages = newsqa.search(question.question, k=args.k, as_of=question.as_of)
        asked = read_question(newsqa._reader(), question.question)
        context = ModelContext(newsqa.settings, asked)
        shown = {"whole": passages}
        for budget in budgets:
            shown[str(budget)] = select_evidence(question.question, passages, context, budget)
        rows.append(
            {
                name: {
                    "has_gold": any(contains_any(p.text, question.answers) for p in given),
                    "tokens": len(build_prompt(question.question, given).text) / CHARS_PER_TOKEN,
                }
                for name, given in shown.items()
            }
        )
    summary = {
        name: {
            "has_gold": round(statistics.mean(r[name]["has_gold"] for r in rows), 3),
            "prompt_tokens_mean": round(statistics.mean(r[name]["tokens"] for r in rows)),
        }
        for name in rows[0]
    }
    print(json.dumps({"suite": str(args.suite), "answerable": len(rows), **summary}, indent=2))


if __name__ == "__main__":
    main()
