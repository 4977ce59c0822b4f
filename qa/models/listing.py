"""What `newsqa models`, `/api/models` and the page show: every provider and whether it can
answer now, and every named model with whether its file is there. One listing for all three."""

from __future__ import annotations

from dataclasses import dataclass

from qa.models.named import NamedModel, named_models
from qa.models.registry import providers


@dataclass(frozen=True)
class ProviderRow:
    name: str
    description: str
    example: str
    usable: bool
    detail: str


@dataclass(frozen=True)
class NamedRow:
    """A named model; `file` says "served" (no local file), "file missing" or its size."""

    name: str
    spec: str
    file: str
    size: int | None
    usable: bool


@dataclass(frozen=True)
class ModelListing:
    default: str
    providers: list[ProviderRow]
    named: list[NamedRow]


def list_models(settings) -> ModelListing:
    """Providers by name, then named models by name; no key is ever part of a row."""
    found = providers()
    rows = []
    for name, provider in sorted(found.items()):
        status = provider.status(settings)
        rows.append(
            ProviderRow(name, provider.description, provider.example, status.usable, status.detail)
        )
    usable = {row.name for row in rows if row.usable}
    named = [_named_row(model, usable) for _, model in sorted(named_models().items())]
    return ModelListing(settings.model, rows, named)


def _named_row(model: NamedModel, usable: set[str]) -> NamedRow:
    if model.path is None:
        state = "served"
    elif model.size is None:
        state = "file missing"
    else:
        state = f"{model.size / 1e9:.2f} GB"
    provider_ok = model.spec.split(":", 1)[0] in usable
    present = model.path is None or model.size is not None
    return NamedRow(model.name, model.spec, state, model.size, provider_ok and present)
