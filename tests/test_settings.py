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
