"""Reports and run comparisons, rendered from result rows as a reader would see them."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.compare import RESULTS_FILE, RunError, compare_rows, compare_runs
from eval.metrics import result_row, summarize
from eval.report import render_comparison, render_html, render_markdown
from eval.suite import SuiteQuestion
from qa.cli import app

HOSTILE = "<script>alert('x')</script>"
# A reference that leaves the page: a src/href/url() not pointing at an id in it, an
# http(s) URL anywhere (the SVGs keep no namespace URLs either), a stylesheet or an import.
EXTERNAL = re.compile(r"\b(src|href)=(?![\"']?#)|url\((?!#)|<link|@import|https?:", re.I)
runner = CliRunner()


def row(
    qid: str,
    text: str,
    *,
    golds=("Lavrov",),
    abstained=False,
    type="fact",
    passages=(),
    choices=(),
    total_ms=15.0,
):
    question = SuiteQuestion(
        id=qid,
        question=f"Question {qid}?",
        answers=tuple(golds),
        expect_abstain=not golds,
        type=type,
        choices=tuple(choices),
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
        "timings_ms": {"retrieve": 5.0, "answer": 10.0, "total": total_ms},
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
    assert not EXTERNAL.search(page)
    assert page.startswith("<!doctype html>") and "<style>" in page


def svgs(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, re.S)


def assert_charts_are_inline_and_self_contained(page: str, count: int) -> None:
    """`count` inline SVGs, one per figure, whose ids are unique in the page and whose
    references all point at them."""
    charts = svgs(page)
    assert len(charts) == count == page.count("<figure class=chart>")
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page and not EXTERNAL.search(page)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert set(re.findall(r'(?:href="#|url\(#)([^")]+)', page)) <= set(ids)


def test_html_report_shows_charts_as_inline_svg(rows):
    rows = [
        *rows,
        row("mc", "It was Lavrov [1].", choices=("Lavrov", "Putin"), total_ms=900.0),
    ]
    page = render_html(summarize(rows), rows)
    assert page.index("<h2>Summary</h2>") < page.index("<h2>Charts</h2>")
    assert page.index("<h2>Charts</h2>") < page.index("<h2>Failures")
    assert_charts_are_inline_and_self_contained(page, 4)
    titles = [re.search(r'aria-label="([^"]+)"', svg).group(1) for svg in svgs(page)]
    assert titles == ["Answer accuracy", "Abstention", "Answer length", "Latency"]
    assert all("<text" in svg for svg in svgs(page)), "chart text stays text"
    assert "containment" in svgs(page)[0] and "choice" in svgs(page)[0]
    assert "<b>Choices:</b> Lavrov | Putin" in page


def test_reports_of_rows_written_before_choices_and_lengths_still_render(rows):
    for old in rows:
        del old["choices"], old["metrics"]["choice_correct"], old["metrics"]["answer_words"]
    page = render_html(summarize(rows), rows)
    assert_charts_are_inline_and_self_contained(page, 4)
    assert "no data" in svgs(page)[2]
    assert "<b>Choices:" not in page and "- **choices**" not in render_markdown(
        summarize(rows), rows
    )


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


def compare_cli(*args: object):
    return runner.invoke(app, ["eval", "compare", *map(str, args)])


@pytest.fixture
def three_runs(tmp_path):
    """Three runs: the base, one that fixes "fixed" and one that breaks "breaks", with
    folder names a page must escape."""
    answers = [
        {"breaks": "Lavrov", "fixed": "Putin"},
        {"breaks": "Lavrov", "fixed": "Lavrov"},
        {"breaks": "Putin", "fixed": "Putin"},
    ]
    names = ["base", "new <b>&amp; $x$", "_third"]
    return [
        write_run(
            tmp_path / name,
            [
                row(qid, text, choices=("Lavrov", "Putin"), total_ms=10.0 * (n + 1))
                for qid, text in run.items()
            ]
            + [row("abstains", "", golds=(), abstained=True)],
        )
        for n, (name, run) in enumerate(zip(names, answers))
    ]


def test_compare_html_with_two_runs_keeps_the_terminal_output(three_runs, tmp_path):
    base, new, _ = three_runs
    plain = compare_cli(base, new)
    page_file = tmp_path / "compare.html"
    result = compare_cli(base, new, "--html", page_file)
    assert (result.exit_code, plain.exit_code) == (0, 0), result.output
    assert result.stdout == plain.stdout
    assert result.stdout == render_comparison(compare_runs(base, new), str(base), str(new))
    assert f"wrote {page_file}" in result.stderr
    page = page_file.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</body></html>")
    assert_charts_are_inline_and_self_contained(page, 3)
    assert "<b>&amp;" not in page and "new &lt;b&gt;&amp;amp; $x$" in page
    assert html.escape(str(base)) in page
    assert "<th>delta</th><th>verdict</th>" in page
    assert "<h2>Wrong → right (1)</h2>" in page and "<td>fixed</td>" in page
    assert "<h2>Right → wrong (0)</h2>" in page


def test_compare_html_with_three_runs_has_a_column_per_run(three_runs, tmp_path):
    page_file = tmp_path / "compare.html"
    result = compare_cli(*three_runs, "--html", page_file)
    assert result.exit_code == 0, result.output
    page = page_file.read_text(encoding="utf-8")
    assert_charts_are_inline_and_self_contained(page, 3)
    names = [html.escape(str(run)) for run in three_runs]
    assert "<tr><th>metric</th>" + "".join(f"<th>{n}</th>" for n in names) + "</tr>" in page
    assert "<th>delta</th>" not in page
    assert f"<h2>{names[0]} → {names[1]}: Wrong → right (1)</h2>" in page
    assert f"<h2>{names[0]} → {names[2]}: Right → wrong (1)</h2>" in page
    legend = svgs(page)[0]
    assert "_third" in legend and "$x$" in legend and "<b>" not in legend
    markdown = result.stdout
    assert "| metric | " + " | ".join(names) + " |" in markdown
    assert f"## {names[0]} → {names[2]}: Right → wrong (1)" in markdown
    as_json = json.loads(compare_cli(*three_runs, "--json").stdout)
    assert as_json["runs"] == [str(run) for run in three_runs]
    assert [c["new"] for c in as_json["comparisons"]] == [str(r) for r in three_runs[1:]]
    assert [f["id"] for f in as_json["comparisons"][1]["right_to_wrong"]] == ["breaks"]


def test_compare_needs_two_runs(three_runs):
    result = compare_cli(three_runs[0])
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: eval compare needs at least two run folders"
