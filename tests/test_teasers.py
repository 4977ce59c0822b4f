"""Feed entries that only tease an article are followed to the article's page, the page's main
text is stored, full entries are never fetched twice, and `--no-follow-links` turns it off."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from index_store.loaders.teasers import TEASER_MAX_CHARS, is_teaser
from qa import NewsQA
from qa.cli import app
from tests.news_site import NewsSite, article_page, rss, story

FEED = "/feed.xml"
pytestmark = pytest.mark.usefixtures("no_proxy_for_local_server")


@pytest.fixture
def site():
    with NewsSite() as site:
        full = "".join(f"<p>{p}</p>" for p in story(2))
        long_cut = " ".join(story(4, paragraphs=9))[:1500] + " [...]"
        entries = [
            {"guid": "teaser-1", "title": "Ferry fares rise", "link": site.url("/a/1"),
             "description": "Fares on the Saltholm ferry rise in June."},
            {"guid": "full-2", "title": "Market moves", "link": site.url("/a/2"),
             "content": full, "description": "The market moves."},
            {"guid": "broken-3", "title": "Missing page", "link": site.url("/a/404"),
             "description": "This page is gone."},
            {"guid": "bare-4", "title": "Title and link only", "link": site.url("/a/4")},
            {"guid": "cut-5", "title": "A long excerpt", "link": site.url("/a/5"),
             "description": long_cut},
        ]  # fmt: skip
        site.set(FEED, rss("Wendmoor Post", entries), "application/rss+xml")
        for entry in entries:
            path = entry["link"].removeprefix(site.url(""))
            n = int(path[-1])
            page = article_page(entry["title"], story(n, paragraphs=12 if n == 5 else 4))
            site.set(path, page, "text/html")
        site.fail("/a/404", 404)
        yield site


def stored(store) -> dict[str, str]:
    return {r.title: r.text for r in NewsQA(store=store).sources()}


def test_the_teaser_rule():
    link = "https://news.example/story"
    assert is_teaser("A short summary.", full=False, link=link)
    assert is_teaser("", full=False, link=link)
    assert not is_teaser("A short summary.", full=False, link="")
    assert not is_teaser("x" * TEASER_MAX_CHARS, full=False, link=link)
    assert is_teaser("x" * TEASER_MAX_CHARS + " …", full=False, link=link)
    assert not is_teaser("Short but full content.", full=True, link=link)
    assert is_teaser("Full content, cut off [...]", full=True, link=link)


def test_teasers_are_followed_to_their_page_and_full_entries_are_not(site, tmp_path):
    summary = NewsQA(store=tmp_path / "store").ingest([site.url(FEED)])
    assert (summary.added, summary.failed) == (4, 1)
    [error] = summary.errors
    assert error.origin == f"{site.url(FEED)}#entry3"
    assert error.reason == f"following {site.url('/a/404')}: HTTP 404 Not Found"
    texts = stored(tmp_path / "store")
    assert texts["Ferry fares rise"].startswith(story(1)[0])
    assert "All rights reserved" not in texts["Ferry fares rise"]
    assert texts["Market moves"].startswith(story(2)[0])
    assert texts["Title and link only"].startswith(story(4)[0])
    assert story(5)[0] in texts["A long excerpt"]
    assert not site.seen("/a/2"), "an entry with full content was fetched again"
    for path in ("/a/1", "/a/4", "/a/5"):
        [request] = site.seen(path)
        assert request.headers["user-agent"].startswith("newsqa/")


def test_a_followed_teaser_keeps_the_entry_identity_and_metadata(site, tmp_path):
    NewsQA(store=tmp_path / "store").ingest([site.url(FEED)])
    again = NewsQA(store=tmp_path / "store", follow_feed_links=False).ingest([site.url(FEED)])
    # Same ids (the entries' guids) whether followed or not: two summaries replace their pages;
    # the entry whose page was missing is added from its summary.
    assert (again.added, again.updated, again.unchanged) == (1, 2, 1)
    record = next(r for r in NewsQA(store=tmp_path / "store").sources() if r.id == "teaser-1")
    assert record.text == "Fares on the Saltholm ferry rise in June."
    assert record.source == "Wendmoor Post" and record.published == "2025-05-01"


def test_no_follow_links_stores_the_summaries(site, tmp_path):
    result = CliRunner().invoke(
        app, ["ingest", site.url(FEED), "--store", str(tmp_path / "s"), "--no-follow-links"]
    )
    assert result.exit_code == 1  # the bare entry has no text of its own
    assert f"error: {site.url(FEED)}#entry4: empty article" in result.output
    assert "4 added" in result.output
    texts = stored(tmp_path / "s")
    assert texts["Ferry fares rise"] == "Fares on the Saltholm ferry rise in June."
    assert not any(site.seen(f"/a/{n}") for n in (1, 2, 4, 5))


def test_a_page_with_less_text_than_its_teaser_keeps_the_teaser(site, tmp_path):
    site.set("/a/1", "<html><body><p>Subscribe.</p></body></html>", "text/html")
    NewsQA(store=tmp_path / "store").ingest([site.url(FEED)])
    assert stored(tmp_path / "store")["Ferry fares rise"] == (
        "Fares on the Saltholm ferry rise in June."
    )
