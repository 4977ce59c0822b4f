"""When a self-assessing model abstains: its probability against the threshold that applies,
the lower one only where the extractive reading doubts the passages (real demo store)."""

from __future__ import annotations

from qa import NewsQA
from qa.answering.abstention import extractive_doubts, refuses
from qa.models.base import ModelContext
from qa.retrieval.retrieve import read_question
from qa.settings import Settings

JOBS = "How many jobs will Lumenfold create at its new Harrowgate engineering hub?"
FERRY = "Who designed the new ferry terminal in Oslo?"


def context(**values) -> ModelContext:
    return ModelContext(Settings(**values))


def test_the_doubted_threshold_applies_only_when_the_passages_are_doubted():
    asked = []

    def doubted(answer: bool):
        def ask() -> bool:
            asked.append(answer)
            return answer

        return ask

    settings = context(abstain_threshold=0.6, abstain_threshold_doubted=0.1)
    assert refuses(0.7, settings, doubted(False)) and asked == []
    assert refuses(0.2, settings, doubted(True)) and asked == [True]
    assert not refuses(0.2, settings, doubted(False))
    assert not refuses(0.05, settings, doubted(True)), "below both thresholds: answer"
    assert asked == [True, False], "doubt is read only between the two thresholds"


def test_the_extractive_reading_doubts_passages_that_do_not_answer(demo_store):
    newsqa = NewsQA(store=demo_store)
    for question, doubted in ((JOBS, False), (FERRY, True)):
        found = newsqa.search(question)
        asked = ModelContext(newsqa.settings, read_question(newsqa._reader(), question))
        assert extractive_doubts(question, found, asked) is doubted, question
    assert extractive_doubts(JOBS, [], context()), "no passage to quote is doubted"
