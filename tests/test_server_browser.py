"""The page in headless Chromium against `newsqa serve`'s app under uvicorn on 127.0.0.1.

Chromium is Debian's (`/usr/bin/chromium`, installed by `.ci/run`), driven by Playwright for
Python through `executable_path`; no browser is downloaded. Screenshots of the answered page go to
`test-artifacts/`; with NEWSQA_UPDATE_SCREENSHOT=1 the README's `docs/screenshot.png` too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DEMO, REPO, read_jsonl

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# CI installs chromium, so there a missing browser fails the tests instead of skipping them.
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (apt-get install -y chromium; .ci/run does)",
)
playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
)

ARTIFACTS = REPO / "test-artifacts"
LAUNCH_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
QUESTION = "Who won the Quayside ward by-election?"
FINISHED = re.compile(r"^(Answered\.|No answer in the articles\.)$")
# The script sits in a paragraph of its own: the extractive answerer never quotes a paragraph
# holding markup, and the record must be cited for its title to show among the sources.
HOSTILE_RECORD = {
    "id": "hostile-record",
    "title": "<img src=x onerror=\"document.body.dataset.pwned='title'\"> Parish notice",
    "source": "<b>Bold Outlet</b>",
    "published": "2025-04-20",
    "url": "javascript:document.body.dataset.pwned='link'",
    "text": "The Fenwick Hill open day notice: gates open at 10am on Saturday 10 May.\n\n"
    "<script>document.body.dataset.pwned='text'</script>",
}


class Server:
    """The app under uvicorn on a free 127.0.0.1 port, in a thread of the test process."""

    def __init__(self, store: Path) -> None:
        import uvicorn

        from qa.server import create_app

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/"
        config = uvicorn.Config(create_app(store), log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def __enter__(self) -> Server:
        self.thread.start()
        for _ in range(300):
            if self.server.started:
                return self
            self.thread.join(0.05)
        raise RuntimeError("uvicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.socket.close()


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NEWSQA_HOME", str(tmp_path_factory.mktemp("browser-home")))
        yield


@pytest.fixture(scope="module")
def demo_site(demo_store: Path, home) -> Iterator[str]:
    with Server(demo_store) as server:
        yield server.url


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory, home) -> Iterator[str]:
    """A store holding the bundled hostile article and a record with markup in every field."""
    from qa import NewsQA

    folder = tmp_path_factory.mktemp("hostile")
    records = folder / "hostile.jsonl"
    records.write_text(json.dumps(HOSTILE_RECORD) + "\n")
    NewsQA(store=folder / "store").ingest([DEMO / "hostile" / "injected.txt", records])
    with Server(folder / "store") as server:
        yield server.url


@pytest.fixture(scope="module")
def browser(home):
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page (own profile) that records every dialog and script error it sees."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.errors = []

    def on_dialog(dialog) -> None:
        page.dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def ask(page, question: str) -> None:
    """Ask on the page and wait for the outcome (the page's CSP forbids wait_for_function)."""
    page.fill("#question", question)
    page.press("#question", "Enter")
    playwright_api.expect(page.locator("#status")).to_have_text(FINISHED, timeout=60_000)


def open_page(page, url: str) -> None:
    page.goto(url)
    playwright_api.expect(page.locator("#library-status")).not_to_be_empty()


def shown_dates(page) -> list[str]:
    return page.eval_on_selector_all(
        "#result .byline", "nodes => nodes.map(n => n.textContent.split(' · ').pop())"
    )


def test_a_question_gets_a_cited_answer_and_a_click_shows_the_passage(page, demo_site):
    expect = playwright_api.expect
    open_page(page, demo_site)
    expect(page.locator("#library-status")).to_have_text("12 articles.")

    ask(page, QUESTION)

    expect(page.locator("#answer-text")).to_contain_text("Ashdown")
    expect(page.locator("#answer-text strong.short-answer")).to_have_text("Maren Ashdown")
    marker = page.locator("#answer-text a.cite").first
    expect(marker).to_have_text("[1]")
    source = page.locator("#cite-1")
    expect(source.locator(".title")).to_have_text(
        "Green candidate Maren Ashdown wins Quayside by-election by 212 votes"
    )
    expect(source.locator(".title")).to_have_attribute(
        "href",
        "https://news.wendmoor-gazette.example/politics/2025/05/09/quayside-by-election-result",
    )
    expect(source.locator(".byline")).to_have_text("Wendmoor Gazette · 2025-05-09")
    expect(source.locator(".passage")).to_contain_text("Maren Ashdown")
    expect(source.locator(".passage mark.short-answer")).to_have_text("Maren Ashdown")
    expect(source).not_to_have_class("highlighted")

    marker.click()

    expect(source).to_have_class("highlighted")
    expect(source).to_be_focused()
    expect(source).to_be_in_viewport()
    assert page.errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(
        path=ARTIFACTS / "answered-page.png",
        full_page=True,
        clip={"x": 0, "y": 0, "width": 1100, "height": 1000},
    )
    if os.environ.get("NEWSQA_UPDATE_SCREENSHOT"):
        shutil.copy(ARTIFACTS / "answered-page.png", REPO / "docs" / "screenshot.png")


def test_the_page_works_from_the_keyboard(page, demo_site):
    expect = playwright_api.expect
    open_page(page, demo_site)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#question")).to_be_focused()

    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    expect(page.locator("#result-heading")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#answer-text a.cite").first).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("#cite-1")).to_have_class("highlighted")


def test_a_date_filter_keeps_every_passage_in_range(page, demo_site):
    expect = playwright_api.expect
    open_page(page, demo_site)
    page.click("#options summary")
    page.fill("#since", "2025-05-01")

    ask(page, "How much are the Kellan Bridge repairs expected to cost?")

    page.click("#passages-box summary")
    dates = shown_dates(page)
    assert dates and all(day >= "2025-05-01" for day in dates), dates
    expect(page.locator("#passages li")).not_to_have_count(0)


def test_an_unanswerable_question_shows_the_abstention_state(page, demo_site):
    expect = playwright_api.expect
    unanswerable = next(q for q in read_jsonl(DEMO / "demo-qa.jsonl") if q["expect_abstain"])
    open_page(page, demo_site)
    page.click("#options summary")
    page.fill("#until", "2024-12-31")

    ask(page, unanswerable["question"])

    expect(page.locator("#abstained")).to_be_visible()
    expect(page.locator("#abstained")).to_contain_text("The articles do not answer this question.")
    expect(page.locator("#answer-text")).to_be_hidden()
    expect(page.locator("#citations li")).to_have_count(0)
    expect(page.locator("#status")).to_have_text("No answer in the articles.")


def test_a_mistake_is_shown_as_one_line_on_the_page(page, demo_site):
    expect = playwright_api.expect
    open_page(page, demo_site)
    page.click("#options summary")
    page.fill("#model", "nosuch")

    page.fill("#question", QUESTION)
    page.press("#question", "Enter")

    expect(page.locator("#status")).to_have_class("error")
    expect(page.locator("#status")).to_contain_text("unknown model 'nosuch'")
    expect(page.locator("#result")).to_be_hidden()


def test_the_page_fits_a_phone_screen(browser, demo_site):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    open_page(page, demo_site)
    ask(page, QUESTION)

    overflow = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert overflow <= 375


def test_hostile_article_markup_is_shown_as_text_and_runs_nothing(page, hostile_site):
    open_page(page, hostile_site)

    ask(page, "Where can visitors register for the open day and see photos of the plots?")
    page.click("#passages-box summary")
    injected = page.inner_text("#result")
    assert_inert(page, hostile_site)
    ask(page, "When do the gates open for the Fenwick Hill open day notice?")
    page.click("#passages-box summary")
    record = page.inner_text("#result")
    assert_inert(page, hostile_site)

    assert "<script>alert(1)</script>" in injected
    assert "<img src=x onerror=alert(1)>" in injected
    assert '<a href="javascript:alert(1)">click here for the full gallery</a>' in injected
    assert HOSTILE_RECORD["title"] in record and HOSTILE_RECORD["source"] in record
    assert "<script>document.body.dataset.pwned='text'</script>" in record
    titles = page.eval_on_selector_all(
        "#sources .title", "nodes => nodes.map(n => [n.tagName, n.textContent])"
    )
    assert ["SPAN", HOSTILE_RECORD["title"]] in titles
    assert page.dialogs == [] and page.errors == []


def assert_inert(page, site: str) -> None:
    """No element the article text describes exists, and no link leaves for a non-web scheme."""
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    assert all(href.startswith(("http://", "https://")) for href in hrefs), hrefs
    assert page.locator("img, b, iframe, object, embed").count() == 0
    scripts = page.eval_on_selector_all("script", "nodes => nodes.map(s => s.src)")
    assert scripts == [site + "static/app.js"]
    assert page.evaluate("() => document.body.dataset.pwned") is None


def test_an_empty_store_says_so_and_a_file_added_on_the_page_can_be_asked(
    page, tmp_path: Path, home
):
    expect = playwright_api.expect
    article = DEMO / "articles" / "storm-ilse.txt"
    with Server(tmp_path / "store") as server:
        open_page(page, server.url)
        expect(page.locator("#store-notice")).to_be_visible()
        expect(page.locator("#store-notice")).to_contain_text("newsqa ingest")

        page.click("#add summary")
        page.set_input_files("#upload", article)
        page.click("#add-form button")
        expect(page.locator("#job-status")).to_contain_text("Done: 1 added", timeout=60_000)
        expect(page.locator("#store-notice")).to_be_hidden()
        expect(page.locator("#sources li")).to_have_count(1)
        ask(page, "What was the strongest gust recorded during Storm Ilse?")
        expect(page.locator("#answer-text")).to_contain_text("94 mph")

        page.click("#sources .remove")
        expect(page.locator("#sources li")).to_have_count(0)
        assert page.dialogs and page.dialogs[0].startswith("Remove “Storm Ilse")


def test_a_follow_up_on_the_page_keeps_the_thread(page, demo_site):
    """Two turns: the first moves up into the thread, the follow-up is searched with the name
    the first answer gave, and a new conversation forgets it."""
    expect = playwright_api.expect
    open_page(page, demo_site)
    ask(page, QUESTION)
    expect(page.locator("#answer-text strong.short-answer")).to_have_text("Maren Ashdown")
    expect(page.locator("#thread")).to_be_hidden()

    ask(page, "What is her job?")

    expect(page.locator("#searched-for")).to_have_text("searched for: What is Maren Ashdown's job?")
    expect(page.locator("#asked")).to_have_text("What is her job?")
    turns = page.locator("#turns > li")
    expect(turns).to_have_count(1)
    expect(turns.first.locator(".asked")).to_have_text(QUESTION)
    expect(turns.first.locator(".answer")).to_contain_text("Maren Ashdown")
    expect(page.locator("#cite-1 .title")).to_have_text(
        "Green candidate Maren Ashdown wins Quayside by-election by 212 votes"
    )
    expect(page.locator("#cite-1 .passage")).to_contain_text("marine biologist")

    page.click("#new-thread")
    expect(page.locator("#thread")).to_be_hidden()
    ask(page, "What is her job?")
    expect(page.locator("#searched-for")).to_be_hidden()
    assert page.errors == []
