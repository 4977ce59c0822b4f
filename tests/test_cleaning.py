"""Scrape-noise cleaning: noise goes, every real sentence stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from index_store.cleaning import clean_article
from index_store.loaders import iter_sources
from index_store.types import Article

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SEED = SEEDS / "000_51285e4fec18c764.txt"
SEED_HEADLINE = (
    "Russia is gearing up for President Vladimir Putin’s much-anticipated visit to India, "
    "as confirmed by Foreign Minister Sergey Lavrov on Thursday."
)


def clean(text: str, title: str = "") -> Article:
    return clean_article(Article(text=text, title=title))


@pytest.fixture
def seed_text() -> str:
    if not SEED.is_file():
        pytest.skip(f"scraped seed article not found at {SEED} (the shared/ folder is missing)")
    return SEED.read_text(encoding="utf-8")


def check_seed_is_clean(article: Article) -> None:
    for noise in ("Advertisement", "Scroll to continue", "ALSO READ"):
        assert noise not in article.text
    assert article.title == SEED_HEADLINE
    assert article.text.count(SEED_HEADLINE) == 1
    assert "Trade between India and Russia has surpassed $60 billion in 2024" in article.text
    assert "with his last trip taking place in December 2021." in article.text
    assert "Strengthening Ties: ‘Now It’s Our Turn’" in article.text
    assert article.text.endswith("across diplomatic, economic, and geopolitical spheres.")
    assert "\n\n\n" not in article.text


def test_seed_loaded_from_file_is_cleaned(seed_text: str) -> None:
    [loaded] = iter_sources([str(SEED)])
    check_seed_is_clean(clean_article(loaded))


def test_seed_without_title_is_cleaned(seed_text: str) -> None:
    check_seed_is_clean(clean(seed_text))


def test_seed_keeps_every_paragraph_that_is_not_noise(seed_text: str) -> None:
    noise = ("Advertisement · Scroll to continue", "ALSO READ:")
    paragraphs = [p.strip() for p in seed_text.split("\n\n") if p.strip()]
    real = [p for p in paragraphs[1:] if not p.startswith(noise)]
    assert clean(seed_text).text.split("\n\n") == real


def test_headline_equal_to_the_title_is_dropped() -> None:
    article = clean(
        "Harbour wall to be raised.\n\nThe wall will be raised by a metre.",
        "Harbour Wall To Be Raised",
    )
    assert article.text == "The wall will be raised by a metre."


def test_headline_is_kept_when_it_is_all_there_is() -> None:
    assert (
        clean("Harbour wall to be raised", "Harbour wall to be raised").text
        == "Harbour wall to be raised"
    )


def test_markdown_heading_repeating_the_title_is_dropped() -> None:
    assert (
        clean("# Fog delays regatta\n\nThe race moves to Sunday.", "Fog delays regatta").text
        == "The race moves to Sunday."
    )


def test_first_paragraph_repeated_at_the_start_of_the_second_is_dropped() -> None:
    text = "Ferry fares rise.\n\nFerry fares rise. The increase is the first in six years.\n\nMore."
    assert clean(text, "Unrelated title").text == (
        "Ferry fares rise. The increase is the first in six years.\n\nMore."
    )


def test_a_short_first_paragraph_that_only_shares_words_is_kept() -> None:
    text = "Ferry fares.\n\nFerry fares rose on Monday."
    assert clean(text, "Title").text == text
    text = "Ferry\n\nFerryman retires after forty years."
    assert clean(text, "Title").text == text


@pytest.mark.parametrize(
    "marker",
    [
        "Advertisement",
        "ADVERTISEMENT",
        "Scroll to continue",
        "Advertisement · Scroll to continue",
        "Advertisement - Scroll to continue with content",
        "- Advertisement -",
        "Story continues below photo gallery.",
        "(Story continues below)",
    ],
)
def test_ad_markers_are_removed_between_and_inside_paragraphs(marker: str) -> None:
    article = clean(f"First sentence.\n{marker}\nSame paragraph.\n\n{marker}\n\nLast one.", "T")
    assert article.text == "First sentence.\nSame paragraph.\n\nLast one."


@pytest.mark.parametrize(
    "teaser",
    [
        "ALSO READ: Harbour master retires after thirty years",
        "Also read: Harbour master retires",
        "Read more: Harbour master retires after thirty years",
        "READ MORE:Harbour master retires",
        "Read more about the harbour: Harbour master retires",
        "Related: Harbour master retires",
        "RELATED STORIES",
        "Related stories:",
        "Read more",
        "READ MORE",
        "Read more here.",
        "See also: Harbour master retires",
        "Sign up for our newsletter!:All the harbour news delivered to you",
        "Sign up for the Gazette’s Tide Times newsletter. Our guide helps you plan walks.",
        "Subscribe to our free weekly politics newsletter, curated by our reporters.",
        "Sign up for Today's Best Articles in your inbox",
    ],
)
def test_teaser_paragraphs_are_removed_anywhere(teaser: str) -> None:
    article = clean(f"First paragraph.\n\n{teaser}\n\nSecond paragraph.\n\n{teaser}", "T")
    assert article.text == "First paragraph.\n\nSecond paragraph."


def test_trailing_teaser_lines_are_removed_from_the_last_paragraph() -> None:
    text = (
        "The harbour reopens on Friday.\nREAD MORE: Fog delays regatta\nAlso read: Ferry fares rise"
    )
    assert clean(text, "T").text == "The harbour reopens on Friday."


@pytest.mark.parametrize(
    "sentence",
    [
        "Read more on the investigation in our earlier report.",
        "Read more than forty books a year, the librarian advised.",
        "Related to the budget, the mayor said: the harbour comes first.",
        "Relatedly, the council also cut the ferry subsidy.",
        "Also, read the small print before you sign, she said.",
        "Sign up for the class closes on Friday, the school's newsletter said.",
        "Subscribers to the newsletter grew by a third last year.",
        "Advertisement revenue fell by a fifth, the publisher said.",
        "Scroll to continue reading was never the plan, the designer joked.",
        "The story continues below the harbour wall, where the cables run.",
        "related: a lower-case line is a sentence fragment, not a teaser",
    ],
)
def test_sentences_that_only_resemble_noise_are_kept(sentence: str) -> None:
    text = f"First paragraph.\n\n{sentence}\n\nLast paragraph."
    assert clean(text, "T").text == text


def test_teaser_inside_a_paragraph_is_kept_unless_it_ends_the_text() -> None:
    text = "The harbour reopens.\nRead more: Fog delays regatta\nThe ferry runs again.\n\nEnd."
    assert clean(text, "T").text == text


def test_whitespace_is_normalised() -> None:
    text = "\n\n  First   line \t here.  \n\n\n\n\nSecond\u00a0\u00a0paragraph.   \n \n"
    assert clean(text, "T").text == "First line \t here.\n\nSecond paragraph."


def test_unicode_is_nfc_and_control_characters_are_removed() -> None:
    article = clean(
        "Cafe\u0301 opens\x07 on the quay\u200b.\r\nSecond\x00 line.\r\rThird.", "Cafe\u0301"
    )
    assert article.text == "Café opens on the quay.\nSecond line.\n\nThird."
    assert article.title == "Café"


def test_without_a_title_the_first_line_becomes_the_title() -> None:
    article = clean("Gull steals sandwich from mayor\n\nThe mayor was unhurt.")
    assert (article.title, article.text) == (
        "Gull steals sandwich from mayor",
        "The mayor was unhurt.",
    )


def test_other_fields_are_tidied_and_kept() -> None:
    article = clean_article(
        Article(
            text="Body.",
            title="  Fog\n delays   regatta ",
            source=" Lowmere\tGazette ",
            url=" https://gazette.example/fog ",
            authors=(" Ada  Quill ", " "),
            origin="somewhere",
            record_id="r1",
        )
    )
    assert (article.title, article.source, article.url, article.authors) == (
        "Fog delays regatta",
        "Lowmere Gazette",
        "https://gazette.example/fog",
        ("Ada Quill",),
    )
    assert (article.origin, article.record_id) == ("somewhere", "r1")


@given(st.text(), st.text())
def test_cleaning_twice_changes_nothing_more(text: str, title: str) -> None:
    once = clean(text, title)
    assert clean_article(once) == once


WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxy", min_size=1, max_size=8)
SENTENCES = st.lists(WORDS, min_size=1, max_size=12).map(lambda words: " ".join(words) + ".")


@given(st.lists(SENTENCES, min_size=1, max_size=6, unique=True))
def test_ordinary_paragraphs_are_all_kept(paragraphs: list[str]) -> None:
    for first, second in zip(paragraphs, paragraphs[1:], strict=False):
        assume(not second.startswith(first[:-1] + " "))
    text = "\n\n".join(paragraphs)
    assert clean(text, "Zz headline").text == text
