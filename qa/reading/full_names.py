"""A short name completed to the full name its article gives ("Alcaraz" -> "Carlos Alcaraz").

News names a person, team or company in full once ("Carlos Alcaraz", "the Florida Panthers")
and by a short form after ("Alcaraz", "the Panthers"). An answer read from a later sentence, or
written by a model that copied it, carries the short form, which leaves a reader to guess which
Alcaraz or which Panthers; the full name stands in the passages the answer cites.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

NAME_LABELS = frozenset(
    {"PERSON", "ORG", "NORP", "FAC", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART"}
)
"""Entity kinds whose short forms drop words of the full name (not dates, figures, amounts)."""
SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})
"""Words that may follow a surname in a full name ("Robert F. Kennedy Jr.")."""
MAX_SHORT_WORDS = 3
ARTICLES = ("the", "a", "an")
CLAUSE_OPENERS = frozenset({":", "—", "–", "-", "|", '"', "“", "‘", "'", "("})
_LEADING = re.compile(r"^(?:the|a|an)\s+", re.I)
_NAME_WORD = re.compile(r"^[A-Z][\w'’.&-]*$")
_POSSESSIVE = re.compile(r"['’]s$")


def full_name(short: str, texts: Sequence[str]) -> str:
    """`short` as its longest form in `texts` (the passages the answer cites, then the rest of
    their articles), when it is a name and they give one longer form most often; else `short`.

    A longer form holds the short one's words in order at its end (a title or first name
    before it; a suffix such as "Jr." may follow). Two longer forms named equally often (the
    passages speak of two Kennedys) leave the short one as it is.
    """
    words = _name_words(short)
    if words is None:
        return short
    pattern = re.compile(rf"(?<![\w-]){re.escape(' '.join(words))}(?![\w-])")
    relevant = [t for t in texts if pattern.search(t)]
    if not relevant:
        return short
    from qa.reading.language import parse

    common = {w for t in relevant for w in re.findall(r"\b[a-z]+\b", t)}
    longer: Counter[str] = Counter()
    for doc in parse(relevant):
        for entity in doc.ents:
            if entity.label_ in NAME_LABELS and (found := _longer_form(entity, words, common)):
                longer[found] += 1
    if not longer:
        return short
    ranked = longer.most_common(2)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return short
    return ranked[0][0]


def _name_words(short: str) -> list[str] | None:
    """The words of `short` without a leading article, when it reads as a name: one to
    MAX_SHORT_WORDS capitalised words, no figures."""
    plain = _LEADING.sub("", short.strip().strip(" \"'“”‘’,.;:()"))
    words = [_POSSESSIVE.sub("", w) for w in plain.split()]
    if not words or len(words) > MAX_SHORT_WORDS:
        return None
    if not all(_NAME_WORD.match(w) and not any(c.isdigit() for c in w) for w in words):
        return None
    return words


def _longer_form(entity: Span, words: list[str], common: set[str]) -> str | None:
    """The entity's text without a leading article, when it is a longer form of `words`: the
    words before them proper nouns, the first not a `common` word (one the texts write in
    lower case) opening a sentence or a headline's clause, where any word is capitalised
    ("GA Group: Closing Joann stores", but "Washington Capitals star ...")."""
    tokens = [
        t
        for t in entity
        if t.text not in ("'s", "’s") and not (t.i == entity.start and t.lower_ in ARTICLES)
    ]
    if not tokens or (_starts_a_clause(tokens[0]) and tokens[0].lower_ in common):
        return None
    texts = [_POSSESSIVE.sub("", t.text) for t in tokens]
    width = len(words)
    for start in range(1, len(texts) - width + 1):
        fits = texts[start : start + width] == words
        if fits and all(t in SUFFIXES for t in texts[start + width :]) and _names(tokens[:start]):
            return " ".join(texts)
    return None


def _names(tokens: list[Token]) -> bool:
    """Whether the tokens are capitalised proper nouns (a first name, a team's city)."""
    return all(t.pos_ == "PROPN" and _NAME_WORD.match(t.text) for t in tokens)


def _starts_a_clause(token: Token) -> bool:
    """Whether the token opens a sentence, a line or a clause after a colon, dash or quote."""
    if token.is_sent_start or token.i == 0:
        return True
    before = token.doc[token.i - 1]
    return before.is_space or before.text in CLAUSE_OPENERS
