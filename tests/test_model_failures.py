"""What a user sees when a model server misbehaves: one `error:` line saying what to do, or an
answer after retries / trimming, and never the key. Servers are real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qa import NewsQA
from qa.cli import app
from qa.errors import MissingKey, ModelUnavailable
from tests.chat_servers import Script, ScriptedServer, free_port

QUESTION = "Who won the Quayside ward by-election?"
SECRET = "sk-secret-0123456789abcdef"


def ask(store, url: str, *options: str):
    args = ["ask", QUESTION, "--store", str(store), "-m", "openai-compatible:scripted"]
    return CliRunner().invoke(app, [*args, "--base-url", url, "--no-stream", *options])


def answered_by_the_server(answer) -> bool:
    """The scripted server quotes passage 1 and cites it; a fallback would say so in notes."""
    return (
        not answer.abstained
        and [c.n for c in answer.citations] == [1]
        and not any("extractively" in note for note in answer.notes)
    )


def one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_a_server_that_is_down_is_one_line_naming_the_url(demo_store):
    url = f"http://127.0.0.1:{free_port()}/v1"
    line = one_error_line(ask(demo_store, url))
    assert f"cannot reach {url} for openai-compatible:scripted" in line


def test_a_server_that_does_not_answer_in_time_is_a_timeout_error(demo_store, monkeypatch):
    monkeypatch.setenv("NEWSQA_REQUEST_TIMEOUT", "1")
    with ScriptedServer(Script(hang=4)) as server:
        line = one_error_line(ask(demo_store, server.url))
    assert "did not answer openai-compatible:scripted within 1 s" in line


@pytest.mark.parametrize("status", [429, 503])
def test_rate_limits_and_server_errors_are_retried_with_backoff(demo_store, status):
    with ScriptedServer(Script(failures=2, status=status)) as server:
        answer = NewsQA(store=demo_store, base_url=server.url, max_retries=2).ask(
            QUESTION, model="openai-compatible:scripted"
        )
    assert len(server.script.requests) == 3
    assert answered_by_the_server(answer)


def test_a_server_that_keeps_failing_says_so_after_the_retries(demo_store, monkeypatch):
    monkeypatch.setenv("NEWSQA_MAX_RETRIES", "1")
    with ScriptedServer(Script(failures=5, status=502, message="bad gateway")) as server:
        line = one_error_line(ask(demo_store, server.url))
    assert len(server.script.requests) == 2
    assert "kept failing for openai-compatible:scripted (HTTP 502) after 1 retries" in line


def test_a_refused_key_is_one_line_that_never_shows_the_key(demo_store):
    echoed = f"Incorrect API key provided: {SECRET}"
    with ScriptedServer(Script(failures=1, status=401, message=echoed)) as server:
        result = ask(demo_store, server.url, "--api-key", SECRET)
        line = one_error_line(result)
    assert "refused the API key for openai-compatible:scripted (HTTP 401)" in line
    assert SECRET not in result.output and SECRET[:12] not in result.output


def test_an_unknown_model_name_is_one_line(demo_store):
    with ScriptedServer(Script(failures=1, status=404, message="model not found")) as server:
        line = one_error_line(ask(demo_store, server.url))
    assert "does not serve 'openai-compatible:scripted' (HTTP 404)" in line


def test_a_prompt_too_long_for_the_server_is_trimmed_and_the_answer_says_so(demo_store):
    with ScriptedServer(Script(max_chars=2500)) as server:
        answer = NewsQA(
            store=demo_store, base_url=server.url, context_window=8192, evidence_tokens=0
        ).ask(QUESTION, k=5, model="openai-compatible:scripted")
    refused, accepted = server.script.requests[0], server.script.requests[-1]
    assert len(str(accepted["messages"])) < len(str(refused["messages"]))
    assert any("refused the prompt as too long" in note for note in answer.notes)
    assert any(note.startswith("kept 1 of 5 passages") for note in answer.notes)
    assert answered_by_the_server(answer)


def test_passages_are_fitted_to_a_small_window_before_sending(demo_store):
    with ScriptedServer(Script()) as server:
        answer = NewsQA(
            store=demo_store, base_url=server.url, context_window=2048, evidence_tokens=0
        ).ask(QUESTION, k=8, model="openai-compatible:scripted")
    sent = server.script.requests[0]["messages"][1]["content"]
    assert 1 <= sent.count("<passage ") < 8
    kept = f"kept {sent.count('<passage ')} of 8 passages to fit the model's 2048-token window"
    assert kept in answer.notes
    assert answered_by_the_server(answer)


def test_errors_raised_by_the_library_are_domain_errors_without_the_key(demo_store):
    with ScriptedServer(Script(failures=1, status=401, message=SECRET)) as server:
        newsqa = NewsQA(store=demo_store, base_url=server.url, api_key=SECRET)
        with pytest.raises(MissingKey) as refused:
            newsqa.ask(QUESTION, model="openai-compatible:scripted")
    assert SECRET not in str(refused.value) and SECRET not in repr(newsqa.settings)
    with pytest.raises(ModelUnavailable, match="needs the server's URL"):
        NewsQA(store=demo_store).ask(QUESTION, model="openai-compatible:scripted")


def test_an_eval_run_with_a_key_never_writes_the_key(demo_store, tmp_path):
    from eval.runner import run_suite
    from tests.conftest import DEMO

    with ScriptedServer(Script()) as server:
        run_suite(
            DEMO / "demo-qa.jsonl",
            NewsQA(store=demo_store, base_url=server.url, api_key=SECRET),
            model="openai-compatible:scripted",
            limit=2,
            out=tmp_path / "run",
        )
    rows = [json.loads(line) for line in (tmp_path / "run" / "results.jsonl").open()]
    assert [row["answer"]["model"] for row in rows] == ["openai-compatible:scripted"] * 2
    written = [p for p in (tmp_path / "run").rglob("*") if p.is_file()]
    assert len(written) >= 3
    assert all(SECRET not in p.read_text(encoding="utf-8") for p in written)
