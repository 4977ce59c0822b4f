"""The HTTP API on real stores with the real embedding model: answers, errors, limits, auth, jobs.

Requests go through FastAPI's TestClient (the ASGI app in-process); the browser tests run the
same app under uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index_store.errors import StoreLocked
from qa import NewsQA
from qa.models.base import ABSTAIN_PHRASE
from qa.server import ServerConfig, create_app
from tests.conftest import DEMO, read_jsonl

HOSTILE = DEMO / "hostile" / "injected.txt"
LOCAL = "http://127.0.0.1"
QUESTION = "Who won the Quayside ward by-election?"
SECRET = "sk-test-never-show-this-0123456789"


@pytest.fixture(scope="module")
def client(demo_store: Path, tmp_path_factory) -> Iterator[TestClient]:
    """One server over the demo store, read-only, shared by the module's tests."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NEWSQA_HOME", str(tmp_path_factory.mktemp("server-home")))
        env.setenv("NEWSQA_API_KEY", SECRET)
        env.setenv("OPENAI_API_KEY", SECRET)
        with TestClient(create_app(demo_store), base_url=LOCAL) as test_client:
            yield test_client


def writable(
    store: Path, config: ServerConfig | None = None, base_url: str = LOCAL, **settings: Any
) -> TestClient:
    return TestClient(create_app(store, config=config, **settings), base_url=base_url)


def wait_for(client: TestClient, job: dict, headers: dict | None = None) -> dict:
    """Poll an ingest job until it ends (bounded: a stuck job fails the test)."""
    for _ in range(600):
        job = client.get(f"/api/jobs/{job['id']}", headers=headers).json()
        if job["state"] != "running":
            return job
        time.sleep(0.1)
    pytest.fail(f"ingest job never finished: {job}")


def without_timings(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "timings_ms"}


RECORDS = [
    {
        "id": "srv-1",
        "title": "Harrowgate ferry gets a new electric engine",
        "source": "Test Tribune",
        "published": "2025-06-20",
        "url": "https://tribune.example/ferry",
        "text": "The Harrowgate ferry Wren was fitted with a 400 kW electric engine in June 2025. "
        "The refit cost £1.8 million and was paid for by the port.",
    },
    {
        "id": "srv-2",
        "title": "Cheese market returns",
        "source": "Test Tribune",
        "published": "2025-06-21",
        "text": "The cheese market returned to Castleby square on Saturday with 31 stalls.",
    },
]


# Reading


def test_ask_returns_the_object_ask_json_prints(client: TestClient, demo_store: Path):
    response = client.post("/api/ask", json={"question": QUESTION})

    assert response.status_code == 200
    body = response.json()
    expected = NewsQA(store=demo_store).ask(QUESTION).to_dict()
    assert without_timings(body) == json.loads(json.dumps(without_timings(expected)))
    assert body["citations"] and "Ashdown" in body["answer"]
    assert set(body["timings_ms"]) >= {"retrieve", "answer", "total"}


def test_ask_filters_apply_to_every_passage(client: TestClient):
    since = client.post(
        "/api/ask",
        json={
            "question": "How much are the Kellan Bridge repairs expected to cost?",
            "since": "2025-05-01",
        },
    ).json()
    outlet = client.post(
        "/api/ask", json={"question": "storm damage", "source": ["Harrowgate Herald"]}
    ).json()

    assert since["passages"] and all(p["published"] >= "2025-05-01" for p in since["passages"])
    assert outlet["passages"]
    assert all("Harrowgate Herald" in [p["source"], *p["sources"]] for p in outlet["passages"])


def test_ask_abstains_when_no_article_in_range_answers(client: TestClient):
    unanswerable = next(q for q in read_jsonl(DEMO / "demo-qa.jsonl") if q["expect_abstain"])

    body = client.post(
        "/api/ask", json={"question": unanswerable["question"], "until": "2024-12-31"}
    ).json()

    assert body["abstained"] is True
    assert body["answer"] == ABSTAIN_PHRASE
    assert body["citations"] == []


def read_events(client: TestClient, params: dict) -> list[tuple[str, dict]]:
    with client.stream("GET", "/api/ask/stream", params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = "".join(response.iter_text())
    events = []
    for block in filter(str.strip, raw.split("\n\n")):
        kind, data = block.split("\n", 1)
        events.append((kind.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return events


def test_stream_sends_text_then_the_answer_as_server_sent_events(client: TestClient):
    events = read_events(client, {"question": QUESTION})

    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"text"}
    written = "".join(data["text"] for _, data in events[:-1])
    asked = client.post("/api/ask", json={"question": QUESTION}).json()
    assert without_timings(events[-1][1]) == without_timings(asked)
    assert written == asked["answer"]


def test_a_conversation_id_threads_questions_and_an_unknown_one_is_a_404(client: TestClient):
    first = client.post("/api/ask", json={"question": QUESTION, "conversation_id": "new"}).json()
    thread = first["conversation_id"]
    assert thread and first["searched_for"] == QUESTION
    follow_up = {"question": "How many votes did she win by?", "conversation_id": thread}
    events = read_events(client, follow_up)
    answer = events[-1][1]
    assert answer["conversation_id"] == thread
    assert answer["searched_for"] == "How many votes did Maren Ashdown win by?"
    assert "by-election" in answer["citations"][0]["title"]
    assert client.post("/api/ask", json={"question": QUESTION}).json()["conversation_id"] is None
    gone = client.post("/api/ask", json={"question": "And?", "conversation_id": "0" * 12})
    assert gone.status_code == 404
    assert gone.json()["detail"].startswith("no conversation '000000000000'")
    bad = client.post("/api/ask", json={"question": "And?", "conversation_id": "../x"})
    assert bad.status_code == 422


def test_stream_reports_mistakes_before_it_starts_as_json(client: TestClient):
    response = client.get("/api/ask/stream", params={"question": QUESTION, "until": "soon"})

    assert response.status_code == 400
    assert response.json() == {"detail": "until: 'soon' is not a date, use YYYY-MM-DD"}


def test_search_sources_and_stats(client: TestClient):
    passages = client.get("/api/search", params={"q": "bridge repairs", "k": 3}).json()
    sources = client.get("/api/sources").json()
    stats = client.get("/api/stats").json()

    assert len(passages) == 3 and [p["rank"] for p in passages] == [1, 2, 3]
    assert any("Kellan Bridge" in p["title"] for p in passages)
    assert len(sources) == stats["articles"] == 12
    assert {"id", "title", "source", "published", "url", "chunks", "also_in"} <= set(sources[0])
    assert stats["embedding_model"] == "all-MiniLM-L6-v2"


def test_search_takes_the_filters_ask_takes(client: TestClient):
    def search(**params) -> list[dict]:
        response = client.get("/api/search", params={"q": "Harrowgate", "k": 5, **params})
        assert response.status_code == 200, response.text
        return response.json()

    since, until = search(since="2025-04-01"), search(until="2025-02-28")
    as_of = search(as_of="2025-03-01")
    outlets = ["Wendmoor Gazette", "Harrowgate Herald"]
    chosen = search(source=outlets)
    bad = client.get("/api/search", params={"q": "Harrowgate", "as_of": "spring"})

    assert len(since) == 5 and all(p["published"] >= "2025-04-01" for p in since)
    assert until and all(p["published"] <= "2025-02-28" for p in until)
    assert as_of and all(p["published"] is None or p["published"] <= "2025-03-01" for p in as_of)
    named = [{p["source"], *p["sources"]} & set(outlets) for p in chosen]
    assert len(chosen) == 5 and all(named) and set().union(*named) == set(outlets)
    assert bad.status_code == 400
    assert bad.json() == {"detail": "as_of: 'spring' is not a date, use YYYY-MM-DD"}


def test_models_lists_the_registry_and_keys_never_leave_the_server(client: TestClient):
    models = client.get("/api/models")
    pages = [client.get(path).text for path in ("/", "/docs", "/openapi.json", "/api/stats")]

    assert models.json()["default"] == "extractive"
    assert any(p["name"] == "extractive" and p["usable"] for p in models.json()["providers"])
    assert all(SECRET not in text for text in [models.text, *pages])


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"question": QUESTION, "since": "March"}, 400, "since: 'March' is not a date"),
        ({"question": QUESTION, "model": "nosuch:model"}, 400, "unknown model 'nosuch:model'"),
        ({"question": ""}, 422, "question: String should have at least 1 character"),
        ({"question": QUESTION, "k": 0}, 400, "k: Input should be greater than or equal to 1"),
        ({"k": 3}, 422, "question: Field required"),
    ],
)
def test_mistakes_are_one_line_json_errors(client: TestClient, body, status, message):
    response = client.post("/api/ask", json=body)

    assert response.status_code == status
    assert list(response.json()) == ["detail"]
    assert message in response.json()["detail"]
    assert "\n" not in response.json()["detail"]


def test_an_empty_store_says_how_to_fill_it(tmp_path: Path):
    with writable(tmp_path / "none") as empty:
        response = empty.post("/api/ask", json={"question": QUESTION})
        sources = empty.get("/api/sources")

    assert response.status_code == sources.status_code == 404
    assert "newsqa ingest" in response.json()["detail"]


def test_openapi_describes_every_endpoint_and_docs_work_offline(client: TestClient):
    schema = client.get("/openapi.json").json()
    docs = client.get("/docs").text

    assert {
        "/api/ask",
        "/api/ask/stream",
        "/api/search",
        "/api/sources",
        "/api/stats",
        "/api/models",
        "/api/ingest",
        "/api/ingest/upload",
        "/api/jobs/{job_id}",
        "/api/sources/{article_id}",
    } <= set(schema["paths"])
    assert "Answer" in schema["components"]["schemas"]
    assert "http" not in docs.split("swagger-ui-bundle.js")[0].rsplit('src="', 1)[1]
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200


# Limits and guards


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: TestClient):
    response = client.post("/api/ask", json={"question": "x" * 70_000})

    assert response.status_code == 413
    assert "byte limit" in response.json()["detail"]


def test_a_chunked_body_without_a_length_is_cut_at_the_limit(client: TestClient):
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = client.post(
        "/api/ask", content=chunks(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413


def test_an_upload_over_its_limit_is_refused(tmp_path: Path):
    config = ServerConfig(max_upload_bytes=2_000)
    with writable(tmp_path / "store", config) as server:
        response = server.post(
            "/api/ingest/upload", files={"file": ("big.txt", b"word " * 1_000, "text/plain")}
        )

    assert response.status_code == 413
    assert not (tmp_path / "store").exists()


def jsonl_of_size(size: int) -> bytes:
    """26 copies of the first record, each padded with a field the loader ignores, `size` bytes
    in all: one article added, 25 duplicates."""
    lines = [json.dumps({**RECORDS[0], "notes": "x" * 1_000_000}) + "\n"] * 25
    bare = json.dumps({**RECORDS[0], "notes": ""}) + "\n"
    padding = size - sum(map(len, lines)) - len(bare)
    lines.append(json.dumps({**RECORDS[0], "notes": "x" * padding}) + "\n")
    return "".join(lines).encode()


def test_uploads_and_ingest_requests_are_capped_at_25_mib(tmp_path: Path):
    """With the default limits: a request past 64 KiB is refused, but an upload or ingest
    request may carry up to 25 MiB (here a JSONL file of 25 MiB less its multipart envelope)."""
    limit = 25 * 1024 * 1024
    export = jsonl_of_size(limit - 1024)
    oversized = json.dumps({"articles": [RECORDS[0]] * 1000, "notes": "x" * limit}).encode()
    with writable(tmp_path / "store") as server:
        over = server.post(
            "/api/ingest/upload", files={"file": ("export.jsonl", export + b"\n" * 2048)}
        )
        over_json = server.post(
            "/api/ingest", content=oversized, headers={"content-type": "application/json"}
        )
        assert over.status_code == over_json.status_code == 413
        under = server.post("/api/ingest/upload", files={"file": ("export.jsonl", export)})
        assert under.status_code == 202, under.text
        job = wait_for(server, under.json())
        stored = [s["id"] for s in server.get("/api/sources").json()]

    assert over.json() == {"detail": "request body over the 26,214,400-byte limit of this server"}
    assert job["state"] == "done", job
    assert (job["summary"]["added"], job["summary"]["duplicates"]) == (1, 25)
    assert stored == ["srv-1"]


def test_another_host_name_is_refused_on_loopback(client: TestClient):
    response = client.get("/api/stats", headers={"host": "attacker.example"})

    assert response.status_code == 421


def test_a_cross_site_write_is_refused(tmp_path: Path):
    with writable(tmp_path / "store") as server:
        response = server.post(
            "/api/ingest", json={"articles": RECORDS}, headers={"origin": "http://attacker.example"}
        )

    assert response.status_code == 403
    assert "another site" in response.json()["detail"]


# Beyond loopback


def test_listening_beyond_loopback_without_a_token_is_refused(tmp_path: Path):
    from typer.testing import CliRunner

    from qa.cli import app
    from qa.server.errors import UnsafeServer

    with pytest.raises(UnsafeServer, match="--token or NEWSQA_TOKEN"):
        create_app(tmp_path, config=ServerConfig(host="0.0.0.0"))
    result = CliRunner().invoke(app, ["serve", "--store", str(tmp_path), "--host", "0.0.0.0"])

    assert result.exit_code == 1
    assert "error: --host 0.0.0.0 listens beyond this machine" in result.output


def test_writes_beyond_loopback_need_the_bearer_token(tmp_path: Path):
    config = ServerConfig(host="0.0.0.0", token="s3cret-token")
    with writable(tmp_path / "store", config, base_url="http://newsqa.test") as server:
        missing = server.post("/api/ingest", json={"articles": RECORDS})
        wrong = server.post(
            "/api/ingest", json={"articles": RECORDS}, headers={"authorization": "Bearer nope"}
        )
        good = {"authorization": "Bearer s3cret-token"}
        job = wait_for(
            server, server.post("/api/ingest", json={"articles": RECORDS}, headers=good).json()
        )
        read = server.post("/api/ask", json={"question": "What engine was the ferry fitted with?"})
        delete_without = server.delete("/api/sources/srv-1")
        delete_with = server.delete("/api/sources/srv-1", headers=good)

    assert missing.status_code == wrong.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer TOKEN" in missing.json()["detail"]
    assert job["state"] == "done" and job["summary"]["added"] == 2
    assert read.status_code == 200 and read.json()["citations"]
    assert delete_without.status_code == 401
    assert delete_with.status_code == 204


def test_a_request_cannot_make_the_server_load_a_local_model_file(client: TestClient):
    for request in (
        lambda: client.post("/api/ask", json={"question": QUESTION, "model": "llamacpp:/x.gguf"}),
        lambda: client.get(
            "/api/ask/stream", params={"question": QUESTION, "model": "llamacpp:/x"}
        ),
    ):
        refused = request()
        assert refused.status_code == 403
        assert "local GGUF" in refused.json()["detail"]


def test_beyond_loopback_another_model_needs_the_token(demo_store: Path):
    config = ServerConfig(host="0.0.0.0", token="s3cret-token")
    with writable(demo_store, config, base_url="http://newsqa.test") as server:
        other = {"question": QUESTION, "model": "openai:gpt-4o-mini"}
        without = server.post("/api/ask", json=other)
        default = server.post("/api/ask", json={"question": QUESTION, "model": "extractive"})

    assert without.status_code == 401
    assert "token" in without.json()["detail"]
    assert default.status_code == 200 and default.json()["model"] == "extractive"


# Ingest jobs and removal


def test_ingest_records_then_ask_then_remove(tmp_path: Path):
    with writable(tmp_path / "store") as server:
        started = server.post("/api/ingest", json={"articles": RECORDS})
        job = wait_for(server, started.json())
        stored = server.get("/api/stats").json()
        answer = server.post("/api/ask", json={"question": "How much did the ferry refit cost?"})
        removed = server.delete("/api/sources/srv-1")
        again = server.delete("/api/sources/srv-1")
        left = [s["id"] for s in server.get("/api/sources").json()]

    assert started.status_code == 202 and started.json()["state"] == "running"
    assert job["state"] == "done" and job["processed"] == 2
    assert job["summary"] == {
        "added": 2,
        "updated": 0,
        "unchanged": 0,
        "duplicates": 0,
        "failed": 0,
        "chunks_written": 2,
    }
    assert (stored["articles"], stored["chunks"]) == (2, 2), "two short records, a chunk each"
    assert job["finished"] and job["inputs"] == ["2 article records"]
    assert "£1.8 million" in answer.json()["answer"]
    assert removed.status_code == 204
    assert again.status_code == 404 and "no article with id 'srv-1'" in again.json()["detail"]
    assert left == ["srv-2"]


def test_a_bad_record_is_reported_by_its_line_and_the_rest_ingested(tmp_path: Path):
    records = [RECORDS[0], {"title": "no text here"}]
    with writable(tmp_path / "store") as server:
        job = wait_for(server, server.post("/api/ingest", json={"articles": records}).json())

    assert job["state"] == "done"
    assert job["summary"]["added"] == 1 and job["summary"]["failed"] == 1
    assert job["errors"] == ["articles.jsonl:2: empty article"]


def test_an_uploaded_file_is_ingested_and_unsupported_ones_refused(tmp_path: Path):
    with writable(tmp_path / "store") as server:
        started = server.post(
            "/api/ingest/upload",
            files={"file": ("../../uploads/injected.txt", HOSTILE.read_bytes(), "text/plain")},
        )
        job = wait_for(server, started.json())
        refused = server.post(
            "/api/ingest/upload", files={"file": ("notes.pdf", b"%PDF-1.4", "application/pdf")}
        )
        sources = server.get("/api/sources").json()

    assert job["state"] == "done" and job["summary"]["added"] == 1
    assert job["inputs"] == ["injected.txt"]
    assert sources[0]["title"].startswith("Fenwick Hill allotment society")
    assert refused.status_code == 422
    assert "'notes.pdf' is not a supported file" in refused.json()["detail"]


def test_urls_must_be_web_addresses(tmp_path: Path):
    with writable(tmp_path / "store") as server:
        response = server.post("/api/ingest", json={"urls": ["file:///etc/passwd"]})

    assert response.status_code == 422
    assert "'file:///etc/passwd' is not an http(s) URL" in response.json()["detail"]


def test_unknown_job_is_a_404(client: TestClient):
    response = client.get("/api/jobs/nosuchjob")

    assert response.status_code == 404
    assert "no ingest job 'nosuchjob'" in response.json()["detail"]


class _HeldPage(http.server.BaseHTTPRequestHandler):
    """Serves one article, but only once the test lets it go: keeps an ingest job running."""

    release = threading.Event()
    requested = threading.Event()

    def do_GET(self) -> None:
        self.requested.set()
        self.release.wait(timeout=60)
        body = b"Held story\n\nThe held story was published after the test released it."
        self.send_response(200)
        self.send_header("content-type", "text/plain; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def held_page() -> Iterator[tuple[str, threading.Event]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HeldPage)
    _HeldPage.release = threading.Event()
    _HeldPage.requested = threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/story.txt", _HeldPage.release
    finally:
        _HeldPage.release.set()
        server.shutdown()


def test_a_second_ingest_while_one_runs_gets_a_clear_conflict(tmp_path: Path, held_page):
    url, release = held_page
    with writable(tmp_path / "store", allow_private_urls=True) as server:
        first = server.post("/api/ingest", json={"urls": [url]}).json()
        assert _HeldPage.requested.wait(timeout=60), "the ingest job never fetched the page"
        second = server.post("/api/ingest", json={"articles": RECORDS})
        other_writer = NewsQA(store=tmp_path / "store")
        with pytest.raises(StoreLocked, match="being written by"):
            other_writer.ingest([str(HOSTILE)])
        delete = server.delete("/api/sources/anything")
        running = server.get(f"/api/jobs/{first['id']}").json()
        release.set()
        done = wait_for(server, first)

    assert second.status_code == 409
    assert f"ingest job {first['id']} is still writing the store" in second.json()["detail"]
    assert delete.status_code == 409 and "being written by" in delete.json()["detail"]
    assert running["state"] == "running"
    assert done["state"] == "done" and done["summary"]["added"] == 1


def test_a_job_fails_clearly_when_another_process_holds_the_store(tmp_path: Path):
    from index_store.lock import write_lock

    store = tmp_path / "store"
    NewsQA(store=store).ingest([str(HOSTILE)])
    with writable(store) as server, write_lock(store):
        job = wait_for(server, server.post("/api/ingest", json={"articles": RECORDS}).json())

    assert job["state"] == "failed"
    assert f"store {store} is being written by pid" in job["error"]


# A streaming model behind a real chat server on 127.0.0.1


def test_a_streaming_model_streams_pieces_and_a_dead_server_is_a_502(demo_store: Path):
    pytest.importorskip("llama_index.llms.openai_like", reason="the llm extra is not installed")
    from tests.chat_servers import Script, ScriptedServer

    spec = "openai-compatible:scripted"
    with (
        ScriptedServer(Script()) as chat,
        TestClient(create_app(demo_store, base_url=chat.url), base_url=LOCAL) as server,
    ):
        events = read_events(server, {"question": QUESTION, "model": spec})
    with (
        ScriptedServer(Script(failures=100, status=503)) as chat,
        TestClient(
            create_app(demo_store, base_url=chat.url, max_retries=0), base_url=LOCAL
        ) as server,
    ):
        streamed = server.get("/api/ask/stream", params={"question": QUESTION, "model": spec})
        asked = server.post("/api/ask", json={"question": QUESTION, "model": spec})

    pieces = [data["text"] for kind, data in events if kind == "text"]
    kind, answer = events[-1]
    assert len(pieces) > 3 and kind == "answer"
    assert answer["model"] == spec and answer["citations"]
    assert streamed.status_code == asked.status_code == 502
    assert streamed.json() == asked.json()
    assert "\n" not in asked.json()["detail"] and chat.url.split("/v1")[0] in asked.json()["detail"]
