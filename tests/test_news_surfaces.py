"""Briefs and timelines beyond the CLI, on the demo store built with the real MiniLM: the HTTP API
(TestClient), the MCP tools (the SDK's own client over stdio, as tests/test_mcp.py drives them)
and the page's Brief view (Debian's Chromium, as tests/test_server_browser.py drives it)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

from qa import NewsQA
from qa.server import create_app

LOCAL = "http://127.0.0.1"
TOPIC = "Kellan Bridge"
CLOSURE, REOPENING = "2025-02-06", "2025-05-21"
COSTS = ["£3.2 million", "£4.1 million"]
FERRY_NOTE = 'No story in the articles is about "ferry".'
NEWS_ROUTES = ["/api/brief", "/api/timeline"]


@pytest.fixture(scope="module")
def client(demo_store: Path, tmp_path_factory) -> Iterator[TestClient]:
    """One read-only server over the demo store, shared by the module's tests."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NEWSQA_HOME", str(tmp_path_factory.mktemp("news-home")))
        with TestClient(create_app(demo_store), base_url=LOCAL) as test_client:
            yield test_client


def without_timings(made: dict) -> dict:
    return {k: v for k, v in made.items() if k != "timings_ms"}


def bridge_story(stories: list[dict]) -> dict:
    """The story of the bridge's closure and reopening (other stories only mention the bridge)."""
    matching = [
        s for s in stories if [a["published"] for a in s["articles"]] == [CLOSURE, REOPENING]
    ]
    assert len(matching) == 1, [s["headline"] for s in stories]
    return matching[0]


def assert_costs_differ(story: dict, citations: list[dict]) -> None:
    """The story's one disagreement is the cost, each figure citing the article that gives it."""
    (cost,) = story["disagreements"]
    by_number = {c["n"]: c for c in citations}
    assert [f["text"] for f in cost["figures"]] == COSTS
    assert [by_number[f["cited"]]["published"] for f in cost["figures"]] == [CLOSURE, REOPENING]


# The HTTP API


def test_brief_holds_the_bridge_story_with_both_articles_and_the_costs_that_differ(
    client: TestClient, demo_store: Path
):
    response = client.get("/api/brief", params={"topic": TOPIC})

    assert response.status_code == 200
    body = response.json()
    story = bridge_story(body["stories"])
    assert_costs_differ(story, body["citations"])
    articles = {a["article_id"] for a in story["articles"]}
    cited = {c["n"]: c["article_id"] for c in body["citations"]}
    assert {cited[n] for line in story["lines"] for n in line["cited"]} == articles
    expected = NewsQA(store=demo_store).brief(TOPIC).to_dict()
    assert without_timings(body) == json.loads(json.dumps(without_timings(expected)))


def test_brief_on_a_topic_no_story_is_about_has_no_stories_and_says_so(client: TestClient):
    body = client.get("/api/brief", params={"topic": "ferry"}).json()

    assert body["stories"] == [] and body["citations"] == []
    assert body["note"] == FERRY_NOTE


def test_a_span_back_from_as_of_keeps_only_the_articles_in_it(client: TestClient):
    params = {"topic": TOPIC, "since": "7d", "as_of": "2025-05-22"}

    body = client.get("/api/brief", params=params).json()

    assert body["since"] == "2025-05-15" and body["as_of"] == "2025-05-22"
    shown = [a["published"] for story in body["stories"] for a in story["articles"]]
    assert REOPENING in shown and all("2025-05-15" <= day <= "2025-05-22" for day in shown)


def test_timeline_gives_the_events_in_date_order(client: TestClient, demo_store: Path):
    body = client.get("/api/timeline", params={"topic": TOPIC}).json()

    days = [event["published"] for event in body["events"]]
    dated = [day for day in days if day]
    assert {CLOSURE, REOPENING} <= set(dated)
    assert dated == sorted(dated) and days[: len(dated)] == dated, days
    expected = NewsQA(store=demo_store).timeline(TOPIC).to_dict()
    assert without_timings(body) == json.loads(json.dumps(without_timings(expected)))


def test_briefs_asked_at_once_are_all_answered(client: TestClient):
    """Requests run on several worker threads that share one reader, in turn."""

    def status(path: str) -> int:
        return client.get(path, params={"topic": TOPIC}).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(status, NEWS_ROUTES * 2))

    assert statuses == [200] * 4


@pytest.mark.parametrize("path", NEWS_ROUTES)
@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"topic": TOPIC, "since": "notadate"}, 400, "since: 'notadate' is not a date"),
        ({"topic": TOPIC, "as_of": "spring"}, 400, "as_of: 'spring' is not a date"),
        ({"topic": " "}, 400, "the topic is empty"),
        ({"topic": TOPIC, "limit": 0}, 422, "limit: Input should be greater than or equal to 1"),
        ({"since": "7d"}, 422, "topic: Field required"),
    ],
)
def test_mistakes_are_one_line_json_errors_naming_the_field(
    client: TestClient, path, params, status, message
):
    response = client.get(path, params=params)

    assert response.status_code == status
    assert list(response.json()) == ["detail"]
    assert message in response.json()["detail"]
    assert "\n" not in response.json()["detail"]


def test_an_empty_store_says_how_to_fill_it(tmp_path: Path):
    with TestClient(create_app(tmp_path / "none"), base_url=LOCAL) as empty:
        responses = [
            empty.get(path, params={"topic": TOPIC}) for path in ("/api/brief", "/api/timeline")
        ]

    assert [r.status_code for r in responses] == [404, 404]
    assert all("newsqa ingest" in r.json()["detail"] for r in responses)


# MCP


@pytest.fixture(scope="module")
def over_mcp(demo_store: Path, tmp_path_factory) -> dict[str, Any]:
    """One stdio session of `newsqa mcp` on the demo store: the news tools and their mistakes."""
    mcp_tests = pytest.importorskip("tests.test_mcp")
    home = tmp_path_factory.mktemp("mcp-news-home")
    params = mcp_tests.stdio(demo_store, home)

    async def transcript() -> dict[str, Any]:
        with anyio.fail_after(mcp_tests.BOUND):
            async with mcp_tests.session(params, home / "stderr.txt") as session:
                call = mcp_tests.call
                return {
                    "tools": (await session.list_tools()).tools,
                    "brief": await call(session, "brief", {"topic": TOPIC}),
                    "timeline": await call(session, "timeline", {"topic": TOPIC, "limit": 1}),
                    "ferry": await call(session, "brief", {"topic": "ferry"}),
                    "bad since": await call(session, "timeline", {"topic": TOPIC, "since": "x"}),
                }

    return anyio.run(transcript)


def test_the_mcp_brief_tool_returns_the_bridge_story(over_mcp):
    brief = over_mcp["brief"]

    assert brief["is_error"] is False
    story = bridge_story(brief["data"]["stories"])
    assert_costs_differ(story, brief["data"]["citations"])
    assert json.loads(brief["text"]) == brief["data"]
    assert over_mcp["ferry"]["data"]["stories"] == []
    assert over_mcp["ferry"]["data"]["note"] == FERRY_NOTE


def test_the_mcp_timeline_tool_gives_one_storys_events_in_date_order(over_mcp):
    timeline = over_mcp["timeline"]["data"]

    days = [event["published"] for event in timeline["events"]]
    assert days == [CLOSURE, REOPENING]
    assert [f["text"] for d in timeline["disagreements"] for f in d["figures"]] == COSTS


def test_the_mcp_news_tools_are_read_only_and_a_mistake_is_one_line(over_mcp):
    tools = {tool.name: tool for tool in over_mcp["tools"]}
    bad = over_mcp["bad since"]

    for name in ("brief", "timeline"):
        assert tools[name].input_schema["required"] == ["topic"]
        assert {"since", "until", "as_of", "limit"} <= set(tools[name].input_schema["properties"])
        assert tools[name].annotations.read_only_hint is True
    assert {"stories", "citations", "note"} <= set(tools["brief"].output_schema["properties"])
    assert bad["is_error"] is True
    assert (
        bad["text"] == "since: 'x' is not a date, use YYYY-MM-DD, a span such as 7d or 2w, or last"
    )


# The page


def browser_tests() -> ModuleType:
    """tests/test_server_browser.py's server and Chromium, skipped as its tests are when
    Chromium or Playwright is missing."""
    module = pytest.importorskip("tests.test_server_browser")
    missing = module.pytestmark
    if missing.args[0]:
        pytest.skip(missing.kwargs["reason"])
    return module


def test_the_brief_view_shows_the_bridge_story_with_both_costs_and_the_timeline(
    demo_store: Path,
):
    browsing = browser_tests()
    expect = browsing.playwright_api.expect
    with (
        browsing.Server(demo_store) as server,
        browsing.playwright_api.sync_playwright() as playwright,
    ):
        chromium = playwright.chromium.launch(
            executable_path=browsing.CHROMIUM, args=browsing.LAUNCH_FLAGS
        )
        page = chromium.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        browsing.open_page(page, server.url)

        page.fill("#topic", TOPIC)
        page.press("#topic", "Enter")

        expect(page.locator("#news-status")).to_have_text(re.compile(r"^\d+ stor"), timeout=60_000)
        story = page.locator(".story").filter(has_text="6 February 2025 – 21 May 2025")
        expect(story).to_have_count(1)
        differ = story.locator(".differ")
        expect(differ).to_contain_text(COSTS[0])
        expect(differ).to_contain_text(COSTS[1])
        latest = differ.locator("a.cite").last
        latest.click()
        cited = page.locator(f"#news-cite-{latest.text_content().strip('[]')}")
        expect(cited).to_have_class("highlighted")
        expect(cited.locator(".byline")).to_have_text(f"Aldwen Valley Post · {REOPENING}")

        page.click("#timeline")

        expect(page.locator("#news-status")).to_have_text(re.compile(r"events?, oldest first"))
        shown = page.locator(".events .when").all_text_contents()
        page.fill("#topic", "ferry")
        page.click("#brief")

        expect(page.locator("#news-note")).to_have_text(FERRY_NOTE)
        expect(page.locator(".story")).to_have_count(0)
        chromium.close()
    assert shown.index("6 February 2025") < shown.index("21 May 2025")
    assert errors == []
