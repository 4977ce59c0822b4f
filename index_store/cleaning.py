"""Remove scrape noise from article text so that only the article's own sentences get indexed.

Scraped pages leave ad markers, "Read more:" teasers for other stories, newsletter pitches and
the headline repeated above the body. Each rule here matches only whole lines or paragraphs of
such noise, never part of a sentence: a real sentence that merely looks odd is kept.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from index_store.types import Article

# Noise sometimes sits inside a paragraph (one line of it); a teaser must be a whole paragraph.
_AD = (
    r"(?:advertisements?|scroll to continue(?: with content)?"
    r"|story continues (?:below|after)(?: [\w ]{0,30})?)"
)
_AD_LINE = re.compile(rf"[\W_]*{_AD}(?:\s*[·•|/–—-]\s*{_AD})*[\W_]*", re.IGNORECASE)
_READ_TEASER = re.compile(
    r"(?:also read|read also|read more|see also)\b[^:.!?\n]{0,40}:.*", re.IGNORECASE
)
_RELATED_TEASER = re.compile(
    r"related(?: stor(?:y|ies)| coverage| articles?| links?| reading)?\s*:.*",
    re.IGNORECASE,
)
_BARE_LABEL = re.compile(
    r"(?:also read|read more(?: here)?|related(?: stor(?:y|ies)| coverage)?)\s*[:.!]?",
    re.IGNORECASE,
)
# "Sign up for CNN's Stress, But Less newsletter. ...": the newsletter or inbox must be the
# object of the opening imperative, so a sentence that merely mentions one is kept.
_NEWSLETTER = re.compile(
    r"(?:sign up|subscribe)(?: now)? (?:for|to) [^.;:!?]{0,40}\b(?:newsletters?|inbox)\b.*",
    re.IGNORECASE,
)
_MAX_TEASER_CHARS = 300
_LINE_BREAKS = re.compile(r"\r\n?|[\f\v\x85\u2028\u2029]")
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u200b\u00ad\ufeff]")
_SPACES = re.compile(r"[^\S\n\t]+")
_END_PUNCTUATION = " .!?:;…"
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def clean_article(article: Article) -> Article:
    """Return `article` with noise removed from its text and its fields normalised.

    Text is NFC-normalised, stripped of control characters and of stray spaces, with paragraphs
    separated by exactly one blank line. Without a title, the first line becomes the title.
    """
    paragraphs = _drop_teasers(_paragraphs(normalise_text(article.text)))
    title = _inline(article.title) or _inline(_first_line(paragraphs))
    paragraphs = _drop_repeated_headline(paragraphs, title)
    return dataclasses.replace(
        article,
        text="\n\n".join("\n".join(lines) for lines in paragraphs),
        title=title,
        source=_inline(article.source),
        url=article.url.strip(),
        authors=tuple(name for name in map(_inline, article.authors) if name),
    )


def normalise_text(text: str) -> str:
    """NFC form, Unix line breaks, no control or invisible characters, single spaces."""
    # Invisible characters go first: left in, they would block NFC composition around them.
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", _LINE_BREAKS.sub("\n", text)))
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def _paragraphs(text: str) -> list[list[str]]:
    """Blocks of lines separated by blank lines, without ad-marker lines."""
    paragraphs: list[list[str]] = [[]]
    for line in text.split("\n"):
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
        elif not _AD_LINE.fullmatch(line):
            paragraphs[-1].append(line)
    return [lines for lines in paragraphs if lines]


def _drop_teasers(paragraphs: list[list[str]]) -> list[list[str]]:
    """Drop teaser lines ending the text, then paragraphs that are only a teaser."""
    kept = [list(lines) for lines in paragraphs]
    while kept and _is_teaser(kept[-1][-1]):
        kept[-1].pop()
        if not kept[-1]:
            kept.pop()
    return [lines for lines in kept if not (len(lines) == 1 and _is_teaser(lines[0]))]


def _is_teaser(line: str) -> bool:
    if len(line) > _MAX_TEASER_CHARS or not line[0].isupper():
        return False
    patterns = (_READ_TEASER, _RELATED_TEASER, _BARE_LABEL, _NEWSLETTER)
    return any(pattern.fullmatch(line) for pattern in patterns)


def _drop_repeated_headline(paragraphs: list[list[str]], title: str) -> list[list[str]]:
    """Drop leading paragraphs that repeat the title or that the next paragraph repeats."""
    headline = _comparable(title).rstrip(_END_PUNCTUATION)
    while len(paragraphs) > 1:
        first, second = _joined(paragraphs[0]), _joined(paragraphs[1])
        repeats_title = bool(headline) and first.rstrip(_END_PUNCTUATION) == headline
        repeated_next = second == first or second.startswith(first + " ")
        if not (repeats_title or repeated_next):
            break
        paragraphs = paragraphs[1:]
    return paragraphs


def _joined(lines: list[str]) -> str:
    return _comparable(" ".join(lines))


def _comparable(text: str) -> str:
    return " ".join(text.lstrip("#").split()).translate(_QUOTES).casefold()


def _first_line(paragraphs: list[list[str]]) -> str:
    lines = (line.lstrip("#").strip() for lines in paragraphs for line in lines)
    return next((line for line in lines if line), "")


def _inline(value: str) -> str:
    return " ".join(normalise_text(value).split())
