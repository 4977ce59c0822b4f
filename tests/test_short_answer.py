"""The short answer: what the question asks for, cited first, with its sentence as context; and
no answer at all when the passages are about something else."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qa.cli import app
from qa.reading.short_answer import ReadSentence, rank_spans, short_of
from qa.reading.subject import about_subject, subject_terms

GLOBES = "Which comedian made history as the Golden Globes' first solo female host?"
GLASER = "Comedian Nikki Glaser made history on Sunday as the first woman to host the Golden Globes"


JOBS = "How many jobs will Lumenfold create at its new Harrowgate engineering hub?"


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def ask_json(store, question: str) -> dict:
    result = run("ask", question, "--store", store, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("question", "kind", "sentence", "expected"),
    [
        (GLOBES, "name", GLASER, "Nikki Glaser"),
        (
            "How many jobs will the firm create at its new hub?",
            "count",
            "The firm, founded by two graduates, will create 120 jobs at the hub over three years.",
            "120",
        ),
        (
            "Which country was put back on the list of state sponsors of terrorism?",
            "place",
            "The administration returned Cuba to the list of state sponsors of terrorism.",
            "Cuba",
        ),
        (
            "Which oil giant announced plans to cut 4,700 jobs?",
            "name",
            "BP chief executive Murray Auchincloss said the company would cut 4,700 jobs.",
            "BP",
        ),
        (
            "When did the bridge reopen to traffic?",
            "time",
            "The bridge reopened to traffic on 21 May 2025, after the council spent £4.1 million.",
            "21 May 2025",
        ),
    ],
)
def test_the_span_of_the_kind_asked_for_wins_over_the_other_names(
    question, kind, sentence, expected
):
    ranked = rank_spans(question, kind, [ReadSentence(0, sentence, 0.9)])
    assert ranked[0].text == expected
    assert ranked[0].sentence == sentence


def test_what_the_question_already_says_is_never_the_answer():
    ranked = rank_spans(GLOBES, "name", [ReadSentence(0, GLASER, 0.9)])
    assert all("Golden Globes" not in c.text for c in ranked)


def test_a_name_repeated_across_good_sentences_counts_for_its_full_form():
    sentences = [
        ReadSentence(0, "Ali Wong and Nikki Glaser were both considered as hosts.", 0.2),
        ReadSentence(1, GLASER, 0.8),
        ReadSentence(2, "Glaser opened the ceremony with a monologue about the nominees.", 0.6),
    ]
    ranked = rank_spans(GLOBES, "name", sentences)
    assert ranked[0].text == "Nikki Glaser"
    assert not any(c.text == "Glaser" for c in ranked), "a part is counted for the whole"


def test_an_entity_the_tagger_starts_at_a_possessive_loses_it():
    sentence = "The painting sits in the building’s Gallery of Presidents, aides said."
    ranked = rank_spans("Which gallery holds it?", "other", [ReadSentence(0, sentence, 0.9)])
    assert ranked[0].text == "Gallery of Presidents"


def test_a_short_claim_is_its_own_short_answer_and_a_long_one_is_cut_to_the_span():
    assert short_of(GLOBES, "name", "Nikki Glaser.") == "Nikki Glaser"
    assert short_of(GLOBES, "name", GLASER.replace("Comedian ", "The comedian ")) == "Nikki Glaser"


def test_the_subject_is_the_questions_names_or_else_its_nouns():
    assert subject_terms(GLOBES) == ({"golden", "globe"},)
    assert subject_terms("What is the latest on the ferry?") == ({"ferri"},)
    assert about_subject("What is the latest on the ferry?", "The ferry Wren sails again.")
    assert not about_subject(
        "What is the latest on the ferry?", "A new crane, the latest at the port, arrived."
    )


def test_a_subject_of_places_alone_takes_the_questions_nouns_too():
    question = "Which ferry line in Norway was the first to run on batteries?"
    assert subject_terms(question) == ({"Norway"}, {"ferri"}, {"batteri"})
    assert about_subject(question, "Ampere, the first battery ferry, crossed the fjord.")
    assert not about_subject(question, "Norway's salmon exports rose again this year.")


def test_ask_puts_the_number_asked_for_first_and_cites_it(demo_store):
    answer = ask_json(
        demo_store, "How many jobs will Lumenfold create at its new Harrowgate engineering hub?"
    )
    assert answer["short_answer"] == "120"
    assert answer["answer"].startswith("120 [1]")
    assert "will create 120 jobs" in answer["answer"], "the sentence follows as context"
    assert answer["citations"][0]["title"].startswith("Lumenfold to create 120 jobs")


def test_ask_names_the_winner_of_the_by_election(demo_store):
    answer = ask_json(demo_store, "Who won the Quayside ward by-election?")
    assert answer["short_answer"] == "Maren Ashdown"


def test_a_question_about_what_no_article_covers_is_refused(demo_store):
    answer = ask_json(demo_store, "What is the latest on the ferry?")
    assert answer["abstained"] is True
    assert answer["short_answer"] is None
    assert answer["answer"].startswith("The articles do not answer this question.")


def test_the_terminal_shows_the_short_answer_on_its_own_line_then_its_sentence(demo_store):
    result = run("ask", "Who won the Quayside ward by-election?", "--store", demo_store)
    assert result.exit_code == 0, result.output
    first, blank, context = result.stdout.splitlines()[:3]
    assert first == "Maren Ashdown [1]"
    assert blank == ""
    assert context.startswith("Maren Ashdown of the Green Party has won")
