"""`anthropic:MODEL`: Anthropic's hosted models through llama-index's Anthropic integration.

An extra (`newsqa[anthropic]`): the integration pulls boto3 and google-auth for the cloud
variants, more than the other providers need.
"""

from __future__ import annotations

from qa.errors import MissingKey, UnknownModel
from qa.keys import resolve_key
from qa.models.base import ModelContext, ProviderStatus
from qa.models.chat import ChatModel
from qa.models.extras import installed, missing_detail, require
from qa.models.failures import Target

MODULE = "llama_index.llms.anthropic"
DEFAULT_WINDOW = 200_000


class AnthropicProvider:
    name = "anthropic"
    description = "Anthropic's hosted models (key: newsqa keys set anthropic, or ANTHROPIC_API_KEY)"
    example = "newsqa ask -m anthropic:claude-3-5-haiku-latest 'Who won the by-election?'"
    key_env = "ANTHROPIC_API_KEY"

    def create(self, model_name: str, context: ModelContext) -> ChatModel:
        spec = f"{self.name}:{model_name}"
        if not model_name:
            raise UnknownModel(
                "'anthropic' needs a model name, e.g. anthropic:claude-3-5-haiku-latest"
            )
        require("anthropic", spec, MODULE)
        settings = context.settings
        key = resolve_key(self.name, settings.api_key, self.key_env)
        if key is None:
            raise MissingKey(
                f"{spec} needs an API key: `newsqa keys set anthropic`, set {self.key_env}, "
                "or pass --api-key"
            )
        from llama_index.llms.anthropic import Anthropic

        llm = Anthropic(
            model=model_name,
            api_key=key.value,
            base_url=settings.base_url,
            max_tokens=settings.max_answer_tokens,
            temperature=settings.temperature,
            timeout=settings.request_timeout,
            max_retries=0,
        )
        window = settings.context_window or DEFAULT_WINDOW
        target = Target(
            spec=spec,
            server=settings.base_url or "the Anthropic API",
            key_hint="check it, then `newsqa keys set anthropic` or --api-key",
            timeout=settings.request_timeout,
            retries=settings.max_retries,
            secret=key.value,
        )
        return ChatModel(
            spec, llm, target, context_window=window, max_answer_tokens=settings.max_answer_tokens
        )

    def status(self, settings) -> ProviderStatus:
        if not installed(MODULE):
            return ProviderStatus(False, missing_detail("anthropic"))
        key = resolve_key(self.name, settings.api_key, self.key_env)
        if key is None:
            return ProviderStatus(False, f"no key: `newsqa keys set anthropic` or {self.key_env}")
        return ProviderStatus(True, f"key from {key.origin}")


provider = AnthropicProvider()
