"""Briefs, timelines and news-shaped questions on the demo store, through the CLI as a user runs
them; figures that articles give differently, and which questions ask for the news on a topic."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa.cli import app
from qa.news.figures import differing, figures_in, what_of
from qa.news.shapes import news_shape

DEMO_ARTICLES = Path(__file__).parents[1] / "qa" / "demo" / "articles"
runner = CliRunner()


def run_json(*args) -> dict:
    result = runner.invoke(app, [str(a) for a in args] + ["--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def kellan_story(brief: dict) -> dict:
    (story,) = [s for s in brief["stories"] if len(s["articles"]) == 2]
    return story


def test_a_brief_holds_the_bridge_story_with_both_articles_and_both_costs(demo_store):
    brief = run_json("brief", "Kellan Bridge", "--store", demo_store)
    story = kellan_story(brief)
    assert [a["published"] for a in story["articles"]] == ["2025-02-06", "2025-05-21"]
    assert story["last_published"] == "2025-05-21"
    assert "Aldwen Valley Post" in story["outlets"] and "Harrowgate Herald" in story["outlets"]
    (cost,) = story["disagreements"]
    assert [f["text"] for f in cost["figures"]] == ["£3.2 million", "£4.1 million"]
    cited = {c["n"]: c for c in brief["citations"]}
    for figure in cost["figures"]:
        assert figure["text"] in cited[figure["cited"]]["text"]
    assert brief["stories"][0] == story, "the newest story comes first"
    for line in story["lines"]:
        assert line["text"] in " ".join(cited[n]["text"] for n in line["cited"])


def test_nothing_about_the_topic_gives_no_stories_never_others(demo_store):
    brief = run_json("brief", "ferry", "--store", demo_store)
    assert brief["stories"] == [] and brief["citations"] == []
    assert "ferry" in brief["note"]


def test_the_period_keeps_a_story_to_its_articles_in_it(demo_store):
    brief = run_json("brief", "Kellan Bridge", "--store", demo_store, "--until", "2025-03-01")
    dates = [a["published"] for s in brief["stories"] for a in s["articles"]]
    assert dates and all(d is not None and d <= "2025-03-01" for d in dates)
    brief = run_json(
        "brief", "Kellan Bridge", "--store", demo_store, "--since", "30d", "--as-of", "2025-05-25"
    )
    assert [s["last_published"] for s in brief["stories"]] == ["2025-05-21", "2025-05-09"]


def test_latest_questions_are_answered_with_the_story_and_both_costs(demo_store):
    answer = run_json("ask", "What's the latest on the Kellan Bridge?", "--store", demo_store)
    assert answer["shape"] == "brief" and not answer["abstained"]
    cited = {c["published"] for c in answer["citations"]}
    assert {"2025-02-06", "2025-05-21"} <= cited
    assert "£3.2 million" in answer["answer"] and "£4.1 million" in answer["answer"]
    assert answer["answer"].index("reopened") < answer["answer"].index("will remain closed")


def test_a_latest_question_about_what_no_article_covers_is_refused(demo_store):
    answer = run_json("ask", "What is the latest on the ferry?", "--store", demo_store)
    assert answer["abstained"] and answer["citations"] == []


def test_a_timeline_is_in_date_order_and_shows_an_event_once(demo_store):
    timeline = run_json("timeline", "Kellan Bridge", "--store", demo_store)
    dated = [e["published"] for e in timeline["events"] if e["published"]]
    assert dated == sorted(dated) and "2025-02-06" in dated and "2025-05-21" in dated
    cited = [n for e in timeline["events"] for n in e["line"]["cited"]]
    assert len(cited) == len(set(cited))


def test_since_last_shows_only_what_was_added_since_the_topic_was_last_briefed(
    demo_store, tmp_path
):
    store = tmp_path / "store"
    shutil.copytree(demo_store, store)
    first = run_json("brief", "Kellan Bridge", "--store", store, "--since", "last")
    assert first["stories"]
    again = run_json("brief", "Kellan Bridge", "--store", store, "--since", "last")
    assert again["stories"] == [] and again["note"].startswith('Nothing new about "Kellan Bridge"')
    edited = tmp_path / "reopens.html"
    page = (DEMO_ARTICLES / "kellan-bridge-reopens.html").read_text()
    edited.write_text(page.replace("three months earlier", "three months sooner"))
    import time

    time.sleep(1.1)  # the ledger stamps ingest times to the second
    runner.invoke(app, ["ingest", str(edited), "--store", str(store)])
    after = run_json("brief", "Kellan Bridge", "--store", store, "--since", "last")
    assert [len(s["articles"]) for s in after["stories"]] == [2]


def test_a_bad_since_is_one_line_naming_it(demo_store):
    result = runner.invoke(
        app, ["brief", "Kellan Bridge", "--store", str(demo_store), "--since", "June"]
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: since: 'June' is not a date, use YYYY-MM-DD, a span such as 7d or 2w, or last"
    )


def test_figures_of_the_same_thing_that_differ_are_found_and_others_are_not():
    earlier = figures_in(
        "a", "The council expects the new pool to cost £12 million. About 300 people came."
    )
    later = figures_in(
        "b",
        "The final cost of the new pool rose to £15.5 million. A Category 4 storm hit 40 homes.",
    )
    (group,) = differing([earlier, later])
    assert [(f.article_id, f.text) for f in group] == [("a", "£12 million"), ("b", "£15.5 million")]
    assert "cost" in what_of(group) and "pool" in what_of(group)
    assert all(f.text != "4 storm" for f in later), "a category is a label, not a count"


def test_the_same_figure_again_is_no_disagreement():
    earlier = figures_in("a", "The new pool will cost £12 million, the council said.")
    later = figures_in("b", "The new pool's cost stays at £12 million, the council said.")
    assert differing([earlier, later]) == []


@pytest.mark.parametrize(
    ("question", "shape", "topic"),
    [
        ("What's the latest on the Kellan Bridge?", "brief", "the Kellan Bridge"),
        ("What happened with the port this month?", "brief", "the port"),
        ("Any developments in the strike?", "brief", "the strike"),
        ("How did the wildfire unfold?", "timeline", "the wildfire"),
        ("Timeline of the library refurbishment", "timeline", "the library refurbishment"),
    ],
)
def test_news_shaped_questions_are_recognised(question, shape, topic):
    found = news_shape(question)
    assert found is not None and (found.shape, found.topic) == (shape, topic)


@pytest.mark.parametrize(
    "question",
    ["Who won the Quayside by-election?", "How many jobs will Lumenfold create?", "What is new?"],
)
def test_plain_questions_are_not_news_shaped(question):
    assert news_shape(question) is None


def test_with_an_answer_llm_each_story_gets_a_verified_summary_citing_the_brief(
    demo_store, no_proxy_for_local_server
):
    """Over a real OpenAI-compatible HTTP server on 127.0.0.1 (it quotes the first passage it is
    sent, citing [1]): the summary's citation is renumbered to the brief's own."""
    from qa import NewsQA
    from tests.chat_servers import Script, ScriptedServer

    with ScriptedServer(Script()) as server:
        newsqa = NewsQA(store=demo_store, base_url=server.url, model="openai-compatible:m")
        brief = newsqa.brief("Kellan Bridge")
    story = next(s for s in brief.stories if len(s.articles) == 2)
    assert story.summary is not None
    (marker,) = set(re.findall(r"\[(\d+)\]", story.summary))
    cited = brief.citations[int(marker) - 1]
    assert cited.chunk_id in {
        brief.citations[n - 1].chunk_id for line in story.lines for n in line.cited
    }
    assert story.summary.split(" [")[0] in cited.text


def test_an_answer_stating_a_figure_its_story_gives_differently_says_so(demo_store):
    from qa import NewsQA

    conversation = NewsQA(store=demo_store).conversation()
    conversation.ask("What's the latest on the Kellan Bridge?")
    answer = conversation.ask("How much did the repairs cost?")
    assert not answer.abstained
    said = answer.answer.split("Figures differ on ")[1]
    assert "£3.2 million [" in said and "£4.1 million by 21 May 2025 [" in said
    cited = {c.n: c.published for c in answer.citations}
    marks = [int(n) for n in re.findall(r"\[(\d+)\]", said)]
    assert {cited[n] for n in marks} == {"2025-02-06", "2025-05-21"}
    assert all(f"[{c.n}]" in answer.answer for c in answer.citations), "no citation unused"


def test_an_answer_from_a_story_of_one_article_is_left_as_it_was(demo_store):
    from qa import NewsQA

    answer = NewsQA(store=demo_store).ask("How many jobs will Lumenfold create at its new hub?")
    assert "120" in answer.short_answer and "Figures differ" not in answer.answer


def test_an_outlet_filter_keeps_a_story_to_that_outlets_articles(demo_store):
    brief = run_json(
        "brief", "Kellan Bridge", "--store", demo_store, "--source", "Aldwen Valley Post"
    )
    assert brief["stories"]
    for story in brief["stories"]:
        assert all("Aldwen Valley Post" in a["outlets"] for a in story["articles"])


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        (
            "The firm plans to spend between $3.6 billion and $3.8 billion on new plants.",
            "The firm plans to spend $3.6 billion on new plants this year.",
        ),
        (
            "She makes about $1,000 a month from the app, she said.",
            "Its owner values the app at about $300 billion, she said.",
        ),
        (
            "It is more than 20% from what they have had.",
            "It is more than 75% from what they have had.",
        ),
        (
            "Average prices in March: a loaf of bread cost $2.10 and a pound of butter $4.80.",
            "Average prices in March: a pound of butter cost $4.80, the survey found.",
        ),
        (
            "Police in Leeds made 17 arrests at the march on Saturday after clashes.",
            "Police in Bristol made 13 arrests at the march on Saturday after clashes.",
        ),
    ],
    ids=["range", "far-apart", "only-common-words", "both-stated-by-both", "other-places"],
)
def test_figures_of_different_things_are_no_disagreement(earlier, later):
    assert differing([figures_in("a", earlier), figures_in("b", later)]) == []


def test_a_bare_name_is_briefed_on_the_stories_naming_it_from_their_lead(demo_store):
    brief = run_json("brief", "Lumenfold", "--store", demo_store)
    (story,) = brief["stories"]
    (line,) = story["lines"]
    assert line["text"].startswith("Lumenfold") and "120 jobs" in line["text"]


def test_a_store_whose_folder_takes_no_new_file_still_answers_and_says_what_it_skipped(
    demo_store, monkeypatch
):
    """A store shared read-only, made before stories existed: the stories file cannot be made,
    so an answer is given without comparing figures (noted), and a brief is a one-line error."""
    import sqlite3

    from index_store.stories import book
    from qa import NewsQA

    def cannot_open(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(book.StoryBook, "__init__", cannot_open)
    answer = NewsQA(store=demo_store).ask("How many jobs will Lumenfold create at its new hub?")
    assert answer.short_answer == "120"
    assert any(
        "not compared" in note and "make the folder writable" in note for note in answer.notes
    )
    result = runner.invoke(app, ["brief", "Kellan Bridge", "--store", str(demo_store)])
    assert result.exit_code == 1 and "make the folder writable" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
