"""What every provider of a model behind an HTTP API does alike: ask for a model name, name the
extra that brings its client, resolve and require its key, say whether it can answer now, and
wrap the client in a `ChatModel` that knows where the model lives for its error messages."""

from __future__ import annotations

from typing import Any

from qa.errors import MissingKey, UnknownModel
from qa.keys import ResolvedKey, resolve_key
from qa.models.base import ModelContext, ProviderStatus
from qa.models.chat import ChatModel
from qa.models.extras import installed, missing_detail, require
from qa.models.failures import Target
from qa.settings import Settings


class HostedProvider:
    """A provider whose models answer over HTTP. Subclasses name themselves, their extra and
    client module, and build the llama-index client in `build`."""

    name: str
    description: str
    example: str
    extra: str = "llm"
    module: str
    example_model: str
    key_env: str | None = None
    """The provider's own variable for its key; a provider that has one needs a key."""

    def create(self, model_name: str, context: ModelContext) -> ChatModel:
        spec = f"{self.name}:{model_name}"
        if not model_name:
            raise UnknownModel(
                f"'{self.name}' needs a model name, e.g. {self.name}:{self.example_model}"
            )
        require(self.extra, spec, self.module)
        return self.build(spec, model_name, context.settings)

    def build(self, spec: str, model_name: str, settings: Settings) -> ChatModel:
        raise NotImplementedError

    def status(self, settings: Settings) -> ProviderStatus:
        if not installed(self.module):
            return ProviderStatus(False, missing_detail(self.extra))
        return self.ready(settings)

    def ready(self, settings: Settings) -> ProviderStatus:
        """Installed: usable once a key is found (providers without a key override this)."""
        key = resolve_key(self.name, settings.api_key, self.key_env)
        if key is None:
            return ProviderStatus(False, f"no key: `newsqa keys set {self.name}` or {self.key_env}")
        return ProviderStatus(True, f"key from {key.origin}")

    def required_key(self, spec: str, settings: Settings) -> ResolvedKey:
        key = resolve_key(self.name, settings.api_key, self.key_env)
        if key is None:
            raise MissingKey(
                f"{spec} needs an API key: `newsqa keys set {self.name}`, set {self.key_env}, "
                "or pass --api-key"
            )
        return key


def chat_model(
    spec: str,
    llm: Any,
    settings: Settings,
    *,
    server: str,
    window: int,
    key_hint: str,
    secret: str = "",
    structured: bool = False,
) -> ChatModel:
    """The client as an answer model: retries, timeouts and one-line errors naming `server`;
    `structured` when the server may be asked for JSON that follows the answer schema."""
    target = Target(
        spec=spec,
        server=server,
        key_hint=key_hint,
        timeout=settings.request_timeout,
        retries=settings.max_retries,
        secret=secret,
    )
    return ChatModel(
        spec,
        llm,
        target,
        context_window=window,
        max_answer_tokens=settings.max_answer_tokens,
        structured=structured,
    )
