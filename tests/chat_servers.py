"""Real HTTP servers on 127.0.0.1 for the model tests.

`LlamaServer` runs llama.cpp's OpenAI-compatible server (`python -m llama_cpp.server`) on the
SmolLM2 GGUF. The scripted servers speak a provider's real protocol with a fixed behaviour (fail
with a status N times, hang, refuse long prompts), for what a real model server cannot be made to
do on demand: `ScriptedServer` OpenAI's chat completions (SSE streaming), `OllamaServer` Ollama's
/api/chat (NDJSON streaming), `AnthropicServer` Anthropic's /v1/messages (SSE events). Their
answers quote the first passage they are sent, citing [1], unless the script gives the answer.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaServer:
    """`python -m llama_cpp.server` on a free port, ready when /v1/models answers."""

    def __init__(self, model: Path, alias: str, *extra: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model)]
        command += ["--model_alias", alias, "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--n_threads", "1", "--n_threads_batch", "1", *extra]
        # llama.cpp logs ~200 kB while loading: a pipe nobody reads would fill and stall it.
        self.log = tempfile.NamedTemporaryFile("w+", prefix="llama-server-")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready(headers=_auth(extra))

    def _wait_ready(self, headers: dict[str, str], seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"llama_cpp.server exited: {self.log.read()[-2000:]}")
            try:
                request = urllib.request.Request(f"{self.url}/models", headers=headers)
                with urllib.request.urlopen(request, timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("llama_cpp.server did not start within 120 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _auth(extra: tuple[str, ...]) -> dict[str, str]:
    if "--api_key" in extra:
        return {"Authorization": f"Bearer {extra[extra.index('--api_key') + 1]}"}
    return {}


@dataclass
class Script:
    """How a scripted server behaves: fail `failures` times with `status` (and `message`),
    hang for `hang` seconds, answer 400 'context length exceeded' to prompts over `max_chars`
    (OpenAI's protocol), honour the response_format types in `formats`, and answer `answer`
    (default: passage 1's first sentence, citing [1]). It records each request body and the
    header that carries the key."""

    failures: int = 0
    status: int = 503
    message: str = "server busy"
    hang: float = 0.0
    max_chars: int | None = None
    answer: str | None = None
    rewrite: str | None = None
    """The reply to a request to rewrite a follow-up question (`qa.conversation.rewrite`)."""
    formats: tuple[str, ...] | None = None
    """response_format types it honours, answering in the contract's JSON; others get a 400.
    None: it ignores response_format and answers in plain text, as many servers do."""
    requests: list[dict] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)


class _ScriptedHandler(BaseHTTPRequestHandler):
    """The script, played in some provider's protocol (the subclasses)."""

    script: Script
    key_header = "Authorization"

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        script = self.script
        script.requests.append(body)
        script.authorizations.append(self.headers.get(self.key_header, ""))
        if script.hang:
            time.sleep(script.hang)
        if len(script.requests) <= script.failures:
            return self._send(script.status, self.error(script.message))
        prompt = self.prompt(body)
        if script.max_chars is not None and len(prompt) > script.max_chars:
            message = f"This model's maximum context length is {script.max_chars} tokens"
            return self._send(
                400, {"error": {"message": message, "code": "context_length_exceeded"}}
            )
        text = script.answer or _first_sentence(prompt) + " [1]."
        if script.rewrite is not None and "Last question:" in prompt:
            text = script.rewrite
        wanted = (body.get("response_format") or {}).get("type")
        if script.formats is not None and wanted:
            if wanted not in script.formats:
                message = f"response_format type '{wanted}' is not supported"
                return self._send(400, self.error(message))
            text = json.dumps({"answer": _first_sentence(prompt), "passages": [1]})
        if body.get("stream"):
            return self.stream(body["model"], re.findall(r"\S+\s*", text))
        return self._send(200, self.reply(body["model"], text))

    def prompt(self, body: dict) -> str:
        return "".join(m["content"] for m in body["messages"])

    def error(self, message: str) -> dict:
        return {"error": {"message": message}}

    def reply(self, model: str, text: str) -> dict:
        raise NotImplementedError

    def stream(self, model: str, words: list[str]) -> None:
        raise NotImplementedError

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _start_stream(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.end_headers()


class _OpenAIHandler(_ScriptedHandler):
    """POST /v1/chat/completions; streams server-sent events, a chunk per word, then [DONE]."""

    def reply(self, model: str, text: str) -> dict:
        return {
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def stream(self, model: str, words: list[str]) -> None:
        self._start_stream("text/event-stream")
        for word in words:
            chunk = {
                "id": "chatcmpl-scripted",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")


class _OllamaHandler(_ScriptedHandler):
    """POST /api/chat as Ollama answers it; streams JSON lines (application/x-ndjson), a message
    per word, then one with `done: true` and the counts. Errors are `{"error": "..."}`."""

    def error(self, message: str) -> dict:
        return {"error": message}

    def reply(self, model: str, text: str) -> dict:
        return {**self._message(model, text), **_OLLAMA_DONE}

    def stream(self, model: str, words: list[str]) -> None:
        self._start_stream("application/x-ndjson")
        for word in words:
            line = {**self._message(model, word), "done": False}
            self.wfile.write(json.dumps(line).encode() + b"\n")
        self.wfile.write(json.dumps({**self._message(model, ""), **_OLLAMA_DONE}).encode() + b"\n")

    @staticmethod
    def _message(model: str, text: str) -> dict:
        return {
            "model": model,
            "created_at": "2025-06-30T10:00:00.000000Z",
            "message": {"role": "assistant", "content": text},
        }


_OLLAMA_DONE = {
    "done": True,
    "done_reason": "stop",
    "total_duration": 1_000_000,
    "load_duration": 1_000,
    "prompt_eval_count": 10,
    "prompt_eval_duration": 1_000,
    "eval_count": 5,
    "eval_duration": 1_000,
}


class _AnthropicHandler(_ScriptedHandler):
    """POST /v1/messages as Anthropic answers it (key in x-api-key); streams the named server-sent
    events message_start, content_block_start, ping, a content_block_delta per word,
    content_block_stop, message_delta, message_stop. Errors are `{"type": "error", ...}`."""

    key_header = "x-api-key"

    def prompt(self, body: dict) -> str:
        parts = [body.get("system") or "", *(m["content"] for m in body["messages"])]
        return "".join(_text_of(part) for part in parts)

    def error(self, message: str) -> dict:
        return {"type": "error", "error": {"type": "api_error", "message": message}}

    def reply(self, model: str, text: str) -> dict:
        return {
            **self._message(model),
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 10, "output_tokens": 5},
        }

    def stream(self, model: str, words: list[str]) -> None:
        self._start_stream("text/event-stream")
        started = {**self._message(model), "content": [], "stop_reason": None}
        started["usage"] = {"input_tokens": 10, "output_tokens": 1}
        self._event("message_start", {"message": started})
        block = {"type": "text", "text": ""}
        self._event("content_block_start", {"index": 0, "content_block": block})
        self._event("ping", {})
        for word in words:
            delta = {"type": "text_delta", "text": word}
            self._event("content_block_delta", {"index": 0, "delta": delta})
        self._event("content_block_stop", {"index": 0})
        stopped = {"stop_reason": "end_turn", "stop_sequence": None}
        self._event("message_delta", {"delta": stopped, "usage": {"output_tokens": len(words)}})
        self._event("message_stop", {})

    def _event(self, kind: str, data: dict) -> None:
        self.wfile.write(f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode())

    @staticmethod
    def _message(model: str) -> dict:
        return {
            "id": "msg_scripted",
            "type": "message",
            "role": "assistant",
            "model": model,
            "stop_sequence": None,
        }


def _text_of(content: str | list) -> str:
    """Anthropic's content: a string, or a list of blocks whose text blocks count."""
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content)


class ScriptedServer:
    """A scripted server on a free 127.0.0.1 port; `url` is what --base-url takes."""

    handler: type[_ScriptedHandler] = _OpenAIHandler
    url_path = "/v1"

    def __init__(self, script: Script) -> None:
        self.script = script
        handler = type("Handler", (self.handler,), {"script": script})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{self.url_path}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


class OllamaServer(ScriptedServer):
    handler = _OllamaHandler
    url_path = ""


class AnthropicServer(ScriptedServer):
    handler = _AnthropicHandler
    url_path = ""


def _first_sentence(prompt: str) -> str:
    found = re.search(r'<passage n="1"[^>]*>\n(.+?[.!?])\s', prompt, re.S)
    return found.group(1).strip().rstrip(".") if found else "No passage"
