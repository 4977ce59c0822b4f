"""Model specs ("extractive", "openai:gpt-4o-mini", "smollm2", or a name given with
`newsqa models add`) resolved to providers.

Every provider, built-in ones included, is found through the `newsqa.models` entry-point group,
so a third-party package adds one by declaring an entry point; there are no special cases here.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points

from qa.errors import UnknownModel
from qa.models.base import AnswerModel, ModelContext, Provider

GROUP = "newsqa.models"


@lru_cache(maxsize=1)
def providers() -> dict[str, Provider]:
    """Providers by spec prefix; a plugin that fails to load is skipped, not fatal."""
    found: dict[str, Provider] = {}
    for point in entry_points(group=GROUP):
        try:
            provider = point.load()
        except Exception:  # a broken third-party plugin must not break newsqa
            continue
        found[getattr(provider, "name", point.name)] = provider
    return found


def split_spec(spec: str) -> tuple[str, str]:
    """'openai:gpt-4o' -> ('openai', 'gpt-4o'); 'smollm2' -> ('smollm2', '')."""
    prefix, _, name = spec.strip().partition(":")
    return prefix.strip().lower(), name.strip()


def resolve(spec: str, context: ModelContext) -> AnswerModel:
    """The model a spec, or a model's name (`qa.models.named`), stands for."""
    from qa.models.named import expand

    prefix, name = split_spec(expand(spec))
    known = providers()
    if prefix not in known:
        raise UnknownModel(
            f"unknown model '{spec}': use one of {', '.join(sorted(known))} (see `newsqa models`)"
        )
    return known[prefix].create(name, context)
