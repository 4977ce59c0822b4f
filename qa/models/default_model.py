"""The default answer model: `newsqa models default NAME` keeps it in config.toml, so `ask`, the
page and HTTP API, MCP and `eval` answer with it; NEWSQA_MODEL and `-m` still win over it.

The config keeps the name as given (`qwen`, not the file it stands for), so a name pulled or
added again later is followed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from qa.errors import UnknownModel
from qa.models.base import ProviderStatus
from qa.models.named import expand, named_models
from qa.models.registry import providers, split_spec

ENV = "NEWSQA_MODEL"
KEY = "model"
EXTRACTIVE = "extractive"


@dataclass(frozen=True)
class DefaultModel:
    """The model used when none is given, where it comes from (`built-in`, `config`, `env`),
    what config.toml says (shown when NEWSQA_MODEL overrides it), and whether it can answer."""

    spec: str
    origin: str
    configured: str | None
    status: ProviderStatus


def builtin_model() -> str:
    from qa.settings import Settings

    return str(Settings.model_fields[KEY].default)


def default_model() -> DefaultModel:
    """The default as every command without `-m` will see it: env > config.toml > built-in."""
    from qa.config_toml import read_config

    configured = read_config().get(KEY)
    configured = str(configured) if configured is not None else None
    if os.environ.get(ENV) is not None:
        spec, origin = os.environ[ENV], "env"
    elif configured is not None:
        spec, origin = configured, "config"
    else:
        spec, origin = builtin_model(), "built-in"
    return DefaultModel(spec, origin, configured, _status(spec))


def set_default_model(name: str | None) -> DefaultModel:
    """Make a named model or a spec the default; None or the built-in model removes the setting,
    so the built-in default applies again."""
    from qa.config_toml import write_config_value

    name = name.strip() if name is not None else None
    if name is not None and name.lower() != builtin_model():
        _check(name)
        write_config_value(KEY, name)
    else:
        write_config_value(KEY, None)
    return default_model()


def answers_extractively(spec: str) -> bool:
    """True when the spec, or the name, stands for the built-in extractive answerer."""
    return split_spec(expand(spec))[0] == EXTRACTIVE


def _check(name: str) -> None:
    from qa.models.pull import KNOWN

    if split_spec(expand(name))[0] in providers():
        return
    if name in KNOWN:
        raise UnknownModel(f"'{name}' is not pulled yet: newsqa models pull {name}")
    raise UnknownModel(
        f"unknown model '{name}': give a named model or a model spec (see `newsqa models`)"
    )


def _status(spec: str) -> ProviderStatus:
    """Whether the model can answer now: its provider installed, a key present, its file there."""
    from qa.settings import load_settings

    named = named_models().get(spec.strip())
    if named is not None and named.path is not None and named.size is None:
        return ProviderStatus(False, f"no GGUF file at {named.path}")
    provider = providers().get(split_spec(expand(spec))[0])
    if provider is None:
        return ProviderStatus(False, f"unknown model '{spec}' (see `newsqa models`)")
    return provider.status(load_settings())
