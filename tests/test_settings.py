"""Settings come from one object in a fixed order, and reports never show secrets."""

from __future__ import annotations

import pytest

from qa.settings import load_settings


def test_flags_beat_env_beat_config_file_beat_preset(private_user_dir, monkeypatch):
    (private_user_dir / "config.toml").write_text('k = 4\ncandidates = 33\nmodel = "smollm2"\n')
    monkeypatch.setenv("NEWSQA_K", "6")
    settings = load_settings(preset="fast", model="extractive")
    assert (settings.k, settings.candidates, settings.model) == (6, 33, "extractive")
    assert load_settings(preset="fast", k=9).k == 9


def test_a_preset_fills_what_nothing_else_set():
    assert load_settings(preset="quality").k == 8


@pytest.mark.parametrize("field", ["base_url", "chroma_url"])
def test_reports_hide_api_keys_and_url_passwords(field):
    settings = load_settings(api_key="sk-fake-123", **{field: "http://bob:s3cret@host:8080/v1"})
    shown = str(settings.public())
    assert "sk-fake-123" not in shown and "s3cret" not in shown
    assert settings.public()[field] == "http://***@host:8080/v1"


def test_a_bad_setting_is_one_line_naming_where_to_fix_it(private_user_dir, monkeypatch):
    from typer.testing import CliRunner

    from qa.cli import app

    monkeypatch.setenv("NEWSQA_INGEST_EMBEDDING_BACKEND", "gpu")
    result = CliRunner().invoke(app, ["search", "anything"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: bad setting ingest_embedding_backend: Input should be 'torch' or 'onnx' (set by "
        f"a flag, NEWSQA_INGEST_EMBEDDING_BACKEND or {private_user_dir / 'config.toml'})"
    ]


def test_a_config_file_that_is_not_toml_is_named(private_user_dir):
    from qa.errors import BadSetting

    (private_user_dir / "config.toml").write_text("k = \n")
    with pytest.raises(BadSetting, match=r"config.toml is not valid TOML: Invalid value"):
        load_settings()


def test_a_bad_api_key_value_is_never_echoed():
    from qa.errors import BadSetting

    with pytest.raises(BadSetting) as raised:
        load_settings(api_key=["sk-listed-secret-0000"])
    assert "api_key" in str(raised.value) and "sk-listed-secret" not in str(raised.value)


def test_k_has_one_limit_that_judges_every_way_of_giving_it(demo_store, monkeypatch):
    """-k, the HTTP API's k, NewsQA's k and NEWSQA_K are all held to the k setting's own rule."""
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from qa import NewsQA
    from qa.cli import app
    from qa.errors import BadQuestion, BadSetting
    from qa.server import create_app

    too_many = "k: Input should be less than or equal to 50"
    cli = CliRunner().invoke(app, ["search", "bridge", "--store", str(demo_store), "-k", "51"])
    assert (cli.exit_code, cli.stderr.strip()) == (1, f"error: {too_many}")
    with pytest.raises(BadQuestion, match=f"^{too_many}$"):
        NewsQA(store=demo_store).search("bridge", k=51)
    with TestClient(create_app(demo_store), base_url="http://127.0.0.1") as client:
        response = client.get("/api/search", params={"q": "bridge", "k": 51})
        widest = client.get("/api/search", params={"q": "bridge", "k": 50})
    assert (response.status_code, response.json()) == (400, {"detail": too_many})
    assert widest.status_code == 200 and len(widest.json()) > 5
    monkeypatch.setenv("NEWSQA_K", "51")
    with pytest.raises(BadSetting, match=f"^bad setting {too_many} "):
        load_settings()
