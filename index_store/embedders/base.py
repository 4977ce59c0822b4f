"""What every engine shares: how much text a model reads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelReading:
    """How much text a model reads: its window in tokens, and what each passage spends of it
    on special tokens and the model's own prefix."""

    window: int
    overhead: int

    @property
    def max_chunk_tokens(self) -> int:
        return self.window - self.overhead
