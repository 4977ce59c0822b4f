"""`openai:MODEL` (the OpenAI API) and `openai-compatible:MODEL` (any server speaking its chat
API: llama.cpp's server, vLLM, LM Studio, Ollama's /v1...), both through llama-index's
OpenAILike, which takes the model's window as given instead of looking the name up in a table
that new model names are missing from."""

from __future__ import annotations

from qa.errors import MissingKey, ModelUnavailable, UnknownModel
from qa.keys import ResolvedKey, resolve_key
from qa.models.base import ModelContext, ProviderStatus
from qa.models.chat import ChatModel
from qa.models.extras import installed, missing_detail, require
from qa.models.failures import Target

OPENAI_URL = "https://api.openai.com/v1"
MODULE = "llama_index.llms.openai_like"
DEFAULT_WINDOW = 4096
"""Tokens assumed for a server that does not say: llama.cpp's server defaults to 2048 and
answers a longer prompt with an error, after which the passages are trimmed further."""


class OpenAIProvider:
    """Entry point `openai`. The key: --api-key, `newsqa keys set openai`, or OPENAI_API_KEY."""

    name = "openai"
    description = "OpenAI's hosted models (key: newsqa keys set openai, or OPENAI_API_KEY)"
    example = "newsqa ask -m openai:gpt-4o-mini 'Who won the by-election?'"
    key_env = "OPENAI_API_KEY"

    def create(self, model_name: str, context: ModelContext) -> ChatModel:
        spec = f"{self.name}:{model_name}"
        _need_name(self.name, model_name, "gpt-4o-mini")
        require("llm", spec, MODULE)
        settings = context.settings
        key = resolve_key(self.name, settings.api_key, self.key_env)
        if key is None:
            raise MissingKey(
                f"{spec} needs an API key: `newsqa keys set openai`, set {self.key_env}, "
                "or pass --api-key"
            )
        window = settings.context_window or _known_window(model_name)
        return build(
            spec,
            model_name,
            settings.base_url or OPENAI_URL,
            key,
            window,
            settings,
            key_hint="check it, then `newsqa keys set openai` or --api-key",
        )

    def status(self, settings) -> ProviderStatus:
        if not installed(MODULE):
            return ProviderStatus(False, missing_detail("llm"))
        key = resolve_key(self.name, settings.api_key, self.key_env)
        if key is None:
            return ProviderStatus(False, f"no key: `newsqa keys set openai` or {self.key_env}")
        return ProviderStatus(True, f"key from {key.origin}")


class OpenAICompatibleProvider:
    """Entry point `openai-compatible`: needs --base-url; a key only if the server wants one
    (never OPENAI_API_KEY: that key must not be sent to some other server)."""

    name = "openai-compatible"
    description = "any server with an OpenAI-style chat API (llama.cpp server, vLLM, LM Studio)"
    example = (
        "newsqa ask -m openai-compatible:smol --base-url http://127.0.0.1:8080/v1 "
        "'Who won the by-election?'"
    )

    def create(self, model_name: str, context: ModelContext) -> ChatModel:
        spec = f"{self.name}:{model_name}"
        _need_name(self.name, model_name, "llama3.1")
        require("llm", spec, MODULE)
        settings = context.settings
        if not settings.base_url:
            raise ModelUnavailable(
                f"{spec} needs the server's URL: --base-url http://HOST:PORT/v1 "
                "(or NEWSQA_BASE_URL, or base_url in config.toml)"
            )
        key = resolve_key(self.name, settings.api_key) or ResolvedKey("no-key", "none")
        window = settings.context_window or DEFAULT_WINDOW
        return build(
            spec,
            model_name,
            settings.base_url,
            key,
            window,
            settings,
            key_hint="pass --api-key, or `newsqa keys set openai-compatible`",
        )

    def status(self, settings) -> ProviderStatus:
        if not installed(MODULE):
            return ProviderStatus(False, missing_detail("llm"))
        if not settings.base_url:
            return ProviderStatus(True, "installed; give the server with --base-url")
        return ProviderStatus(True, f"server {settings.base_url}")


def build(spec, model_name, base_url, key, window, settings, *, key_hint) -> ChatModel:
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
    target = Target(
        spec=spec,
        server=base_url,
        key_hint=key_hint,
        timeout=settings.request_timeout,
        retries=settings.max_retries,
        secret=key.value,
    )
    return ChatModel(
        spec, llm, target, context_window=window, max_answer_tokens=settings.max_answer_tokens
    )


def _known_window(model_name: str) -> int:
    """llama-index's table of OpenAI windows; 128k (today's models) for names it lacks."""
    from llama_index.llms.openai.utils import openai_modelname_to_contextsize

    try:
        return openai_modelname_to_contextsize(model_name)
    except ValueError:
        return 128_000


def _need_name(prefix: str, model_name: str, example: str) -> None:
    if not model_name:
        raise UnknownModel(f"'{prefix}' needs a model name, e.g. {prefix}:{example}")


openai_provider = OpenAIProvider()
compatible_provider = OpenAICompatibleProvider()
