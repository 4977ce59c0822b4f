"""API keys: stored in `$NEWSQA_HOME/keys.json` (mode 0600), resolved flag > keys file > env.

A key's value never leaves this module except into the client that sends it: listings show
names and where a key comes from, never the key.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from index_store.errors import NewsQAError
from qa.paths import keys_file

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class BadKeysFile(NewsQAError):
    """The keys file exists but cannot be read as a JSON object of names to keys."""


@dataclass(frozen=True)
class ResolvedKey:
    """A key and where it came from ('--api-key', 'keys file', '$OPENAI_API_KEY')."""

    value: str = field(repr=False)
    origin: str


def resolve_key(
    name: str, flag: str | None = None, env_var: str | None = None
) -> ResolvedKey | None:
    """The key for provider `name`: the flag (or NEWSQA_API_KEY), else the keys file, else the
    provider's own environment variable; None when none is set."""
    if flag:
        return ResolvedKey(flag, "--api-key")
    stored = read_keys().get(name)
    if stored:
        return ResolvedKey(stored, f"keys file ({keys_file()})")
    if env_var and os.environ.get(env_var):
        return ResolvedKey(os.environ[env_var], f"${env_var}")
    return None


def store_key(name: str, value: str) -> Path:
    """Save (or replace) the key for `name`; the file is created readable by its owner only."""
    check_name(name)
    value = value.strip()
    if not value:
        raise NewsQAError(f"no key given for '{name}': paste it at the prompt or pipe it in")
    keys = read_keys()
    keys[name] = value
    return _write(keys)


def remove_key(name: str) -> bool:
    """Forget the key for `name`; False when there was none."""
    keys = read_keys()
    if name not in keys:
        return False
    del keys[name]
    _write(keys)
    return True


def stored_names() -> list[str]:
    return sorted(read_keys())


def read_keys() -> dict[str, str]:
    path = keys_file()
    if not path.exists():
        return {}
    try:
        keys = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BadKeysFile(
            f"cannot read the keys file {path} ({type(error).__name__}): fix it, or delete it "
            "and set keys again with `newsqa keys set NAME`"
        ) from None
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise BadKeysFile(
            f"the keys file {path} must be a JSON object of names to keys: fix it, or delete it"
        )
    return keys


def check_name(name: str) -> None:
    if not _NAME.match(name):
        raise NewsQAError(
            f"bad key name '{name}': use the provider's name as `newsqa models` lists it, "
            "e.g. openai or anthropic"
        )


def _write(keys: dict[str, str]) -> Path:
    """Write to a 0600 temporary file beside the target, then rename over it, so the file is
    never briefly readable by others nor half written."""
    path = keys_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(".json.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(keys, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
    return path
