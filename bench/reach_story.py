"""Issue 12's "Reach the story" experiments, scored on the retrieval metrics `newsqa eval` computes
(`eval.metrics.result_row` + `summarize` over the top-10 ranking, as of each question's date).

    python bench/reach_story.py --store DIR --suite SUITE [--variants baseline,leads-best,...]
        [--tuned-on questions-2025-small-grounded.jsonl] [--cache DIR]

Variants change the default pipeline only inside this process (patched retrieval functions):
- `baseline`: the default pipeline, unchanged (dense + BM25, reciprocal rank fusion).
- Lead votes, a third ranked list fused by reciprocal rank: articles ranked by the cosine of the
  question to one vector per article (title + first chunk, embedded once per store with the
  store's own model, passage side, cached under --cache), each article voting for
  `leads-best`: its best-ranked chunk in the dense or keyword list (else its first chunk);
  `leads-both`: that chunk and its first chunk; `leads-lead`: its first chunk only;
  `leads-wide`: every candidate chunk of the article gets its vote.
  `title-best`, `opening-best`: as `leads-best` with vectors of the title alone, or of the
  title and the first chunk's first two sentences (cheaper to embed).
- `dates`: a question's relative day ("this week", "on Sunday", "yesterday", "last week")
  resolved against its `as_of`; fused scores of chunks from articles dated in that window are
  multiplied by 1 + DATE_WEIGHT.
- `rewrite`: the keyword side searches the question without quiz scaffolding ("Which ...",
  "this week", "recently", "announced"); the dense side is unchanged.
With `--tuned-on`, questions of that file are scored apart from the others (never tuned on).
Writes `<cache>/reach-<store name>.json`; prints one line per variant and group.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import defaultdict
from dataclasses import asdict, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from benchlib import DEFAULT_WORK

from eval.metrics import RANK_DEPTH, result_row, summarize
from eval.suite import load_suite
from qa import NewsQA
from qa.retrieval.candidates import fuse
from qa.retrieval.retrieve import search_both

SHOWN = ("has_answer@1", "has_answer@5", "has_answer@10", "mrr@10", "doc_recall@10")
DAY = 86_400
DATE_WEIGHT = 1.0
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LEAD_TEXTS = {
    "leads": lambda title, lead: f"{title}. {lead.text}",
    "title": lambda title, lead: title,
    "opening": lambda title, lead: " ".join(
        [title + "."] + [lead.text[a:b] for a, b in lead.sentences[:2]]
    ),
}
SCAFFOLDING = re.compile(
    r"\b(which|what|who|whom|where|when|how|this week|last week|recently|announced|reportedly|"
    r"according to|new|newly|has|have|had|is|was|were|are|did|does|the|a|an|of|in|on|to)\b",
    re.IGNORECASE,
)


class Experiment:
    """The retrieval patches of one process; `variant` picks which are on for the next call."""

    def __init__(self, store: str, cache: Path) -> None:
        from qa.retrieval.retrieve import Stages

        self.variant = "baseline"
        self.question_date: date | None = None
        self.newsqa = NewsQA(store=store, stages=Stages(search=self.search, fuse=self.fuse))
        self._store = self.newsqa._reader()  # the store every search of this NewsQA reads
        self._cache = cache
        self._leads: dict[str, tuple[np.ndarray, list[str], list[str]]] = {}
        self._votes: list[tuple[str, list[str]]] = []
        self._boosted: set[str] = set()

    def search(self, store, settings, question, vector, filters, n, timings):
        keyword_question = question
        if self.variant == "rewrite":
            keyword_question = " ".join(SCAFFOLDING.sub(" ", question).split()) or question
        hits = search_both(store, settings, keyword_question, vector, filters, n, timings)
        self._votes, self._boosted = [], set()
        kind, _, mode = self.variant.partition("-")
        if kind in LEAD_TEXTS:
            self._votes = self._lead_votes(kind, mode, hits, vector, filters, n)
        if self.variant == "dates" and self.question_date is not None:
            self._boosted = self._dated(question, hits)
        return hits

    def fuse(self, dense, keyword, similarity, rrf_k):
        from qa.retrieval.candidates import Candidate

        candidates = fuse(dense, keyword, similarity, rrf_k)
        if not self._votes and not self._boosted:
            return candidates
        scores = defaultdict(float, {c.chunk_id: c.score for c in candidates})
        for rank, (_, voted) in enumerate(self._votes, 1):
            for chunk_id in voted:
                scores[chunk_id] += 1.0 / (rrf_k + rank)
        known = {c.chunk_id: c for c in candidates}
        fused = []
        for chunk_id, score in scores.items():
            boost = 1 + DATE_WEIGHT if chunk_id in self._boosted else 1.0
            base = known.get(chunk_id) or Candidate(chunk_id, 0.0, None, None, 0.0)
            fused.append(replace(base, score=score * boost))
        return sorted(fused, key=lambda c: -c.score)

    def _lead_votes(self, kind: str, mode: str, hits, vector, filters, n: int):
        """(article, chunks it votes for) of the n articles whose vector is nearest."""
        if kind not in self._leads:
            self._leads[kind] = self._embedded(kind)
        vectors, firsts, articles = self._leads[kind]
        where = filters.chunk_filter()
        index = self._store.keyword_index()
        allowed = np.array(index.admits(firsts, where)) if not where.is_empty() else 1
        scores = np.where(allowed, vectors @ vector, -np.inf)
        order = [i for i in np.argsort(-scores)[:n] if np.isfinite(scores[i])]
        ranked = hits.dense + hits.keyword
        records = self._store.ledger.chunks(ranked)
        article_of = {chunk_id: record.article_id for chunk_id, record in records.items()}
        best: dict[str, tuple[int, str]] = {}
        for ranking in (hits.dense, hits.keyword):
            for rank, chunk_id in enumerate(ranking):
                article = article_of.get(chunk_id)
                if article and (article not in best or rank < best[article][0]):
                    best[article] = (rank, chunk_id)
        votes = []
        for i in order:
            article, first = articles[i], firsts[i]
            top = best.get(article, (0, first))[1]
            chosen = {
                "best": [top],
                "both": sorted({top, first}),
                "lead": [first],
                "wide": [c for c in ranked if article_of.get(c) == article] or [first],
            }[mode]
            votes.append((article, list(dict.fromkeys(chosen))))
        return votes

    def _embedded(self, kind: str) -> tuple[np.ndarray, list[str], list[str]]:
        """One vector per article (its first chunk id and article id beside it), embedded once
        per store with its own model."""
        path = self._cache / f"{kind}-{self._store.path.name}.npz"
        if path.exists():
            saved = np.load(path, allow_pickle=False)
            return saved["vectors"], list(map(str, saved["firsts"])), list(map(str, saved["ids"]))
        manifest = self._store.ledger
        records = list(manifest.articles())
        firsts = [manifest.chunk_ids_of(r.id)[0] for r in records]
        leads = manifest.chunks(firsts)
        texts = [LEAD_TEXTS[kind](r.title, leads[f]) for r, f in zip(records, firsts)]
        started = time.perf_counter()
        vectors = self._store.ingest_embedder.encode(texts)
        print(f"embedded {len(texts)} {kind} texts in {time.perf_counter() - started:.0f} s")
        ids = [r.id for r in records]
        self._cache.mkdir(parents=True, exist_ok=True)
        np.savez(path, vectors=vectors, firsts=np.array(firsts), ids=np.array(ids))
        return vectors, firsts, ids

    def _dated(self, question: str, hits) -> set[str]:
        window = relative_window(question, self.question_date)
        if window is None:
            return set()
        first, last = (_epoch(day) for day in window)
        candidates = hits.dense + hits.keyword
        epochs = self._store.keyword_index().epochs(candidates)
        return {c for c in candidates if first <= epochs[c] <= last}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--suite", required=True)
    parser.add_argument(
        "--variants",
        default="baseline,leads-best,leads-both,leads-lead,leads-wide,title-best,opening-best,"
        "dates,rewrite",
    )
    parser.add_argument("--tuned-on", type=Path, help="questions every weight was tuned on")
    parser.add_argument("--cache", type=Path, default=DEFAULT_WORK / "reach-story")
    args = parser.parse_args()
    experiment = Experiment(args.store, args.cache)
    newsqa = experiment.newsqa
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
            print(f"{variant:13} {name:8} n={metrics['answerable']:3} {shown}", flush=True)
    out = args.cache / f"reach-{Path(args.store).name}.json"
    out.write_text(json.dumps({"store": args.store, "suite": args.suite, **results}, indent=1))


if __name__ == "__main__":
    main()
