"""An answer model over any llama-index LLM: our prompt in, text or text pieces out.

Every hosted or served provider (OpenAI, OpenAI-compatible servers, Ollama, Anthropic) builds one
of these around its llama-index integration, so prompting, retries, streaming and error messages
are the same for all of them.

An OpenAI-style server can be asked to constrain its output to the answer contract's JSON schema
(`response_format`). Servers spell that two ways: OpenAI, vLLM and LM Studio take
`{"type": "json_schema", ...}`, llama.cpp's Python server takes `{"type": "json_object",
"schema": ...}`. Each is tried in that order, once per server and model, the first the server
accepts is remembered, and a server that takes neither gets the plain prompt; the JSON it
returns is turned back into the contract's text (`contract.JsonAnswer`), as it streams.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from typing import Any

from qa.models.contract import JsonAnswer, answer_schema
from qa.models.failures import Target, call_with_retries, explain, is_context_error, status_of
from qa.models.prompting import build_prompt
from qa.types import Passage

CHARS_PER_TOKEN = 3
"""For servers whose tokenizer we cannot run: English BPE averages about 4 characters a token,
so counting 3 errs on the side of a prompt that fits."""
FORMATS = ("json_schema", "json_object", None)
"""The ways to ask for the contract's JSON, in the order tried; None is the plain prompt."""
REFUSED_FORMAT = (400, 422)
"""Statuses with which a server refuses a response_format it does not know (llama.cpp's
Python server answers 500 naming the field instead)."""
_accepted: dict[tuple[str, str], str | None] = {}
"""The format each (server, model) accepted, for this process."""
_REFUSED = object()


class ChatModel:
    """`generate` and `stream` for a llama-index LLM; knows its window for prompt fitting."""

    def __init__(
        self,
        spec: str,
        llm: Any,
        target: Target,
        *,
        context_window: int,
        max_answer_tokens: int,
        count_tokens: Callable[[str], int] | None = None,
        lock: threading.Lock | None = None,
        structured: bool = False,
    ) -> None:
        self.spec = spec
        self.llm = llm
        self.target = target
        self.context_window = context_window
        self.max_answer_tokens = max_answer_tokens
        self._count = count_tokens
        self._lock = lock
        self._structured = structured

    def count_tokens(self, text: str) -> int:
        if self._count is not None:
            return self._count(text)
        return len(text) // CHARS_PER_TOKEN + 1

    def generate(self, question: str, passages: list[Passage]) -> str:
        return "".join(self.stream(question, passages))

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str]:
        """Text pieces as the model writes them. The request is retried until the first piece
        arrives; a failure after that ends the answer with an error (nothing is repeated).
        A stream that ends before any piece is asked again without streaming: some servers
        (llama.cpp's) end the stream silently where a plain request gets the error."""
        messages = self._messages(question, passages)
        with self._lock or nullcontext():
            format_name, first, rest = self._open(messages, len(passages))
            json_answer = JsonAnswer() if format_name else None
            for piece in self._pieces(first, rest):
                shown = json_answer.feed(piece) if json_answer else piece
                if shown:
                    yield shown
            if json_answer is not None:
                yield json_answer.close()

    def complete(self, system: str, user: str, max_tokens: int) -> str:
        """A short plain reply, with the retries and errors of an answer."""
        from llama_index.core.llms import ChatMessage

        messages = [
            ChatMessage(role="system", content=system),
            ChatMessage(role="user", content=user),
        ]
        with self._lock or nullcontext():
            response = call_with_retries(
                lambda: self.llm.chat(messages, max_tokens=max_tokens), self.target
            )
        return response.message.content or ""

    def _open(self, messages: list[Any], count: int) -> tuple[str | None, str, Iterator[Any]]:
        """The first piece of a stream (or a whole response) and the rest, in the first output
        format the server accepts."""
        key = (self.target.server, self.spec)
        formats = [_accepted[key]] if key in _accepted else self._formats()
        for name in formats:
            kwargs = _response_format(name, count)
            first, rest = call_with_retries(self._first_piece(messages, kwargs), self.target)
            if first is _REFUSED:
                continue
            _accepted[key] = name
            if first is None:
                response = call_with_retries(
                    lambda kwargs=kwargs: self.llm.chat(messages, **kwargs), self.target
                )
                return name, response.message.content or "", iter(())
            return name, first.delta or "", rest
        raise AssertionError("the plain prompt is always tried last")

    def _formats(self) -> tuple[str | None, ...]:
        return FORMATS if self._structured else (None,)

    def _first_piece(
        self, messages: list[Any], kwargs: dict[str, Any]
    ) -> Callable[[], tuple[Any, Iterator[Any]]]:
        """A call giving the stream's first piece (None when it ends at once) and the rest, or
        `_REFUSED` when the server does not take the requested response_format."""

        def first_piece() -> tuple[Any, Iterator[Any]]:
            try:
                pieces = iter(self.llm.stream_chat(messages, **kwargs))
                return next(pieces, None), pieces
            except Exception as error:
                if kwargs and _refuses_format(error):
                    return _REFUSED, iter(())
                raise

        return first_piece

    def _pieces(self, first: str, rest: Iterator[Any]) -> Iterator[str]:
        yield first
        try:
            for piece in rest:
                if piece.delta:
                    yield piece.delta
        except Exception as error:
            raise explain(error, self.target) from None

    def _messages(self, question: str, passages: list[Passage]) -> list[Any]:
        from llama_index.core.llms import ChatMessage

        prompt = build_prompt(question, passages)
        return [
            ChatMessage(role="system", content=prompt.system),
            ChatMessage(role="user", content=prompt.user),
        ]


def _refuses_format(error: Exception) -> bool:
    if is_context_error(error):
        return False
    return status_of(error) in REFUSED_FORMAT or "response_format" in str(error)


def _response_format(name: str | None, count: int) -> dict[str, Any]:
    schema = answer_schema(count)
    if name == "json_schema":
        spec = {"name": "cited_answer", "schema": schema, "strict": True}
        return {"response_format": {"type": "json_schema", "json_schema": spec}}
    if name == "json_object":
        return {"response_format": {"type": "json_object", "schema": schema}}
    return {}
