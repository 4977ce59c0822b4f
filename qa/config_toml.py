"""config.toml read, and edited one top-level key at a time, keeping the user's other lines.

No TOML writer is a dependency (tomlkit only arrives with some other packages), so an edit
rewrites the key's own line, puts a new key on the first line (always the top level), and
parses the result again: an edit that would change anything else is refused, never written.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

from qa.errors import BadSetting
from qa.paths import config_file

_TABLE = re.compile(r"^\s*\[")


def read_config() -> dict[str, Any]:
    """The config file's values; {} when there is none."""
    path = config_file()
    return _parse(path.read_text(encoding="utf-8"), path) if path.exists() else {}


def write_config_value(key: str, value: str | None) -> Path:
    """Set a top-level string setting (None: remove it, so its default applies again)."""
    path = config_file().resolve()
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    current = _parse(text, path)
    if value is None and key not in current:
        return path
    expected = {k: v for k, v in current.items() if k != key}
    lines = _without_key(text.splitlines(keepends=True), key)
    if value is not None:
        expected[key] = value
        lines.insert(0, f"{key} = {_toml_string(value)}\n")
    edited = "".join(lines)
    if _parse(edited, path) != expected:
        raise BadSetting(
            f"cannot change {key} in {path} without touching its other lines: "
            f"edit `{key} = ...` there by hand"
        )
    _replace(path, edited)
    return path


def _without_key(lines: list[str], key: str) -> list[str]:
    """The lines without the key's own lines before the first table (`[...]`)."""
    own = re.compile(rf"""^\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*=""")
    tables = [n for n, line in enumerate(lines) if _TABLE.match(line)]
    top = tables[0] if tables else len(lines)
    return [line for n, line in enumerate(lines) if n >= top or not own.match(line)]


def _toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    escaped = "".join(
        f"\\u{ord(c):04x}" if c < " " or c == "\x7f" else "\\" + c if c in '"\\' else c
        for c in value
    )
    return f'"{escaped}"'


def _parse(text: str, path: Path) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise BadSetting(f"{path} is not valid TOML: {error}") from None


def _replace(path: Path, text: str) -> None:
    """Write atomically, keeping the file's permissions: it may hold an api_key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else None
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".config.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(text)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
