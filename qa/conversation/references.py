"""A follow-up question made standalone without an LLM: its references resolved from earlier turns.

"How many votes did she win by?" after "Who won the Quayside ward by-election?" (answered
"Maren Ashdown") is searched as "How many votes did Maren Ashdown win by?". A question leans on
the earlier turns when it holds a pronoun (she, her, it, they, there), a pronoun "that" or
"this", a generic "the company" / "the council", or starts with "and" / "what about". Each
reference takes the newest name of the kind it can stand for (a person for "she", a place for
"there"), found among the earlier turns' named entities: the answers given first (the answer
is what "she" most often means), then the questions as they were searched; failing that, the
previous question's subject. "that" and a bare
ellipsis take the previous question's subject, added in brackets. A question that leans on
nothing is searched as asked; when it also names something no earlier turn named, it starts a
new topic, and the old one is not dragged in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

PERSON = ("PERSON",)
THING = ("ORG", "PRODUCT", "EVENT", "FAC", "WORK_OF_ART", "LAW", "GPE", "LOC")
GROUP = ("ORG", "PERSON")
PLACE = ("GPE", "LOC", "FAC")
PRONOUN_KINDS = {
    "he": PERSON,
    "she": PERSON,
    "him": PERSON,
    "her": PERSON,
    "his": PERSON,
    "hers": PERSON,
    "it": THING,
    "its": THING,
    "they": GROUP,
    "them": GROUP,
    "their": GROUP,
    "there": PLACE,
}
"""What each pronoun can stand for, by spaCy entity label, in order of preference."""
POSSESSIVE = frozenset({"his", "her", "its", "their"})
GENERIC_NOUNS = {
    **dict.fromkeys(
        (
            "company",
            "firm",
            "business",
            "group",
            "organisation",
            "organization",
            "club",
            "team",
            "party",
            "agency",
            "airline",
            "bank",
            "retailer",
            "charity",
            "union",
            "council",
            "government",
            "court",
            "department",
            "ministry",
            "network",
            "school",
            "university",
        ),
        ("ORG",),
    ),  # fmt: skip
    **dict.fromkeys(("country", "state", "city", "town", "region", "area", "ward"), PLACE),
    **dict.fromkeys(
        (
            "man",
            "woman",
            "person",
            "official",
            "minister",
            "president",
            "leader",
            "player",
            "candidate",
            "councillor",
            "actor",
            "singer",
            "chief",
            "executive",
            "ceo",
            "star",
        ),
        PERSON,
    ),  # fmt: skip
}
"""Nouns that, after "the" and with no name of their own, point back at a name of this kind."""
ELLIPSIS = re.compile(r"^\s*(and|also|what about|how about|what else)\b", re.IGNORECASE)
_NOT_NAMES = frozenset({"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT"})


@dataclass(frozen=True)
class Earlier:
    """One earlier turn as the resolver reads it: what was searched, and the short answer (or
    the answer) given, empty for an abstention."""

    searched_for: str
    answer: str = ""


@dataclass(frozen=True)
class Standalone:
    """The question to search: `text`; `resolved` says which references were replaced by what
    (empty: searched as asked); `new_topic`: it names what no earlier turn named."""

    text: str
    resolved: tuple[tuple[str, str], ...] = ()
    new_topic: bool = False
    rewritten_by: str = ""
    """The model that wrote `text`, when an answer LLM rewrote the follow-up."""

    @property
    def rewritten(self) -> bool:
        return bool(self.resolved)


@dataclass(frozen=True)
class _Name:
    """A name and the kinds it may be: a one-word "person" is as often a company the small
    parser does not know ("Lumenfold")."""

    text: str
    labels: tuple[str, ...]


def standalone(question: str, earlier: list[Earlier]) -> Standalone:
    """`question` with its references to the `earlier` turns (oldest first) resolved."""
    from qa.reading.language import parse

    question = " ".join(question.split())
    if not earlier:
        return Standalone(question)
    (doc,) = parse([question])
    names = _names(earlier)
    words: list[str] = [t.text_with_ws for t in doc]
    resolved: list[tuple[str, str]] = []
    for token in doc:
        kinds = _reference_kinds(token, doc)
        if not kinds or _antecedent_within(doc, token, kinds):
            continue
        found = next((n.text for n in names if set(n.labels) & set(kinds)), None)
        found = found or _subject(earlier[-1].searched_for)  # a name the parser did not see
        if not found:
            continue
        resolved.append((_phrase(token), found))
        _replace(words, token, found)
    text = "".join(words)
    leans = _leans_on_subject(doc)
    if leans and not resolved:
        subject = _subject(earlier[-1].searched_for)
        if subject and subject.lower() not in question.lower():
            resolved.append((leans, subject))
            text = f"{text.rstrip('?. ')} ({subject})?"
    if resolved:
        return Standalone(text, tuple(resolved))
    return Standalone(question, new_topic=_names_new(doc, earlier))


def _names(earlier: list[Earlier]) -> list[_Name]:
    """The named entities of the earlier turns, newest turn first, its answer before its
    question."""
    from qa.reading.language import parse

    texts = [t for turn in reversed(earlier) for t in (turn.answer, turn.searched_for)]
    found: list[_Name] = []
    for doc in parse([t or "" for t in texts]):
        for entity in doc.ents:
            if entity.label_ in _NOT_NAMES:
                continue
            one_word_person = entity.label_ == "PERSON" and len(entity) == 1
            labels = ("PERSON", "ORG") if one_word_person else (entity.label_,)
            found.append(_Name(entity.text, labels))
    return found


def _reference_kinds(token: Token, doc: Doc) -> tuple[str, ...]:
    """The entity labels the token can stand for, or () when it refers to nothing earlier."""
    word = token.lower_
    if word in PRONOUN_KINDS and token.pos_ in ("PRON", "ADV", "DET"):
        if word == "there" and token.dep_ == "expl":  # "there is": no place
            return ()
        return PRONOUN_KINDS[word]
    if word in GENERIC_NOUNS and token.pos_ == "NOUN":
        determiner = [c for c in token.children if c.dep_ == "det"]
        named = [c for c in token.children if c.pos_ == "PROPN" or c.ent_type_]
        defined = [c for c in token.children if c.dep_ in ("relcl", "acl", "appos", "prep")]
        if determiner and determiner[0].lower_ in ("the", "that", "this") and not named:
            return () if defined else GENERIC_NOUNS[word]  # "the charity he ran": said here
    return ()


def _antecedent_within(doc: Doc, token: Token, kinds: tuple[str, ...]) -> bool:
    """Whether the reference points inside its own question: a name of its kind before it
    ("Biden delivered his address"), or the subject the question asks about, when the
    reference stands outside it and can stand for it ("Which actress won her first award?",
    "Who lost his seat?", "Which firms said they ..."; never "there", and "who" only for a
    person)."""
    before = doc[: token.i]
    if any(e.label_ in kinds for e in before.ents):
        return True
    if kinds == PLACE:
        return False
    plural = token.lower_ in ("they", "them", "their")
    for word in before:
        if word.dep_ not in ("nsubj", "nsubjpass") or token.i in {t.i for t in word.subtree}:
            continue
        asked = {c.lower_ for c in word.children if c.dep_ == "det"}
        if word.lower_ == "who" and "PERSON" in kinds:
            return True
        if asked & {"which", "what"} and plural == (word.tag_ in ("NNS", "NNPS")):
            return True
        if plural and word.tag_ in ("NNS", "NNPS"):  # "courts ... their backlog"
            return True
    return False


def _phrase(token: Token) -> str:
    """The words a reference stands as: "she", or "the company" with its determiner."""
    determiner = [c for c in token.children if c.dep_ == "det"]
    return f"{determiner[0].text} {token.text}" if determiner else token.text


def _replace(words: list[str], token: Token, name: str) -> None:
    """Put `name` where the reference stood: "her job" -> "Maren Ashdown's job", "there" ->
    "in Harrowgate" unless a preposition already stands before it."""
    space = token.whitespace_
    if token.lower_ in POSSESSIVE and token.dep_ == "poss":
        words[token.i] = f"{name}'s{space}"
        return
    if token.lower_ == "there":
        before = token.nbor(-1).pos_ if token.i > 0 else ""
        words[token.i] = f"{name}{space}" if before == "ADP" else f"in {name}{space}"
        return
    determiner = [c for c in token.children if c.dep_ == "det"]
    if determiner:
        words[determiner[0].i] = ""
    words[token.i] = f"{name}{space}"


def _leans_on_subject(doc: Doc) -> str:
    """What makes the question lean on the previous one's subject without naming a kind of
    thing: a pronoun "that" / "this", or an ellipsis ("And ..."); "" when nothing does."""
    for token in doc:
        if token.lower_ in ("that", "this") and token.pos_ == "PRON":
            return token.text
    match = ELLIPSIS.match(doc.text)
    return match.group(1) if match else ""


def _subject(question: str) -> str:
    """The previous question's subject as a phrase: its noun phrase holding a name, else its
    names, else its last noun phrase."""
    from qa.reading.language import parse

    (doc,) = parse([question])
    chunks = [c for c in doc.noun_chunks if c.root.pos_ != "PRON"]
    named = [c for c in chunks if any(t.ent_type_ and t.ent_type_ not in _NOT_NAMES for t in c)]
    if named:
        return _hyphens_joined(doc, named[0].start, named[0].end)
    names = [e.text for e in doc.ents if e.label_ not in _NOT_NAMES]
    if names:
        return names[0]
    return chunks[-1].text if chunks else ""


def _hyphens_joined(doc: Doc, start: int, end: int) -> str:
    """The span's text, grown over a hyphenated word it stops inside of ("ward by-election")."""
    while end < len(doc):
        before, token = doc[end - 1], doc[end]
        follows = end + 1 < len(doc) and doc[end + 1].text == "-"
        if not (token.text == "-" or before.text == "-" or (not token.whitespace_ and follows)):
            break
        end += 1
    return doc[start:end].text


def _names_new(doc: Doc, earlier: list[Earlier]) -> bool:
    """Whether the question names something (an entity, or a proper noun) that no earlier turn
    mentioned."""
    said = " ".join(f"{t.searched_for} {t.answer}" for t in earlier).lower()
    named = [e.text for e in doc.ents if e.label_ not in _NOT_NAMES]
    named += [t.text for t in doc if t.pos_ == "PROPN" and not t.ent_type_]
    return any(name.lower() not in said for name in named)
