"""`ollama:MODEL`: a model served by a local Ollama, through llama-index's Ollama integration.

Ollama silently cuts a prompt longer than the window it is given, so the window sent with each
request (num_ctx) is the one the passages were fitted to.
"""

from __future__ import annotations

from qa.models.base import ProviderStatus
from qa.models.chat import ChatModel
from qa.models.hosted import HostedProvider, chat_model
from qa.settings import Settings

OLLAMA_URL = "http://localhost:11434"
DEFAULT_WINDOW = 4096
"""Ollama's own default is 2048 tokens (4096 in recent releases); 4096 holds 8 passages."""


class OllamaProvider(HostedProvider):
    name = "ollama"
    description = "a model pulled into a local Ollama (ollama pull llama3.2)"
    example = "newsqa ask -m ollama:llama3.2 'Who won the by-election?'"
    module = "llama_index.llms.ollama"
    example_model = "llama3.2"

    def build(self, spec: str, model_name: str, settings: Settings) -> ChatModel:
        from llama_index.llms.ollama import Ollama

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
        return chat_model(
            spec,
            llm,
            settings,
            server=f"Ollama at {base_url}",
            window=window,
            key_hint="Ollama takes no key: check the URL",
        )

    def ready(self, settings: Settings) -> ProviderStatus:
        return ProviderStatus(True, f"installed; server {server_url(settings.base_url)}")


def server_url(base_url: str | None) -> str:
    """Ollama's native API lives at the root; accept its OpenAI-style /v1 URL too."""
    url = (base_url or OLLAMA_URL).rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


provider = OllamaProvider()
