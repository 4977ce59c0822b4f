"""A local model chooses its short answer among the candidates newsqa finds in the evidence:
the candidates, the prompt that lists them, the grammar that allows only them or the abstention
phrase, and the real Qwen2.5-Coder-0.5B GGUF answering the demo's jobs question through it."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa import NewsQA
from qa.cli import app
from qa.models import local_gguf
from qa.models.base import ABSTAIN_PHRASE, ModelContext
from qa.models.candidates import Candidate, answer_candidates
from qa.models.contract import choice_grammar, gbnf_literal
from qa.models.evidence import select_evidence
from qa.models.prompting import RULES, build_choice_prompt, build_prompt
from qa.types import Passage
from tests.conftest import SHARED

GET_MODEL = SHARED / "models" / "get_model.py"
QWEN = "qwen2.5-coder-0.5b-instruct"
JOBS = "How many jobs will Lumenfold create at its new Harrowgate engineering hub?"
INSTALL = "pip install 'newsqa[llamacpp]'"


def passage(n: int, text: str) -> Passage:
    return Passage(n, 1.0 / n, f"c{n}", f"a{n}", f"Story {n}", text, f"Outlet {n}")


def test_the_choice_grammar_allows_the_candidates_and_the_abstention_phrase_only():
    grammar = choice_grammar(["120 [1]", "Harbour Road [2]"], 3)
    rules = dict(line.split(" ::= ", 1) for line in grammar.splitlines())
    assert rules["root"] == "abstain | answer"
    assert rules["abstain"] == f'"{ABSTAIN_PHRASE}"'
    assert rules["choice"] == '"120 [1]" | "Harbour Road [2]"'
    assert rules["answer"] == 'choice "." (" " context cite ".")?'
    assert rules["number"] == '"1" | "2" | "3"'


def test_a_candidate_is_written_into_the_grammar_as_the_literal_it_is():
    assert gbnf_literal('the "Shard" \\ co') == '"the \\"Shard\\" \\\\ co"'
    assert gbnf_literal("Zoë Müller") == '"Zoë Müller"'


@pytest.mark.skipif(not find_spec("llama_cpp"), reason=f"needs llama-cpp-python: {INSTALL}")
def test_llama_cpp_reads_the_choice_grammar():
    from llama_cpp import LlamaGrammar

    LlamaGrammar.from_string(choice_grammar(['"Oppenheimer" [1]', "Zoë [2]"], 2), verbose=False)


def test_the_choice_prompt_keeps_the_rules_and_lists_the_candidates_after_the_evidence():
    passages = [passage(1, "Lumenfold will create 120 jobs."), passage(2, "")]
    prompt = build_choice_prompt(JOBS, passages, ["120 [1]", "<b>Lumenfold</b> [1]"])
    assert prompt.system == RULES == build_prompt(JOBS, passages).system
    user = prompt.user
    assert user.startswith(f"Question: {JOBS}") and user.endswith(f"Question: {JOBS}")
    listed = user.split("</passages>", 1)[1]
    assert "- 120 [1]\n- &lt;b&gt;Lumenfold&lt;/b&gt; [1]\n" in listed
    assert f"- {ABSTAIN_PHRASE}" in listed
    assert '<passage n="1"' in user and '<passage n="2"' not in user
    assert "Cite only these passage numbers: 1." in user


def test_a_candidate_is_its_text_cited_to_its_passage():
    assert Candidate("120", 1).choice == "120 [1]"


def test_the_candidates_are_the_short_answers_of_the_evidence_best_first(demo_store):
    newsqa = NewsQA(store=demo_store)
    context = ModelContext(newsqa.settings, newsqa._reader())
    shown = select_evidence(JOBS, newsqa.search(JOBS, k=5), context, budget_tokens=350)
    found = answer_candidates(JOBS, shown, context)
    assert found[0] == Candidate("120", 1)
    assert 1 < len(found) <= 5
    assert len({c.text.lower() for c in found}) == len(found)
    for candidate in found:
        assert shown[candidate.n - 1].text.count(candidate.text)
        assert not re.search(r"[\[\]\n]", candidate.text)


def test_evidence_keeps_the_sentences_it_shows_as_the_excerpt_s_sentences(demo_store):
    newsqa = NewsQA(store=demo_store)
    context = ModelContext(newsqa.settings, newsqa._reader())
    for excerpt in select_evidence(JOBS, newsqa.search(JOBS, k=5), context, 350):
        spans, text = excerpt.sentence_spans, excerpt.text
        if not text:
            assert spans == ()
            continue
        assert spans[0][0] == 0 and spans[-1][1] == len(text)
        assert all(text[a:b].strip() == text[a:b] != "" for a, b in spans)
        assert {text[b:a] for (_, b), (a, _) in zip(spans, spans[1:])} <= {" ", " … "}


@pytest.fixture(scope="module")
def qwen() -> Path:
    """The 0.5B model file that ../shared/models/get_model.py assembles (instant once made)."""
    if not find_spec("llama_cpp"):
        pytest.skip(f"needs llama-cpp-python: {INSTALL}")
    if not GET_MODEL.exists():
        pytest.skip(f"needs the shared model script {GET_MODEL} (and {INSTALL})")
    done = subprocess.run([sys.executable, str(GET_MODEL), QWEN], capture_output=True, text=True)
    found = Path(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else None
    if done.returncode or found is None or not found.is_file():
        pytest.skip(f"{GET_MODEL} {QWEN} found no model file ({INSTALL}): {done.stderr[-200:]}")
    return found


def test_the_real_small_model_answers_the_jobs_question_with_the_cited_number(demo_store, qwen):
    """What ships (choosing is off): the model's free short answer under the contract's grammar,
    verified, and replaced by the extractive answer when it rests on no passage (the 0.5B
    model writes an uncited "20" here, the summer placements of passage 2)."""
    assert not local_gguf.CHOOSE
    result = CliRunner().invoke(
        app, ["ask", JOBS, "--store", str(demo_store), "-m", f"llamacpp:{qwen}", "--no-stream"]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"\b120\b[^\n]*\[1\]", result.stdout), result.stdout
    answer = NewsQA(store=demo_store).ask(JOBS, model=f"llamacpp:{qwen}")
    assert answer.short_answer == "120" and not answer.abstained, answer.notes
    assert answer.citations and "120" in answer.citations[0].text
    assert answer.prompt_tokens and answer.prompt_tokens < 1_200


def test_without_candidates_the_model_writes_a_free_short_answer(demo_store, qwen):
    newsqa = NewsQA(store=demo_store)
    model = local_gguf.LocalModel("llamacpp", qwen, ModelContext(newsqa.settings, newsqa._reader()))
    passages = [passage(1, "The council met on Tuesday and talked for a long time.")]
    prompt, grammar = model.prompt("How many jobs will the council create?", passages)
    assert prompt == build_prompt("How many jobs will the council create?", passages)
    assert grammar is not None
