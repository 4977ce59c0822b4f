"""Named models: `-m qwen` instead of `-m llamacpp:/home/me/models/qwen2.5-1.5b-....gguf`.

A name stands for a spec and lives in `$NEWSQA_HOME/models.json` (`newsqa models add NAME
SPEC_OR_GGUF`, or `newsqa models pull`), so every place a model is chosen (CLI, `NewsQA.ask`,
the HTTP API and the page) takes it. A name never shadows a provider.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from index_store.errors import NewsQAError
from qa.paths import user_dir

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class BadModelName(NewsQAError):
    """A name that cannot be given to a model, or that names no model."""


@dataclass(frozen=True)
class NamedModel:
    """A name, the spec it stands for, and its local file when it is one (size when present)."""

    name: str
    spec: str

    @property
    def path(self) -> Path | None:
        prefix, _, rest = self.spec.partition(":")
        return Path(rest).expanduser() if prefix == "llamacpp" and rest else None

    @property
    def size(self) -> int | None:
        path = self.path
        return path.stat().st_size if path is not None and path.is_file() else None


def models_file() -> Path:
    return user_dir() / "models.json"


def named_models() -> dict[str, NamedModel]:
    """Every named model, by name."""
    path = models_file()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {name: NamedModel(name, str(spec)) for name, spec in dict(data).items()}
    except (ValueError, TypeError) as error:
        raise BadModelName(
            f"cannot read {path}: {error}; fix or delete it, then `newsqa models add` again"
        ) from None


def expand(spec: str) -> str:
    """The spec a name stands for; any other spec unchanged."""
    named = named_models().get(spec.strip())
    return named.spec if named is not None else spec


def add_model(name: str, spec: str, providers: set[str]) -> NamedModel:
    """Name a spec (a bare path to a .gguf file means `llamacpp:` that file, made absolute)."""
    if not _NAME.match(name) or name in providers:
        raise BadModelName(
            f"cannot name a model '{name}': use lower-case letters, digits, '.', '_' or '-', "
            f"and not a provider's name ({', '.join(sorted(providers))})"
        )
    if ":" not in spec and spec.endswith(".gguf"):
        spec = f"llamacpp:{Path(spec).expanduser().resolve()}"
    if spec.split(":", 1)[0] not in providers:
        raise BadModelName(
            f"'{spec}' is neither a .gguf file nor a model spec: use e.g. ~/models/x.gguf or "
            "openai-compatible:local (see `newsqa models`)"
        )
    models = {n: m.spec for n, m in named_models().items()} | {name: spec}
    _write(models)
    return NamedModel(name, spec)


def remove_model(name: str) -> NamedModel:
    """Forget a name (a downloaded file stays where it is)."""
    models = named_models()
    if name not in models:
        raise BadModelName(f"no model is named '{name}' (see `newsqa models`)")
    _write({n: m.spec for n, m in models.items() if n != name})
    return models[name]


def _write(models: dict[str, str]) -> None:
    """Replace the file atomically: an interrupted write never leaves half a file."""
    path = models_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(models, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)
