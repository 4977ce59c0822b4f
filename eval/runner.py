"""Running a suite: every question through a pipeline's `ask` (every brief row through its
`brief`), as of its date, into a run folder.

A run folder holds `results.jsonl` (one row per question, written as each is answered, so an
interrupted run keeps what it did), then `summary.json` (metrics, per-type breakdown, the full
configuration, versions, store stats, suite hash, timestamps), `report.md` and `report.html`.
The pipeline is handed in (`qa.NewsQA` is one: `newsqa eval` passes the same object `ask`
uses), so a run scores exactly what a user gets, and `eval` depends on no answering code.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from eval.briefs import BRIEF_STORIES, brief_row
from eval.compare import RESULTS_FILE
from eval.metrics import FOLLOWUP_DEPTH, RANK_DEPTH, first_hit_rank, result_row, summarize
from eval.report import render_html, render_markdown
from eval.suite import Suite, SuiteQuestion, load_suite
from index_store.errors import NewsQAError

SUMMARY_FILE = "summary.json"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"
RUNS_DIR = Path("newsqa-eval")
"""Where runs go without `out`: `./newsqa-eval/<YYYYMMDD-HHMMSS>-<suite stem>`."""
VERSIONED_PACKAGES = (
    "newsqa",
    "chromadb",
    "sentence-transformers",
    "onnxruntime",
    "torch",
    "bm25s",
)

ProgressCallback = Callable[[int, int, dict[str, Any]], None]
"""Called after each question with (questions done, questions in the run, its result row)."""


class Pipeline(Protocol):
    """What a run asks questions of (`qa.NewsQA` is one). `ask` returns an answer with a
    `to_dict()` in the shape `newsqa ask --json` prints; `brief` a brief with a `to_dict()` in
    the shape `newsqa brief --json` prints; `search` returns ranked passages as dataclasses;
    `describe` returns `{"settings": {...}, "store": {...}}` for the summary. A user mistake (no
    store, unknown model, server gone) raises a `NewsQAError`."""

    def ask(self, question: str, *, k: int, model: str, as_of: str | None) -> Any: ...

    def search(self, question: str, *, k: int, as_of: str | None) -> list[Any]: ...

    def brief(self, topic: str, *, limit: int, since: str | None, as_of: str | None) -> Any: ...

    def describe(self) -> dict[str, Any]: ...

    def standalone(
        self, question: str, history: Sequence[Mapping[str, str]], model: str | None
    ) -> str: ...


def run_suite(
    suite: Suite | str | Path,
    pipeline: Pipeline,
    *,
    model: str | None = None,
    k: int | None = None,
    limit: int | None = None,
    out: str | Path | None = None,
    on_question: ProgressCallback | None = None,
    history: bool = True,
) -> dict[str, Any]:
    """Ask `pipeline` the questions of `suite` (the first `limit`), and make its briefs, write
    the run folder, return its summary.

    `model` and `k` are passed to each `ask` (None: the pipeline's settings). A missing or empty
    store, or a model that cannot answer, raises before anything is written: the first question
    (and the first brief) is asked once, untimed, which also loads the models so that latencies
    are those of a warm pipeline. Later, a question whose ask raises a user error
    (`NewsQAError`, e.g. a model server gone away) becomes a row with that `error`, scored
    wrong. A follow-up (a row with `history`) is asked as the standalone question the pipeline
    makes of it after its earlier turns; with `history` False, as written, alone (what the
    history adds). A brief row is made by `brief`, at most BRIEF_STORIES stories over its
    `since` to `as_of`.
    """
    suite = suite if isinstance(suite, Suite) else load_suite(suite)
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    questions = suite.questions[:limit]
    described = pipeline.describe()
    config = {
        **described["settings"],
        "model": model or described["settings"]["model"],
        "k": k or described["settings"]["k"],
        "history": history,
    }
    _warm_up(pipeline, questions, config)
    folder = Path(out) if out is not None else default_out_dir(suite.path)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    rows = _answer_all(pipeline, questions, folder, config, on_question)
    summary = {
        **summarize(rows),
        "suite": {
            "path": str(suite.path),
            "hash": suite.hash,
            "questions": len(suite.questions),
            "run": len(questions),
            "limit": limit,
        },
        "config": config,
        "store": described["store"],
        "versions": package_versions(),
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - clock, 2),
        "out": str(folder),
    }
    _write_summary_and_reports(folder, summary, rows)
    return summary


def default_out_dir(suite_path: str | Path, now: datetime | None = None) -> Path:
    """`./newsqa-eval/<YYYYMMDD-HHMMSS>-<suite stem>`: runs sort by time and name their suite."""
    now = now or datetime.now()
    return RUNS_DIR / f"{now:%Y%m%d-%H%M%S}-{Path(suite_path).stem}"


def package_versions() -> dict[str, str | None]:
    """Python's and the key packages' versions (None when one is not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _answer_all(
    pipeline: Pipeline,
    questions: tuple[SuiteQuestion, ...],
    folder: Path,
    config: dict[str, Any],
    on_question: ProgressCallback | None,
) -> list[dict[str, Any]]:
    """Ask each question, appending its row to `results.jsonl` as soon as it is scored."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (SUMMARY_FILE, REPORT_MD, REPORT_HTML):
        (folder / stale).unlink(missing_ok=True)
    rows: list[dict[str, Any]] = []
    with (folder / RESULTS_FILE).open("w", encoding="utf-8") as results:
        for done, question in enumerate(questions, start=1):
            row = (
                _make_brief(pipeline, question.brief, question)
                if question.brief is not None
                else _ask(pipeline, question, config["model"], config["k"], config["history"])
            )
            results.write(json.dumps(row, ensure_ascii=False) + "\n")
            results.flush()
            rows.append(row)
            if on_question is not None:
                on_question(done, len(questions), row)
    return rows


def _warm_up(
    pipeline: Pipeline, questions: tuple[SuiteQuestion, ...], config: dict[str, Any]
) -> None:
    """The first question and the first brief once, untimed: a missing store or an unknown model
    fails before anything is written, and the models are loaded before anything is timed."""
    asked = next((q for q in questions if q.brief is None), None)
    briefed = next(((q.brief, q) for q in questions if q.brief is not None), None)
    if asked is not None:
        pipeline.ask(asked.question, k=config["k"], model=config["model"], as_of=asked.as_of)
    if briefed is not None:
        _brief(pipeline, *briefed)


def _brief(pipeline: Pipeline, topic: str, question: SuiteQuestion) -> Any:
    return pipeline.brief(topic, limit=BRIEF_STORIES, since=question.since, as_of=question.as_of)


def _make_brief(pipeline: Pipeline, topic: str, question: SuiteQuestion) -> dict[str, Any]:
    """A brief row's result row; a brief that raises a user error is a row with that error."""
    try:
        made = _brief(pipeline, topic, question)
    except NewsQAError as error:
        return brief_row(question, None, error=str(error))
    return brief_row(question, made.to_dict())


def _ask(
    pipeline: Pipeline, question: SuiteQuestion, model: str, k: int, history: bool
) -> dict[str, Any]:
    """One question's row: its answer, and the retriever's ranking to depth 10 (or k) as of
    the question's date, which the retrieval metrics are scored on. A follow-up's row also
    says what was searched, and how its question asked in full (`full_question`) ranked."""
    from dataclasses import asdict

    text, as_of = question.question, question.as_of
    try:
        if question.history and history:
            text = pipeline.standalone(text, question.history, model)
        answer = pipeline.ask(text, k=k, model=model, as_of=as_of)
        ranking = pipeline.search(text, k=max(k, RANK_DEPTH), as_of=as_of)
        full = question.extra.get("full_question") if question.history else None
        full_ranking = pipeline.search(full, k=FOLLOWUP_DEPTH, as_of=as_of) if full else None
    except NewsQAError as error:
        failed = {"question": text, "answer": "", "abstained": False, "model": model}
        return result_row(question, failed, error=str(error))
    row = result_row(question, answer.to_dict(), ranking=[asdict(p) for p in ranking])
    if question.history:
        row["searched_for"] = text
    if full_ranking is not None:
        ranked = [asdict(p) for p in full_ranking]
        row["metrics"]["full_hit_rank"] = first_hit_rank(ranked, question.answers)
    return row


def _write_summary_and_reports(
    folder: Path, summary: dict[str, Any], rows: list[dict[str, Any]]
) -> None:
    text = json.dumps(summary, indent=2, ensure_ascii=False)
    (folder / SUMMARY_FILE).write_text(text + "\n", encoding="utf-8")
    title = f"newsqa evaluation: {Path(summary['suite']['path']).name}"
    info = _report_info(summary)
    (folder / REPORT_MD).write_text(
        render_markdown(summary, rows, title=title, info=info), encoding="utf-8"
    )
    (folder / REPORT_HTML).write_text(
        render_html(summary, rows, title=title, info=info), encoding="utf-8"
    )


def _report_info(summary: dict[str, Any]) -> dict[str, str]:
    """The run facts a report reader needs to know what was measured."""
    config, store, suite = summary["config"], summary["store"], summary["suite"]
    return {
        "suite": f"{suite['path']} ({suite['run']} of {suite['questions']} questions, "
        f"sha256 {suite['hash'][:12]})",
        "model": config["model"],
        "k": str(config["k"]),
        "embedding": f"{store.get('embedding_model') or config['embedding_model']} "
        f"(questions: {config['embedding_backend']}, "
        f"articles: {config.get('ingest_embedding_backend', config['embedding_backend'])}), "
        f"chunks of {config['chunk_tokens']} tokens",
        "store": f"{store['path']} ({store['articles']} articles, {store['chunks']} chunks)",
        "newsqa": summary["versions"].get("newsqa") or "not installed",
        "run": f"{summary['started_at']} to {summary['finished_at']}",
    }
