"""Which option of a multiple-choice question a text names, read the way a reader reads it.

A choice is named when its normalised words occur in the normalised text as whole words. When
several are, the one that starts first wins (on a tie, the longer): a reader takes the option an
answer puts forward, not one it goes on to rule out ("Lavrov, not Putin"). A text that names no
choice outright names the choice most of whose words it uses, when that is over half of them
("Coningsby in Lincolnshire" names "Coningsby, Lincolnshire"); a tie between choices names none.
"""

from __future__ import annotations

from collections.abc import Sequence

from eval.normalize import normalize_tokens


def named_choice(text: str, choices: Sequence[str]) -> str | None:
    """The normalised text of the choice `text` names, or None when it names none."""
    words = normalize_tokens(text)
    options = {" ".join(tokens): tokens for tokens in map(normalize_tokens, choices) if tokens}
    return _first_named(words, options) or _most_overlapping(set(words), options)


def _first_named(words: list[str], options: dict[str, list[str]]) -> str | None:
    found = [
        (start, -len(tokens), key)
        for key, tokens in options.items()
        if (start := _find(words, tokens)) is not None
    ]
    return min(found)[2] if found else None


def _find(words: list[str], tokens: list[str]) -> int | None:
    width = len(tokens)
    return next((i for i in range(len(words) - width + 1) if words[i : i + width] == tokens), None)


def _most_overlapping(words: set[str], options: dict[str, list[str]]) -> str | None:
    """The choice with the largest share (then number) of its words in the text, over half."""
    scored = {}
    for key, tokens in options.items():
        wanted = set(tokens)
        shared = len(wanted & words)
        if shared / len(wanted) > 0.5:
            scored[key] = (shared / len(wanted), shared)
    if not scored:
        return None
    best = max(scored.values())
    winners = [key for key, score in scored.items() if score == best]
    return winners[0] if len(winners) == 1 else None
