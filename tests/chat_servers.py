"""Real HTTP servers on 127.0.0.1 for the model tests.

`LlamaServer` runs llama.cpp's OpenAI-compatible server (`python -m llama_cpp.server`) on the
SmolLM2 GGUF. `ScriptedServer` speaks the same chat-completions API with a fixed behaviour (fail
with a status N times, hang, refuse long prompts), for the failures a real model server cannot
be made to produce on demand; its answers quote the first passage it is sent, citing [1].
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
    """How the scripted server behaves: fail `failures` times with `status` (and `message`),
    hang for `hang` seconds, answer 400 'context length exceeded' to prompts over `max_chars`."""

    failures: int = 0
    status: int = 503
    message: str = "server busy"
    hang: float = 0.0
    max_chars: int | None = None
    requests: list[dict] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)


class ScriptedServer:
    def __init__(self, script: Script) -> None:
        self.script = script
        handler = type("Handler", (_ChatHandler,), {"script": script})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


class _ChatHandler(BaseHTTPRequestHandler):
    script: Script

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        script = self.script
        script.requests.append(body)
        script.authorizations.append(self.headers.get("Authorization", ""))
        if script.hang:
            time.sleep(script.hang)
        prompt = "".join(m["content"] for m in body["messages"])
        if len(script.requests) <= script.failures:
            return self._send(script.status, {"error": {"message": script.message}})
        if script.max_chars is not None and len(prompt) > script.max_chars:
            message = f"This model's maximum context length is {script.max_chars} tokens"
            return self._send(
                400, {"error": {"message": message, "code": "context_length_exceeded"}}
            )
        text = _first_sentence(prompt) + " [1]."
        if body.get("stream"):
            return self._stream(body["model"], text)
        return self._send(200, _completion(body["model"], text))

    def _stream(self, model: str, text: str) -> None:
        """Server-sent events as OpenAI sends them: a chunk per word, then [DONE]."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for word in re.findall(r"\S+\s*", text):
            self.wfile.write(f"data: {json.dumps(_chunk(model, word))}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _first_sentence(prompt: str) -> str:
    found = re.search(r'<passage n="1"[^>]*>\n(.+?[.!?])\s', prompt, re.S)
    return found.group(1).strip().rstrip(".") if found else "No passage"


def _completion(model: str, text: str) -> dict:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(model: str, piece: str) -> dict:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
    }
