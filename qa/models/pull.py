"""`newsqa models pull`: fetch a GGUF from the Hugging Face Hub, check it, and name it.

Known models are pinned by repository, file and sha256, so what is downloaded is exactly the
file newsqa was measured with (eval/RESULTS.md); any other GGUF can be pulled by
`hf:OWNER/REPO/FILE.gguf` with the `--sha256` it must have. The download goes through
`huggingface_hub` (resumable, with a progress bar; `HF_ENDPOINT` points it at a mirror) into
`$NEWSQA_HOME/models/`, and a file whose sha256 differs is deleted, never named.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from index_store.errors import NewsQAError
from qa.models.named import NamedModel, add_model
from qa.paths import user_dir


class PullFailed(NewsQAError):
    """A model could not be downloaded, or was not the file it should be."""


@dataclass(frozen=True)
class KnownModel:
    """A GGUF file on the Hub and the sha256 it must have."""

    repo: str
    file: str
    sha256: str
    size: int
    about: str


KNOWN: dict[str, KnownModel] = {
    "qwen2.5-coder-1.5b-instruct": KnownModel(
        "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        1_117_320_768,
        "Qwen2.5-Coder-1.5B-Instruct, Q4_K_M: short cited answers, right for seven in ten "
        "unseen questions, about 7 s each on 2 cores (eval/RESULTS.md)",
    ),
    "qwen2.5-coder-0.5b-instruct": KnownModel(
        "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        491_400_064,
        "Qwen2.5-Coder-0.5B-Instruct, Q4_K_M: about 4 s, right for over half the unseen "
        "questions, and seldom refuses",
    ),
}
"""Pinned to the files measured here (their sha256 as checked by this project)."""

RECOMMENDED = "qwen2.5-coder-1.5b-instruct"
"""The local model to suggest to someone on the extractive default."""


def models_dir() -> Path:
    return user_dir() / "models"


def resolve_source(source: str, sha256: str | None) -> KnownModel:
    """A known model's pin, or `hf:OWNER/REPO/FILE.gguf` pinned by the given sha256."""
    if source in KNOWN:
        return KNOWN[source]
    if not source.startswith("hf:"):
        raise PullFailed(
            f"unknown model '{source}': pull one of {', '.join(sorted(KNOWN))}, or any GGUF "
            "as hf:OWNER/REPO/FILE.gguf --sha256 HEX"
        )
    owner, _, rest = source[3:].partition("/")
    repo_name, _, file = rest.partition("/")
    if not (owner and repo_name and file.endswith(".gguf")):
        raise PullFailed(f"'{source}' is not hf:OWNER/REPO/FILE.gguf")
    if not sha256 or len(sha256) != 64:
        raise PullFailed(f"{source}: give the file's sha256 (64 hex digits) with --sha256")
    return KnownModel(f"{owner}/{repo_name}", file, sha256.lower(), 0, "")


def pull(source: str, name: str, providers: set[str], sha256: str | None = None) -> NamedModel:
    """Download (or reuse) the file, check its sha256, and name it `name`."""
    known = resolve_source(source, sha256)
    target = models_dir() / known.file
    if not (target.is_file() and file_sha256(target) == known.sha256):
        _download(known, target)
    return add_model(name, f"llamacpp:{target}", providers)


def _download(known: KnownModel, target: Path) -> None:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError

    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fetched = hf_hub_download(
            known.repo,
            known.file,
            local_dir=target.parent,
            endpoint=os.environ.get("HF_ENDPOINT"),
        )
    except (HfHubHTTPError, OSError) as error:
        raise PullFailed(
            f"cannot download {known.file} from {known.repo}: {str(error).splitlines()[0]}"
        ) from None
    if file_sha256(Path(fetched)) != known.sha256:
        Path(fetched).unlink(missing_ok=True)
        raise PullFailed(
            f"{known.repo}/{known.file} is not the expected file (sha256 differs); "
            "it was deleted and nothing was named"
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
