"""From retrieved passages to a verified `Answer`, the same way for every model.

Show an LLM the evidence rather than whole passages (`qa.models.evidence`: the best sentences
and their neighbours, under the passages' numbers), fit the prompt to the model's window
(dropping the lowest-ranked passages, and saying so), generate (streaming when the model can),
renumber and map the citations (a claim cited to a passage that does not hold it is re-cited
to one that does), check each cited claim against its passages, detect the
abstention phrase, and fall back to the extractive answer when an LLM's answer rests on no
passage, only restates the question, or lacks the form the question asks for (no amount for
"how much"). Text pieces are yielded as they come, then the `Answer`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from qa.answering.abstention import extractive_doubts, refuses
from qa.answering.citations import StreamingVerifier, Verified, abstains, claims, verify
from qa.answering.recite import recite
from qa.answering.support import ClaimSupport, adds_to, check_support
from qa.errors import ContextTooLong
from qa.models.base import (
    ABSTAIN_PHRASE,
    AnswerModel,
    ModelContext,
    SelfAssessingModel,
    StreamingModel,
    WindowedModel,
)
from qa.models.prompting import build_prompt, fit_passages
from qa.models.registry import resolve, split_spec
from qa.reading.answer_types import FINE_KINDS, expected_kind, shows_value
from qa.types import Answer, Citation, Passage

EXTRACTIVE = "extractive"
SHRINK = 0.6
"""When a server refuses a prompt as too long (its window is smaller than we were told), send
one 60% of that prompt's size next."""
ATTEMPTS = 3


def answer_events(
    question: str, passages: list[Passage], spec: str, context: ModelContext
) -> Iterator[str | Answer]:
    """Verified text pieces as the model writes them, then the final `Answer`."""
    model = resolve(spec, context)
    if not passages:
        yield Answer(question, ABSTAIN_PHRASE, True, spec, notes=("no passage matched",))
        return
    window = model.context_window if isinstance(model, WindowedModel) else None
    shown = _evidence(model, question, passages, context)
    asked = _dated(model, question, context)
    notes: list[str] = []
    judge = _judge(question, passages, context)
    judged: list[float] = []
    for attempt in range(ATTEMPTS):
        read, note = _fit(model, asked, shown, window)
        given = passages[: len(read)]
        written: list[str] = []
        pieces = _pieces(model, asked, read, written, judge, judged)
        try:
            yield from StreamingVerifier(len(given)).run(pieces)
            break
        except ContextTooLong:
            if written or window is None or attempt == ATTEMPTS - 1:
                raise
            window = _shrunk(model, asked, read)
            notes.append(f"the model refused the prompt as too long; retried in {window} tokens")
    if note:
        notes.append(note)
    answer = finish(question, "".join(written), given, passages, spec, context, notes)
    yield replace(
        with_short_answer(answer),
        prompt_tokens=_prompt_tokens(model, asked, read),
        abstain_probability=judged[-1] if judged else None,
    )


def with_short_answer(answer: Answer) -> Answer:
    """The answer with its short answer: its first claim, or for a long one the span of it that
    the question asks for, a short name given in full as its article gives it
    (`full_names`). Every model is read the same way."""
    from qa.reading.full_names import full_name
    from qa.reading.short_answer import short_of

    found = [] if answer.abstained else claims(answer.answer)
    if not found:
        return answer
    short = short_of(answer.question, expected_kind(answer.question), found[0].text)
    full = full_name(short, _cited_articles(answer, found[0].cited))
    text = answer.answer
    if full != short and short == found[0].text and text.startswith(short):
        text = full + text[len(short) :]
    return replace(answer, answer=text, short_answer=full)


def _cited_articles(answer: Answer, cited: tuple[int, ...]) -> list[str]:
    """The passages a claim cites, then the other retrieved passages of their articles: where
    the full form of a name the claim shortens stands."""
    citations = [c for c in answer.citations if c.n in cited]
    articles = {c.article_id for c in citations}
    shown = {c.chunk_id for c in citations}
    return [f"{c.title}\n{c.text}" for c in citations] + [
        f"{p.title}\n{p.text}"
        for p in answer.passages
        if p.article_id in articles and p.chunk_id not in shown
    ]


def finish(
    question: str,
    raw: str,
    given: list[Passage],
    passages: list[Passage],
    spec: str,
    context: ModelContext,
    notes: list[str],
) -> Answer:
    """The `Answer` for the model's whole text: `given` are the passages it saw, numbered from 1;
    `passages` all that were retrieved (the extractive fallback may use any of them)."""
    raw, moved = recite(raw, given)
    notes = notes + moved
    verified = verify(raw, given)
    base = Answer(
        question=question,
        answer=ABSTAIN_PHRASE,
        abstained=True,
        model=spec,
        passages=tuple(passages),
        dropped_citations=verified.dropped,
        notes=tuple(notes),
    )
    if abstains(raw, verified):
        return base
    if not _on_subject(question, verified.text, verified.citations):
        notes.append("the passages it cites are not about what the question asks about")
        return replace(base, notes=tuple(notes))
    encode = context.asked.encode if context.asked is not None else None
    checks = check_support(verified.text, verified.citations, encode)
    unsupported = [c for c in checks if not c.supported]
    notes += [f"[{']['.join(map(str, c.cited))}] does not support: “{c.text}”" for c in unsupported]
    restated = bool(checks) and not adds_to(question, checks[0].text)
    formless = bool(checks) and not restated and _lacks_the_form_asked(question, checks[0].text)
    if len(unsupported) == len(checks) or restated or formless:
        why = _unsupported_why(verified.text, checks)
        if restated:
            why = "only restates the question"
        elif formless:
            why = f"holds no {expected_kind(question)}, which the question asks for"
        if _falls_back(spec, context):
            notes.append(f"the {spec} answer {why}; answered extractively instead")
            return replace(_extractive(question, passages, context, base, notes), fallback=True)
        notes.append(f"the answer {why}")
    if not verified.text:
        return replace(base, notes=tuple(notes))
    supported = bool(checks) and not unsupported and not restated and not formless
    return _answered(base, verified, supported, notes)


def _answered(base: Answer, verified: Verified, supported: bool, notes: list[str]) -> Answer:
    """`base` (an abstention carrying the passages) turned into the verified answer."""
    return replace(
        base,
        answer=verified.text,
        abstained=False,
        citations=verified.citations,
        supported=supported,
        notes=tuple(notes),
    )


def _on_subject(question: str, text: str, citations: tuple[Citation, ...]) -> bool:
    """Whether a passage the answer's first claim cites is about the question's subject: an
    answer resting on a story about something else is a guess."""
    from qa.reading.subject import about_subject

    found = claims(text)
    if not found:
        return True
    cited = [c for c in citations if c.n in found[0].cited]
    return any(about_subject(question, f"{c.title}\n{c.text}") for c in cited)


def _lacks_the_form_asked(question: str, claim: str) -> bool:
    """A money, percentage, count or year question answered without one: small models reach
    for any figure in the evidence rather than say the articles do not answer."""
    kind = expected_kind(question)
    return kind in FINE_KINDS and not shows_value(claim, kind)


def _unsupported_why(text: str, checks: list[ClaimSupport]) -> str:
    if not text:
        return "was empty"
    return "cited no passage it was given" if not checks else "rests on no cited passage"


def _evidence(
    model: AnswerModel, question: str, passages: list[Passage], context: ModelContext
) -> list[Passage]:
    """What a model that reads a prompt is shown: the evidence sentences of each passage
    (`evidence_tokens`; 0 shows whole passages). Other models get the passages themselves."""
    budget = context.settings.evidence_tokens
    if not isinstance(model, WindowedModel) or not budget or context.asked is None:
        return passages
    from qa.models.evidence import select_evidence

    return select_evidence(question, passages, context, budget)


def _dated(model: AnswerModel, question: str, context: ModelContext) -> str:
    """The question as a model that reads a prompt is asked it: with the day it is asked as of,
    so that "this week" means that week and a years-old passage is seen to be old."""
    if context.as_of is None or not isinstance(model, WindowedModel):
        return question
    return f"{question} (asked on {context.as_of.isoformat()})"


def _prompt_tokens(model: AnswerModel, question: str, read: list[Passage]) -> int | None:
    """Tokens of the prompt the model read (exact with a local tokenizer, else estimated)."""
    if not isinstance(model, WindowedModel):
        return None
    return model.count_tokens(build_prompt(question, read).text)


def _fit(
    model: AnswerModel, question: str, passages: list[Passage], window: int | None
) -> tuple[list[Passage], str | None]:
    if window is None or not isinstance(model, WindowedModel):
        return passages, None
    fitted = fit_passages(
        question,
        passages,
        window=window,
        reserve=model.max_answer_tokens,
        count_tokens=model.count_tokens,
    )
    return fitted.passages, fitted.note


def _shrunk(model: WindowedModel, question: str, given: list[Passage]) -> int:
    sent = model.count_tokens(build_prompt(question, given).text)
    return int(sent * SHRINK) + model.max_answer_tokens


def _pieces(
    model: AnswerModel,
    question: str,
    given: list[Passage],
    written: list[str],
    judge: Callable[[float], bool] | None,
    judged: list[float],
) -> Iterator[str]:
    """The model's raw text, streamed when it can, collected into `written` as it passes. A
    model that assesses itself, given a `judge`, abstains when the judge finds its own
    probability of doing so (noted in `judged`) high enough, and otherwise must answer."""
    if judge is not None and isinstance(model, SelfAssessingModel):
        judged.append(model.abstain_probability(question, given))
        pieces = [ABSTAIN_PHRASE] if judge(judged[-1]) else model.stream_answer(question, given)
    elif isinstance(model, StreamingModel):
        pieces = model.stream(question, given)
    else:
        pieces = [model.generate(question, given)]
    for piece in pieces:
        written.append(piece)
        yield piece


def _judge(
    question: str, passages: list[Passage], context: ModelContext
) -> Callable[[float], bool] | None:
    """Whether a self-assessing model's abstention probability makes it abstain
    (`qa.answering.abstention`); None when `abstain_threshold` is 0 (its first choice decides)."""
    if not context.settings.abstain_threshold:
        return None

    def doubted() -> bool:
        return extractive_doubts(question, passages, context)

    return lambda probability: refuses(probability, context, doubted)


def _falls_back(spec: str, context: ModelContext) -> bool:
    return context.settings.fallback_to_extractive and split_spec(spec)[0] != EXTRACTIVE


def _extractive(
    question: str,
    passages: list[Passage],
    context: ModelContext,
    base: Answer,
    notes: list[str],
) -> Answer:
    raw = resolve(EXTRACTIVE, context).generate(question, passages)
    verified = verify(raw, passages)
    if abstains(raw, verified):
        return replace(base, notes=tuple(notes))
    return _answered(base, verified, bool(verified.citations), notes)
