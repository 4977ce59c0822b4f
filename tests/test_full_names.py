"""A short answer names a person or team in full, as its article does, when the sentence it
was read from uses the short form ("Dunmore" -> "Ilse Dunmore")."""

from __future__ import annotations

from qa import NewsQA
from qa.reading.full_names import full_name

VELDT = """---
title: Dunmore takes the Veldt Open title in three sets
source: Wendmoor Gazette
published: 2025-06-02
---

Tennis player Ilse Dunmore won the Veldt Open on Sunday, beating the defending champion in
three sets on the centre court at Castleby.

The final lasted two hours and forty minutes in front of a crowd of 6,000.

It is the second Veldt Open trophy for Dunmore, who first won the tournament in 2023 as a
qualifier.
"""


def test_a_surname_or_a_teams_nickname_gets_the_full_name_the_passage_gives():
    passages = ["Tennis star Carlos Alcaraz won on Sunday. Alcaraz beat Jannik Sinner."]
    assert full_name("Alcaraz", passages) == "Carlos Alcaraz"
    assert full_name("Sinner", passages) == "Jannik Sinner"
    cup = ["The Florida Panthers won the Stanley Cup. The Panthers beat the Oilers."]
    assert full_name("The Panthers", cup) == "Florida Panthers"
    headline = ["Washington Capitals star Alex Ovechkin scored twice. The Capitals won."]
    assert full_name("The Capitals", headline) == "Washington Capitals"
    suffixed = ["Health Secretary Robert F. Kennedy Jr. spoke. Kennedy said no."]
    assert full_name("Kennedy", suffixed) == "Robert F. Kennedy Jr."


def test_no_full_name_is_guessed_when_the_passages_do_not_settle_it():
    two_kennedys = ["Senator John F. Kennedy and Senator Robert F. Kennedy met. Kennedy left."]
    assert full_name("Kennedy", two_kennedys) == "Kennedy"
    headline = ["GA Group: Closing Joann stores could stay open. Joann is closing them all."]
    assert full_name("Joann", headline) == "Joann"
    assert full_name("Dunmore", ["The weather was fine."]) == "Dunmore"
    assert full_name("120", ["Lumenfold will create 120 jobs."]) == "120"
    assert full_name("the first week of May", ["In the first week of May it rained."]) == (
        "the first week of May"
    )


def test_ask_answers_with_the_full_name_where_its_sentence_has_the_surname(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "veldt.md").write_text(VELDT)
    nq = NewsQA(store=tmp_path / "store")
    nq.ingest([articles])

    answer = nq.ask("Who first won the tournament as a qualifier?")

    assert answer.short_answer == "Ilse Dunmore"
    short, context = answer.answer.split("\n\n")
    assert short == "Ilse Dunmore [1]"
    assert "for Dunmore, who first won" in context
    assert answer.citations[0].title.startswith("Dunmore takes the Veldt Open")
