"""API keys never leak: with fake keys in the environment, in the keys file and on the command
line, no command's output, error, log record, eval report or stored file holds any of them, even
when a server echoes the key back in its error message (as OpenAI's does).
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from qa.cli import app
from tests.conftest import DEMO

TOKEN = secrets.token_hex(16)
KEYS = {
    "OPENAI_API_KEY": f"sk-env-openai-{TOKEN}a",
    "ANTHROPIC_API_KEY": f"sk-ant-env-{TOKEN}b",
    "keys file: openai-compatible": f"sk-file-compat-{TOKEN}c",
    "keys file: anthropic": f"sk-file-anthropic-{TOKEN}d",
    "--api-key": f"sk-flag-{TOKEN}e",
}
ANSWER = "The storm cut power to 6,200 homes [1]."


class FakeOpenAI(BaseHTTPRequestHandler):
    """/ok answers every chat request; /bad refuses it, quoting the key like OpenAI does."""

    seen_keys: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        FakeOpenAI.seen_keys.append(key)
        if self.path.startswith("/bad/"):
            message = f"Incorrect API key provided: {key}. You can find your API key at ..."
            body = {"error": {"message": message, "type": "invalid_request_error"}}
            self._send(401, body)
            return
        self._send(
            200,
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 0,
                "model": "fake",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": ANSWER},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def leaks(text: str) -> list[str]:
    """Which keys, or a recognisable part of one, appear in `text`."""
    found = [name for name, key in KEYS.items() if key in text or key[-12:] in text]
    return found + (["the keys' random part"] if TOKEN[:12] in text else [])


@pytest.mark.usefixtures("no_proxy_for_local_server")
def test_no_command_output_log_report_or_file_holds_a_key(
    server, tmp_path, private_user_dir, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.setenv(name, KEYS[name])
    (private_user_dir / "keys.json").write_text(
        json.dumps(
            {
                "openai-compatible": KEYS["keys file: openai-compatible"],
                "anthropic": KEYS["keys file: anthropic"],
            }
        )
    )
    store, out = tmp_path / "store", tmp_path / "eval-run"
    ok, bad = f"{server}/ok/v1", f"{server}/bad/v1"
    down = f"http://127.0.0.1:{closed_port()}/v1"
    question = "How many homes lost power in Storm Ilse?"
    compat = ["-m", "openai-compatible:fake", "--no-stream"]
    openai = ["-m", "openai:gpt-4o-mini", "--no-stream"]
    commands = [
        ["ingest", DEMO / "articles", "--store", store],
        ["ask", question, "--store", store],
        ["search", "storm", "--store", store, "--json"],
        ["sources", "--store", store],
        ["stats", "--store", store, "--json"],
        ["models"],
        ["keys", "list"],
        ["ask", question, "--store", store, *compat, "--base-url", ok, "--json"],
        ["ask", question, "--store", store, *compat, "--base-url", bad],
        ["ask", question, "--store", store, *openai, "--base-url", bad],
        ["ask", question, "--store", store, *openai, "--base-url", ok, "--json"],
        [
            "ask",
            question,
            "--store",
            store,
            *openai,
            "--base-url",
            bad,
            "--api-key",
            KEYS["--api-key"],
        ],  # fmt: skip
        ["ask", question, "--store", store, *compat, "--base-url", down],
        ["ask", question, "--store", store, "-m", "anthropic:claude-x", "--base-url", bad],
        [
            "eval",
            "run",
            DEMO / "demo-qa.jsonl",
            "--store",
            store,
            "--limit",
            "2",
            "-m",
            "openai-compatible:fake",
            "--out",
            out,
        ],  # fmt: skip
        [
            "eval",
            "run",
            DEMO / "demo-qa.jsonl",
            "--store",
            store,
            "--limit",
            "1",
            "-m",
            "openai:gpt-4o-mini",
            "--out",
            tmp_path / "eval-bad",
        ],  # fmt: skip
    ]
    produced = []
    for command in commands:
        env = {"NEWSQA_BASE_URL": ok} if command[:2] == ["eval", "run"] else {}
        if "eval-bad" in str(command[-1]):
            env = {"NEWSQA_BASE_URL": bad}
        result = CliRunner().invoke(app, [str(part) for part in command], env=env)
        shown = f"{result.stdout}\n{result.stderr}\n{result.exception!r}"
        produced.append((" ".join(map(str, command[:3])), shown))
        assert "Traceback" not in result.output, shown
    sent = set(FakeOpenAI.seen_keys)
    assert {KEYS["OPENAI_API_KEY"], KEYS["keys file: openai-compatible"]} <= sent
    assert KEYS["--api-key"] in sent, "the keys must really have been used"
    assert "HTTP 401" in " ".join(text for _, text in produced), "the refused-key paths ran"
    produced.append(("log records", caplog.text))
    for path in [*private_user_dir.rglob("*"), *store.rglob("*"), *tmp_path.rglob("eval*/*")]:
        if path.is_file() and path.name != "keys.json":
            produced.append((str(path), path.read_bytes().decode("utf-8", "replace")))
    found = {where: leaks(text) for where, text in produced if leaks(text)}
    assert not found, f"keys leaked: {found}"
    assert out.exists() and any(out.iterdir())


def test_keys_set_does_not_echo_the_key():
    key = f"sk-typed-{TOKEN}"
    result = CliRunner().invoke(app, ["keys", "set", "openai"], input=key + "\n")
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output and key not in result.output
    listed = CliRunner().invoke(app, ["keys", "list"])
    assert "openai" in listed.stdout and TOKEN not in listed.output
