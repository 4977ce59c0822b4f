"""What a provider of answer models must offer, and what it is given."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from qa.types import Asked, Passage

if TYPE_CHECKING:
    from qa.settings import Settings


ABSTAIN_PHRASE = "The articles do not answer this question."
"""What every model writes, exactly, when the passages do not answer the question."""


@dataclass(frozen=True)
class ModelContext:
    """What a model is given besides the passages: the settings, the question as retrieval read
    it (its vector, weighted terms and the store's sentence encoder), and the day the question
    is asked as of, when one is given."""

    settings: Settings
    asked: Asked | None = None
    as_of: date | None = None


class AnswerModel(Protocol):
    """Writes an answer from numbered passages, citing them as [n] (1-based, in given order)."""

    spec: str

    def generate(self, question: str, passages: list[Passage]) -> str: ...


@runtime_checkable
class StreamingModel(AnswerModel, Protocol):
    """Also yields the answer in pieces as it is written, for terminals and streaming APIs."""

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str]: ...


@runtime_checkable
class SelfAssessingModel(StreamingModel, Protocol):
    """Also says, before writing, how likely it is to write the abstention phrase, and can
    write an answer that is not the abstention: a threshold on its own probability refuses
    better than its first choice, which a small model makes too cautiously."""

    def abstain_probability(self, question: str, passages: list[Passage]) -> float: ...

    def stream_answer(self, question: str, passages: list[Passage]) -> Iterator[str]: ...


@runtime_checkable
class WindowedModel(AnswerModel, Protocol):
    """Reads a limited number of tokens: passages are trimmed to fit before it is called."""

    context_window: int
    max_answer_tokens: int

    def count_tokens(self, text: str) -> int: ...


@runtime_checkable
class CompletingModel(AnswerModel, Protocol):
    """Also writes a short free reply to any prompt: what rewriting a follow-up question needs."""

    def complete(self, system: str, user: str, max_tokens: int) -> str: ...


@dataclass(frozen=True)
class ProviderStatus:
    usable: bool
    detail: str


class Provider(Protocol):
    """Registered under its spec prefix in the `newsqa.models` entry-point group."""

    name: str
    description: str
    example: str

    def create(self, model_name: str, context: ModelContext) -> AnswerModel: ...

    def status(self, settings: Settings) -> ProviderStatus: ...
