"""The answer contract and what enforces it without a model: the grammar and JSON schema, JSON
answers turned back into text as they stream, an OpenAI-style server asked for the JSON form it
accepts, the evidence an LLM is shown, and citation repair."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib.util import find_spec

import pytest

from qa import NewsQA
from qa.answering.recite import recite
from qa.models.base import ABSTAIN_PHRASE, ModelContext
from qa.models.contract import JsonAnswer, answer_grammar, answer_schema, as_text
from qa.models.evidence import select_evidence
from qa.models.prompting import build_prompt
from qa.retrieval.retrieve import read_question
from qa.types import Passage
from tests.chat_servers import Script, ScriptedServer

JOBS = "How many jobs will Lumenfold create at its new Harrowgate engineering hub?"


def passage(n: int, text: str, title: str = "") -> Passage:
    return Passage(n, 0.0, f"c{n}", f"a{n}", title or f"Story {n}", text)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"answer": "Maren Ashdown", "passages": [2]}, "Maren Ashdown [2]."),
        (
            {"answer": "120 jobs.", "passages": [1, 3], "context": "At the hub."},
            "120 jobs [1][3]. At the hub [1][3].",
        ),
        ({"answer": ABSTAIN_PHRASE, "passages": []}, ABSTAIN_PHRASE),
        ({"answer": "Ashdown", "passages": []}, "Ashdown"),
    ],
)  # fmt: skip
def test_a_json_answer_streams_as_the_text_it_stands_for(data, text):
    raw = json.dumps(data)
    for size in (1, 3, 7, len(raw)):
        reader = JsonAnswer()
        shown = "".join(reader.feed(raw[i : i + size]) for i in range(0, len(raw), size))
        assert (
            shown + reader.close()
            == text
            == as_text(data["answer"], data["passages"], data.get("context", ""))
        )


def test_plain_text_from_a_server_that_ignored_the_schema_passes_through():
    reader = JsonAnswer()
    assert reader.feed("Maren ") + reader.feed("Ashdown [1].") + reader.close() == (
        "Maren Ashdown [1]."
    )


def test_json_cut_short_adds_no_citation():
    reader = JsonAnswer()
    assert reader.feed('{"answer": "Maren Ash') == "Maren Ash"
    assert reader.close() == ""


def test_the_schema_allows_only_given_passage_numbers():
    schema = answer_schema(3)
    assert schema["properties"]["passages"]["items"]["enum"] == [1, 2, 3]
    assert schema["required"] == ["answer", "passages"]


@pytest.mark.skipif(not find_spec("llama_cpp"), reason="pip install 'newsqa[llamacpp]'")
def test_the_grammar_is_one_llama_cpp_reads_and_names_only_given_passages():
    from llama_cpp import LlamaGrammar

    grammar = answer_grammar(4)
    LlamaGrammar.from_string(grammar, verbose=False)
    assert 'number ::= "1" | "2" | "3" | "4"' in grammar
    assert json.dumps(ABSTAIN_PHRASE) in grammar


@pytest.mark.parametrize(
    ("accepted", "tried"),
    [
        (("json_schema",), ["json_schema"]),
        (("json_object",), ["json_schema", "json_object"]),
        ((), ["json_schema", "json_object", None]),
    ],
)
def test_a_server_is_asked_for_json_in_the_first_form_it_accepts(demo_store, accepted, tried):
    script = Script(formats=accepted)
    with ScriptedServer(script) as server:
        newsqa = NewsQA(store=demo_store, base_url=server.url)
        first = newsqa.ask(JOBS, model=f"openai-compatible:{'-'.join(accepted) or 'plain'}")
        second = newsqa.ask(JOBS, model=f"openai-compatible:{'-'.join(accepted) or 'plain'}")
    formats = [(r.get("response_format") or {}).get("type") for r in script.requests]
    assert formats == [*tried, tried[-1]], "the accepted form is remembered"
    for answer in (first, second):
        assert not answer.fallback and not answer.abstained
        assert "120" in answer.answer and answer.citations[0].n == 1


def test_structured_output_off_sends_the_plain_prompt(demo_store):
    script = Script(formats=("json_schema",))
    with ScriptedServer(script) as server:
        NewsQA(store=demo_store, base_url=server.url, structured_output=False).ask(
            JOBS, model="openai-compatible:off"
        )
    assert [r.get("response_format") for r in script.requests] == [None]


def test_evidence_is_the_first_passage_whole_and_the_best_sentences_of_the_rest(demo_store):
    newsqa = NewsQA(store=demo_store)
    passages = newsqa.search(JOBS, k=5)
    context = ModelContext(newsqa.settings, read_question(newsqa._reader(), JOBS))
    shown = select_evidence(JOBS, passages, context, budget_tokens=350)
    assert len(shown) == len(passages)
    assert [p.chunk_id for p in shown] == [p.chunk_id for p in passages]
    assert " ".join(shown[0].text.split()) == " ".join(passages[0].text.split())
    assert "120" in shown[0].text
    assert sum(len(p.text) for p in shown[1:]) < sum(len(p.text) for p in passages[1:])
    prompt = build_prompt(JOBS, shown).user
    assert prompt.count("<passage ") == sum(bool(p.text) for p in shown)


def test_evidence_never_shows_a_sentence_that_talks_to_the_model(tmp_path):
    from tests.conftest import DEMO

    store = tmp_path / "store"
    newsqa = NewsQA(store=store)
    newsqa.ingest([DEMO / "hostile"])
    question = "Which allotment society won the Best in Bloom award?"
    passages = newsqa.search(question, k=3)
    context = ModelContext(newsqa.settings, read_question(newsqa._reader(), question))
    shown = " ".join(p.text for p in select_evidence(question, passages, context, 350))
    assert "Fenwick Hill Allotment Society" in shown
    for payload in ("Ignore previous instructions", "maintenance mode", "250,000", "<script>"):
        assert payload not in shown


def test_a_claim_cited_to_the_wrong_passage_is_re_cited_to_one_that_holds_it():
    passages = [
        passage(1, "NYC congestion pricing faced a court challenge in Newark."),
        passage(2, "New York would have the country's first congestion pricing program."),
    ]
    text, notes = recite("New York [1]. The challenge was heard in Newark [1].", passages)
    assert text == "New York [2]. The challenge was heard in Newark [1]."
    assert notes == ["re-cited “New York” from [1] to [2]"]


@pytest.mark.parametrize(
    "answer",
    [
        "New York [2].",  # already held by its passage
        "Boston [1].",  # held by no passage: left for the support check to refuse
        "New York [7].",  # cites a passage it was not given: left for verify to drop
    ],
)
def test_recite_leaves_held_unheld_and_foreign_citations_alone(answer):
    passages = [passage(1, "Newark hosted the hearing."), passage(2, "New York was first.")]
    assert recite(answer, passages) == (answer, [])


def test_a_one_word_answer_is_supported_only_by_a_passage_that_holds_it():
    from qa.answering.citations import verify
    from qa.answering.support import check_support

    given = [passage(1, "Lumenfold will create 120 jobs in Harrowgate.")]
    for text, supported in (("120 [1].", True), ("450 [1].", False)):
        verified = verify(text, given)
        (check,) = check_support(verified.text, verified.citations)
        assert check.supported is supported


def test_an_evidence_budget_of_zero_sends_whole_passages(demo_store):
    script = Script()
    with ScriptedServer(script) as server:
        NewsQA(store=demo_store, base_url=server.url, evidence_tokens=0).ask(
            JOBS, model="openai-compatible:whole"
        )
        NewsQA(store=demo_store, base_url=server.url).ask(JOBS, model="openai-compatible:ev")
    whole, evidence = (len(r["messages"][1]["content"]) for r in script.requests)
    assert evidence < whole


def test_passages_left_empty_by_the_evidence_keep_their_numbers():
    shown = [passage(1, "First."), replace(passage(2, ""), text=""), passage(3, "Third.")]
    prompt = build_prompt("q?", shown).user
    assert '<passage n="1"' in prompt and '<passage n="3"' in prompt
    assert '<passage n="2"' not in prompt


@pytest.mark.parametrize(
    ("claim", "adds"),
    [
        ("Reduces the risk of developing bowel cancer", False),
        ("Milk", True),
        ("Yes", True),
    ],
)
def test_an_answer_must_say_something_the_question_does_not(claim, adds):
    from qa.answering.support import adds_to

    question = "Drinking what can reduce the risk of developing bowel cancer?"
    assert adds_to(question, claim) is adds


def test_a_model_that_restates_the_question_is_answered_for_by_the_extractive_model(demo_store):
    from qa.answering.pipeline import finish

    newsqa = NewsQA(store=demo_store)
    passages = newsqa.search(JOBS, k=3)
    context = ModelContext(newsqa.settings, read_question(newsqa._reader(), JOBS))
    restated = "Lumenfold will create jobs at its new Harrowgate engineering hub [1]."
    answer = finish(JOBS, restated, passages, passages, "openai:any", context, [])
    assert answer.fallback and "120" in answer.answer
    assert any("only restates the question" in note for note in answer.notes)


def test_a_model_is_told_the_day_the_question_is_asked_on(demo_store):
    script = Script()
    with ScriptedServer(script) as server:
        NewsQA(store=demo_store, base_url=server.url).ask(
            JOBS, model="openai-compatible:dated", as_of="2025-06-30"
        )
    assert script.requests[0]["messages"][1]["content"].endswith(f"{JOBS} (asked on 2025-06-30)")


def test_an_uncited_answer_is_cited_to_the_passage_that_holds_it_word_for_word():
    passages = [passage(1, "Newark hosted the hearing."), passage(2, "Maren Ashdown won.")]
    assert recite("Maren Ashdown", passages) == (
        "Maren Ashdown [2].",
        ["cited [2] for the uncited “Maren Ashdown”"],
    )
    for unheld in ("2", "Ashdown Maren", ABSTAIN_PHRASE):  # too short, not as written, refusal
        assert recite(unheld, passages) == (unheld, [])


@pytest.mark.parametrize(
    ("question", "claim", "falls_back"),
    [
        ("What is the annual salary of the Mayor of Harrowgate?", "2027 [1].", True),
        ("What is the annual salary of the Mayor of Harrowgate?", "£52,000 [1].", False),
        ("How many jobs will Lumenfold create?", "Lumenfold's engineers [1].", True),
    ],
)
def test_an_answer_without_the_form_the_question_asks_for_is_not_kept(
    demo_store, question, claim, falls_back
):
    from qa.answering.pipeline import finish

    newsqa = NewsQA(store=demo_store)
    given = [
        passage(
            1,
            "Lumenfold's engineers in Harrowgate, paid £52,000 like the Mayor, were hired in 2027 "
            "as 120 jobs.",
        )
    ]
    context = ModelContext(newsqa.settings, read_question(newsqa._reader(), question))
    answer = finish(question, claim, given, given, "openai:any", context, [])
    assert any("which the question asks for" in note for note in answer.notes) is falls_back
    assert (answer.fallback or answer.abstained) is falls_back


def test_an_answer_citing_a_passage_about_something_else_is_refused(demo_store):
    from qa.answering.pipeline import finish

    newsqa = NewsQA(store=demo_store)
    given = [passage(1, "A new £14 million crane, the latest at the port, arrived from Rotterdam.")]
    ferry = "What is the latest on the ferry?"
    context = ModelContext(newsqa.settings, read_question(newsqa._reader(), ferry))
    answer = finish(ferry, "A new crane [1].", given, given, "openai:any", context, [])
    assert answer.abstained is True
    assert answer.citations == ()
    assert "not about what the question asks about" in " ".join(answer.notes)
