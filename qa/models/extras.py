"""Optional dependencies: is a provider's library installed, and which extra brings it."""

from __future__ import annotations

from importlib.util import find_spec

from qa.errors import MissingExtra


def installed(*modules: str) -> bool:
    """True when every module can be imported, found without importing it."""
    try:
        return all(find_spec(module) is not None for module in modules)
    except (ImportError, ValueError):
        return False


def require(extra: str, spec: str, *modules: str) -> None:
    if not installed(*modules):
        raise MissingExtra(f"{spec} needs the '{extra}' extra: pip install 'newsqa[{extra}]'")


def missing_detail(extra: str) -> str:
    return f"not installed: pip install 'newsqa[{extra}]'"
