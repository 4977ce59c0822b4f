"""newsqa: ask questions of a collection of news articles and get answers that cite them.

Names are resolved on first use so that `newsqa --help` does not import the whole stack.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qa.api import NewsQA
    from qa.types import Answer, Citation, Passage

__all__ = ["Answer", "Citation", "NewsQA", "Passage"]


def __getattr__(name: str) -> Any:
    if name == "NewsQA":
        from qa.api import NewsQA

        return NewsQA
    if name in ("Answer", "Citation", "Passage"):
        from qa import types

        return getattr(types, name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
