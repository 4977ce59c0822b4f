"""The one user directory: config, keys and the default store, movable with NEWSQA_HOME."""

from __future__ import annotations

import os
from pathlib import Path


def user_dir() -> Path:
    """NEWSQA_HOME when set (tests and shared machines), else the platform's user data folder."""
    override = os.environ.get("NEWSQA_HOME")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("newsqa", appauthor=False))


def config_file() -> Path:
    return user_dir() / "config.toml"


def keys_file() -> Path:
    return user_dir() / "keys.json"


def conversations_file() -> Path:
    return user_dir() / "conversations.sqlite"


def briefed_file() -> Path:
    return user_dir() / "briefed.sqlite"


def default_store() -> Path:
    return user_dir() / "store"
