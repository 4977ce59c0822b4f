"""Reports and run comparisons, rendered from result rows as a reader would see them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from eval.compare import RESULTS_FILE, RunError, compare_rows, compare_runs
from eval.metrics import result_row, summarize
from eval.report import render_html, render_markdown
from eval.suite import SuiteQuestion

HOSTILE = "<script>alert('x')</script>"


def row(qid: str, text: str, *, golds=("Lavrov",), abstained=False, type="fact", passages=()):
    question = SuiteQuestion(
        id=qid,
        question=f"Question {qid}?",
        answers=tuple(golds),
        expect_abstain=not golds,
        type=type,
    )
    answer = {
        "question": question.question,
        "answer": text,
        "abstained": abstained,
        "model": "test",
        "citations": [],
        "passages": [
            {
                "rank": n,
                "chunk_id": f"c{n}",
                "article_id": f"art{n}",
                "title": f"T{n}",
                "text": t,
            }
            for n, t in enumerate(passages, start=1)
        ],
        "timings_ms": {"retrieve": 5.0, "answer": 10.0, "total": 15.0},
    }
    return result_row(question, answer)


@pytest.fixture
def rows():
    return [
        row("good", "Lavrov said so", passages=["Mr Lavrov spoke", "weather"]),
        row("bad", HOSTILE, passages=[f"{HOSTILE} in a passage"]),
        row("abstain", "", golds=(), abstained=True, type="null"),
    ]


def test_html_escapes_answers_and_passages_and_needs_no_external_assets(rows):
    page = render_html(summarize(rows), rows, title="<b>run</b>", info={"model": "<i>m</i>"})
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<b>run</b>" not in page and "<i>m</i>" not in page
    assert not re.search(r"\b(src|href)=|<link|@import|url\(", page)
    assert page.startswith("<!doctype html>") and "<style>" in page


def test_reports_put_wrong_answers_first_and_mark_passages_with_gold(rows):
    summary = summarize(rows)
    page = render_html(summary, rows)
    markdown = render_markdown(summary, rows)
    for text, heading in ((page, "<h3>{} "), (markdown, "### {} (")):
        positions = [text.index(heading.format(qid)) for qid in ("bad", "good", "abstain")]
        assert positions == sorted(positions)
    assert "(has gold) T1 [art1]: Mr Lavrov spoke" in markdown
    assert "class=hit" in page
    assert "&lt;script&gt;" in markdown and "<script" not in markdown


def test_markdown_summary_and_per_type_tables(rows):
    markdown = render_markdown(summarize(rows), rows, info={"suite": "seed-qa"})
    assert "- **suite**: seed-qa" in markdown
    assert "| accuracy | 0.500 |" in markdown
    assert "| metric | fact | null |" in markdown
    assert "| abstain_recall | n/a | 1.000 |" in markdown
    assert "| latency_total_p50_ms | 15 | 15 |" in markdown


def write_run(directory: Path, rows: list[dict]) -> Path:
    directory.mkdir()
    lines = [json.dumps(r) for r in rows]
    (directory / RESULTS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def test_compare_detects_flips_and_metric_deltas(tmp_path):
    base = [
        row("stays-right", "Lavrov"),
        row("breaks", "Lavrov"),
        row("fixed", "Putin"),
        row("abstains-now", "a guess", golds=()),
        row("dropped", "Lavrov"),
    ]
    new = [
        row("stays-right", "Lavrov"),
        row("breaks", "Putin"),
        row("fixed", "Lavrov"),
        row("abstains-now", "", golds=(), abstained=True),
        row("added", "Putin"),
    ]
    comparison = compare_runs(write_run(tmp_path / "a", base), write_run(tmp_path / "b", new))
    assert [f.id for f in comparison.right_to_wrong] == ["breaks"]
    assert [f.id for f in comparison.wrong_to_right] == ["fixed", "abstains-now"]
    flip = comparison.right_to_wrong[0]
    assert (flip.gold, flip.base_answer, flip.new_answer) == (
        ("Lavrov",),
        "Lavrov",
        "Putin",
    )
    assert comparison.wrong_to_right[1].new_answer == "(abstained)"
    assert (comparison.only_in_base, comparison.only_in_new) == (
        ("dropped",),
        ("added",),
    )
    by_name = {m.name: m for m in comparison.metrics}
    assert (by_name["accuracy"].base, by_name["accuracy"].new) == (0.75, 0.5)
    assert by_name["accuracy"].verdict == "worse"
    assert (by_name["abstain_f1"].delta, by_name["abstain_f1"].verdict) == (
        1.0,
        "better",
    )
    assert by_name["latency_total_p50_ms"].verdict == "same"
    assert by_name["questions"].verdict == ""
    assert by_name["doc_recall@10"].delta is None and by_name["doc_recall@10"].verdict == ""
    assert json.loads(json.dumps(comparison.to_dict()))["right_to_wrong"][0]["id"] == "breaks"


def test_compare_verdict_follows_metric_direction():
    base = [row("q", "x")]
    faster = [row("q", "x")]
    faster[0]["timings_ms"]["total"] = 1.0
    metrics = {m.name: m for m in compare_rows(base, faster).metrics}
    assert metrics["latency_total_p50_ms"].delta == -14.0
    assert metrics["latency_total_p50_ms"].verdict == "better"


def test_compare_reports_unreadable_runs(tmp_path):
    with pytest.raises(RunError, match="cannot read run results"):
        compare_runs(tmp_path / "missing", tmp_path / "missing")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / RESULTS_FILE).write_text('{"id": "q"}\n{oops\n', encoding="utf-8")
    with pytest.raises(RunError, match=r"results.jsonl:2: bad JSON"):
        compare_runs(broken, broken)


def test_reports_list_failures_in_their_own_section_with_errors(rows):
    failed = row("failed", "")
    failed["error"] = "the model server at http://127.0.0.1:9 is unreachable"
    rows = [*rows, failed]
    summary = summarize(rows)
    markdown = render_markdown(summary, rows)
    page = render_html(summary, rows)
    failures, right = markdown.index("## Failures (2)"), markdown.index("## Right answers (2)")
    assert failures < markdown.index("### failed (") < right < markdown.index("### good (")
    assert "- **answer**: (error) the model server at http://127.0.0.1:9 is unreachable" in markdown
    assert "<h2>Failures (2)</h2>" in page and "(error) the model server" in page
    assert "| errors | 1 |" in markdown
