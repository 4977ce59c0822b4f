"""Stories: articles about one event are grouped as they arrive, kept in step with the ledger,
and survive a catch-up killed halfway."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from index_store.stories import sync
from index_store.stories.grouping import DAY, Grouper
from qa import NewsQA

KELLAN_CLOSED = (
    "https://www.harrowgate-herald.example/news/2025/02/06/kellan-bridge-closed-until-summer"
)
KELLAN_REOPENS = "https://www.aldwen-valley-post.example/news/kellan-bridge-reopens-early"


def unit(*values: float) -> np.ndarray:
    vector = np.zeros(8, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def test_close_articles_sharing_a_distinctive_title_word_join_one_story():
    grouper = Grouper([], {}, 0)
    first = grouper.place(unit(1, 0.3), 0, "Quarry lorry fire closes the Wendle bypass")
    later = grouper.place(unit(1, 0.35), 3 * DAY, "Wendle bypass reopens after lorry fire")
    assert later.joined and later.story_id == first.story_id


def test_similar_articles_without_a_shared_distinctive_word_stay_apart():
    """Two editions of a weekly column read alike but are different news."""
    grouper = Grouper([], {}, 0)
    first = grouper.place(unit(1, 0.3), 0, "Goat show, bridge toll: news from around the state")
    later = grouper.place(
        unit(1, 0.8), 7 * DAY, "Kite festival, rail fares: news from around the state"
    )
    assert not later.joined and later.story_id != first.story_id


def test_a_story_never_spans_more_than_its_limit():
    grouper = Grouper([], {}, 0)
    grouper.place(unit(1, 0.3), 0, "Wendle bypass closed by lorry fire")
    months_later = grouper.place(
        unit(1, 0.3), 200 * DAY, "Wendle bypass closed by lorry fire again"
    )
    assert not months_later.joined


def stories_of(store: Path) -> dict[str, int]:
    from index_store.store import Store
    from qa.settings import load_settings

    opened = Store.open(load_settings(store=store).index_config(), readonly=True)
    try:
        return {a: m.story_id for a, m in opened.stories().members().items()}
    finally:
        opened.close()


def test_the_demo_groups_the_bridge_closure_and_its_reopening_and_nothing_else(demo_store):
    story_of = stories_of(demo_store)
    assert story_of[KELLAN_CLOSED] == story_of[KELLAN_REOPENS]
    others = [s for a, s in story_of.items() if a not in (KELLAN_CLOSED, KELLAN_REOPENS)]
    assert len(set(others)) == len(others), "every other demo article is its own story"
    assert story_of[KELLAN_CLOSED] not in others


@pytest.fixture
def own_demo(demo_store, tmp_path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(demo_store, copy)
    return copy


def test_a_removed_article_leaves_its_story_and_an_edited_one_is_grouped_again(own_demo, tmp_path):
    newsqa = NewsQA(store=own_demo)
    newsqa.remove([KELLAN_CLOSED])
    story_of = stories_of(own_demo)
    assert KELLAN_CLOSED not in story_of and KELLAN_REOPENS in story_of

    edited = tmp_path / "reopens.html"
    page = (Path(__file__).parents[1] / "qa/demo/articles/kellan-bridge-reopens.html").read_text()
    edited.write_text(page.replace("three months earlier", "three months sooner"))
    newsqa.ingest([Path(__file__).parents[1] / "qa/demo/articles/kellan-bridge-closed.md", edited])
    story_of = stories_of(own_demo)
    assert story_of[KELLAN_CLOSED] == story_of[KELLAN_REOPENS]


def test_a_catch_up_killed_halfway_keeps_what_it_finished_and_the_next_one_completes(
    own_demo, monkeypatch
):
    (own_demo / "stories.sqlite").unlink()
    monkeypatch.setattr(sync, "STEP", 3)
    placed = 0
    real_place = Grouper.place

    def dies_on_the_fifth(self, *args):
        nonlocal placed
        placed += 1
        if placed == 5:
            raise KeyboardInterrupt
        return real_place(self, *args)

    monkeypatch.setattr(Grouper, "place", dies_on_the_fifth)
    with pytest.raises(KeyboardInterrupt):
        stories_of(own_demo)
    monkeypatch.setattr(Grouper, "place", real_place)
    from index_store.stories.book import StoryBook

    book = StoryBook(own_demo / "stories.sqlite")
    assert len(book.members()) == 3, "the first step of three was kept, the second undone"
    sizes = sum(len(m) for m in book.members_of(s.story_id for s in book.stories()).values())
    assert sizes == sum(s.size for s in book.stories()) == 3
    book.close()
    story_of = stories_of(own_demo)
    assert len(story_of) == 12 and story_of[KELLAN_CLOSED] == story_of[KELLAN_REOPENS]
