"""Story purity: of the pairs of articles grouped into one story, the share a reader keeps together.

`sample` draws pairs uniformly from every pair of articles sharing a story in a store and writes
them with each article's title, date, outlet and opening (for a person to label; kept out of the
repository under bench/.cache, as it is third-party text). `score` reads the labels
(bench/story_purity_labels.jsonl: article ids, `same`, and the labeller's reason in their own
words) and writes bench/story_purity.json. The rule they followed goes to bench/RESULTS.md.

    python bench/story_purity.py sample --store /work/stores/rtqa-full -n 100
    python bench/story_purity.py score
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402  (sets NEWSQA_HOME before newsqa reads settings)

PAIRS = benchlib.BENCH / ".cache" / "purity-pairs.jsonl"
LABELS = benchlib.BENCH / "story_purity_labels.jsonl"
OPENING_CHARS = 700


def sample(store_path: str, n: int, seed: int) -> None:
    from index_store.store import Store
    from qa.settings import load_settings

    store = Store.open(load_settings(store=store_path).index_config(), readonly=True)
    book = store.stories()
    by_story: dict[int, list[str]] = {}
    for member in book.members().values():
        by_story.setdefault(member.story_id, []).append(member.article_id)
    pairs = [pair for ids in by_story.values() for pair in combinations(sorted(ids), 2)]
    chosen = random.Random(seed).sample(pairs, min(n, len(pairs)))
    PAIRS.parent.mkdir(parents=True, exist_ok=True)
    with PAIRS.open("w") as out:
        for a, b in chosen:
            row = {"a": _shown(store, a), "b": _shown(store, b)}
            out.write(json.dumps(row) + "\n")
    print(f"{len(chosen)} of {len(pairs)} pairs in {len(by_story)} stories -> {PAIRS}")


def _shown(store, article_id: str) -> dict:
    record = store.ledger.article(article_id)
    return {
        "id": article_id,
        "title": record.title,
        "published": record.published,
        "source": record.source,
        "opening": record.text[:OPENING_CHARS],
    }


def score() -> None:
    labels = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    same = sum(1 for row in labels if row["same"])
    purity = same / len(labels) if labels else 0.0
    result = {"pairs": len(labels), "kept_together": same, "purity": round(purity, 3)}
    markdown = f"""## Story purity

{len(labels)} pairs drawn uniformly (seed 1) from every pair of articles grouped into one story
of the store, each labelled by a reader who saw only the two titles, dates, outlets and openings
(not the grouping's signals): *same* when both report one news event or one developing story
(an event and its direct follow-ups: a crash and its investigation, a bill's vote and its
signing, one hurricane on different days); *split* for different events sharing a theme, genre
or column (two editions of a recurring roundup, two different crashes, two rounds of recalls, a
general explainer beside a specific event). {same} of {len(labels)} kept together: purity
**{purity:.3f}** (target .90). Labels and reasons: `bench/story_purity_labels.jsonl`.
"""
    benchlib.save("story_purity", result, markdown)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sampling = commands.add_parser("sample")
    sampling.add_argument("--store", required=True)
    sampling.add_argument("-n", type=int, default=100)
    sampling.add_argument("--seed", type=int, default=1)
    commands.add_parser("score")
    args = parser.parse_args()
    if args.command == "sample":
        sample(args.store, args.n, args.seed)
    else:
        score()


if __name__ == "__main__":
    main()
