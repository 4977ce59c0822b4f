"""An answer model over any llama-index LLM: our prompt in, text or text pieces out.

Every LLM provider (OpenAI, OpenAI-compatible servers, Ollama, Anthropic, llama.cpp in-process)
builds one of these around its llama-index integration, so prompting, retries, streaming and
error messages are the same for all of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from typing import Any

from qa.models.failures import Target, call_with_retries, explain
from qa.models.prompting import build_prompt
from qa.types import Passage

CHARS_PER_TOKEN = 3
"""For servers whose tokenizer we cannot run: English BPE averages about 4 characters a token,
so counting 3 errs on the side of a prompt that fits."""


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
    ) -> None:
        self.spec = spec
        self.llm = llm
        self.target = target
        self.context_window = context_window
        self.max_answer_tokens = max_answer_tokens
        self._count = count_tokens
        self._lock = lock

    def count_tokens(self, text: str) -> int:
        if self._count is not None:
            return self._count(text)
        return len(text) // CHARS_PER_TOKEN + 1

    def generate(self, question: str, passages: list[Passage]) -> str:
        messages = self._messages(question, passages)
        with self._lock or nullcontext():
            response = call_with_retries(lambda: self.llm.chat(messages), self.target)
        return response.message.content or ""

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str]:
        """Text pieces as the model writes them. The request is retried until the first piece
        arrives; a failure after that ends the answer with an error (nothing is repeated).
        A stream that ends before any piece is asked again without streaming: some servers
        (llama.cpp's) end the stream silently where a plain request gets the error."""
        messages = self._messages(question, passages)
        with self._lock or nullcontext():

            def first_piece() -> tuple[Any, Iterator[Any]]:
                pieces = iter(self.llm.stream_chat(messages))
                return next(pieces, None), pieces

            first, rest = call_with_retries(first_piece, self.target)
            if first is None:
                response = call_with_retries(lambda: self.llm.chat(messages), self.target)
                yield response.message.content or ""
                return
            yield first.delta or ""
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
