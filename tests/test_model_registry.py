"""`newsqa models`, `newsqa keys`, and providers found through the entry point: what a user
reads, and that no key is ever printed."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from qa.cli import app
from qa.keys import resolve_key
from qa.models import registry
from qa.paths import keys_file
from tests.conftest import REPO

SECRET = "sk-test-4f9a8b7c6d5e4f3a2b1c"
BUILT_IN = {
    "extractive",
    "openai",
    "openai-compatible",
    "ollama",
    "anthropic",
    "llamacpp",
    "smollm2",
}


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, [str(a) for a in args], input=input)


def models_json() -> dict:
    result = run("models", "--json")
    assert result.exit_code == 0, result.output
    return {row["name"]: row for row in json.loads(result.stdout)["providers"]}


def test_models_lists_every_built_in_provider_with_an_example():
    rows = models_json()
    assert set(rows) >= BUILT_IN
    assert rows["extractive"]["usable"] is True
    assert all(row["example"].startswith("newsqa ask -m ") for row in rows.values())


def test_models_says_a_hosted_provider_needs_a_key_until_one_is_given(monkeypatch):
    assert models_json()["openai"]["usable"] is False
    assert "newsqa keys set openai" in models_json()["openai"]["detail"]
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    result = run("models")
    assert "key from $OPENAI_API_KEY" in result.stdout
    assert SECRET not in result.stdout


def test_keys_are_stored_owner_only_listed_by_name_and_removed():
    stored = run("keys", "set", "openai", input=f"{SECRET}\n")
    assert stored.exit_code == 0 and SECRET not in stored.output
    assert stat.S_IMODE(keys_file().stat().st_mode) == 0o600
    assert json.loads(keys_file().read_text()) == {"openai": SECRET}
    listed = run("keys", "list")
    assert "openai  (keys file)" in listed.stdout and SECRET not in listed.stdout
    assert models_json()["openai"]["detail"].startswith("key from keys file")
    assert run("keys", "remove", "openai").exit_code == 0
    assert json.loads(keys_file().read_text()) == {}
    again = run("keys", "remove", "openai")
    assert again.exit_code == 1 and "no key stored for openai" in again.stderr


def test_a_key_resolves_flag_then_keys_file_then_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "from-env")
    assert resolve_key("openai", None, "OPENAI_API_KEY").value == "from-env"
    run("keys", "set", "openai", input="from-file\n")
    assert resolve_key("openai", None, "OPENAI_API_KEY").value == "from-file"
    assert resolve_key("openai", "from-flag", "OPENAI_API_KEY").value == "from-flag"
    assert "from-file" not in repr(resolve_key("openai", None, "OPENAI_API_KEY"))


@pytest.mark.parametrize(
    "name, typed, message",
    [
        ("Bad Name", "sk-1\n", "error: bad key name 'Bad Name': use the provider's name"),
        ("openai", "\n", "error: no key given for 'openai': paste it at the prompt or pipe it in"),
    ],
)
def test_bad_key_input_is_one_line(name, typed, message):
    result = run("keys", "set", name, input=typed)
    assert result.exit_code == 1 and result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_broken_keys_file_is_one_line_saying_how_to_fix_it():
    keys_file().parent.mkdir(parents=True, exist_ok=True)
    keys_file().write_text("{not json")
    result = run("keys", "list")
    assert result.exit_code == 1 and "cannot read the keys file" in result.stderr


@pytest.mark.parametrize(
    "spec, message",
    [
        ("nosuch:model", "unknown model 'nosuch:model': use one of"),
        ("openai", "'openai' needs a model name, e.g. openai:gpt-4o-mini"),
        ("openai:gpt-4o-mini", "openai:gpt-4o-mini needs an API key: `newsqa keys set openai`"),
        ("openai-compatible:local", "openai-compatible:local needs the server's URL"),
        ("llamacpp:/no/such/model.gguf", "llamacpp:/no/such/model.gguf: no GGUF file at"),
    ],
)
def test_a_model_that_cannot_be_used_is_one_line(demo_store, spec, message):
    result = run("ask", "Who won the Quayside ward by-election?", "--store", demo_store, "-m", spec)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {message}"), result.stderr


def test_a_provider_whose_extra_is_missing_names_the_extra(demo_store, monkeypatch):
    # As a venv without the extra sees it: Python imports no module that sys.modules maps to None.
    monkeypatch.setitem(sys.modules, "llama_index.llms.anthropic", None)
    assert models_json()["anthropic"]["detail"] == "not installed: pip install 'newsqa[anthropic]'"
    result = run("ask", "Who won?", "--store", demo_store, "-m", "anthropic:claude-haiku-4-5")
    assert result.stderr.strip() == (
        "error: anthropic:claude-haiku-4-5 needs the 'anthropic' extra: "
        "pip install 'newsqa[anthropic]'"
    )


@pytest.fixture(scope="module")
def echo_plugin(tmp_path_factory):
    """tests/plugins/newsqa-echo, pip-installed into a private folder (not the venv)."""
    work = tmp_path_factory.mktemp("echo-plugin")
    shutil.copytree(REPO / "tests" / "plugins" / "newsqa-echo", work / "src")
    target = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
        + ["--target", str(target), str(work / "src")],
        check=True,
        capture_output=True,
    )
    return target


@pytest.fixture
def with_echo_plugin(echo_plugin, monkeypatch):
    monkeypatch.syspath_prepend(str(echo_plugin))
    registry.providers.cache_clear()
    yield
    registry.providers.cache_clear()


def test_a_third_party_provider_is_listed_and_answers_with_verified_citations(
    with_echo_plugin, demo_store
):
    assert models_json()["echo"]["detail"] == "installed from tests/plugins/newsqa-echo"
    answer = json.loads(
        run(
            "ask",
            "Who won the Quayside ward by-election?",
            "--store",
            demo_store,
            "-m",
            "echo",
            "-k",
            "3",
            "--json",
        ).stdout
    )
    assert answer["model"] == "echo" and not answer["abstained"]
    assert answer["dropped_citations"] == ["[10]"], "the plugin's citation to passage 10 of 3"
    assert [c["n"] for c in answer["citations"]] == [1]
    assert answer["citations"][0]["chunk_id"] == answer["passages"][0]["chunk_id"]
    assert answer["supported"] is True
