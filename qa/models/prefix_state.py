"""The evaluated rules prefix of a local model, kept on disk from one process to the next.

Every prompt opens with the same rules (~226 tokens). A process that has answered once reuses
their evaluated state; a new one (each `newsqa ask`) would read them again: 3 s of a 1.5B
model's cold answer on 2 cores. llama.cpp saves a context's state with its tokens
(`llama_state_save_file`, a few MB for this prefix), so the first process to read the prefix
saves it under `$NEWSQA_HOME/cache/llama-prefix/` and later ones load it in milliseconds, with
the same probabilities a warm process reads. The file's name covers the model file (path, size,
modification time), the context size, llama-cpp-python's version and the prefix's tokens: any
change reads the rules afresh. A file that cannot be written or read is only a slower start.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
from pathlib import Path
from typing import Any

from qa.paths import user_dir


def prefix_dir() -> Path:
    return user_dir() / "cache" / "llama-prefix"


def restore_prefix(llama: Any, model_path: str, prefix: list[int]) -> None:
    """Leave `llama` holding `prefix` evaluated: loaded from its saved state when there is one,
    else evaluated and saved. `model_path` is the model file's resolved path."""
    path = _state_path(llama, model_path, prefix)
    if path.exists() and _loaded(llama, path, prefix):
        return
    llama.reset()
    llama.eval(prefix)
    _save(llama, path, prefix)


def _state_path(llama: Any, model_path: str, prefix: list[int]) -> Path:
    import llama_cpp

    found = os.stat(model_path)
    key = "|".join(
        map(
            str,
            (
                model_path,
                found.st_size,
                found.st_mtime_ns,
                llama.n_ctx(),
                llama_cpp.__version__,
                prefix,
            ),
        )
    )
    return prefix_dir() / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.state"


def _loaded(llama: Any, path: Path, prefix: list[int]) -> bool:
    """Whether the saved state was loaded and holds exactly `prefix`."""
    import llama_cpp

    tokens = (llama_cpp.llama_token * llama.n_ctx())()
    count = ctypes.c_size_t(0)
    ok = llama_cpp.llama_state_load_file(
        llama.ctx, str(path).encode(), tokens, llama.n_ctx(), ctypes.byref(count)
    )
    if not ok or list(tokens[: count.value]) != prefix:
        llama.reset()
        return False
    llama.input_ids[: count.value] = prefix
    llama.n_tokens = count.value
    return True


def _save(llama: Any, path: Path, prefix: list[int]) -> None:
    """Written beside its place and renamed into it, so a reader never sees half a file."""
    import llama_cpp

    partial = path.with_suffix(f".{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tokens = (llama_cpp.llama_token * len(prefix))(*prefix)
        if llama_cpp.llama_state_save_file(llama.ctx, str(partial).encode(), tokens, len(prefix)):
            partial.replace(path)
    except OSError:
        pass
    finally:
        partial.unlink(missing_ok=True)
