"""`openai:MODEL` (the OpenAI API) and `openai-compatible:MODEL` (any server speaking its chat
API: llama.cpp's server, vLLM, LM Studio, Ollama's /v1...), both through llama-index's
OpenAILike, which takes the model's window as given instead of looking the name up in a table
that new model names are missing from."""

from __future__ import annotations

from qa.errors import ModelUnavailable
from qa.keys import ResolvedKey, resolve_key
from qa.models.base import ProviderStatus
from qa.models.chat import ChatModel
from qa.models.hosted import HostedProvider, chat_model
from qa.settings import Settings

OPENAI_URL = "https://api.openai.com/v1"
MODULE = "llama_index.llms.openai_like"
DEFAULT_WINDOW = 4096
"""Tokens assumed for a server that does not say: llama.cpp's server defaults to 2048 and
answers a longer prompt with an error, after which the passages are trimmed further."""


class OpenAIProvider(HostedProvider):
    """Entry point `openai`. The key: --api-key, `newsqa keys set openai`, or OPENAI_API_KEY."""

    name = "openai"
    description = "OpenAI's hosted models (key: newsqa keys set openai, or OPENAI_API_KEY)"
    example = "newsqa ask -m openai:gpt-4o-mini 'Who won the by-election?'"
    module = MODULE
    example_model = "gpt-4o-mini"
    key_env = "OPENAI_API_KEY"

    def build(self, spec: str, model_name: str, settings: Settings) -> ChatModel:
        key = self.required_key(spec, settings)
        window = settings.context_window or _known_window(model_name)
        return _openai_like(
            spec,
            model_name,
            settings.base_url or OPENAI_URL,
            key,
            window,
            settings,
            key_hint="check it, then `newsqa keys set openai` or --api-key",
        )


class OpenAICompatibleProvider(HostedProvider):
    """Entry point `openai-compatible`: needs --base-url; a key only if the server wants one
    (never OPENAI_API_KEY: that key must not be sent to some other server)."""

    name = "openai-compatible"
    description = "any server with an OpenAI-style chat API (llama.cpp server, vLLM, LM Studio)"
    example = (
        "newsqa ask -m openai-compatible:smol --base-url http://127.0.0.1:8080/v1 "
        "'Who won the by-election?'"
    )
    module = MODULE
    example_model = "llama3.1"

    def build(self, spec: str, model_name: str, settings: Settings) -> ChatModel:
        if not settings.base_url:
            raise ModelUnavailable(
                f"{spec} needs the server's URL: --base-url http://HOST:PORT/v1 "
                "(or NEWSQA_BASE_URL, or base_url in config.toml)"
            )
        key = resolve_key(self.name, settings.api_key) or ResolvedKey("no-key", "none")
        return _openai_like(
            spec,
            model_name,
            settings.base_url,
            key,
            settings.context_window or DEFAULT_WINDOW,
            settings,
            key_hint="pass --api-key, or `newsqa keys set openai-compatible`",
        )

    def ready(self, settings: Settings) -> ProviderStatus:
        if not settings.base_url:
            return ProviderStatus(True, "installed; give the server with --base-url")
        return ProviderStatus(True, f"server {settings.base_url}")


def _openai_like(
    spec: str,
    model_name: str,
    base_url: str,
    key: ResolvedKey,
    window: int,
    settings: Settings,
    *,
    key_hint: str,
) -> ChatModel:
    from llama_index.llms.openai_like import OpenAILike

    llm = OpenAILike(
        model=model_name,
        api_base=base_url,
        api_key=key.value,
        is_chat_model=True,
        context_window=window,
        max_tokens=settings.max_answer_tokens,
        temperature=settings.temperature,
        timeout=settings.request_timeout,
        max_retries=0,
    )
    return chat_model(
        spec,
        llm,
        settings,
        server=base_url,
        window=window,
        key_hint=key_hint,
        secret=key.value,
        structured=settings.structured_output,
    )


def _known_window(model_name: str) -> int:
    """llama-index's table of OpenAI windows; 128k (today's models) for names it lacks."""
    from llama_index.llms.openai.utils import openai_modelname_to_contextsize

    try:
        return openai_modelname_to_contextsize(model_name)
    except ValueError:
        return 128_000


openai_provider = OpenAIProvider()
compatible_provider = OpenAICompatibleProvider()
