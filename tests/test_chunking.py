"""Chunks must fit MiniLM's 256-token window as its own tokenizer counts, keep whole sentences,
and overlap a little."""

from __future__ import annotations

import pytest

from index_store.chunking import chunk_text
from index_store.embedding import DEFAULT_MODEL, WINDOW_TOKENS, load_tokenizer, token_starts
from tests.conftest import SEED_ARTICLE, needs_shared


def model_tokens(text: str) -> int:
    """Tokens the model reads, [CLS] and [SEP] included."""
    return len(load_tokenizer(DEFAULT_MODEL).encode(text).ids)


def chunks_of(text: str, max_tokens: int = 128, overlap: int = 16):
    return chunk_text(text, token_starts(DEFAULT_MODEL), max_tokens, overlap)


@needs_shared(SEED_ARTICLE)
@pytest.mark.parametrize("max_tokens", [32, 128, 254])
def test_no_chunk_exceeds_the_model_window(max_tokens):
    text = SEED_ARTICLE.read_text()
    chunks = chunks_of(text, max_tokens)
    assert chunks
    for chunk in chunks:
        assert model_tokens(chunk.text) <= max_tokens + 2 <= WINDOW_TOKENS
        assert chunk.text == text[chunk.start : chunk.end]


def test_a_sentence_longer_than_the_window_is_cut_at_words():
    sentence = " ".join(f"word{i}" for i in range(600)) + "."
    chunks = chunks_of(sentence, max_tokens=100, overlap=0)
    assert len(chunks) > 1
    assert all(model_tokens(c.text) <= 102 for c in chunks)
    assert " ".join(c.text for c in chunks).split() == sentence.split()


def test_a_single_giant_token_run_is_cut_anyway():
    url = "https://example.com/" + "a1b2c3" * 400
    chunks = chunks_of(f"See {url} now.", max_tokens=50, overlap=0)
    assert all(model_tokens(c.text) <= 52 for c in chunks)


def test_chunks_keep_whole_sentences_and_overlap():
    sentences = [f"Sentence number {i} reports that the council met on day {i}." for i in range(40)]
    chunks = chunks_of(" ".join(sentences), max_tokens=60, overlap=20)
    for chunk in chunks:
        assert chunk.text.startswith("Sentence number") and chunk.text.endswith(".")
    assert any(a.text.split(". ")[-1] in b.text for a, b in zip(chunks, chunks[1:])), (
        "consecutive chunks should share a trailing sentence"
    )
    covered = {s for c in chunks for s in sentences if s in c.text}
    assert covered == set(sentences)


def test_sentence_spans_point_into_the_chunk():
    text = "The U.S. said on Jan. 5 that it would act. Officials agreed.\nA new paragraph here."
    (chunk,) = chunks_of(text)
    spans = [chunk.text[a:b] for a, b in chunk.sentences]
    assert spans == [
        "The U.S. said on Jan. 5 that it would act.",
        "Officials agreed.",
        "A new paragraph here.",
    ]


def test_empty_text_gives_no_chunks():
    assert chunks_of("") == []
