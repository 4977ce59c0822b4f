"""A local model reads the evidence newsqa selects and writes its short answer under the
contract's grammar: the evidence's sentences, the prompt, and the real Qwen2.5-Coder-0.5B GGUF
answering the demo's jobs question."""

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
from qa.models.base import ModelContext
from qa.models.evidence import select_evidence
from qa.models.prefix_state import prefix_dir
from qa.models.prompting import build_prompt
from qa.retrieval.retrieve import read_question
from qa.types import Passage
from tests.conftest import SHARED

GET_MODEL = SHARED / "models" / "get_model.py"
QWEN = "qwen2.5-coder-0.5b-instruct"
JOBS = "How many jobs will Lumenfold create at its new Harrowgate engineering hub?"
INSTALL = "pip install 'newsqa[llamacpp]'"


def passage(n: int, text: str) -> Passage:
    return Passage(n, 1.0 / n, f"c{n}", f"a{n}", f"Story {n}", text, f"Outlet {n}")


def test_evidence_keeps_the_sentences_it_shows_as_the_excerpt_s_sentences(demo_store):
    newsqa = NewsQA(store=demo_store)
    context = ModelContext(newsqa.settings, read_question(newsqa._reader(), JOBS))
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
    """The model's free short answer under the contract's grammar,
    verified, and replaced by the extractive answer when it rests on no passage (the 0.5B
    model writes an uncited "20" here, the summer placements of passage 2)."""
    result = CliRunner().invoke(
        app, ["ask", JOBS, "--store", str(demo_store), "-m", f"llamacpp:{qwen}", "--no-stream"]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"\b120\b[^\n]*\[1\]", result.stdout), result.stdout
    answer = NewsQA(store=demo_store).ask(JOBS, model=f"llamacpp:{qwen}")
    assert answer.short_answer == "120" and not answer.abstained, answer.notes
    assert answer.citations and "120" in answer.citations[0].text
    assert answer.prompt_tokens and answer.prompt_tokens < 1_200


def test_the_model_writes_its_short_answer_under_the_answer_grammar(demo_store, qwen):
    newsqa = NewsQA(store=demo_store)
    model = local_gguf.LocalModel("llamacpp", qwen, ModelContext(newsqa.settings))
    passages = [passage(1, "The council met on Tuesday and talked for a long time.")]
    prompt, grammar = model.prompt("How many jobs will the council create?", passages)
    assert prompt == build_prompt("How many jobs will the council create?", passages)
    assert grammar is not None


def test_the_model_says_how_likely_it_is_to_abstain_before_it_writes(demo_store, qwen):
    newsqa = NewsQA(store=demo_store)
    model = local_gguf.LocalModel("llamacpp", qwen, ModelContext(newsqa.settings))
    jobs = [passage(1, "Lumenfold will create 120 jobs at its new Harrowgate engineering hub.")]
    answered = model.abstain_probability(JOBS, jobs)
    unrelated = model.abstain_probability("Who designed the new ferry terminal in Oslo?", jobs)
    assert 0 <= answered < unrelated <= 1
    forced = "".join(model.stream_answer("Who designed the new ferry terminal in Oslo?", jobs))
    assert forced and not forced.startswith("The articles do not answer")


def test_the_abstain_threshold_decides_whether_the_model_answers(demo_store, qwen):
    spec = f"llamacpp:{qwen}"
    free = NewsQA(store=demo_store, abstain_threshold=0).ask(JOBS, model=spec)
    assert free.abstain_probability is None and free.short_answer == "120"
    must_answer = NewsQA(store=demo_store, abstain_threshold=1.0).ask(JOBS, model=spec)
    assert not must_answer.abstained and must_answer.short_answer == "120"
    assert 0 < must_answer.abstain_probability < 1
    below = must_answer.abstain_probability / 2
    refuses = NewsQA(store=demo_store, abstain_threshold=below).ask(JOBS, model=spec)
    assert refuses.abstained and refuses.abstain_probability == must_answer.abstain_probability


SALARY = "What salary will the Harrowgate engineers earn?"


def test_a_doubted_question_abstains_at_the_lower_threshold_without_the_model_writing(
    demo_store, qwen
):
    """The demo's articles say nothing of salaries: the extractive reading doubts them, so the
    doubted threshold applies and the model is not asked to write; the jobs question is not
    doubted, so the same threshold does not stop its answer."""
    spec = f"llamacpp:{qwen}"
    strict = NewsQA(store=demo_store, abstain_threshold=1.0, abstain_threshold_doubted=0.0)
    refused = strict.ask(SALARY, model=spec)
    assert refused.abstained and refused.abstain_probability is not None
    assert not any("answered extractively" in note for note in refused.notes), refused.notes
    answered = strict.ask(JOBS, model=spec)
    assert not answered.abstained and answered.short_answer == "120"


def test_a_new_process_loads_the_rules_prefix_rather_than_reading_it_again(demo_store, qwen):
    """The first model to read the rules saves their state; a fresh load of the model (as a
    new `newsqa ask` does) starts from it and reads the same probability a warm model reads.
    A damaged file is read around, never trusted."""
    context = ModelContext(NewsQA(store=demo_store).settings)
    jobs = [passage(1, "Lumenfold will create 120 jobs at its new Harrowgate engineering hub.")]
    local_gguf._load.cache_clear()
    first = local_gguf.LocalModel("llamacpp", qwen, context)
    (saved,) = prefix_dir().glob("*.state")
    warm = first.abstain_probability(JOBS, jobs)
    local_gguf._load.cache_clear()
    fresh = local_gguf.LocalModel("llamacpp", qwen, context)
    assert fresh._llama.n_tokens == len(fresh._rules_prefix) > 100
    assert fresh.abstain_probability(JOBS, jobs) == warm
    saved.write_bytes(saved.read_bytes()[:1000])
    local_gguf._load.cache_clear()
    repaired = local_gguf.LocalModel("llamacpp", qwen, context)
    assert repaired.abstain_probability(JOBS, jobs) == warm
    assert saved.stat().st_size > 1000, "the damaged state was saved again"
