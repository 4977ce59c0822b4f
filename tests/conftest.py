"""Shared fixtures: a private user directory for every test, and stores built once per session
with the real packaged embedding model and a real Chroma on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED_ARTICLE = SHARED / "seeds" / "000_51285e4fec18c764.txt"
SEED_QA = SHARED / "data" / "seed-qa.jsonl"
REALTIMEQA = SHARED / "data" / "realtimeqa"
DEMO = REPO / "qa" / "demo"

# No deadline: hypothesis's default fails an example that takes over 200 ms, which a loaded
# machine makes of any example; the tests check behaviour, bench/ measures time.
settings.register_profile("newsqa", deadline=None)
settings.load_profile("newsqa")


def needs_shared(*paths: Path):
    """Skip, saying why, when the shared data folder is not beside the repo."""
    missing = [str(p) for p in paths if not p.exists()]
    return pytest.mark.skipif(bool(missing), reason=f"shared test data missing: {missing}")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(autouse=True)
def private_user_dir(tmp_path_factory, monkeypatch):
    """Tests never touch a real user directory, config or keys file."""
    home = tmp_path_factory.mktemp("newsqa-home")
    monkeypatch.setenv("NEWSQA_HOME", str(home))
    for name in ("NEWSQA_MODEL", "NEWSQA_STORE", "NEWSQA_K", "NEWSQA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def no_proxy_for_local_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests to a test's own server on 127.0.0.1 must not go through a proxy the machine's
    environment names; modules of such tests use it for every test (`pytestmark`)."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Path:
    """The bundled demo corpus, ingested once; tests must not write to it."""
    from qa import NewsQA

    store = tmp_path_factory.mktemp("demo-store") / "store"
    NewsQA(store=store).ingest([DEMO / "articles"])
    return store


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory) -> Path:
    """The real scraped seed article, ingested once; tests must not write to it."""
    if not SEED_ARTICLE.exists():
        pytest.skip(f"shared seed article missing: {SEED_ARTICLE}")
    from qa import NewsQA

    store = tmp_path_factory.mktemp("seed-store") / "store"
    NewsQA(store=store).ingest([SEED_ARTICLE])
    return store
