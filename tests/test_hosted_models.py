"""`ollama:` and `anthropic:` models against loopback servers that speak Ollama's /api/chat and
Anthropic's /v1/messages (tests/chat_servers.py), as the OpenAI route is tested elsewhere: the
request carries our prompt, window and key; the answer, streamed or not, comes back with its
citations verified; a failure is one line. Then what every model's answer goes through when it
cites nothing that supports it, with `fallback_to_extractive` on and off."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qa import NewsQA
from qa.cli import app
from tests.chat_servers import AnthropicServer, OllamaServer, Script, ScriptedServer

QUESTION = "Who won the Quayside ward by-election?"
KEY = "sk-ant-test-5e4d3c2b1a09"
PROVIDERS = {
    "ollama": (OllamaServer, "ollama:llama3.2"),
    "anthropic": (AnthropicServer, "anthropic:claude-haiku-4-5"),
}


def ask(store, spec: str, url: str, *options: str):
    args = ["ask", QUESTION, "--store", str(store), "-m", spec, "--base-url", url]
    return CliRunner().invoke(app, [*args, "--api-key", KEY, *options])


def one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("name", PROVIDERS)
def test_the_answer_quotes_the_passage_it_cites(demo_store, name):
    server_class, spec = PROVIDERS[name]
    with server_class(Script()) as server:
        result = ask(demo_store, spec, server.url, "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    (request,) = server.script.requests
    first = answer["passages"][0]
    assert (answer["model"], answer["abstained"], answer["supported"]) == (spec, False, True)
    assert [c["chunk_id"] for c in answer["citations"]] == [first["chunk_id"]]
    assert answer["answer"].endswith(" [1].") and answer["answer"][:40] in first["text"]
    assert request["model"] == spec.partition(":")[2]
    prompt = json.dumps(request)
    assert QUESTION in prompt and '<passage n=\\"1\\"' in prompt


def test_ollama_is_sent_the_window_the_passages_were_fitted_to_and_no_key(demo_store):
    with OllamaServer(Script()) as server:
        result = ask(demo_store, "ollama:llama3.2", server.url + "/v1", "--json")
    assert result.exit_code == 0, result.output
    (request,) = server.script.requests
    assert request["options"]["num_ctx"] == 4096 and request["options"]["num_predict"] == 256
    assert server.script.authorizations == [""]


def test_anthropic_is_sent_the_key_and_the_answer_budget(demo_store):
    with AnthropicServer(Script()) as server:
        result = ask(demo_store, "anthropic:claude-haiku-4-5", server.url, "--json")
    assert result.exit_code == 0, result.output
    (request,) = server.script.requests
    assert server.script.authorizations == [KEY]
    assert request["max_tokens"] == 256 and "do not answer this question" in json.dumps(request)
    assert KEY not in result.output


@pytest.mark.parametrize("name", PROVIDERS)
def test_a_streamed_answer_arrives_in_pieces_then_verified(demo_store, name):
    server_class, spec = PROVIDERS[name]
    with server_class(Script()) as server:
        nq = NewsQA(store=demo_store, base_url=server.url, api_key=KEY)
        *pieces, answer = nq.ask_stream(QUESTION, model=spec)
    assert server.script.requests[0]["stream"] is True
    assert len(pieces) > 3 and all(isinstance(piece, str) for piece in pieces)
    assert "".join(pieces).strip() == answer.answer
    assert [c.chunk_id for c in answer.citations] == [answer.passages[0].chunk_id]


@pytest.mark.parametrize("name", PROVIDERS)
def test_a_busy_server_is_asked_again(demo_store, name):
    server_class, spec = PROVIDERS[name]
    with server_class(Script(failures=1, status=503)) as server:
        answer = NewsQA(store=demo_store, base_url=server.url, api_key=KEY).ask(
            QUESTION, model=spec
        )
    assert len(server.script.requests) == 2
    assert not answer.abstained and [c.n for c in answer.citations] == [1]


def test_an_ollama_model_that_was_not_pulled_is_one_line(demo_store):
    missing = 'model "llama3.2" not found, try pulling it first'
    with OllamaServer(Script(failures=1, status=404, message=missing)) as server:
        line = one_error_line(ask(demo_store, "ollama:llama3.2", server.url))
    assert line.startswith(
        f"error: Ollama at {server.url} does not serve 'ollama:llama3.2' (HTTP 404)"
    )


def test_a_key_anthropic_refuses_is_one_line_that_never_shows_it(demo_store):
    spec = "anthropic:claude-haiku-4-5"
    with AnthropicServer(
        Script(failures=1, status=401, message=f"invalid x-api-key {KEY}")
    ) as server:
        result = ask(demo_store, spec, server.url)
    line = one_error_line(result)
    assert f"refused the API key for {spec} (HTTP 401)" in line
    assert KEY not in result.output and KEY[:12] not in result.output


# An answer that cites nothing supporting it

UNSUPPORTED = "The ferry to Castleby sank in a winter storm [1]."


def test_an_unsupported_answer_is_replaced_by_the_extractive_one_by_default(demo_store):
    with ScriptedServer(Script(answer=UNSUPPORTED)) as server:
        answer = NewsQA(store=demo_store, base_url=server.url).ask(
            QUESTION, model="openai-compatible:scripted"
        )
    assert "Ashdown" in answer.answer and "ferry" not in answer.answer
    assert answer.supported and answer.citations
    assert any("answered extractively instead" in note for note in answer.notes)


def test_with_fallback_to_extractive_false_the_model_answer_stays_marked_unsupported(
    demo_store, private_user_dir
):
    (private_user_dir / "config.toml").write_text("fallback_to_extractive = false\n")
    with ScriptedServer(Script(answer=UNSUPPORTED)) as server:
        answer = NewsQA(store=demo_store, base_url=server.url).ask(
            QUESTION, model="openai-compatible:scripted"
        )
    assert answer.answer == UNSUPPORTED and answer.supported is False
    assert answer.model == "openai-compatible:scripted" and not answer.abstained
    assert any("does not support" in note for note in answer.notes)
    assert not any("extractively" in note for note in answer.notes)
