"""Questions a news desk answers with a brief or a timeline rather than one sentence.

"What's the latest on the Kellan Bridge?", "What happened with the port?", "Any developments in
the strike?", "What do we know so far about the fire?" ask for the story: they get a brief.
"How did the wildfire unfold?" and "Timeline of the recall" ask for its order: a timeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOPIC = r"(?P<topic>.+?)"
_END = r"(?:\s+(?:so far|this (?P<period>week|month|year)|recently|lately|now))?\s*[?.!]*$"
_PERIOD_DAYS = {"week": 7, "month": 31, "year": 366}
_BRIEF = [
    rf"^(?:what(?:'s|’s| is| are)?|any|give me)\s+(?:the\s+)?(?:latest|newest|new|recent)"
    rf"(?:\s+(?:news|developments|updates?))?\s+(?:on|about|with|in|from|for|at)\s+{_TOPIC}{_END}",
    rf"^(?:what(?:'s|’s| is)?\s+)?new\s+(?:on|about|with|in)\s+{_TOPIC}{_END}",
    rf"^what(?:'s|’s| has)?\s+(?:happened|happening|been happening|going on)\s+"
    rf"(?:with|to|at|in|on|about)\s+{_TOPIC}{_END}",
    rf"^(?:what are\s+|any\s+)?(?:the\s+)?(?:latest\s+|recent\s+|new\s+)?"
    rf"(?:developments|updates)\s+(?:on|in|with|about|for)\s+{_TOPIC}{_END}",
    rf"^what do we know(?:\s+so far)?\s+about\s+{_TOPIC}{_END}",
    rf"^(?:brief me|catch me up)\s+on\s+{_TOPIC}{_END}",
]
_TIMELINE = [
    rf"^how did\s+{_TOPIC}\s+(?:unfold|develop|happen|play out){_END}",
    rf"^(?:give me\s+|show me\s+|what is\s+|what's\s+)?(?:a\s+|the\s+)?timeline\s+(?:of|for|on)\s+"
    rf"{_TOPIC}{_END}",
]


@dataclass(frozen=True)
class NewsShape:
    """How to answer: `brief` or `timeline`, what about (`topic`), and over how many days
    before the question's day when it says ("this week": 7), else None."""

    shape: str
    topic: str
    within_days: int | None = None


def news_shape(question: str) -> NewsShape | None:
    """The shape a question asks for, or None for a plain question."""
    text = " ".join(question.strip().split())
    for shape, patterns in (("timeline", _TIMELINE), ("brief", _BRIEF)):
        for pattern in patterns:
            match = re.match(pattern, text, re.IGNORECASE)
            if match and match["topic"].strip():
                period = match.groupdict().get("period")
                return NewsShape(shape, match["topic"].strip(), _PERIOD_DAYS.get(period or ""))
    return None
