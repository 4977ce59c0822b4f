"""Numbered citations for briefs and timelines: one number per passage cited, in order of use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from index_store.ledger import Ledger
from index_store.types import ArticleRecord, ChunkRecord
from qa.reading.sentences import passage_sentences
from qa.types import Citation, Passage

OPENING_MIN_WORDS = 6
OPENING_CHUNKS = 2


class Citer:
    """Hands out citation numbers for (article, chunk) and reads the chunks they point at."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._numbers: dict[str, int] = {}
        self._cited: list[Citation] = []
        self._chunks: dict[str, list[ChunkRecord]] = {}

    def cite(self, record: ArticleRecord, chunk_id: str) -> int:
        """The citation number of this chunk of the article (a new one on first use)."""
        if chunk_id not in self._numbers:
            chunk = next(c for c in self._chunks_of(record.id) if c.chunk_id == chunk_id)
            n = max((c.n for c in self._cited), default=0) + 1
            self._numbers[chunk_id] = n
            self._cited.append(
                Citation(
                    n,
                    record.id,
                    chunk_id,
                    record.title,
                    record.source,
                    record.published,
                    record.url,
                    chunk.text,
                )
            )
        return self._numbers[chunk_id]

    def adopt(self, citations: tuple[Citation, ...]) -> None:
        """Keep an answer's citations and their numbers; new ones follow them."""
        for citation in citations:
            self._numbers[citation.chunk_id] = citation.n
            self._cited.append(citation)

    def citations(self) -> tuple[Citation, ...]:
        return tuple(self._cited)

    def number_of(self, chunk_id: str) -> int | None:
        return self._numbers.get(chunk_id)

    def passage(self, n: int) -> Passage:
        """Citation `n` as a passage an answerer can read (ranked in citation order)."""
        cited = next(c for c in self._cited if c.n == n)
        chunk = next(c for c in self._chunks_of(cited.article_id) if c.chunk_id == cited.chunk_id)
        record = self._ledger.article(cited.article_id)
        return replace(as_passage(record, chunk), rank=n)

    def opening(
        self, record: ArticleRecord, keep: Callable[[str], bool] = lambda _: True
    ) -> tuple[str, str] | None:
        """(chunk id, sentence) of the article's first quotable statement of some length that
        `keep` accepts, in its first OPENING_CHUNKS chunks (a question, "Could it become a
        Category 5 storm?", says nothing happened)."""
        for chunk in self._chunks_of(record.id)[:OPENING_CHUNKS]:
            passage = as_passage(record, chunk)
            for sentence, allowed in passage_sentences(passage):
                if (
                    allowed
                    and len(sentence.split()) >= OPENING_MIN_WORDS
                    and not sentence.endswith("?")
                    and keep(sentence)
                ):
                    return chunk.chunk_id, sentence
        return None

    def first_chunk(self, record: ArticleRecord) -> tuple[str, str]:
        """(chunk id, text) of the article's first chunk: what is left to quote of an article
        without a quotable sentence."""
        chunk = self._chunks_of(record.id)[0]
        return chunk.chunk_id, chunk.text

    def chunk_at(self, record: ArticleRecord, offset: int) -> str:
        """The id of the article's chunk holding the character at `offset` of its text; of
        overlapping chunks, one already cited."""
        chunks = self._chunks_of(record.id)
        holding = [c.chunk_id for c in chunks if c.start <= offset < c.end] or [chunks[0].chunk_id]
        return next((c for c in holding if c in self._numbers), holding[0])

    def _chunks_of(self, article_id: str) -> list[ChunkRecord]:
        if article_id not in self._chunks:
            ids = self._ledger.chunk_ids_of(article_id)
            found = self._ledger.chunks(ids)
            self._chunks[article_id] = [found[i] for i in ids if i in found]
        return self._chunks[article_id]


def as_passage(record: ArticleRecord, chunk: ChunkRecord) -> Passage:
    return Passage(
        rank=0,
        score=0.0,
        chunk_id=chunk.chunk_id,
        article_id=record.id,
        title=record.title,
        text=chunk.text,
        source=record.source,
        published=record.published,
        url=record.url,
        sentence_spans=chunk.sentences,
    )
