"""The answer contract a small model can keep, and the output constraints that enforce it.

Every LLM is asked for the same thing: the short answer first (a name, number, place or phrase),
its passage number in brackets, optionally one sentence of context with its own number, or the
fixed abstention phrase. Where the backend can constrain decoding, an answer outside the
contract cannot be written at all:
- llama.cpp in-process takes a GBNF grammar (`answer_grammar`) whose citations can only be the
  numbers of passages the model was given;
- an OpenAI-compatible server takes `response_format` with a JSON schema (`answer_schema`); the
  JSON it returns is mapped back to the same text by `JsonAnswer`, piece by piece as it streams.
Either way the verification after generation is unchanged (and still applies to models that
could not be constrained).
"""

from __future__ import annotations

import json

from qa.models.base import ABSTAIN_PHRASE

SHORT_CHARS = 60
"""Longest short answer: a name, figure or phrase, not a sentence (it cannot hold a full stop
but one inside a figure or abbreviation, "3.2", "St.Ives")."""
POINT = '"." [^\\[\\]\\n .!?]'
"""A full stop followed by a character that cannot end a sentence."""
CONTEXT_CHARS = 200
"""Longest context sentence."""
MAX_CITED = 2


def answer_grammar(passage_count: int, may_abstain: bool = True) -> str:
    """GBNF: the abstention phrase (unless not `may_abstain`), or `short [n].` then optionally
    ` context [n].`, with n only 1..passage_count. The short answer's citation may be left out:
    a small model that wants to stop after "Maren Ashdown" would otherwise be pushed on into a
    sentence cut off at the length limit; `recite` cites the passage that holds an uncited
    answer."""
    numbers = " | ".join(f'"{n}"' for n in range(1, passage_count + 1))
    return "\n".join(
        [
            "root ::= abstain | answer" if may_abstain else "root ::= answer",
            f"abstain ::= {json.dumps(ABSTAIN_PHRASE)}",
            'answer ::= short (cite? "." (" " context cite ".")?)?',
            f"short ::= letter (letter | {POINT}){{0,{SHORT_CHARS - 1}}}",
            "letter ::= [^\\[\\]\\n.!?]",
            f"context ::= [^\\[\\]\\n] [^\\[\\]\\n]{{0,{CONTEXT_CHARS - 1}}}",
            'cite ::= " [" number "]"',
            f"number ::= {numbers}",
        ]
    )


def answer_schema(passage_count: int) -> dict:
    """JSON schema of `{"answer": short, "passages": [n, ...], "context": sentence}`; an
    abstention is the phrase with no passages."""
    numbers = list(range(1, passage_count + 1))
    return {
        "type": "object",
        "properties": {
            "answer": {"type": "string", "maxLength": len(ABSTAIN_PHRASE) + SHORT_CHARS},
            "passages": {
                "type": "array",
                "items": {"type": "integer", "enum": numbers},
                "maxItems": MAX_CITED,
            },
            "context": {"type": "string", "maxLength": CONTEXT_CHARS},
        },
        "required": ["answer", "passages"],
        "additionalProperties": False,
    }


def as_text(answer: str, passages: list[int], context: str = "") -> str:
    """The contract's text for a structured answer: `short [n]` (and its context), or the
    abstention phrase."""
    answer = answer.strip()
    if not passages or answer.rstrip(".").lower() == ABSTAIN_PHRASE.rstrip(".").lower():
        return answer
    cited = "".join(f"[{n}]" for n in dict.fromkeys(passages))
    text = f"{answer.rstrip('.')} {cited}."
    if context.strip():
        text += f" {context.strip().rstrip('.')} {cited}."
    return text


class JsonAnswer:
    """Turns a JSON answer streamed in pieces into contract text as it arrives: the `answer`
    string is shown as it is written (its closing full stop held back, as the citation goes
    before it), the citations and context when the JSON is complete. The pieces it returns
    add up to `as_text` of the whole JSON."""

    def __init__(self) -> None:
        self.raw = ""
        self._shown = ""

    def feed(self, piece: str) -> str:
        """Newly readable answer text in this piece (a server that ignored the request for JSON
        and writes plain text is passed through as it comes)."""
        self.raw += piece
        if self._plain():
            new, self._shown = self.raw[len(self._shown) :], self.raw
            return new
        visible = _partial_answer(self.raw).rstrip(". ")
        if len(visible) <= len(self._shown):
            return ""
        new, self._shown = visible[len(self._shown) :], visible
        return new

    def close(self) -> str:
        """The rest of the contract text once the JSON is complete. JSON that cannot be read
        (cut short, say) adds nothing after what was shown: verification then finds an answer
        that cites nothing, like any model's that broke the contract."""
        if self._plain():
            return ""
        try:
            data = json.loads(self.raw)
            text = as_text(
                str(data["answer"]),
                [int(n) for n in data.get("passages") or []],
                str(data.get("context") or ""),
            )
        except (ValueError, KeyError, TypeError):
            return ""
        return text[len(self._shown) :] if text.startswith(self._shown) else ""

    def _plain(self) -> bool:
        start = self.raw.lstrip()
        return bool(start) and not start.startswith("{")


def _partial_answer(raw: str) -> str:
    """The decoded prefix of the `answer` string in possibly unfinished JSON."""
    key = raw.find('"answer"')
    colon = raw.find(":", key) if key >= 0 else -1
    start = raw.find('"', colon + 1) if colon >= 0 else -1
    if start < 0:
        return ""
    text, i = "", start + 1
    while i < len(raw) and raw[i] != '"':
        if raw[i] != "\\":
            text, i = text + raw[i], i + 1
            continue
        size = 6 if raw[i + 1 : i + 2] == "u" else 2
        if i + size > len(raw):
            break
        text, i = text + json.loads(f'"{raw[i : i + size]}"'), i + size
    return text
