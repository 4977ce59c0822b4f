"""`embedding_device`: ingest embeds on the GPU torch sees, or the CPU; a device the machine does
not have is one line naming the setting, and nothing is stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from index_store.embedders.device import DeviceUnavailable, torch_device
from index_store.store import Store
from qa import NewsQA
from qa.cli import app

STORY = """---
title: Harbour tunnel opens to traffic
source: Example Tribune
published: 2025-04-02
---
The new harbour tunnel opened to traffic on Wednesday after four years of work.
"""
NO_CUDA = "embedding_device '{}': torch sees no CUDA device here; use auto or cpu"
NO_MPS = "embedding_device 'mps': torch sees no Apple MPS device here; use auto or cpu"

has_gpu = torch.cuda.is_available() or torch.backends.mps.is_available()
cpu_only = pytest.mark.skipif(has_gpu, reason="torch sees a GPU on this machine")
runner = CliRunner()


@pytest.fixture
def story(tmp_path: Path) -> Path:
    path = tmp_path / "tunnel.txt"
    path.write_text(STORY)
    return path


@pytest.fixture
def stored(tmp_path: Path, story: Path) -> Path:
    store = tmp_path / "store"
    NewsQA(store=store, embedding_device="cpu").ingest([story])
    return store


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@cpu_only
def test_auto_is_the_cpu_on_a_machine_without_a_gpu():
    assert torch_device("auto") == torch_device("cpu") == "cpu"


@pytest.mark.parametrize("setting", ["auto", "cpu"])
def test_ingest_embeds_on_the_device_stats_show(stored: Path, story: Path, setting: str):
    newsqa = NewsQA(store=stored, embedding_device=setting)
    later = story.with_name("later.txt")
    later.write_text(STORY.replace("tunnel opens", "ferry ends").replace("tunnel opened", "ferry"))
    assert newsqa.ingest([later]).added == 1
    store = Store.open(newsqa.settings.index_config())
    try:
        assert store.ingest_embedder.model.device.type == torch_device(setting)
    finally:
        store.close()
    assert newsqa.stats().embedding_device == torch_device(setting)


def test_stats_print_the_device(stored: Path):
    as_json = runner.invoke(app, ["stats", "--store", str(stored), "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["embedding_device"] == torch_device("auto")
    as_text = runner.invoke(app, ["stats", "--store", str(stored)])
    assert f"embedding_device: {torch_device('auto')}" in as_text.stdout.splitlines()


@cpu_only
@pytest.mark.parametrize(
    ("setting", "message"),
    [("cuda", NO_CUDA.format("cuda")), ("cuda:1", NO_CUDA.format("cuda:1")), ("mps", NO_MPS)],
)
def test_a_missing_device_is_one_line_and_no_store_is_made(tmp_path, story, setting, message):
    store = tmp_path / "store"
    result = runner.invoke(
        app, ["ingest", str(story), "--store", str(store)], env={"NEWSQA_EMBEDDING_DEVICE": setting}
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"error: {message}"]
    assert not store.exists()


@cpu_only
def test_a_missing_device_leaves_a_store_as_it_was(stored: Path, story: Path):
    before = snapshot(stored)
    newer = story.with_name("newer.txt")
    newer.write_text(STORY.replace("Wednesday", "Thursday"))
    for command in ("ingest", str(newer)), ("reindex",), ("stats",):
        result = runner.invoke(
            app, [*command, "--store", str(stored)], env={"NEWSQA_EMBEDDING_DEVICE": "cuda"}
        )
        assert (result.exit_code, result.stderr) == (1, f"error: {NO_CUDA.format('cuda')}\n")
        if command[0] != "stats":  # a reader leaves SQLite's shared-memory file behind
            assert snapshot(stored) == before


@cpu_only
def test_the_python_api_raises_the_same_error(tmp_path: Path, stored: Path, story: Path):
    before = snapshot(stored)
    with pytest.raises(DeviceUnavailable, match=r"^embedding_device 'cuda': torch sees no CUDA"):
        NewsQA(store=tmp_path / "new", embedding_device="cuda").ingest([story])
    with pytest.raises(DeviceUnavailable, match=r"use auto or cpu$"):
        NewsQA(store=stored, embedding_device="cuda").reindex()
    assert not (tmp_path / "new").exists()
    assert snapshot(stored) == before


def test_a_device_that_is_no_device_is_a_bad_setting(private_user_dir: Path):
    result = runner.invoke(app, ["stats"], env={"NEWSQA_EMBEDDING_DEVICE": "gpu"})
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("error: bad setting embedding_device: ")
    assert "NEWSQA_EMBEDDING_DEVICE" in line


def test_auto_costs_no_torch_import_where_no_gpu_can_be():
    import os
    import subprocess
    import sys

    if sys.platform == "darwin" or os.path.exists("/proc/driver/nvidia/version"):
        pytest.skip("this machine may have a GPU: auto asks torch")
    code = (
        "import sys; from index_store.embedders.device import torch_device; "
        "print(torch_device('auto'), 'torch' in sys.modules)"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.split() == ["cpu", "False"]
