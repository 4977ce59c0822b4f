"""`anthropic:MODEL`: Anthropic's hosted models through llama-index's Anthropic integration."""

from __future__ import annotations

from qa.models.chat import ChatModel
from qa.models.hosted import HostedProvider, chat_model
from qa.settings import Settings

DEFAULT_WINDOW = 200_000


class AnthropicProvider(HostedProvider):
    name = "anthropic"
    description = "Anthropic's hosted models (key: newsqa keys set anthropic, or ANTHROPIC_API_KEY)"
    example = "newsqa ask -m anthropic:claude-haiku-4-5 'Who won the by-election?'"
    extra = "anthropic"
    module = "llama_index.llms.anthropic"
    example_model = "claude-haiku-4-5"
    key_env = "ANTHROPIC_API_KEY"

    def build(self, spec: str, model_name: str, settings: Settings) -> ChatModel:
        key = self.required_key(spec, settings)
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
        return chat_model(
            spec,
            llm,
            settings,
            server=settings.base_url or "the Anthropic API",
            window=settings.context_window or DEFAULT_WINDOW,
            key_hint="check it, then `newsqa keys set anthropic` or --api-key",
            secret=key.value,
        )


provider = AnthropicProvider()
