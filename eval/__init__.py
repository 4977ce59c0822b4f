"""Scoring for newsqa: suites in, per-question scores, summaries, reports and comparisons out."""

from eval.compare import (
    RESULTS_FILE,
    Comparison,
    Flip,
    MetricDelta,
    RunError,
    compare_rows,
    compare_runs,
    load_rows,
)
from eval.gates import GateCheck, GateError, check_floors, gate_metrics, parse_floors
from eval.metrics import (
    METRICS,
    Metric,
    QuestionScore,
    percentile,
    result_row,
    score_question,
    summarize,
)
from eval.normalize import best_token_f1, contains, contains_any, normalize, token_f1
from eval.report import format_metric, render_html, render_markdown
from eval.runner import (
    REPORT_HTML,
    REPORT_MD,
    SUMMARY_FILE,
    default_out_dir,
    package_versions,
    run_suite,
)
from eval.suite import (
    Suite,
    SuiteError,
    SuiteQuestion,
    load_suite,
    parse_suite,
    suite_hash,
)

__all__ = [
    "METRICS",
    "REPORT_HTML",
    "REPORT_MD",
    "RESULTS_FILE",
    "SUMMARY_FILE",
    "Comparison",
    "Flip",
    "GateCheck",
    "GateError",
    "Metric",
    "MetricDelta",
    "QuestionScore",
    "RunError",
    "Suite",
    "SuiteError",
    "SuiteQuestion",
    "best_token_f1",
    "check_floors",
    "compare_rows",
    "compare_runs",
    "contains",
    "contains_any",
    "default_out_dir",
    "format_metric",
    "gate_metrics",
    "load_rows",
    "load_suite",
    "normalize",
    "package_versions",
    "parse_floors",
    "parse_suite",
    "percentile",
    "render_html",
    "render_markdown",
    "result_row",
    "run_suite",
    "score_question",
    "suite_hash",
    "summarize",
    "token_f1",
]
