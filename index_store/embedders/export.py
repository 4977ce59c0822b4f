"""An fp32 ONNX export of a sentence-transformers model, kept in the store for its questions.

Only MiniLM ships an ONNX file; any other sentence-transformers model would embed each question
with torch, whose import and load alone take several seconds. So a store written with such a
model exports its transformer once (`torch.onnx.export`, needs the `onnx` package:
`pip install 'newsqa[onnx]'`) into `STORE/question-model/`, which `OnnxEmbedder` then loads.
The export gives the same vectors as torch (cosine 1.0 on all-mpnet-base-v2); int8 dynamic
quantisation of mpnet did not (cosine .6-.8), so none is done. It is saved already optimised by
onnxruntime, with its weights in a file of their own that the session maps instead of copying:
a session of mpnet's then starts in ~0.3 s of CPU instead of ~0.5-1.7 s (bench/RESULTS.md).
Models whose pipeline is more than transformer, mean or CLS pooling and normalisation are not
exported and stay on torch.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

FOLDER = "question-model"
MODEL_FILE = "model.onnx"


def usable_export(folder: Path | None, name: str) -> Path | None:
    """The export in `folder` when it exists and was made from model `name`."""
    if folder is None:
        return None
    try:
        facts = json.loads((folder / "model.json").read_text())
    except (OSError, ValueError):
        return None
    model = folder / MODEL_FILE
    return model if facts.get("model") == name and model.exists() else None


def export_for_questions(embedder, folder: Path) -> bool:
    """Export a loaded `SentenceTransformerEmbedder` into `folder` (replacing what is there);
    False when the model's pipeline cannot be exported or the `onnx` package is missing."""
    pooling = _pooling(embedder.model)
    if pooling is None:
        return False
    try:
        import onnx  # noqa: F401  (torch.onnx.export needs it)
    except ImportError:
        return False
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".export-") as tmp:
        staged = Path(tmp) / FOLDER
        staged.mkdir()
        raw = Path(tmp) / "raw.onnx"
        _export(embedder.model[0].auto_model, raw)
        _optimise(raw, staged / MODEL_FILE)
        facts = {"model": embedder.name, "pooling": pooling, "dimension": embedder.dimension}
        (staged / "model.json").write_text(json.dumps(facts) + "\n")
        shutil.rmtree(folder, ignore_errors=True)
        staged.replace(folder)
    return True


def _pooling(model) -> str | None:
    """'mean' or 'cls' when the pipeline is transformer, that pooling, maybe normalisation."""
    kinds = [type(module).__name__ for module in model]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return None
    pooling = model[1]
    mode = getattr(pooling, "pooling_mode", None) or pooling.get_pooling_mode_str()
    if not getattr(pooling, "include_prompt", True):
        return None
    return mode if mode in ("mean", "cls") else None


def _export(transformer, path: Path) -> None:
    import inspect
    import warnings

    import torch

    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in inspect.signature(transformer.forward).parameters:
        names.append("token_type_ids")

    class Hidden(torch.nn.Module):
        """The transformer called by keyword, giving only its last hidden state."""

        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *inputs):
            return self.transformer(**dict(zip(names, inputs))).last_hidden_state

    example = tuple(torch.ones((2, 8), dtype=torch.long) for _ in names)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    # The tracer warns about Python branches on shapes; stderr is for one-line errors.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Hidden().eval(),
            example,
            str(path),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _optimise(raw: Path, path: Path) -> None:
    """onnxruntime's portable graph fusions, done once and saved, weights beside the graph."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(path)
    external = "session.optimized_model_external_initializers_"
    options.add_session_config_entry(external + "file_name", "model.data")
    options.add_session_config_entry(external + "min_size_in_bytes", "1024")
    onnxruntime.InferenceSession(str(raw), options, providers=["CPUExecutionProvider"])
