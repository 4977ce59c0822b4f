"""Named models: `models add` / `remove` / `pull` give a model a name that `-m` takes everywhere,
and `pull` downloads a GGUF from a Hub (here a stand-in on 127.0.0.1), checked by sha256."""

from __future__ import annotations

import hashlib
import json
from importlib.util import find_spec

import pytest
from typer.testing import CliRunner

from qa import NewsQA
from qa.cli import app
from qa.errors import ModelUnavailable
from tests.hub_server import HubServer

QUESTION = "Who won the Quayside ward by-election?"
GGUF = b"GGUF" + bytes(range(256)) * 64
"""Not a model: pull only moves and checks bytes; what loads the file is tested elsewhere."""


def run(*args: object, **env: str):
    return CliRunner().invoke(app, [str(a) for a in args], env=env or None)


def listing() -> dict:
    result = run("models", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_named_file_is_listed_with_its_size_and_missing_files_say_so(tmp_path):
    model = tmp_path / "qwen.gguf"
    model.write_bytes(GGUF)
    assert run("models", "add", "qwen", model).exit_code == 0
    assert run("models", "add", "gone", tmp_path / "gone.gguf").exit_code == 0
    named = {row["name"]: row for row in listing()["named"]}
    assert named["qwen"] == {
        "name": "qwen",
        "spec": f"llamacpp:{model}",
        "file": "0.00 GB",
        "size": len(GGUF),
        "usable": find_spec("llama_cpp") is not None,
    }
    assert named["gone"]["file"] == "file missing" and named["gone"]["size"] is None
    assert named["gone"]["usable"] is False
    assert "qwen" in run("models").stdout
    assert run("models", "remove", "gone").exit_code == 0
    assert set(row["name"] for row in listing()["named"]) == {"qwen"}


def test_a_name_is_taken_by_ask_in_the_cli_and_the_python_api(demo_store, tmp_path):
    missing = tmp_path / "elsewhere.gguf"
    run("models", "add", "qwen", missing)
    result = run("ask", QUESTION, "--store", demo_store, "-m", "qwen")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: llamacpp:{missing}: no GGUF file at {missing}"
    with pytest.raises(ModelUnavailable, match="no GGUF file at"):
        NewsQA(store=demo_store).ask(QUESTION, model="qwen")


def test_a_name_can_stand_for_any_spec(demo_store):
    assert run("models", "add", "quote", "extractive").exit_code == 0
    answer = NewsQA(store=demo_store).ask(QUESTION, model="quote")
    assert answer.model == "quote" and "Ashdown" in answer.answer and answer.citations


@pytest.mark.parametrize(
    ("name", "spec", "message"),
    [
        ("openai", "extractive", "cannot name a model 'openai'"),
        ("Bad Name", "extractive", "cannot name a model 'Bad Name'"),
        ("qwen", "nosuch:thing", "'nosuch:thing' is neither a .gguf file nor a model spec"),
    ],
)
def test_bad_names_and_specs_are_one_line_and_store_nothing(name, spec, message):
    result = run("models", "add", name, spec)
    assert result.exit_code == 1 and result.stderr.startswith(f"error: {message}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert listing()["named"] == []


def test_removing_an_unknown_name_is_one_line():
    result = run("models", "remove", "nothing")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: no model is named 'nothing' (see `newsqa models`)"


def test_pull_downloads_checks_and_names_the_file(private_user_dir):
    digest = hashlib.sha256(GGUF).hexdigest()
    with HubServer({"acme/tiny-GGUF/tiny-q4.gguf": GGUF}) as hub:
        result = run(
            "models", "pull", "hf:acme/tiny-GGUF/tiny-q4.gguf", "--sha256", digest,
            "--name", "tiny", HF_ENDPOINT=hub.url,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        again = run(
            "models", "pull", "hf:acme/tiny-GGUF/tiny-q4.gguf", "--sha256", digest,
            "--name", "tiny", HF_ENDPOINT=hub.url,
        )  # fmt: skip
    stored = private_user_dir / "models" / "tiny-q4.gguf"
    assert stored.read_bytes() == GGUF
    assert "tiny = llamacpp:" in result.stdout
    assert {row["name"]: row["spec"] for row in listing()["named"]} == {
        "tiny": f"llamacpp:{stored}"
    }
    assert again.exit_code == 0
    gets = [path for method, path in hub.requests if method == "GET"]
    assert gets == ["/acme/tiny-GGUF/resolve/main/tiny-q4.gguf"], "a present file is not fetched"


def test_pull_refuses_a_file_whose_sha256_differs_and_keeps_nothing(private_user_dir):
    with HubServer({"acme/tiny-GGUF/tiny-q4.gguf": GGUF}) as hub:
        result = run(
            "models", "pull", "hf:acme/tiny-GGUF/tiny-q4.gguf", "--sha256", "0" * 64,
            HF_ENDPOINT=hub.url,
        )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: acme/tiny-GGUF/tiny-q4.gguf is not the expected file (sha256 differs); "
        "it was deleted and nothing was named"
    )
    assert not (private_user_dir / "models" / "tiny-q4.gguf").exists()
    assert listing()["named"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuch-model"], "unknown model 'nosuch-model': pull one of"),
        (["hf:acme/tiny-GGUF/tiny-q4.gguf"], "give the file's sha256 (64 hex digits)"),
        (["hf:acme/tiny.gguf", "--sha256", "0" * 64], "is not hf:OWNER/REPO/FILE.gguf"),
    ],
)
def test_pull_of_an_unknown_or_unpinned_source_is_one_line(args, message):
    result = run("models", "pull", *args)
    assert result.exit_code == 1 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_pull_of_a_file_the_hub_lacks_names_it():
    with HubServer({}) as hub:
        result = run(
            "models", "pull", "hf:acme/tiny-GGUF/none.gguf", "--sha256", "0" * 64,
            HF_ENDPOINT=hub.url,
        )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot download none.gguf from acme/tiny-GGUF:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_http_api_lists_named_models_and_answers_with_one(demo_store):
    from fastapi.testclient import TestClient

    from qa.server import create_app

    assert run("models", "add", "quote", "extractive").exit_code == 0
    with TestClient(create_app(demo_store), base_url="http://127.0.0.1:8000") as client:
        listed = client.get("/api/models").json()
        asked = client.post("/api/ask", json={"question": QUESTION, "model": "quote"})
    assert listed["named"] == [
        {"name": "quote", "spec": "extractive", "file": "served", "usable": True}
    ]
    assert asked.status_code == 200, asked.text
    assert asked.json()["model"] == "quote" and "Ashdown" in asked.json()["answer"]
