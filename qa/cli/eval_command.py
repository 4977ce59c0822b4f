"""`newsqa eval SUITE` scores the pipeline on a suite; `newsqa eval compare A B...` diffs runs;
`newsqa eval make-followups` and `make-briefs` make suites from a suite.

`eval` is a group whose first argument names a subcommand only when it is one (`run`,
`compare`); anything else is a suite, so `newsqa eval SUITE` means `newsqa eval run SUITE`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

import typer

from qa.cli.common import (
    ApiKeyOption,
    BaseUrlOption,
    ChromaOption,
    JsonOption,
    KOption,
    ModelOption,
    StoreOption,
    group_running_by_default,
    open_newsqa,
    print_json,
    user_errors,
)
from qa.errors import BadSetting

DEFAULT_COMMAND = "run"


eval_app = typer.Typer(
    cls=group_running_by_default(DEFAULT_COMMAND, when_bare=False),
    no_args_is_help=True,
    subcommand_metavar="SUITE [OPTIONS] | COMMAND [ARGS]...",
    help="Score answers, retrieval, citations, abstention and briefs on a suite: "
    "`newsqa eval SUITE`, `newsqa eval compare RUN_A RUN_B [RUN_C...] [--html FILE]`.",
)


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")


@eval_app.command(DEFAULT_COMMAND)
@user_errors
def run(
    suite: Annotated[Path, typer.Argument(help="Suite: JSONL, one question a line.")],
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    k: KOption = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Run only the first N questions.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Run folder (default: ./newsqa-eval/<YYYYMMDD-HHMMSS>-<suite name>).",
            show_default=False,
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print summary.json instead of the metrics table.")
    ] = False,
    no_history: Annotated[
        bool,
        typer.Option(
            "--no-history",
            help="Ask follow-up rows (those with history) alone, as written: what the history "
            "adds.",
        ),
    ] = False,
    fail_under: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-under",
            metavar="METRIC=VALUE",
            help="Exit 1 when METRIC is below VALUE (0-1), e.g. accuracy=0.6 (repeatable).",
        ),
    ] = None,
) -> None:
    """Run a suite through the same pipeline as `ask` and write results, summary and reports."""
    from eval import check_floors, load_suite, parse_floors, run_suite
    from qa.cli.progress import eval_progress

    floors = parse_floors(fail_under or [])
    parsed = load_suite(suite)
    if out is not None and out.exists() and not out.is_dir():
        raise BadSetting(f"--out {out} is a file: give a folder for the run")
    newsqa = open_newsqa(store, chroma_url=chroma_url, base_url=base_url, api_key=api_key)
    with eval_progress() as on_question:
        summary = run_suite(
            parsed,
            newsqa,
            model=model,
            k=k,
            limit=limit,
            out=out,
            on_question=on_question,
            history=not no_history,
        )
    if json_output:
        print_json(summary)
    else:
        typer.echo(_metrics_table(summary))
    _gate(check_floors(summary["metrics"], floors))


@eval_app.command("make-followups")
@user_errors
def make_followups(
    suite: Annotated[Path, typer.Argument(help="A suite (JSONL) to turn into follow-ups.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="The follow-up suite to write.")],
) -> None:
    """Write a follow-up suite: each question naming a subject, asked as the second turn of a
    conversation that named it first ("...about Jimmy Carter?", then "...at their funeral?")."""
    from qa.conversation.followup_suite import followups

    rows, made = _derive_suite(suite, out, followups, "follow-up")
    typer.echo(f"{len(made)} follow-ups of {len(rows)} questions written to {out}")


@eval_app.command("make-briefs")
@user_errors
def make_briefs(
    suite: Annotated[Path, typer.Argument(help="A suite (JSONL) to turn into briefs.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="The brief suite to write.")],
) -> None:
    """Write a brief suite: each question becomes a brief of the month before its as-of date on
    the question's subject, scored on whether its stories show the question's answer articles.

    The topic is the question's named entities (spaCy; not dates,
    amounts or nationalities), joined by ", "; when it names nothing,
    or only places, its nouns but the one the wh-word asks for
    ("which city") come first. A question with neither is skipped.
    The brief covers the 30 days before as_of (the grounded suites'
    window for answer articles; the whole store without a date).
    Rows: {"id": ID-brief, "brief": TOPIC, "as_of", "since": as_of
    minus 30 days, "answer_docs", "expect_abstain", "question", "type"}.
    """
    from qa.news.brief_suite import briefs

    rows, made = _derive_suite(suite, out, briefs, "brief")
    skipped = len(rows) - len(made)
    typer.echo(
        f"{len(made)} briefs of {len(rows)} questions written to {out} "
        f"({skipped} naming no subject skipped)"
    )


def _derive_suite(
    suite: Path, out: Path, derive: Callable[[list[dict]], Iterable[dict]], kind: str
) -> tuple[list[dict], list[dict]]:
    """Read a checked suite, write the suite `derive` makes of its rows to `out`; returns both."""
    import json

    from eval import load_suite

    load_suite(suite)
    rows = [json.loads(line) for line in suite.read_text().splitlines() if line.strip()]
    made = list(derive(rows))
    try:
        out.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in made))
    except OSError as error:
        raise BadSetting(f"-o {out}: cannot write the {kind} suite ({error.strerror})") from None
    return rows, made


@eval_app.command()
@user_errors
def compare(
    run_dirs: Annotated[
        list[Path],
        typer.Argument(help="Two or more run folders; the first is the base.", show_default=False),
    ],
    json_output: JsonOption = False,
    html_file: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Also write one self-contained page showing the runs side by side as charts.",
        ),
    ] = None,
) -> None:
    """Metric deltas of runs side by side, and the questions that flipped from the first run."""
    from eval.compare import compare_to_first, comparisons_to_dict, load_run
    from eval.report import render_comparison_html, render_comparisons

    if len(run_dirs) < 2:
        raise BadSetting("eval compare needs at least two run folders")
    runs = [load_run(run_dir) for run_dir in run_dirs]
    comparisons = compare_to_first(runs)
    if json_output:
        print_json(comparisons_to_dict(runs, comparisons))
    else:
        typer.echo(render_comparisons(runs, comparisons), nl=False)
    if html_file is not None:
        _write_page(html_file, render_comparison_html(runs, comparisons))
        typer.echo(f"wrote {html_file}", err=True)


def _write_page(path: Path, page: str) -> None:
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise BadSetting(f"--html {path}: cannot write: {exc.strerror or exc}") from exc


def _metrics_table(summary: dict[str, Any]) -> str:
    from eval import METRICS, format_metric

    width = max(map(len, METRICS))
    lines = [
        f"{name:<{width}}  {format_metric(name, summary['metrics'][name])}" for name in METRICS
    ]
    folder = summary["out"]
    lines.append(f"\nwrote {folder}: results.jsonl, summary.json, report.md, report.html")
    return "\n".join(lines)


def _gate(checks: list[Any]) -> None:
    """One line per floor missed on stderr, exit 1 if any; floors with no value are noted."""
    for check in checks:
        if check.passed is None:
            typer.echo(f"note: {check.metric} has no value in this run: not gated", err=True)
        elif not check.passed:
            typer.echo(
                f"error: {check.metric} = {check.value:.3f} is below its floor {check.floor:g}",
                err=True,
            )
    if any(check.passed is False for check in checks):
        raise typer.Exit(1)
