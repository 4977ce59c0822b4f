"""What a question is about (its subject), and whether a passage is about it.

Sharing words with a question is not being about it: "What is the latest on the ferry?" shares
"latest" with a port story that never mentions a ferry. The subject is the question's names
(its named entities), or when it names nothing, its nouns outside the one the wh-word asks for
("which city" asks for a city; the city is not the subject). Places say where, not what: when
every name is a place ("the first congestion charging system in the US"), the nouns join them
(a New York story about congestion charging need not say "US"). A passage is about the subject
when its title and text name at least SUBJECT_SHARE of it, by weight.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from index_store.terms import terms
from qa.reading.question_terms import term_weights

if TYPE_CHECKING:
    from spacy.tokens import Doc

SUBJECT_SHARE = 0.5
"""Share of the subject's term weight a passage must hold to be about it."""
NOT_NAMES = frozenset(
    {"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT", "NORP"}
)
"""Entities that are no subject: amounts, times, and nationalities ("American grocery stores")."""
PLACES = frozenset({"GPE", "LOC"})
"""Entities that say where: a subject of places alone takes the question's nouns too."""


@lru_cache(maxsize=256)
def subject_terms(question: str) -> tuple[frozenset[str], ...]:
    """The question's names, and its nouns (but the noun the wh-word asks for and those inside
    names) when it names nothing or only places, each as the set of its stems; empty when it has
    neither."""
    from qa.reading.language import parse

    (doc,) = parse([question])
    entities = [e for e in doc.ents if e.label_ not in NOT_NAMES]
    names = [e.text for e in entities]
    if all(e.label_ in PLACES for e in entities):
        skipped = asked_for(doc) | {t.i for e in entities for t in e}
        names += [t.text for t in doc if t.pos_ in ("NOUN", "PROPN") and t.i not in skipped]
    groups = (frozenset(terms(name)) for name in names)
    return tuple(dict.fromkeys(g for g in groups if g))


def asked_for(doc: Doc) -> set[int]:
    """Token positions of the noun a "which"/"what" asks for ("which city"): what the question
    wants, not what it is about."""
    return {t.head.i for t in doc if t.lower_ in ("which", "what") and t.dep_ == "det"}


def about_subject(question: str, text: str, *, whole_names: bool = False) -> bool:
    """Whether `text` (a passage's title and text) names SUBJECT_SHARE of the question's subject,
    by weight (rarer names weigh more; a name counts when any of its words is there: "Trump"
    for "Donald Trump", or with `whole_names` only when all are: a brief on "Kanye West" is not
    about the West); true when the subject is unknown."""
    groups = subject_terms(question)
    if not groups:
        return True
    weight = term_weights(question)
    weights = [max(weight.get(t, 1.0) for t in group) for group in groups]
    present = set(terms(text))
    named = (lambda g: g <= present) if whole_names else (lambda g: bool(g & present))
    found = sum(w for group, w in zip(groups, weights) if named(group))
    return found / sum(weights) >= SUBJECT_SHARE
