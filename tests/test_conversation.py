"""Follow-up questions: references resolved from earlier turns, threads kept on disk and resumed,
`ask -c`, and `newsqa chat` in a real pseudo-terminal, over the demo corpus."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa import NewsQA
from qa.cli import app
from qa.conversation.references import Earlier, standalone
from qa.errors import UnknownConversation

WON = "Who won the Quayside ward by-election?"
BY_ELECTION = "Green candidate Maren Ashdown wins Quayside by-election by 212 votes"
AFTER_WON = [Earlier(WON, "Maren Ashdown")]


@pytest.mark.parametrize(
    ("question", "searched"),
    [
        ("How many votes did she win by?", "How many votes did Maren Ashdown win by?"),
        ("What is her job?", "What is Maren Ashdown's job?"),
        ("Where does he live?", "Where does Maren Ashdown live?"),
        ("When did that happen?", "When did that happen (the Quayside ward by-election)?"),
        ("And the turnout?", "And the turnout (the Quayside ward by-election)?"),
    ],
)
def test_a_follow_up_is_searched_with_what_it_points_back_at(question, searched):
    found = standalone(question, AFTER_WON)
    assert found.text == searched and found.rewritten and not found.new_topic


@pytest.mark.parametrize(
    "question",
    [
        "Which Hollywood veteran recently won her first acting award?",
        "Who lost his seat?",
        "Joe Biden delivered his farewell address where?",
        "Which company said it would cut jobs?",
    ],
)
def test_a_reference_to_something_in_its_own_question_is_left_alone(question):
    assert standalone(question, AFTER_WON).text == question


@pytest.mark.parametrize(
    ("first", "question", "searched"),
    [
        (
            "What is the latest on the Harrowgate Rowing Club?",
            "Who was chosen as the new captain of it?",
            "Who was chosen as the new captain of the Harrowgate Rowing Club?",
        ),
        (
            "What did Harrowgate announce?",
            "Which festival will take place there?",
            "Which festival will take place in Harrowgate?",
        ),
        (
            "What is the latest on Maren Ashdown?",
            "What is the name of the charity she founded?",
            "What is the name of the charity Maren Ashdown founded?",
        ),
    ],
)
def test_an_asked_about_subject_does_not_stop_a_reference_it_cannot_be(first, question, searched):
    assert standalone(question, [Earlier(first)]).text == searched


def test_each_reference_takes_the_newest_name_of_its_kind():
    earlier = [Earlier("What did Lumenfold announce in Harrowgate?", "a new engineering hub")]
    found = standalone("How many jobs will the company create there?", earlier)
    assert found.text == "How many jobs will Lumenfold create in Harrowgate?"
    assert found.resolved == (("the company", "Lumenfold"), ("there", "Harrowgate"))
    bridge = [Earlier("When will the Kellan Bridge reopen?", "late summer"), *earlier]
    assert standalone("Why was it closed?", bridge).text == "Why was Lumenfold closed?"
    assert standalone("Why was it closed?", bridge[:1]).text == "Why was the Kellan Bridge closed?"


def test_a_question_that_leans_on_nothing_is_searched_as_asked():
    new = standalone("How much will the Kellan Bridge repairs cost?", AFTER_WON)
    assert new.text == "How much will the Kellan Bridge repairs cost?" and new.new_topic
    same = standalone("Who stood for Harrowgate First in the Quayside ward?", AFTER_WON)
    assert not same.rewritten and same.new_topic  # names "Harrowgate First", new here
    assert standalone("There is a new poll?", AFTER_WON).text == "There is a new poll?"
    assert standalone("What is her job?", []).text == "What is her job?"


def test_a_conversation_answers_follow_ups_from_the_story_it_is_about(demo_store):
    conversation = NewsQA(store=demo_store).conversation()
    first = conversation.ask(WON)
    assert first.short_answer == "Maren Ashdown" and first.searched_for == WON
    votes = conversation.ask("How many votes did she win by?")
    assert votes.searched_for == "How many votes did Maren Ashdown win by?"
    assert votes.citations and votes.citations[0].title == BY_ELECTION
    job = conversation.ask("What is her job?")
    assert job.citations[0].title == BY_ELECTION and "marine biologist" in job.answer
    alone = NewsQA(store=demo_store).ask("What is her job?")
    assert alone.abstained or alone.citations[0].title != BY_ELECTION, "history made the answer"
    assert [t.question for t in conversation.turns] == [WON, votes.question, job.question]
    assert {job.conversation_id, votes.conversation_id} == {conversation.id}


def test_a_conversation_is_resumed_by_id_with_its_options_and_can_be_deleted(demo_store):
    started = NewsQA(store=demo_store).conversation(k=2, as_of="2025-05-10")
    started.ask(WON)
    resumed = NewsQA(store=demo_store).conversation(started.id)
    answer = resumed.ask("What is her job?")
    assert answer.searched_for == "What is Maren Ashdown's job?"
    assert len(answer.passages) <= 2 and resumed.options["as_of"] == "2025-05-10"
    later = resumed.ask("How many votes did she win by?", k=3)
    assert len(later.passages) <= 3 and resumed.options["k"] == 3
    listed = NewsQA(store=demo_store).conversations()
    assert listed[0].id == started.id and listed[0].turns == 3
    assert listed[0].first_question == WON
    NewsQA(store=demo_store).delete_conversation(started.id)
    with pytest.raises(UnknownConversation, match=started.id):
        NewsQA(store=demo_store).conversation(started.id).ask("And then?")


def test_ask_continue_follows_up_the_last_question_from_the_shell(demo_store):
    runner, store = CliRunner(), ["--store", str(demo_store), "--no-stream"]
    assert runner.invoke(app, ["ask", WON, *store]).exit_code == 0
    result = runner.invoke(app, ["ask", "-c", "How many votes did she win by?", "--no-stream"])
    assert result.exit_code == 0, result.output
    assert "searched for: How many votes did Maren Ashdown win by?" in result.stdout
    assert BY_ELECTION in result.stdout
    alone = runner.invoke(app, ["ask", "What is her job?", *store, "--json"])
    assert '"searched_for": "What is her job?"' in alone.stdout, "without -c: a new thread"


def test_an_unknown_conversation_is_a_one_line_error(demo_store):
    result = CliRunner().invoke(app, ["ask", "x?", "--conversation", "nope", "--no-stream"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: no conversation 'nope' (deleted, expired, or never made): "
        "`newsqa conversations list` shows those kept"
    ]


def test_an_unreadable_conversations_file_does_not_stop_a_plain_question(
    demo_store, private_user_dir
):
    kept = private_user_dir / "conversations.sqlite"
    kept.write_bytes(b"not a database at all" * 100)
    result = CliRunner().invoke(app, ["ask", WON, "--store", str(demo_store), "--no-stream"])
    assert result.exit_code == 0 and "Maren Ashdown" in result.stdout
    assert "not kept for --continue" in result.stderr
    continued = CliRunner().invoke(app, ["ask", "-c", "What is her job?", "--no-stream"])
    assert continued.exit_code == 1 and "conversations file cannot be read" in continued.stderr
    assert kept.read_bytes() == b"not a database at all" * 100, "the user's file is left as it was"


def test_chat_reads_questions_from_a_pipe_and_keeps_the_thread(demo_store):
    lines = [WON, "How many votes did she win by?", "/sources", "/new", "What is her job?"]
    result = CliRunner().invoke(
        app, ["chat", "--store", str(demo_store)], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.count("conversation ") == 2
    assert "searched for: How many votes did Maren Ashdown win by?" in out
    after_new = out.split("conversation ")[-1]
    assert "searched for" not in after_new, "/new forgets the thread"


def test_a_conversation_left_without_a_question_is_not_kept(demo_store):
    lines = ["/sources", "/new", WON, "/new"]
    result = CliRunner().invoke(
        app, ["chat", "--store", str(demo_store)], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.count("conversation ") == 3
    (kept,) = NewsQA(store=demo_store).conversations()
    assert kept.turns == 1


def test_chat_in_a_terminal_edits_lines_and_answers_the_by_election_thread(
    demo_store, private_user_dir
):
    """`newsqa chat` at a real pseudo-terminal: prompt_toolkit reads the keys, Enter asks."""
    main, child = pty.openpty()
    env = {**os.environ, "NEWSQA_HOME": str(private_user_dir), "TERM": "xterm", "COLUMNS": "120"}
    newsqa = Path(sys.executable).with_name("newsqa")
    process = subprocess.Popen(
        [str(newsqa), "chat", "--store", str(demo_store)],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        close_fds=True,
    )
    os.close(child)
    seen = b""

    def until(text: bytes, seconds: float = 120) -> None:
        nonlocal seen
        deadline = time.monotonic() + seconds
        while text not in seen:
            assert time.monotonic() < deadline, seen.decode(errors="replace")[-2000:]
            ready, _, _ = select.select([main], [], [], 1)
            if ready:
                read = os.read(main, 65536)
                if b"\x1b[6n" in read:  # where is the cursor? answered as a terminal does
                    os.write(main, b"\x1b[1;1R")
                seen += read

    try:
        until(b"newsqa>")
        os.write(main, WON.encode() + b"\r")
        until(BY_ELECTION.encode())
        os.write(main, b"How many votes did he" + b"\x7f" * 2 + b"she win by?\r")
        until(b"searched for: How many votes did Maren Ashdown win by?")
        os.write(main, b"What is her job?\r")
        until(b"searched for: What is Maren Ashdown's job?")
        until(b"marine biologist")
        seen = b""
        until(b"newsqa>")
        os.write(main, b"\x04")
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline:
            if select.select([main], [], [], 0.5)[0]:
                try:
                    os.read(main, 65536)  # a terminal keeps reading: the child never blocks
                except OSError:  # the child closed the terminal: it has left
                    break
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        os.close(main)


FOLLOWUPS = Path(__file__).parent / "data" / "demo-followups.jsonl"


def test_eval_asks_a_follow_up_after_its_history_and_scores_its_reach(demo_store, tmp_path):
    """Hand-written conversations over the demo corpus: with their history the follow-ups find
    what their full questions find; with --no-history they are asked as written."""
    runner, store = CliRunner(), ["--store", str(demo_store), "--json"]
    threaded = runner.invoke(app, ["eval", str(FOLLOWUPS), *store, "--out", str(tmp_path / "a")])
    assert threaded.exit_code == 0, threaded.output
    summary = json.loads(threaded.stdout)
    assert summary["metrics"]["followup_reach"] == 1.0 and summary["config"]["history"] is True
    assert summary["metrics"]["has_answer@5"] == 1.0
    rows = read_rows(tmp_path / "a")
    assert rows[0]["searched_for"] == "How many votes did Maren Ashdown get?"
    assert rows[1]["searched_for"] == "What is Maren Ashdown's job?"
    alone = runner.invoke(
        app, ["eval", str(FOLLOWUPS), *store, "--out", str(tmp_path / "b"), "--no-history"]
    )
    assert json.loads(alone.stdout)["config"]["history"] is False
    asked = [row["answer"]["question"] for row in read_rows(tmp_path / "b")]
    assert asked[:2] == ["How many votes did she get?", "What is her job?"]


def read_rows(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]


def test_make_followups_turns_a_suite_into_second_turns(tmp_path):
    suite = tmp_path / "suite.jsonl"
    suite.write_text(
        '{"id": "q1", "question": "Where did President Donald Trump declare an emergency?", '
        '"answers": ["the border"], "expect_abstain": false}\n'
        '{"id": "q2", "question": "How many jobs were created?", "answers": ["120"], '
        '"expect_abstain": false}\n'
    )
    out = tmp_path / "followups.jsonl"
    result = CliRunner().invoke(app, ["eval", "make-followups", str(suite), "-o", str(out)])
    assert result.exit_code == 0 and "1 follow-ups of 2 questions" in result.stdout
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["id"] == "q1-followup" and row["answers"] == ["the border"]
    assert row["question"] == "Where did they declare an emergency?"
    assert row["history"] == [{"question": "What is the latest news about President Donald Trump?"}]
    assert row["full_question"] == "Where did President Donald Trump declare an emergency?"
    assert standalone(row["question"], [Earlier(row["history"][0]["question"])]).text == (
        "Where did Donald Trump declare an emergency?"
    )
    nowhere = CliRunner().invoke(
        app, ["eval", "make-followups", str(suite), "-o", str(tmp_path / "no" / "x.jsonl")]
    )
    assert nowhere.exit_code == 1 and nowhere.stderr.count("\n") == 1
    assert "cannot write the follow-up suite" in nowhere.stderr


@pytest.mark.parametrize(
    ("reply", "searched"),
    [
        ("What does Maren Ashdown do for a living?", "What does Maren Ashdown do for a living?"),
        ("Sure! Here you go:\nWhat is it", "What is Maren Ashdown's job?"),
    ],
)
def test_an_answer_llm_rewrites_the_follow_up_and_a_bad_rewrite_is_set_aside(
    demo_store, reply, searched
):
    """With an LLM chosen, a follow-up is rewritten by it (over a real OpenAI-compatible HTTP
    server on 127.0.0.1); a reply that is not one question gives way to the rewrite made
    without it, and a question that leans on nothing is never sent to it."""
    from tests.chat_servers import Script, ScriptedServer

    script = Script(rewrite=reply, answer="Maren Ashdown [1].")
    with ScriptedServer(script) as server:
        newsqa = NewsQA(store=demo_store, base_url=server.url, model="openai-compatible:m")
        conversation = newsqa.conversation()
        conversation.ask(WON)
        answer = conversation.ask("What is her job?")
        conversation.ask("How much will the Kellan Bridge repairs cost?")
    rewrites = [r for r in script.requests if "Last question:" in str(r["messages"])]
    assert len(rewrites) == 1, "only the follow-up leaning on the thread is sent to the model"
    sent = rewrites[0]["messages"][-1]["content"]
    assert f"Q: {WON}" in sent and "Last question: What is her job?" in sent
    assert answer.searched_for == searched


def test_conversations_are_listed_shown_and_deleted_from_the_cli(demo_store):
    conversation = NewsQA(store=demo_store).conversation()
    conversation.ask(WON)
    conversation.ask("What is her job?")
    runner = CliRunner()
    listed = runner.invoke(app, ["conversations", "list"])
    assert listed.exit_code == 0 and f"{conversation.id}" in listed.stdout
    assert "2 turns  Who won the Quayside ward by-election?" in listed.stdout
    shown = runner.invoke(app, ["conversations", "show", conversation.id])
    assert "2. What is her job?" in shown.stdout
    assert "searched for: What is Maren Ashdown's job?" in shown.stdout
    assert runner.invoke(app, ["conversations", "delete", conversation.id]).exit_code == 0
    assert conversation.id not in runner.invoke(app, ["conversations", "list"]).stdout
    again = runner.invoke(app, ["conversations", "delete", conversation.id])
    assert again.exit_code == 1 and f"no conversation '{conversation.id}'" in again.stderr


@pytest.mark.parametrize("reply", ["What is their job?", "Who won the Quayside ward by-election?"])
def test_a_rewrite_that_drops_the_name_or_repeats_the_thread_is_set_aside(demo_store, reply):
    from tests.chat_servers import Script, ScriptedServer

    script = Script(rewrite=reply, answer="Maren Ashdown [1].")
    with ScriptedServer(script) as server:
        newsqa = NewsQA(store=demo_store, base_url=server.url, model="openai-compatible:m")
        conversation = newsqa.conversation()
        conversation.ask(WON)
        assert conversation.ask("What is her job?").searched_for == "What is Maren Ashdown's job?"
