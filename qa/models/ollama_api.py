"""`ollama:MODEL`: a model served by a local Ollama, through llama-index's Ollama integration.

Ollama silently cuts a prompt longer than the window it is given, so the window sent with each
request (num_ctx) is the one the passages were fitted to.
"""

from __future__ import annotations

from qa.errors import UnknownModel
from qa.models.base import ModelContext, ProviderStatus
from qa.models.chat import ChatModel
from qa.models.extras import installed, missing_detail, require
from qa.models.failures import Target

MODULE = "llama_index.llms.ollama"
OLLAMA_URL = "http://localhost:11434"
DEFAULT_WINDOW = 4096
"""Ollama's own default is 2048 tokens (4096 in recent releases); 4096 holds 8 passages."""


class OllamaProvider:
    name = "ollama"
    description = "a model pulled into a local Ollama (ollama pull llama3.2)"
    example = "newsqa ask -m ollama:llama3.2 'Who won the by-election?'"

    def create(self, model_name: str, context: ModelContext) -> ChatModel:
        spec = f"{self.name}:{model_name}"
        if not model_name:
            raise UnknownModel("'ollama' needs a model name, e.g. ollama:llama3.2")
        require("llm", spec, MODULE)
        from llama_index.llms.ollama import Ollama

        settings = context.settings
        base_url = server_url(settings.base_url)
        window = settings.context_window or DEFAULT_WINDOW
        llm = Ollama(
            model=model_name,
            base_url=base_url,
            request_timeout=settings.request_timeout,
            temperature=settings.temperature,
            context_window=window,
            additional_kwargs={"num_predict": settings.max_answer_tokens},
        )
        target = Target(
            spec=spec,
            server=f"Ollama at {base_url}",
            key_hint="Ollama takes no key: check the URL",
            timeout=settings.request_timeout,
            retries=settings.max_retries,
        )
        return ChatModel(
            spec, llm, target, context_window=window, max_answer_tokens=settings.max_answer_tokens
        )

    def status(self, settings) -> ProviderStatus:
        if not installed(MODULE):
            return ProviderStatus(False, missing_detail("llm"))
        return ProviderStatus(True, f"installed; server {server_url(settings.base_url)}")


def server_url(base_url: str | None) -> str:
    """Ollama's native API lives at the root; accept its OpenAI-style /v1 URL too."""
    url = (base_url or OLLAMA_URL).rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


provider = OllamaProvider()
