"""What a `newsqa watch` poll costs when it adds a few articles to a 50k-chunk store, against the
full BM25 rebuild every ingest paid before the keyword index became incremental (issue 14).

    python bench/watch_poll.py [--chunks 50000] [--new 5] [--work DIR] [--rebuild]

The store: the first articles of `articles-2025.jsonl`, ingested by newsqa's real ingest until
it holds `--chunks` chunks, with one substitution: a stand-in embedder (seeded random unit
vectors), since embedding 50k chunks takes hours on these cores and a poll's cost does not
depend on the vectors already stored. The feed: the next `--new` articles of the file, served on
127.0.0.1 by this script as RSS, every other one a teaser (one sentence and a link to its HTML
page), the rest with full content. Polls embed their articles for real (fp32 torch, the default).

Measured, each on a fresh copy of the built store:
- `newsqa watch FEED --once` as a new process (a cron poll): wall, CPU, peak RSS; then the same
  with the feed unchanged (a 304);
- a poll inside a running watch (model loaded, store open), with the time spent embedding, in
  the keyword index catch-up and in the rest; then a 304 poll;
- the keyword index: a full rebuild now, and bm25s's full index as every ingest built it before;
  keyword search per question over 200 questions, bm25s against the segments.
Writes bench/watch_poll.json and its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from benchlib import (
    ARTICLES,
    DEFAULT_WORK,
    QUESTIONS,
    REPO,
    load,
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

SLICE = 200
QUESTION_COUNT = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=50_000)
    parser.add_argument("--new", type=int, default=5)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the store if it exists")
    args = parser.parse_args()
    folder = args.work / "watch" / str(args.chunks)
    built = folder / "build.json"
    if args.rebuild or not built.exists():
        shutil.rmtree(folder, ignore_errors=True)
        _say(f"building a {args.chunks:,}-chunk store in {folder}")
        build = python_child(Path(__file__), "build", str(folder / "base"), str(args.chunks))
        built.write_text(json.dumps(build.facts()))
    facts = {"machine": machine(), "build": json.loads(built.read_text()), "new": args.new}
    sys.path.insert(0, str(REPO))
    from tests.news_site import NewsSite

    os.environ["NO_PROXY"] = "127.0.0.1,localhost"
    with NewsSite() as site:
        feed = _publish(site, facts["build"]["articles_used"], args.new)
        facts["cron"] = _cron_polls(folder, feed)
        _say("a poll inside a running watch, and the keyword index alone")
        store = _fresh_copy(folder, "daemon")
        facts["daemon"] = python_child(Path(__file__), "daemon", str(store), feed).facts()
    save("watch_poll", facts, _markdown(facts))
    show("watch_poll")


def _cron_polls(folder: Path, feed: str) -> dict:
    newsqa = str(Path(sys.executable).with_name("newsqa"))
    store = _fresh_copy(folder, "cron")
    found = {}
    for name in ("new", "unchanged"):
        _say(f"`newsqa watch --once`, feed {name}")
        run = run_child([newsqa, "watch", feed, "--once", "--json", "--store", str(store)])
        found[name] = run.facts()
    return found


def _fresh_copy(folder: Path, name: str) -> Path:
    target = folder / name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(folder / "base", target)
    return target


def _publish(site, skip: int, count: int) -> str:
    from tests.news_site import article_page, rss

    entries = []
    for n, row in enumerate(read_jsonl(ARTICLES, skip + count)[skip:]):
        paragraphs = [p for p in row["text"].split("\n") if p.strip()]
        link = site.url(f"/story/{n}")
        entry = {"guid": row["id"], "title": row.get("title") or f"story {n}", "link": link}
        if n % 2 == 0:
            site.set(f"/story/{n}", article_page(entry["title"], paragraphs), "text/html")
            entry["description"] = paragraphs[0][:200]
        else:
            entry["content"] = "".join(f"<p>{p}</p>" for p in paragraphs)
        entries.append(entry)
    site.set("/feed.xml", rss("Bench wire", entries), "application/rss+xml")
    return site.url("/feed.xml")


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text} (load {load()})", flush=True)


def _markdown(facts: dict) -> str:
    build, cron, daemon = facts["build"], facts["cron"], facts["daemon"]
    poll, quiet = daemon["poll"], daemon["poll_unchanged"]
    rows = [
        ["`newsqa watch --once`, new articles (new process)", cron["new"]["process_wall_seconds"],
         cron["new"]["process_cpu_seconds"], round(cron["new"]["peak_rss_mib"]),
         _load(cron["new"])],
        ["`newsqa watch --once`, feed unchanged (304)", cron["unchanged"]["process_wall_seconds"],
         cron["unchanged"]["process_cpu_seconds"], round(cron["unchanged"]["peak_rss_mib"]),
         _load(cron["unchanged"])],
        ["poll in a running watch, new articles", poll["seconds"], poll["cpu_seconds"], None,
         _load(poll)],
        ["… of which embedding", poll["embed_seconds"], None, None, None],
        ["… of which the keyword index catch-up", poll["keyword_seconds"], None, None, None],
        ["poll in a running watch, feed unchanged (304)", quiet["seconds"], quiet["cpu_seconds"],
         None, _load(quiet)],
        ["keyword index full rebuild (segments, now)", daemon["rebuild_seconds"], None, None,
         _load(daemon["rebuild_load"])],
        ["bm25s full index (what every ingest did before)", daemon["bm25s_seconds"], None, None,
         _load(daemon["bm25s_load"])],
    ]  # fmt: skip
    header = ["step", "wall s", "CPU s", "peak RSS MiB", "load"]
    ratio = daemon["bm25s_seconds"] / max(poll["keyword_seconds"], 1e-9)
    return "\n".join(
        [
            "## A `newsqa watch` poll on a 50k-chunk store",
            "",
            "`python bench/watch_poll.py` — a store of the first "
            f"{build['articles_used']:,} articles of `articles-2025.jsonl` "
            f"({build['chunks']:,} chunks, built with stand-in vectors: see the script's "
            f"docstring); a feed of the next {facts['new']} articles on 127.0.0.1, every other "
            "one a teaser followed to its HTML page; the poll embeds them for real (fp32 torch). "
            f"The poll added {poll['new']} articles ({poll['chunks']} chunks).",
            "",
            machine_line(facts["machine"]),
            "",
            table(header, rows),
            "",
            f"- the keyword side of a poll: **{poll['keyword_seconds']:.2f} s** against "
            f"{daemon['bm25s_seconds']:.1f} s for the full bm25s rebuild each ingest ran before "
            f"({ratio:,.0f}x less); the index then had {poll['segments']} segments",
            f"- keyword search per question at {build['chunks']:,} chunks ({QUESTION_COUNT} "
            f"questions, top 100): segments p50 {daemon['search_new_p50_ms']:.2f} ms, bm25s "
            f"p50 {daemon['search_old_p50_ms']:.2f} ms",
        ]
    )


def _load(facts: dict) -> str:
    return f"{facts['load_before']} → {facts['load_after']}"


# ---- child processes ----


class StandInVectors:
    """Seeded random unit vectors: the bulk of the store, not what is measured."""

    name, dimension = "all-MiniLM-L6-v2", 384

    def encode(self, texts: list[str]) -> np.ndarray:
        rng = np.random.default_rng(len(texts) * 7919 + sum(map(len, texts)))
        vectors = rng.normal(size=(len(texts), self.dimension)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def child_build(folder: str, chunks: str) -> dict:
    from index_store.ingest import ingest
    from index_store.store import Store
    from qa.settings import load_settings

    work = Path(folder).parent
    rows = read_jsonl(ARTICLES)
    used, started = 0, time.perf_counter()
    while True:
        store = Store.create_or_open(load_settings(store=Path(folder)).index_config())
        store.__dict__["ingest_embedder"] = StandInVectors()
        if store.ledger.counts()[1] >= int(chunks):
            break
        part = work / "slice.jsonl"
        part.write_text("".join(json.dumps(r) + "\n" for r in rows[used : used + SLICE]))
        ingest(store, [str(part)])
        used += SLICE
        store.close()
    articles, total = store.ledger.counts()
    store.close()
    return {
        "articles": articles,
        "articles_used": used,
        "chunks": total,
        "seconds": time.perf_counter() - started,
    }


def child_daemon(store_dir: str, feed: str) -> dict:
    from index_store.terms import terms
    from qa import NewsQA

    newsqa = NewsQA(store=store_dir)
    watcher = newsqa.watcher()
    timers = _instrument(watcher.store)
    # What a running watch has loaded after its first poll: the model, the analyzer's
    # dictionaries, the keyword index.
    watcher.store.ingest_embedder.encode(["warm up the model"])
    terms("warm up the analyzer")
    watcher.store.keyword_index()
    timers.clear()
    result = {"poll": _timed_poll(watcher, feed, timers)}
    result["poll"]["segments"] = len(watcher.store.keyword_index().parts)
    result["poll_unchanged"] = _timed_poll(watcher, feed, timers)
    result.update(_keyword_side(watcher.store))
    watcher.close()
    return result


def _timed_poll(watcher, feed: str, timers: dict) -> dict:
    timers.clear()
    before = watcher.store.ledger.counts()[1]
    load_before, started, cpu = load(), time.perf_counter(), time.process_time()
    [polled] = watcher.run_once([feed])
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return {
        "status": polled.status,
        "new": polled.new,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "embed_seconds": round(timers.get("embed", 0.0), 3),
        "keyword_seconds": round(timers.get("keyword", 0.0), 3),
        "chunks": watcher.store.ledger.counts()[1] - before,
        "load_before": load_before,
        "load_after": load(),
    }


def _instrument(store) -> dict:
    """Time the embedder and the keyword catch-up inside a poll (wrappers on this store only)."""
    timers: dict[str, float] = {}

    def timed(name, call):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                timers[name] = timers.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    embedder = store.ingest_embedder
    embedder.encode = timed("embed", embedder.encode)
    store.keyword_index = timed("keyword", store.keyword_index)
    return timers


def _keyword_side(store) -> dict:
    import bm25s

    from index_store.keyword.sync import rebuilt
    from index_store.terms import query_terms, terms

    found = {"rebuild_load": {"load_before": load()}}
    started = time.perf_counter()
    index = rebuilt(store.ledger)
    found["rebuild_seconds"] = round(time.perf_counter() - started, 2)
    found["rebuild_load"]["load_after"] = load()
    found["bm25s_load"] = {"load_before": load()}
    started = time.perf_counter()
    old = bm25s.BM25()
    old.index([terms(text) for _, text, _, _ in store.keyword_rows()], show_progress=False)
    found["bm25s_seconds"] = round(time.perf_counter() - started, 2)
    found["bm25s_load"]["load_after"] = load()
    questions = [q["question"] for q in read_jsonl(QUESTIONS, QUESTION_COUNT)]
    new_ms, old_ms = [], []
    for question in questions:
        started = time.perf_counter()
        index.search(question, 100)
        new_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        tokens = query_terms(question)
        if tokens:
            scores = old.get_scores(tokens)
            np.argpartition(-scores, min(99, len(scores) - 1))[:100]
        old_ms.append((time.perf_counter() - started) * 1000)
    found["search_new_p50_ms"] = round(float(np.median(new_ms)), 3)
    found["search_old_p50_ms"] = round(float(np.median(old_ms)), 3)
    return found


CHILDREN = {"build": child_build, "daemon": child_daemon}

if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        report_child(CHILDREN[sys.argv[2]](*sys.argv[3:]))
    else:
        main()
