"""A follow-up made standalone by the answer LLM, when one is chosen.

Only a question that leans on the earlier turns is rewritten (`references` says which do), so a
new topic is never dragged into the old one and a standalone question costs no model call. The
model sees the last turns and the follow-up and writes the question alone, on one line; a reply
that is not one question (empty, no question mark, several lines, far longer than asked), that
leaves out a name the references stand for, or that repeats an earlier question is set aside
for the rewrite `references` made without the model. (Measured on the unseen follow-ups, Qwen
2.5-Coder-1.5B kept "they" or wrote the earlier question back often enough that unchecked its
rewrites found less than the rewrite without it: eval/RESULTS.md, "Follow-up questions".)
"""

from __future__ import annotations

from qa.conversation.references import Earlier, Standalone
from qa.models.base import CompletingModel

RULES = (
    "You rewrite the last question of a conversation about news so that it can be understood "
    "alone. Replace words such as he, she, it, they, their, there, that, the company with the "
    "names they stand for in the conversation. Keep every other word. Reply with the rewritten "
    "question only, on one line."
)
MAX_TOKENS = 60
LONGEST = 3
"""A rewrite at most this many times the follow-up's length, plus the names it adds."""


def rewritten(
    model: CompletingModel, question: str, earlier: list[Earlier], found: Standalone
) -> Standalone:
    """`found` (the rewrite without a model) replaced by the model's, when it gives one."""
    if not found.rewritten:
        return found
    lines = []
    for turn in earlier:
        lines.append(f"Q: {turn.searched_for}")
        if turn.answer:
            lines.append(f"A: {turn.answer.splitlines()[0]}")
    user = "\n".join([*lines, f"Last question: {question}", "Rewritten:"])
    reply = " ".join(model.complete(RULES, user, MAX_TOKENS).split())
    reply = reply.removeprefix("Rewritten:").strip().strip('"')
    budget = LONGEST * len(question) + sum(len(name) for _, name in found.resolved)
    if not reply.endswith("?") or reply.count("?") > 1 or len(reply) > budget:
        return found
    named = all(name.lower() in reply.lower() for _, name in found.resolved)
    repeated = any(reply.lower() == turn.searched_for.lower() for turn in earlier)
    if not named or repeated:  # it kept the pronoun, or answered with an earlier question
        return found
    return Standalone(reply, found.resolved, rewritten_by=model.spec)
