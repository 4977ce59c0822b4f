"""A conversation: questions asked one after another, each follow-up searched as a standalone
question built from the turns before it.

Its options (k, model, filters, as_of) are set when it starts and carry over from turn to turn
unless a turn changes them, which changes them for the turns after too. Every turn is kept in
the conversations file (`book`), so a thread can be resumed by id from another process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any, Protocol

from qa.conversation.book import ConversationBook, Turn
from qa.conversation.references import Earlier, Standalone
from qa.retrieval.filters import Filters
from qa.types import Answer

HISTORY_TURNS = 3
"""Earlier turns a follow-up is read against: a reference points back a turn or two."""
NEW_TOPIC_NOTE = "a new topic: asked on its own, without the earlier turns"


class Asker(Protocol):
    """What a conversation asks through (`NewsQA`)."""

    def ask_stream(self, question: str, **options: Any) -> Iterator[str | Answer]: ...

    def follow_up(self, question: str, earlier: list[Earlier], model: str | None) -> Standalone: ...


class Conversation:
    """`ask` and `ask_stream` as on `NewsQA`, in a thread; `id` resumes it later."""

    def __init__(self, newsqa: Asker, book: ConversationBook, conversation_id: str) -> None:
        self._newsqa = newsqa
        self._book = book
        self.id = conversation_id
        self._last: tuple[tuple[str, str | None, int], Standalone] | None = None

    @property
    def turns(self) -> list[Turn]:
        return self._book.turns(self.id)

    @property
    def options(self) -> dict[str, Any]:
        """k, model and the filters every turn uses (None: the store's settings)."""
        return self._book.options(self.id)

    def ask(self, question: str, **changes: Any) -> Answer:
        *_, answer = self.ask_stream(question, **changes)
        return answer

    def ask_stream(
        self,
        question: str,
        *,
        k: int | None = None,
        model: str | None = None,
        filters: Filters | None = None,
        **filter_options: Any,
    ) -> Iterator[str | Answer]:
        """The answer's text in pieces, then the `Answer`, whose `searched_for` is the
        standalone question that was searched; the turn is kept once the answer is whole."""
        options = self._carried(k, model, filters, filter_options)
        found = self.standalone(question, options["model"])
        for event in self._newsqa.ask_stream(
            found.text, k=options["k"], model=options["model"], filters=to_filters(options)
        ):
            if not isinstance(event, Answer):
                yield event
                continue
            notes = event.notes + ((NEW_TOPIC_NOTE,) if found.new_topic else ())
            answer = replace(
                event,
                question=question,
                searched_for=found.text,
                conversation_id=self.id,
                notes=notes,
            )
            self._book.add_turn(self.id, turn_of(answer, found))
            yield answer

    def standalone(self, question: str, model: str | None = None) -> Standalone:
        """The question as it will be searched, given the turns so far (rewritten by `model`,
        else the conversation's, when that is an LLM)."""
        turns = self.turns
        model = model or self.options.get("model")
        key = (question, model, len(turns))
        if self._last is None or self._last[0] != key:  # shown first, then asked: rewrite once
            earlier = [
                Earlier(t.searched_for, "" if t.abstained else (t.short_answer or t.answer))
                for t in turns[-HISTORY_TURNS:]
            ]
            self._last = (key, self._newsqa.follow_up(question, earlier, model))
        return self._last[1]

    def _carried(
        self, k: int | None, model: str | None, filters: Filters | None, filter_options: dict
    ) -> dict[str, Any]:
        """The conversation's options with this turn's changes, which stay for later turns."""
        options = self.options
        changed = dict(options)
        if k is not None:
            changed["k"] = k
        if model is not None:
            changed["model"] = model
        given = filters if filters is not None else Filters.parse(**filter_options)
        if given != Filters():  # none given: the conversation's stay
            changed.update(filters_options(given))
        if changed != options:
            self._book.set_options(self.id, changed)
        return changed


def filters_options(filters: Filters) -> dict[str, Any]:
    """Filters as the JSON a conversation keeps."""
    return {
        "since": _day(filters.since),
        "until": _day(filters.until),
        "as_of": _day(filters.as_of),
        "sources": list(filters.sources),
    }


def to_filters(options: dict[str, Any]) -> Filters:
    return Filters.parse(
        options.get("since"), options.get("until"), options.get("as_of"), options.get("sources")
    )


def turn_of(answer: Answer, found: Standalone) -> Turn:
    sources = tuple(
        {"n": c.n, "title": c.title, "source": c.source, "published": c.published, "url": c.url}
        for c in answer.citations
    )
    return Turn(
        question=answer.question,
        searched_for=found.text,
        answer=answer.answer,
        short_answer=answer.short_answer,
        abstained=answer.abstained,
        sources=sources,
        new_topic=found.new_topic,
    )


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None
