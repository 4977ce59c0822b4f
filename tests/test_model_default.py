"""`newsqa models default`: one command makes a model the one every `ask`, the HTTP API and the
demo answer with, kept in config.toml beside the user's other settings; NEWSQA_MODEL and -m still
win, and `models pull` / `demo` say how to get there."""

from __future__ import annotations

import hashlib
import json

import pytest
from typer.testing import CliRunner

from qa.cli import app
from qa.models.pull import KNOWN
from qa.settings import load_settings
from tests.chat_servers import Script, ScriptedServer
from tests.hub_server import HubServer

QUESTION = "Who won the Quayside ward by-election?"
STAND_IN = "openai-compatible:stand-in"
"""An LLM spec answered by a scripted OpenAI-style server on 127.0.0.1 (tests/chat_servers.py)."""


def run(*args: object, **env: str):
    return CliRunner().invoke(app, [str(a) for a in args], env=env or None)


def config_text(home) -> str:
    return (home / "config.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("spec", ["quote", "openai:gpt-4o-mini", "llamacpp:/models/x.gguf"])
def test_a_default_is_written_to_the_config_and_reported_everywhere(private_user_dir, spec):
    assert run("models", "add", "quote", "extractive").exit_code == 0

    result = run("models", "default", spec)

    config = private_user_dir / "config.toml"
    assert result.exit_code == 0, result.output
    assert result.stdout == f"default model: {spec} (from {config})\n"
    assert config_text(private_user_dir) == f'model = "{spec}"\n'
    assert load_settings().model == spec
    assert run("models", "default").stdout == result.stdout
    assert f"default model: {spec} (from {config})" in run("models").stdout
    assert json.loads(run("models", "--json").stdout)["default"] == spec


def test_with_nothing_set_the_default_is_the_built_in_extractive_answerer(
    demo_store, private_user_dir
):
    builtin = "default model: extractive (built-in default)\n"
    assert run("models", "default").stdout == run("models", "default", "--reset").stdout == builtin
    assert not (private_user_dir / "config.toml").exists(), "a reset of nothing writes nothing"
    result = run("ask", QUESTION, "--store", demo_store, "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["model"] == "extractive" and "Ashdown" in answer["answer"]


def test_ask_and_the_http_api_answer_with_the_default_and_env_and_flag_still_win(demo_store):
    from fastapi.testclient import TestClient

    from qa.server import create_app

    assert run("models", "default", STAND_IN).exit_code == 0
    script = Script()
    with ScriptedServer(script) as server:
        url = {"NEWSQA_BASE_URL": server.url}
        by_default = run("ask", QUESTION, "--store", demo_store, "--json", **url)
        asked = len(script.requests)
        by_flag = run("ask", QUESTION, "--store", demo_store, "--json", "-m", "extractive", **url)
        by_env = run(
            "ask", QUESTION, "--store", demo_store, "--json", NEWSQA_MODEL="extractive", **url
        )
        with TestClient(create_app(demo_store), base_url="http://127.0.0.1:8000") as client:
            listed = client.get("/api/models").json()
    assert by_default.exit_code == 0, by_default.output
    assert json.loads(by_default.stdout)["model"] == STAND_IN and asked == 1
    assert json.loads(by_flag.stdout)["model"] == "extractive"
    assert json.loads(by_env.stdout)["model"] == "extractive"
    assert len(script.requests) == 1, "neither -m nor NEWSQA_MODEL asked the default"
    assert listed["default"] == STAND_IN


def test_the_environment_wins_over_the_config_and_says_so(private_user_dir, monkeypatch):
    assert run("models", "default", "openai:gpt-4o-mini").exit_code == 0
    monkeypatch.setenv("NEWSQA_MODEL", "extractive")

    result = run("models", "default")

    config = private_user_dir / "config.toml"
    assert result.stdout == (
        f"default model: extractive (from NEWSQA_MODEL, over openai:gpt-4o-mini in {config})\n"
    )
    assert load_settings().model == "extractive"
    assert load_settings(model="smollm2").model == "smollm2"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "nosuch",
            "unknown model 'nosuch': give a named model or a model spec (see `newsqa models`)",
        ),
        ("nosuch:thing", "unknown model 'nosuch:thing': give a named model or a model spec"),
        (
            "qwen2.5-coder-1.5b-instruct",
            "'qwen2.5-coder-1.5b-instruct' is not pulled yet: "
            "newsqa models pull qwen2.5-coder-1.5b-instruct",
        ),
    ],
)
def test_an_unknown_model_is_one_line_naming_it_and_writes_nothing(private_user_dir, name, message):
    result = run("models", "default", name)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {message}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (private_user_dir / "config.toml").exists()


CONFIG = """\
# my newsqa settings
k = 7  # more passages
model = "openai:gpt-4o-mini"

[notes]
model = "a table's own key, not the setting"
"""


def test_other_settings_and_comments_survive_a_change_and_a_reset(private_user_dir):
    (private_user_dir / "config.toml").write_text(CONFIG, encoding="utf-8")
    (private_user_dir / "config.toml").chmod(0o600)

    assert run("models", "default", "smollm2").exit_code == 0
    changed = config_text(private_user_dir)
    assert changed == 'model = "smollm2"\n' + CONFIG.replace('model = "openai:gpt-4o-mini"\n', "")
    assert (load_settings().model, load_settings().k) == ("smollm2", 7)
    assert (private_user_dir / "config.toml").stat().st_mode & 0o777 == 0o600, "it may hold a key"

    reset = run("models", "default", "--reset")
    assert reset.stdout == "default model: extractive (built-in default)\n"
    assert config_text(private_user_dir) == changed.replace('model = "smollm2"\n', "")
    assert (load_settings().model, load_settings().k) == ("extractive", 7)


def test_making_extractive_the_default_is_a_reset(private_user_dir):
    assert run("models", "default", "openai:gpt-4o-mini").exit_code == 0
    result = run("models", "default", "extractive")
    assert result.stdout == "default model: extractive (built-in default)\n"
    assert config_text(private_user_dir) == ""


def test_a_config_that_is_not_toml_is_one_line_and_left_alone(private_user_dir):
    (private_user_dir / "config.toml").write_text("k = = 7\n", encoding="utf-8")
    result = run("models", "default", "smollm2")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {private_user_dir / 'config.toml'} is not valid TOML")
    assert config_text(private_user_dir) == "k = = 7\n"


def test_a_model_that_cannot_answer_yet_is_set_with_a_note(private_user_dir, tmp_path):
    run("models", "add", "gone", tmp_path / "gone.gguf")
    result = run("models", "default", "gone")
    assert result.exit_code == 0 and load_settings().model == "gone"
    assert (
        result.stderr == f"note: gone cannot answer yet: no GGUF file at {tmp_path / 'gone.gguf'}\n"
    )


def test_pull_without_a_source_lists_the_known_models_and_how_to_make_one_the_default():
    result = run("models", "pull")
    assert result.exit_code == 0, result.output
    for name, known in KNOWN.items():
        assert f"{name:<28} {known.size / 1e9:.1f} GB  {known.about}" in result.stdout
    assert "pip install 'newsqa[llamacpp]'" in result.stdout
    assert result.stdout.endswith(
        "newsqa models pull qwen2.5-coder-1.5b-instruct"
        " && newsqa models default qwen2.5-coder-1.5b-instruct\n"
    )


def test_a_pull_ends_with_the_command_that_makes_it_the_default():
    gguf = b"GGUF" + bytes(range(256))
    with HubServer({"acme/tiny-GGUF/tiny-q4.gguf": gguf}) as hub:
        result = run(
            "models", "pull", "hf:acme/tiny-GGUF/tiny-q4.gguf",
            "--sha256", hashlib.sha256(gguf).hexdigest(), HF_ENDPOINT=hub.url,
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("make it the default: newsqa models default tiny-q4\n")
    assert run("models", "default", "tiny-q4").exit_code == 0


def test_the_demo_suggests_a_local_model_until_an_llm_is_the_default():
    hint = (
        "tip: short answers from a local model (1.1 GB download):\n"
        "  pip install 'newsqa[llamacpp]'   # the llamacpp extra: builds llama.cpp, minutes\n"
        "  newsqa models pull qwen2.5-coder-1.5b-instruct"
        " && newsqa models default qwen2.5-coder-1.5b-instruct\n"
    )
    on_extractive = run("demo")
    assert on_extractive.exit_code == 0, on_extractive.output
    assert "120 jobs" in on_extractive.stdout and on_extractive.stdout.endswith("\n\n" + hint)

    assert run("models", "default", STAND_IN).exit_code == 0
    script = Script()
    with ScriptedServer(script) as server:
        on_llm = run("demo", NEWSQA_BASE_URL=server.url)
    assert on_llm.exit_code == 0, on_llm.output
    assert script.requests, "the demo asked the default model"
    assert "tip:" not in on_llm.stdout and "pip install" not in on_llm.stdout
