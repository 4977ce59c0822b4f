"""What grouping articles into stories adds to ingest: the time to group a whole store from
scratch, and to place the last articles of a store whose stories are all there (what each ingest
or watch poll pays), against the ingest time per article in bench/ingest_throughput.json.

    python bench/story_grouping.py --store /work/stores/rtqa-full
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402  (sets NEWSQA_HOME before newsqa reads settings)

LAST = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    args = parser.parse_args()

    from index_store.store import Store
    from index_store.stories.book import StoryBook
    from index_store.stories.sync import catch_up
    from qa.settings import load_settings

    store = Store.open(load_settings(store=args.store).index_config(), readonly=True)
    articles = store.ledger.counts()[0]
    facts = benchlib.machine()
    with tempfile.TemporaryDirectory() as scratch:
        book = StoryBook(Path(scratch) / "stories.sqlite")
        started = time.perf_counter()
        catch_up(store, book)
        whole = time.perf_counter() - started
        stories = book.story_count()
        last = sorted(book.members().values(), key=lambda m: (m.epoch or 0, m.article_id))[-LAST:]
        with book.transaction():
            book.remove([m.article_id for m in last])
        book.set_meta("generation", "")
        started = time.perf_counter()
        catch_up(store, book)
        incremental = time.perf_counter() - started
        book.close()
    ingest = json.loads((benchlib.BENCH / "ingest_throughput.json").read_text())["runs"]["newsqa"]
    ingest_per_article = ingest["seconds"] / ingest["articles"]
    result = {
        "machine": facts,
        "articles": articles,
        "stories": stories,
        "whole_store_seconds": round(whole, 2),
        "last_articles": LAST,
        "last_articles_seconds": round(incremental, 3),
        "ms_per_article_placed_last": round(incremental / LAST * 1000, 2),
        "ingest_ms_per_article": round(ingest_per_article * 1000, 1),
        "share_of_ingest": round(incremental / LAST / ingest_per_article, 4),
    }
    markdown = f"""## Story grouping

{benchlib.machine_line(facts)}

Grouping the {articles:,} articles of `{args.store}` into {stories:,} stories from scratch took
{whole:.1f} s (reading every chunk vector back from Chroma included). Placing the store's last
{LAST} articles, with every other story already there (what an ingest pays), took
{incremental * 1000:.0f} ms: {result["ms_per_article_placed_last"]} ms per article, against
{result["ingest_ms_per_article"]} ms per article for ingest itself (bench/ingest_throughput.json):
**{result["share_of_ingest"]:.2%}** of ingest time (target: at most 10%).
"""
    benchlib.save("story_grouping", result, markdown)
    benchlib.show("story_grouping")


if __name__ == "__main__":
    main()
