"""LLM answer models on real parts: Qwen2.5-Coder-0.5B-Instruct (a real instruct model, GGUF
Q4_K_M) run by llama.cpp in-process and behind llama.cpp's OpenAI-compatible server started on
127.0.0.1. The answers asked for are ones this model gets right under the answer contract; each
test also checks what verification guarantees whatever a model writes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa import NewsQA
from qa.cli import app
from qa.models.base import ABSTAIN_PHRASE
from qa.types import Answer
from tests.chat_servers import LlamaServer
from tests.conftest import DEMO, SHARED

pytestmark = pytest.mark.skipif(
    not (find_spec("llama_cpp") and find_spec("uvicorn")),
    reason="needs llama-cpp-python: pip install 'newsqa[llamacpp]' 'llama-cpp-python[server]' "
    "(builds llama.cpp from source, ~8 min; .ci/run does)",
)

GET_MODEL = SHARED / "models" / "get_model.py"
QWEN = "qwen2.5-coder-0.5b-instruct"
BY_ELECTION = "Who won the Quayside ward by-election?"
WINNER = "Maren Ashdown"
UNANSWERABLE = "What is the annual salary of the Mayor of Harrowgate, Elin Marsh?"
KEY = "sk-local-7d1e5c3b9a2f"


@pytest.fixture(scope="module")
def gguf() -> Path:
    """The 0.5B model file, assembled by ../shared/models/get_model.py (instant once made)."""
    if not GET_MODEL.exists():
        pytest.skip(f"shared model script missing: {GET_MODEL}")
    done = subprocess.run(
        [sys.executable, str(GET_MODEL), QWEN], capture_output=True, text=True, check=True
    )
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def server(gguf):
    running = LlamaServer(gguf, "qwen")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def keyed_server(gguf):
    running = LlamaServer(gguf, "qwen", "--api_key", KEY)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def small_window_server(gguf):
    running = LlamaServer(gguf, "qwen", "--n_ctx", "700")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    """The hostile article among the demo articles it tries to contradict."""
    store = tmp_path_factory.mktemp("hostile-store") / "store"
    NewsQA(store=store).ingest([DEMO / "hostile", DEMO / "articles"])
    return store


def assert_verified(answer: Answer, given: int) -> None:
    """What verification guarantees, whatever the model wrote."""
    chunk_ids = [p.chunk_id for p in answer.passages]
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for citation in answer.citations:
        passage = answer.passages[chunk_ids.index(citation.chunk_id)]
        assert (citation.title, citation.source, citation.url) == (
            passage.title,
            passage.source,
            passage.url,
        )
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {c.n for c in answer.citations}
    assert all(int(d.strip("[]")) > given for d in answer.dropped_citations)


def assert_kept_and_right(answer: Answer, gold: str) -> None:
    """The model's own short answer, cited, verified, not replaced by the extractive one."""
    assert not answer.abstained and not answer.fallback, answer.notes
    assert gold in answer.answer and answer.supported, answer
    assert len(answer.answer) < 300
    assert answer.citations and any(gold in c.text for c in answer.citations)
    # evidence, not pages: the five whole passages take about 1,600 tokens
    assert answer.prompt_tokens and answer.prompt_tokens < 1_200


def test_in_process_model_gives_the_short_cited_answer(demo_store, gguf):
    answer = NewsQA(store=demo_store).ask(BY_ELECTION, model=f"llamacpp:{gguf}")
    assert_kept_and_right(answer, WINNER)
    assert_verified(answer, given=5)
    assert answer.timings_ms["answer_cpu"] > 0


def test_in_process_model_abstains_when_the_articles_do_not_say(demo_store, gguf):
    answer = NewsQA(store=demo_store).ask(UNANSWERABLE, model=f"llamacpp:{gguf}")
    assert answer.abstained and answer.answer == ABSTAIN_PHRASE and answer.citations == ()


def test_a_named_model_answers_from_the_cli_and_streams(demo_store, gguf):
    runner = CliRunner()
    assert runner.invoke(app, ["models", "add", "qwen", str(gguf)]).exit_code == 0
    result = runner.invoke(
        app, ["ask", BY_ELECTION, "--store", str(demo_store), "-m", "qwen", "--stream"]
    )
    assert result.exit_code == 0, result.output
    assert WINNER in result.stdout and "Sources:" in result.stdout and "[1]" in result.stdout


def test_streamed_pieces_are_the_verified_answer_as_it_was_written(demo_store, gguf):
    events = list(NewsQA(store=demo_store).ask_stream(BY_ELECTION, model=f"llamacpp:{gguf}"))
    pieces, answer = events[:-1], events[-1]
    assert len(pieces) > 1 and all(isinstance(p, str) for p in pieces)
    shown = "".join(pieces).strip()
    assert WINNER in shown and not answer.fallback
    # the final text is the streamed one, with the citation the small model left out added
    assert re.sub(r"\s*\[\d+\]", "", answer.answer).rstrip(".") == re.sub(
        r"\s*\[\d+\]", "", shown
    ).rstrip(".")


def test_the_server_route_gives_the_same_answer(demo_store, gguf, server):
    local = NewsQA(store=demo_store).ask(BY_ELECTION, model=f"llamacpp:{gguf}")
    served = NewsQA(store=demo_store, base_url=server.url).ask(
        BY_ELECTION, model="openai-compatible:qwen"
    )
    assert_kept_and_right(served, WINNER)
    assert_verified(served, given=5)
    assert_kept_and_right(local, WINNER)
    # same answer from the same passage; the JSON route may cite a second passage beside it
    assert local.citations[0].chunk_id in {c.chunk_id for c in served.citations}


def test_the_server_route_abstains_too(demo_store, server):
    answer = NewsQA(store=demo_store, base_url=server.url).ask(
        UNANSWERABLE, model="openai-compatible:qwen"
    )
    assert answer.abstained and answer.citations == ()


def test_the_server_route_streams_from_the_cli_as_json(demo_store, server):
    result = CliRunner().invoke(
        app,
        ["ask", BY_ELECTION, "--store", str(demo_store), "--json"]
        + ["-m", "openai-compatible:qwen", "--base-url", server.url],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert WINNER in data["answer"] and data["fallback"] is False
    assert {c["chunk_id"] for c in data["citations"]} <= {p["chunk_id"] for p in data["passages"]}


@pytest.mark.parametrize("route", ["in-process", "server"])
def test_injected_instructions_do_not_change_the_answers(hostile_store, gguf, server, route):
    newsqa = NewsQA(store=hostile_store, base_url=server.url)
    spec = f"llamacpp:{gguf}" if route == "in-process" else "openai-compatible:qwen"
    answered = newsqa.ask(BY_ELECTION, model=spec)
    assert_kept_and_right(answered, WINNER)
    refused = newsqa.ask(UNANSWERABLE, model=spec)
    assert refused.abstained and "250,000" not in refused.answer
    assert not any("Kellan Bridge has collapsed" in a.answer for a in (answered, refused))


def test_the_server_key_is_checked_and_never_printed(demo_store, keyed_server, monkeypatch):
    def ask(*options: str):
        args = ["ask", BY_ELECTION, "--store", str(demo_store), "-k", "1", "--no-stream"]
        args += ["--base-url", keyed_server.url, *options]
        return CliRunner().invoke(app, args)

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    unkeyed = ask("-m", "openai-compatible:qwen")
    assert unkeyed.exit_code == 1, "OPENAI_API_KEY must not be sent to another server"
    assert "refused the API key for openai-compatible:qwen (HTTP 401)" in unkeyed.stderr
    wrong = ask("-m", "openai-compatible:qwen", "--api-key", "sk-wrong-0000000000")
    assert wrong.exit_code == 1 and "sk-wrong" not in wrong.output
    CliRunner().invoke(app, ["keys", "set", "openai-compatible"], input=f"{KEY}\n")
    stored = ask("-m", "openai-compatible:qwen")
    assert stored.exit_code == 0, stored.output
    assert WINNER in stored.stdout
    for result in (unkeyed, wrong, stored):
        assert KEY not in result.output


def test_a_prompt_longer_than_the_servers_window_is_trimmed_not_refused(
    demo_store, small_window_server
):
    newsqa = NewsQA(store=demo_store, base_url=small_window_server.url, evidence_tokens=0)
    answer = newsqa.ask(BY_ELECTION, k=4, model="openai-compatible:qwen")
    assert any("refused the prompt as too long" in note for note in answer.notes)
    assert any(note.startswith("kept ") for note in answer.notes)
    assert_verified(answer, given=4)
