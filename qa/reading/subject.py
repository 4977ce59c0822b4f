"""What a question is about (its subject), and whether a passage is about it.

Sharing words with a question is not being about it: "What is the latest on the ferry?" shares
"latest" with a port story that never mentions a ferry. The subject is the question's names
(its named entities), or when it names nothing, its nouns outside the one the wh-word asks for
("which city" asks for a city; the city is not the subject). A passage is about the subject
when its title and text hold at least SUBJECT_SHARE of the subject's term weight.
"""

from __future__ import annotations

from functools import lru_cache

from index_store.terms import terms
from qa.reading.question_terms import term_weights

SUBJECT_SHARE = 0.5
"""Share of the subject's term weight a passage must hold to be about it."""
_NOT_NAMES = frozenset(
    {"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT", "NORP"}
)
"""Entities that are no subject: amounts, times, and nationalities ("American grocery stores")."""


@lru_cache(maxsize=256)
def subject_terms(question: str) -> frozenset[str]:
    """Stems of the question's names, or of its nouns when it names nothing (but the noun the
    wh-word asks for); empty when it has neither."""
    from qa.reading.language import parse

    (doc,) = parse([question])
    names = [e.text for e in doc.ents if e.label_ not in _NOT_NAMES]
    if names:
        return frozenset(terms(" ".join(names)))
    asked_for = {t.head.i for t in doc if t.lower_ in ("which", "what") and t.dep_ == "det"}
    nouns = [t.text for t in doc if t.pos_ in ("NOUN", "PROPN") and t.i not in asked_for]
    return frozenset(terms(" ".join(nouns)))


def about_subject(question: str, text: str) -> bool:
    """Whether `text` (a passage's title and text) holds SUBJECT_SHARE of the question's
    subject, by weight (rarer words weigh more); true when the subject is unknown."""
    subject = subject_terms(question)
    weights = {t: w for t, w in term_weights(question).items() if t in subject}
    total = sum(weights.values())
    if not total:
        return True
    present = set(terms(text))
    return sum(w for t, w in weights.items() if t in present) / total >= SUBJECT_SHARE
