"""Which story a new article belongs to: the same event, reported over days or by several outlets.

An article joins the story whose centre its vector is closest to when the two are close enough and
near enough in time, and when its title shares a distinctive word with the story's titles (a word
few titles of the store use: "Kellan", "asteroid", not "Trump" or "news"); a very close article a
few days away needs no shared word. Anything else starts a story of its own. Grouping one article
looks only at the stories it could join, so it costs the same on the thousandth article as on the
first, and it never regroups the past: a story grows as articles arrive, and loses only the
articles removed from the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from index_store.terms import stems, words

DAY = 86_400
JOIN_SIMILARITY = 0.82
"""Cosine between an article and a story's centre above which the two may be one story."""
CLOSE_SIMILARITY = 0.95
"""So close that a shared title word is not needed, within CLOSE_DAYS."""
CLOSE_DAYS = 7
FAR_SIMILARITY = 0.88
"""An article more than CLOSE_DAYS from a story must share two distinctive title words with it,
or one and be this close."""
STORY_SPAN_DAYS = 120
"""The longest a story may last, first article to last (a bridge closed in February and
reopened in May is one story; a war or a trade dispute over a year is many)."""
RARE_TITLE_SHARE = 0.005
"""A title word used by at most this share of the store's titles (or, in a small store, by at
most RARE_TITLE_MIN of them) is distinctive."""
RARE_TITLE_MIN = 3


@dataclass
class Story:
    """A story as grouping sees it: the sum of its members' vectors and their title words."""

    story_id: int
    vector_sum: np.ndarray
    size: int
    first_epoch: int | None
    last_epoch: int | None
    title_terms: set[str] = field(default_factory=set)

    def centre(self) -> np.ndarray:
        return self.vector_sum / (np.linalg.norm(self.vector_sum) or 1.0)


@dataclass(frozen=True)
class Placed:
    """Where an article went: `joined` an existing story, else started `story_id`."""

    story_id: int
    joined: bool


COMMON_ZIPF = 5.0
"""Words this frequent in English ("news", "around", "states", "million") are never distinctive,
however few titles of the store have used them yet."""


def title_terms(title: str) -> set[str]:
    """The title's words that could tell its story apart, stemmed."""
    from wordfreq import zipf_frequency

    plain = [w for w in words(title) if len(w) > 2 and not w.isdigit()]
    return set(stems([w for w in plain if zipf_frequency(w, "en") < COMMON_ZIPF]))


class Grouper:
    """Places articles into stories, given the stories and title-word counts so far."""

    def __init__(
        self,
        stories: list[Story],
        title_counts: dict[str, int],
        titles: int,
        next_id: int | None = None,
    ) -> None:
        """`stories`: those an article may join; `next_id`: the id a new story gets (ids must
        not repeat those of stories not given)."""
        self.stories = {s.story_id: s for s in stories}
        self.title_counts = title_counts
        self.titles = titles
        self._next_id = next_id or max(self.stories, default=0) + 1

    def place(self, vector: np.ndarray, epoch: int | None, title: str) -> Placed:
        """Put one article (unit `vector`, published `epoch`, `title`) into a story."""
        words = title_terms(title)
        best = self._closest(vector, epoch, words)
        self.titles += 1
        for word in words:
            self.title_counts[word] = self.title_counts.get(word, 0) + 1
        if best is None:
            story = Story(self._next_id, vector.astype(np.float32), 1, epoch, epoch, set(words))
            self.stories[story.story_id] = story
            self._next_id += 1
            return Placed(story.story_id, False)
        best.vector_sum = best.vector_sum + vector
        best.size += 1
        best.title_terms |= words
        if epoch is not None:
            best.first_epoch = min(best.first_epoch or epoch, epoch)
            best.last_epoch = max(best.last_epoch or epoch, epoch)
        return Placed(best.story_id, True)

    def _closest(self, vector: np.ndarray, epoch: int | None, words: set[str]) -> Story | None:
        """The closest story the article belongs to, if any."""
        candidates = [s for s in self.stories.values() if _span_with(s, epoch) <= STORY_SPAN_DAYS]
        if not candidates:
            return None
        similarities = np.stack([s.centre() for s in candidates]) @ vector
        for index in np.argsort(-similarities):
            similarity = float(similarities[index])
            if similarity < JOIN_SIMILARITY:
                return None
            if self._belongs(candidates[index], similarity, epoch, words):
                return candidates[index]
        return None

    def _belongs(self, story: Story, similarity: float, epoch: int | None, words: set[str]) -> bool:
        days = _days_apart(story, epoch)
        if similarity >= CLOSE_SIMILARITY and days <= CLOSE_DAYS:
            return True
        shared = sum(self._distinctive(w) for w in words & story.title_terms)
        if days > CLOSE_DAYS:
            return shared >= 2 or (shared >= 1 and similarity >= FAR_SIMILARITY)
        return shared >= 1

    def _distinctive(self, word: str) -> bool:
        limit = max(RARE_TITLE_MIN, RARE_TITLE_SHARE * self.titles)
        return self.title_counts.get(word, 0) <= limit


def _span_with(story: Story, epoch: int | None) -> float:
    """Days the story would span with an article of `epoch` in it."""
    if epoch is None or story.first_epoch is None or story.last_epoch is None:
        return 0.0
    return (max(story.last_epoch, epoch) - min(story.first_epoch, epoch)) / DAY


def _days_apart(story: Story, epoch: int | None) -> float:
    """Days between an article and the nearest end of a story's span (0 inside it, or undated)."""
    if epoch is None or story.first_epoch is None or story.last_epoch is None:
        return 0.0
    if story.first_epoch <= epoch <= story.last_epoch:
        return 0.0
    return min(abs(epoch - story.first_epoch), abs(epoch - story.last_epoch)) / DAY
