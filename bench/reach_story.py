"""Issue 12's "Reach the story" experiments, scored on the retrieval metrics `newsqa eval` computes
(`eval.metrics.result_row` + `summarize` over the top-10 ranking, as of each question's date).

    python bench/reach_story.py --store DIR --suite SUITE [--variants baseline,article,...]
        [--tuned-on questions-2025-small.jsonl]

Variants change the default pipeline only inside this process (patched retrieval functions):
- `baseline`: the default pipeline, unchanged.
- `article`: a third ranked list fused by reciprocal rank: articles by the cosine of the
  question to their title + lead (first chunk) vector, each standing for its best-ranked chunk
  in the other two lists (else its first chunk). Article vectors are embedded once per store
  with the store's own model (passage side) and cached under --cache.
- `dates`: a question's relative day ("this week", "on Sunday", "yesterday", "last week")
  resolved against its `as_of`; fused scores of chunks from articles dated in that window are
  multiplied by 1 + DATE_WEIGHT.
- `rewrite`: the keyword side searches the question without quiz scaffolding ("Which ...",
  "this week", "recently", "announced"); the dense side is unchanged.
With `--tuned-on`, questions of that file are scored apart from the others (never tuned on).
Writes `<cache>/reach-<store name>.json`; prints one line per variant.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from eval.metrics import RANK_DEPTH, result_row, summarize
from eval.suite import load_suite
from qa import NewsQA

SHOWN = ("has_answer@1", "has_answer@5", "has_answer@10", "mrr@10", "doc_recall@10")
DAY = 86_400
DATE_WEIGHT = 1.0
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SCAFFOLDING = re.compile(
    r"\b(which|what|who|whom|where|when|how|this week|last week|recently|announced|reportedly|"
    r"according to|new|newly|has|have|had|is|was|were|are|did|does|the|a|an|of|in|on|to)\b",
    re.IGNORECASE,
)


class Experiment:
    """The retrieval patches of one process; `variant` picks which are on for the next call."""

    def __init__(self, newsqa: NewsQA, cache: Path) -> None:
        import qa.retrieval.retrieve as retrieve

        self.variant = "baseline"
        self.question_date: date | None = None
        self._retrieve = retrieve
        self._store = newsqa._reader()  # the store every search of this NewsQA reads
        self._search, self._fuse = retrieve._search, retrieve.fuse
        self._extra: list[list[str]] = []
        self._boosted: set[str] = set()
        self._vectors, self._article_ids, self._epochs, self._first = self._articles(cache)
        retrieve._search, retrieve.fuse = self.search, self.fuse

    def search(self, store, settings, question, vector, filters, n, timings):
        keyword_question = question
        if self.variant == "rewrite":
            keyword_question = " ".join(SCAFFOLDING.sub(" ", question).split()) or question
        hits = self._search(store, settings, keyword_question, vector, filters, n, timings)
        self._extra = []
        self._boosted = set()
        if self.variant == "article":
            self._extra = [self._article_list(hits, vector, filters, n)]
        if self.variant == "dates" and self.question_date is not None:
            self._boosted = self._dated(question, hits)
        return hits

    def fuse(self, dense, keyword, similarity, rrf_k):
        candidates = self._fuse(dense, keyword, similarity, rrf_k)
        if not self._extra and not self._boosted:
            return candidates
        from dataclasses import replace

        from qa.retrieval.candidates import Candidate

        scores = {c.chunk_id: c.score for c in candidates}
        for ranked in self._extra:
            for rank, chunk_id in enumerate(ranked, 1):
                scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (rrf_k + rank)
        known = {c.chunk_id: c for c in candidates}
        fused = []
        for chunk_id, score in scores.items():
            boost = 1 + DATE_WEIGHT if chunk_id in self._boosted else 1.0
            base = known.get(chunk_id) or Candidate(chunk_id, 0.0, None, None, 0.0)
            fused.append(replace(base, score=score * boost))
        return sorted(fused, key=lambda c: -c.score)

    def _article_list(self, hits, vector, filters, n: int) -> list[str]:
        where = filters.chunk_filter()
        limit = where.as_of_epoch
        allowed = np.ones(len(self._article_ids), dtype=bool)
        if limit is not None:
            allowed = (self._epochs <= limit) | (self._epochs < 0)
        scores = np.where(allowed, self._vectors @ vector, -np.inf)
        order = np.argsort(-scores)[:n]
        best = {}
        chunk_article = self._store.manifest.chunks(hits.dense + hits.keyword)
        for ranked in (hits.dense, hits.keyword):
            for rank, chunk_id in enumerate(ranked):
                record = chunk_article.get(chunk_id)
                if record and (record.article_id not in best or rank < best[record.article_id][0]):
                    best[record.article_id] = (rank, chunk_id)
        listed = []
        for index in order:
            if not np.isfinite(scores[index]):
                break
            article_id = self._article_ids[index]
            listed.append(best.get(article_id, (0, self._first[article_id]))[1])
        return listed

    def _dated(self, question: str, hits) -> set[str]:
        window = relative_window(question, self.question_date)
        if window is None:
            return set()
        first, last = (_epoch(day) for day in window)
        candidates = hits.dense + hits.keyword
        epochs = self._store.keyword_index().epochs(candidates)
        return {c for c in candidates if first <= epochs[c] <= last}

    def _articles(self, cache: Path):
        """Title + lead vectors of every article, cached per store."""
        path = cache / f"articles-{self._store.path.name}.npz"
        records = list(self._store.manifest.articles())
        first = {r.id: self._store.manifest.chunk_ids_of(r.id)[0] for r in records}
        if path.exists():
            saved = np.load(path, allow_pickle=False)
            ids = [str(i) for i in saved["ids"]]
            by_id = {r.id: r for r in records}
            epochs = np.array([_epoch_of(by_id[i]) for i in ids])
            return saved["vectors"], ids, epochs, first
        leads = self._store.manifest.chunks(first.values())
        texts = [f"{r.title}. {leads[first[r.id]].text}" for r in records]
        started = time.perf_counter()
        vectors = self._store.ingest_embedder.encode(texts)
        print(f"embedded {len(texts)} article leads in {time.perf_counter() - started:.0f} s")
        ids = [r.id for r in records]
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(path, vectors=vectors, ids=np.array(ids))
        return vectors, ids, np.array([_epoch_of(r) for r in records]), first


def relative_window(question: str, as_of: date) -> tuple[date, date] | None:
    """The days a question's relative date points at, as of `as_of`."""
    text = question.lower()
    if "this week" in text:
        return as_of - timedelta(days=7), as_of
    if "last week" in text:
        return as_of - timedelta(days=14), as_of - timedelta(days=5)
    if "yesterday" in text:
        return as_of - timedelta(days=1), as_of
    for number, name in enumerate(WEEKDAYS):
        if re.search(rf"\b(on|last|this) {name}\b", text) or re.search(rf"\b{name}\b", text):
            back = (as_of.weekday() - number) % 7
            day = as_of - timedelta(days=back)
            return day, min(as_of, day + timedelta(days=2))
    return None


def _epoch(day: date) -> int:
    return (day - date(1970, 1, 1)).days * DAY


def _epoch_of(record) -> int:
    return record.published_epoch if record.published_epoch is not None else -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--suite", required=True)
    parser.add_argument("--variants", default="baseline,article,dates,rewrite")
    parser.add_argument("--tuned-on", type=Path, help="questions every weight was tuned on")
    parser.add_argument("--cache", type=Path, default=Path("/work/bakeoff/cache"))
    args = parser.parse_args()
    newsqa = NewsQA(store=args.store)
    experiment = Experiment(newsqa, args.cache)
    questions = load_suite(args.suite).questions
    tuned = set()
    if args.tuned_on:
        tuned = {json.loads(line)["id"] for line in args.tuned_on.read_text().splitlines()}
    results = {}
    for variant in args.variants.split(","):
        experiment.variant = variant
        rows = []
        for question in questions:
            as_of = question.as_of
            experiment.question_date = date.fromisoformat(as_of) if as_of else None
            ranking = newsqa.search(question.question, k=RANK_DEPTH, as_of=question.as_of)
            stub = {"question": question.question, "answer": "", "abstained": True, "model": "-"}
            rows.append(result_row(question, stub, ranking=[asdict(p) for p in ranking]))
        groups = {"all": rows}
        if tuned:
            groups["tuned"] = [r for r in rows if r["id"] in tuned]
            groups["outside"] = [r for r in rows if r["id"] not in tuned]
        results[variant] = {name: summarize(group)["metrics"] for name, group in groups.items()}
        for name, metrics in results[variant].items():
            shown = " ".join(f"{m}={metrics[m]:.3f}" for m in SHOWN if metrics[m] is not None)
            print(f"{variant:9} {name:8} n={metrics['answerable']:3} {shown}", flush=True)
    out = args.cache / f"reach-{Path(args.store).name}.json"
    out.write_text(json.dumps({"store": args.store, "suite": args.suite, **results}, indent=1))


if __name__ == "__main__":
    main()
