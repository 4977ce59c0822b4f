"""`newsqa eval` end to end on real stores: run folders, summaries, gates, comparisons, errors."""

from __future__ import annotations

import json
import platform
import re
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval import METRICS, load_rows, load_suite, run_suite, summarize
from qa import NewsQA
from qa.cli import app
from tests.chat_servers import Script, ScriptedServer
from tests.conftest import DEMO, SEED_ARTICLE, SEED_QA, needs_shared, read_jsonl

DEMO_SUITE = DEMO / "demo-qa.jsonl"
RUN_FILES = ("results.jsonl", "summary.json", "report.md", "report.html")
runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def demo_run(demo_store, tmp_path_factory):
    """The whole demo suite through the CLI once, with one floor it meets and one it cannot."""
    out = tmp_path_factory.mktemp("runs") / "demo"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NEWSQA_HOME", str(tmp_path_factory.mktemp("newsqa-home")))
        result = run(
            "eval",
            DEMO_SUITE,
            "--store",
            demo_store,
            "--out",
            out,
            "--json",
            "--fail-under",
            "has_answer@10=0.1",
            "--fail-under",
            "token_f1=1",
        )
    return result, out


def test_a_run_writes_four_files_whose_summary_is_recomputable(demo_run):
    _, out = demo_run
    assert all((out / name).is_file() for name in RUN_FILES)
    summary = json.loads((out / "summary.json").read_text())
    rows = load_rows(out)
    assert [row["id"] for row in rows] == [q["id"] for q in read_jsonl(DEMO_SUITE)]
    recomputed = summarize(rows)
    assert summary["metrics"] == recomputed["metrics"]
    assert summary["by_type"] == recomputed["by_type"]
    assert list(summary["metrics"]) == list(METRICS)


def test_json_prints_the_summary_and_a_missed_floor_exits_1_naming_it(demo_run):
    result, out = demo_run
    assert result.exit_code == 1
    assert json.loads(result.stdout) == json.loads((out / "summary.json").read_text())
    (line,) = error_lines(result)
    assert line.startswith("error: token_f1 = ") and "below its floor 1" in line


def test_summary_records_the_configuration_versions_store_and_suite(demo_run, demo_store):
    _, out = demo_run
    summary = json.loads((out / "summary.json").read_text())
    config = summary["config"]
    assert (config["model"], config["k"]) == ("extractive", 5)
    for knob in ("embedding_model", "embedding_backend", "chunk_tokens", "candidates", "rrf_k"):
        assert knob in config
    assert "api_key" not in config
    assert summary["store"]["path"] == str(demo_store) and summary["store"]["chunks"] > 0
    installed = {name: metadata.version(name) for name in ("newsqa", "chromadb", "onnxruntime")}
    assert {name: summary["versions"][name] for name in installed} == installed
    assert summary["versions"]["python"] == platform.python_version()
    assert summary["suite"]["path"] == str(DEMO_SUITE)
    assert summary["suite"]["hash"] == load_suite(DEMO_SUITE).hash
    # The run's times bracket the moment its results file was last written (to the second).
    written = datetime.fromtimestamp((out / "results.jsonl").stat().st_mtime, UTC)
    written = written.replace(microsecond=0)
    started, finished = (datetime.fromisoformat(summary[t]) for t in ("started_at", "finished_at"))
    assert started <= written <= finished


def test_rows_hold_answers_passages_metrics_and_the_retrievers_top_ten(demo_run):
    _, out = demo_run
    as_of = {q["id"]: q["as_of"] for q in read_jsonl(DEMO_SUITE)}
    for row in load_rows(out):
        assert row["as_of"] == as_of[row["id"]] and row["error"] is None
        shown = [p["chunk_id"] for p in row["answer"]["passages"]]
        ranked = [p["chunk_id"] for p in row["ranking"]]
        assert [p["rank"] for p in row["answer"]["passages"]] == list(range(1, 6))
        assert 5 <= len(ranked) <= 10
        assert ranked[:5] == shown, "retrieval metrics must rank what the answerer was shown"
        assert set(row["timings_ms"]) >= {"retrieve", "answer", "total"}


def test_reports_show_failures_first_with_gold_answer_and_passages(demo_run):
    _, out = demo_run
    markdown = (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    summary = json.loads((out / "summary.json").read_text())
    wrong = [row for row in load_rows(out) if not row["metrics"]["right"]]
    failures = markdown.index(f"## Failures ({len(wrong)})")
    assert failures < markdown.index("## Right answers")
    assert f"<h2>Failures ({len(wrong)})</h2>" in page
    for row in wrong:
        assert failures < markdown.index(f"### {row['id']} (WRONG") < markdown.index("## Right")
    assert f"| accuracy | {summary['metrics']['accuracy']:.3f} |" in markdown


@needs_shared(SEED_ARTICLE, SEED_QA)
def test_python_api_runs_the_seed_suite(seed_store, tmp_path):
    summary = run_suite(SEED_QA, NewsQA(store=seed_store), out=tmp_path / "seed")
    assert all((tmp_path / "seed" / name).is_file() for name in RUN_FILES)
    assert summary["metrics"] == summarize(load_rows(tmp_path / "seed"))["metrics"]
    assert summary["metrics"]["questions"] == len(read_jsonl(SEED_QA))
    assert set(summary["by_type"]) == {q.get("type") or "untyped" for q in read_jsonl(SEED_QA)}


def test_limit_runs_the_first_questions_and_run_is_the_explicit_spelling(demo_store, tmp_path):
    result = run(
        "eval",
        "run",
        DEMO_SUITE,
        "--store",
        demo_store,
        "--limit",
        2,
        "--out",
        tmp_path / "r",
        "-k",
        1,
    )
    assert result.exit_code == 0, result.output
    assert [row["id"] for row in load_rows(tmp_path / "r")] == ["demo-1", "demo-2"]
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert (summary["suite"]["run"], summary["suite"]["questions"], summary["suite"]["limit"]) == (
        2,
        len(read_jsonl(DEMO_SUITE)),
        2,
    )
    assert summary["config"]["k"] == 1
    assert "accuracy" in result.stdout and f"wrote {tmp_path / 'r'}" in result.stdout


def test_without_out_a_run_goes_to_newsqa_eval_named_by_its_time_and_suite(
    demo_store, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    before = datetime.now().replace(microsecond=0)
    result = run("eval", DEMO_SUITE, "--store", demo_store, "--limit", 1)
    after = datetime.now()

    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "newsqa-eval").iterdir()
    named = re.fullmatch(r"(\d{8}-\d{6})-demo-qa", folder.name)
    assert named and before <= datetime.strptime(named[1], "%Y%m%d-%H%M%S") <= after
    assert all((folder / name).is_file() for name in RUN_FILES)
    assert f"wrote newsqa-eval/{folder.name}: " in result.stdout


def test_a_hosted_model_runs_with_base_url_and_key_flags_and_the_key_is_never_written(
    demo_store, tmp_path
):
    key = "sk-eval-flag-key-0123456789"
    with ScriptedServer(Script()) as server:
        result = run(
            "eval", DEMO_SUITE, "--store", demo_store, "--limit", 2, "--out", tmp_path / "r",
            "-m", "openai-compatible:scripted", "--base-url", server.url, "--api-key", key,
        )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert len(server.script.requests) == 3  # the untimed warm-up, then the two questions
    assert set(server.script.authorizations) == {f"Bearer {key}"}
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["config"]["model"] == "openai-compatible:scripted"
    written = "".join(path.read_text() for path in (tmp_path / "r").iterdir())
    assert key not in written and key not in result.output


def test_compare_shows_deltas_and_flips_between_runs(demo_store, tmp_path):
    """Asked as of 2000, nothing is retrievable, so every answerable question flips."""
    questions = read_jsonl(DEMO_SUITE)[:2]
    past = tmp_path / "asked-in-2000.jsonl"
    past.write_text("".join(json.dumps({**q, "as_of": "2000-01-01"}) + "\n" for q in questions))
    for suite, name in ((past, "past"), (DEMO_SUITE, "now")):
        result = run("eval", suite, "--store", demo_store, "--limit", 2, "--out", tmp_path / name)
        assert result.exit_code == 0, result.output
    assert all(row["answer"]["abstained"] for row in load_rows(tmp_path / "past"))
    right_now = [row["id"] for row in load_rows(tmp_path / "now") if row["metrics"]["right"]]
    assert right_now, "the demo pipeline answers some of its first questions"

    text = run("eval", "compare", tmp_path / "past", tmp_path / "now")
    assert text.exit_code == 0, text.output
    assert (
        "| accuracy | 0.000 |" in text.stdout
        and f"## Wrong → right ({len(right_now)})" in text.stdout
    )
    assert "## Right → wrong (0)" in text.stdout
    for qid in right_now:
        assert f"| {qid} |" in text.stdout

    reverse = json.loads(
        run("eval", "compare", tmp_path / "now", tmp_path / "past", "--json").stdout
    )
    assert [flip["id"] for flip in reverse["right_to_wrong"]] == right_now
    accuracy = next(m for m in reverse["metrics"] if m["name"] == "accuracy")
    assert (accuracy["new"], accuracy["verdict"]) == (0.0, "worse")


@pytest.mark.parametrize(
    ("floor", "message"),
    [
        ("accuracy=1.01", "floor for 'accuracy' must be a number from 0 to 1"),
        ("acc=0.5", "unknown metric 'acc'"),
        ("latency_total_p50_ms=0.5", "cannot take a floor"),
    ],
)
def test_bad_floors_fail_before_running_listing_valid_metrics(demo_store, tmp_path, floor, message):
    result = run(
        "eval", DEMO_SUITE, "--store", demo_store, "--out", tmp_path / "r", "--fail-under", floor
    )
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert message in line and "Metrics that take a floor: has_answer@1" in line
    assert not (tmp_path / "r").exists()


def test_malformed_suite_lists_every_bad_line(demo_store, tmp_path):
    suite = tmp_path / "bad.jsonl"
    good = json.dumps(read_jsonl(DEMO_SUITE)[0])
    suite.write_text('{"id": "x", "question": "Q?"}\n' + good + "\nnot json\n")
    result = run("eval", suite, "--store", demo_store, "--out", tmp_path / "r")
    assert result.exit_code == 1
    lines = error_lines(result)
    assert lines == [
        f"error: {suite}:1: missing field 'answers'",
        f"error: {suite}:1: missing field 'expect_abstain'",
        f"error: {suite}:3: bad JSON: Expecting value at column 1",
    ]
    assert not (tmp_path / "r").exists() and "Traceback" not in result.output


def test_a_missing_store_fails_before_writing_saying_how_to_ingest(tmp_path):
    result = run("eval", DEMO_SUITE, "--store", tmp_path / "missing", "--out", tmp_path / "r")
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert line.startswith("error: no newsqa store at") and "newsqa ingest" in line
    assert not (tmp_path / "r").exists()


def test_an_unknown_model_fails_before_writing(demo_store, tmp_path):
    result = run(
        "eval", DEMO_SUITE, "--store", demo_store, "-m", "no-such-model", "--out", tmp_path / "r"
    )
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert "unknown model" in line
    assert not (tmp_path / "r").exists()


def test_compare_is_a_subcommand_not_a_suite_named_compare(tmp_path):
    result = run("eval", "compare", tmp_path / "a", tmp_path / "b")
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert f"{tmp_path / 'a' / 'results.jsonl'}: cannot read run results" in line


def test_docs_eval_page_defines_every_metric_as_the_registry_does():
    page = (Path(__file__).resolve().parents[1] / "docs" / "eval.md").read_text()
    for metric in METRICS.values():
        assert f"| `{metric.name}` | {metric.definition} |" in page, metric.name


def test_an_out_that_is_a_file_is_refused(demo_store, tmp_path):
    (tmp_path / "taken").write_text("not a run folder")
    result = run("eval", DEMO_SUITE, "--store", demo_store, "--out", tmp_path / "taken")
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert "is a file: give a folder for the run" in line
    assert (tmp_path / "taken").read_text() == "not a run folder"
