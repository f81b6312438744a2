"""The Block Kit checker of the fake Slack (tests/fakes/block_kit.py): it takes what Slack's
reference allows, including our own charts and tables, names each rule a payload breaks, and
the fake Slack refuses block types as a workspace without them does."""

from __future__ import annotations

import itertools

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import charts, render
from bot.domain.messages import Button, Chart, Field, Form, Message, Section, Series, Table
from tests.fakes.block_kit import problems
from tests.fakes.slack_api import TOKEN, FakeSlack

CHART = Chart(
    "Sessions per week, by outcome",
    "bar",
    ("7 Sep", "14 Sep", "21 Sep"),
    (Series("Held", (3.0, 4.0, 2.0)), Series("Missed", (1.0, 0.0, 1.0))),
    unit="sessions",
)
_ids = itertools.count()
TABLE = Table("Pairs at risk", ("Pair", "Reason", "Days"), (("Ada & Bo", "escalated", 12),))


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def section(text: str = "Hello") -> dict:
    return {"type": "section", "text": mrkdwn(text)}


def button(**changes) -> dict:
    return {"type": "button", "action_id": "go", "text": plain("Go"), **changes}


def actions(*elements: dict) -> dict:
    return {"type": "actions", "elements": list(elements)}


def chart(**changes) -> dict:
    """A good bar chart block (from our renderer), its chart's fields changed."""
    block = charts.chart_block(CHART, f"chart.{next(_ids)}")
    return {**block, "chart": {**block["chart"], **changes}}


def series(name: str, points: list[tuple[str, float]]) -> dict:
    return {"name": name, "data": [{"label": c, "value": v} for c, v in points]}


def pie(*segments: tuple[str, float]) -> dict:
    data = [{"label": label, "value": value} for label, value in segments]
    return {
        "type": "data_visualization",
        "title": "Split",
        "chart": {"type": "pie", "segments": data},
    }


def cell(text: str) -> dict:
    return {"type": "raw_text", "text": text}


def table(cells: list[list[dict]] | None = None, **changes) -> dict:
    cells = cells if cells is not None else [[cell("Pair"), cell("Days")], [cell("A"), cell("3")]]
    return {"type": "data_table", "caption": "Pairs", "rows": cells, **changes}


def test_our_chart_and_table_blocks_keep_slacks_rules():
    blocks = [charts.chart_block(CHART, "chart.0.0"), charts.table_block(TABLE, "table.0")]
    assert problems(blocks, "message") == []
    assert problems([pie(("Mentors", 4), ("Mentees", 6))], "message") == []


def test_our_messages_modals_and_home_keep_slacks_rules():
    section_ = Section("Video", facts=(("Pairs", "3 active"),), charts=(CHART,) * 3, table=TABLE)
    message = Message("Status", sections=(section_,), buttons=(Button("Open", "status.open"),))
    pages = render.message_pages(message)
    assert len(pages) == 2, "two charts a message"
    for page in pages:
        assert problems(page.blocks, "message") == [] and problems(page.plain, "message") == []
    fields = (Field("day", "Day", kind="date", initial="2026-11-30"), Field("note", "Note"))
    modal = render.modal(Form("session.schedule", "Plan a session", fields, "Save"), "Hi", "m")
    assert problems(modal["blocks"], "modal") == []
    assert problems(render.home_view("Mentoring", message)["blocks"], "home") == []


def case(blocks: list, expected: str, surface: str = "message"):
    return pytest.param(blocks, surface, expected, id=expected)


def field(element: dict, **changes) -> dict:
    """An input block holding `element`, or (without an element type) a block of `changes`."""
    return {"type": "input", "label": plain("Note"), "element": element, **changes}


def line(name: str, *labels: str, value: object = 1) -> dict:
    return series(name, [(label, value) for label in labels])


def rows(*lines: tuple[str, ...]) -> list[list[dict]]:
    return [[cell(text) for text in texts] for texts in lines]


TEXT_INPUT = {"type": "plain_text_input"}
SELECT = {"type": "static_select", "options": [{"text": plain("A"), "value": "a"}]}
DIVIDER = {"type": "divider"}
CASES = [
    case([DIVIDER] * 51, "51 blocks (max 50 in a message)"),
    case([DIVIDER] * 101, "101 blocks (max 100 in a modal)", "modal"),
    case([{**section(), "block_id": "a"}] * 2, "a block_id is used twice"),
    case([{**section(), "block_id": "b" * 256}], "block_id has 256 characters", "home"),
    case([{"type": "paragraph"}], "unknown block type 'paragraph'"),
    case([{"type": "markdown", "text": "x"}], "not available in a modal", "modal"),
    case([{"type": "alert"}], "not available in a message"),
    case([{**section(), "colour": "red"}], "unknown field colour"),
    case([{"type": "header"}], "missing text", "home"),
    case([{"type": "section"}], "needs text or fields"),
    case([section("x" * 3001)], "text text has 3001 characters (1-3000"),
    case([section("")], "text text has 0 characters (1-3000"),
    case([{"type": "section", "text": {"type": "md", "text": "x"}}], "type 'md'"),
    case([{"type": "section", "text": {**mrkdwn("x"), "emoji": True}}], "emoji is only for"),
    case([{"type": "header", "text": mrkdwn("x")}], "must be plain_text", "home"),
    case([{"type": "header", "text": plain("x" * 151)}], "151 characters (1-150"),
    case([{"type": "section", "fields": [mrkdwn("x")] * 11}], "fields has 11 items (1-10"),
    case([{"type": "section", "fields": [mrkdwn("x" * 2001)]}], "2001 characters (1-2000"),
    case([{"type": "context", "elements": [mrkdwn("x")] * 11}], "elements has 11 items (1-10"),
    case([actions(*(button(action_id=f"b{n}") for n in range(26)))], "has 26 items (1-25"),
    case([actions()], "elements has 0 items (1-25"),
    case([actions(TEXT_INPUT)], "'plain_text_input' is not one this block takes"),
    case([actions(button(), button())], "an action_id is used twice"),
    case([actions(button(text=plain("x" * 76)))], "text has 76 characters (1-75"),
    case([actions(button(value="v" * 2001))], "value has 2001 characters"),
    case([actions(button(url="h" * 3001))], "url has 3001 characters"),
    case([actions(button(style="green"))], "style 'green'"),
    case([actions(button(action_id="a" * 256))], "action_id has 256 characters"),
    case([actions(button(colour="red"))], "elements[0]: unknown field colour"),
    case([field(TEXT_INPUT, label=plain("x" * 2001))], "label text has 2001", "modal"),
    case([field(button())], "'button' is not one this block takes", "modal"),
    case([field({**TEXT_INPUT, "max_length": 3001})], "max_length 3001 (1-3000", "modal"),
    case([field({**SELECT, "options": SELECT["options"] * 101})], "options has 101 items"),
    case([field({**SELECT, "options": [{**SELECT["options"][0], "value": "v" * 151}]})], "151"),
    case([field({"type": "datepicker", "initial_date": "30/11/2026"})], "'30/11/2026'"),
    case([{"type": "image", "alt_text": "x"}], "needs image_url or slack_file"),
    case([{"type": "markdown", "text": "x" * 12001}], "text has 12001 characters"),
    # The data visualization block
    case([{**chart(), "title": "t" * 51}], "title has 51 characters (0-50"),
    case([{k: v for k, v in chart().items() if k != "title"}], "missing title"),
    case([chart(type="scatter")], "chart type must be one of"),
    case([chart(colors=["red"])], "chart: unknown field colors"),
    case([{**chart(), "chart": {"type": "line", "series": []}}], "missing axis_config"),
    case([chart(series=[line(f"s{n}", "7 Sep") for n in range(7)])], "series has 7 items (1-6"),
    case([chart(series=[])], "series has 0 items (1-6"),
    case([chart(series=[line("n" * 21, "7 Sep")])], "name has 21 characters (0-20"),
    case([chart(series=[line("a", "7 Sep")] * 2)], "a series name is used twice"),
    case([chart(series=[line("a", *["7 Sep"] * 21)])], "data has 21 items (1-20"),
    case([chart(series=[line("a")])], "data has 0 items (1-20"),
    case([chart(series=[line("a", "8 Sep")])], "label '8 Sep' is not a category"),
    case([chart(series=[line("a", "l" * 21)])], "label has 21 characters (0-20"),
    case([chart(series=[line("a", "7 Sep", value="3")])], "value '3' is not a number"),
    case([chart(axis_config={"categories": ["c" * 21]})], "categories[0] has 21 characters"),
    case([chart(axis_config={"categories": [], "y_label": "y" * 51})], "y_label has 51"),
    case([pie(("a", 0))], "value 0 is not a number over 0"),
    case([pie(*((f"s{n}", 1) for n in range(7)))], "segments has 7 items (1-6"),
    case([pie(("l" * 21, 1))], "label has 21 characters"),
    case([chart(), chart(), chart()], "3 data_visualization blocks (max 2)"),
    # The data table block
    case([table(rows(("Pair",)))], "rows has 1 items (2-101"),
    case([table(rows(*[("x",)] * 102))], "rows has 102 items (2-101"),
    case([table(rows(("x",) * 21, ("x",) * 21))], "21 columns (1-20"),
    case([table(rows(("x", "y"), ("x",)))], "rows must be lists of the same number of cells"),
    case([table(rows(("P",), ("",)))], "text has 0 characters (1-10000"),
    case([table([[cell("P")], [{"type": "raw_number", "value": "3"}]])], "value '3' is not"),
    case([table([[{"type": "rich_text", "elements": []}], [cell("x")]])], "heading cell"),
    case([table([[cell("P")], [{"type": "number", "value": 3}]])], "'number' is not a cell"),
    case([table([[cell("P")], [{**cell("x"), "bold": True}]])], "unknown field bold"),
    case([table(page_size=0)], "page_size 0 (1-100"),
    case([table(page_size=101)], "page_size 101 (1-100"),
    case([{k: v for k, v in table().items() if k != "caption"}], "missing caption"),
    case([table(row_header_column_index=2)], "row_header_column_index 2 is not one"),
    case([table(rows(("P",), *[("x" * 1000,)] * 10))], "10001 characters in its cells"),
    case([table(rows(("P",), ("x" * 5500,)))] * 2, "11002 characters in the tables' cells"),
]


@pytest.mark.parametrize(("blocks", "surface", "expected"), CASES)
def test_each_broken_rule_is_named(blocks: list, surface: str, expected: str):
    found = problems(blocks, surface)
    assert any(expected in p for p in found), found


@pytest.fixture(scope="module")
def fake():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def slack(fake):
    fake.violations.clear()
    yield AsyncWebClient(token=TOKEN, base_url=fake.api_url)
    fake.refuse_block_types(set())


async def call(slack: AsyncWebClient, method: str, **args) -> dict:
    """Slack's answer, refusals included (the client raises on them)."""
    try:
        return (await getattr(slack, method)(**args)).data
    except SlackApiError as error:
        return error.response.data


async def test_what_the_bot_posts_is_checked_and_each_violation_says_where(fake, slack):
    blocks = [chart(), chart(), chart()]
    await call(slack, "chat_postMessage", channel="C1", text="t", blocks=blocks)
    view = {"type": "modal", "title": plain("x" * 25), "blocks": [{"type": "markdown"}]}
    await call(slack, "views_open", trigger_id="T", view=view)
    assert fake.violations == [
        "chat.postMessage to C1: 3 data_visualization blocks (max 2)",
        "views.open: title text has 25 characters (1-24 allowed)",
        "views.open: blocks[0] (markdown): missing text",
        "views.open: blocks[0] (markdown): not available in a modal (only ['message'])",
    ]


async def test_refused_block_types_are_answered_as_slack_does_and_nothing_is_posted(fake, slack):
    posted = await call(slack, "chat_postMessage", channel="C1", text="t", blocks=[section()])
    before = (len(fake.messages), len(fake.views), len(fake.responses))
    refused = len(fake.refused)
    fake.refuse_block_types({"data_visualization", "data_table"})
    message = {"channel": "C1", "text": "t", "blocks": [section(), chart(), table()]}
    answer = await call(slack, "chat_postMessage", **message)
    assert answer["ok"] is False and answer["error"] == "invalid_blocks"
    assert answer["errors"] == [
        "unsupported type `data_visualization` [json-pointer:/blocks/1/type]",
        "unsupported type `data_table` [json-pointer:/blocks/2/type]",
    ]
    update = await call(slack, "chat_update", ts=posted["ts"], **message)
    ephemeral = await call(slack, "chat_postEphemeral", user="U1", **message)
    home = {"type": "home", "blocks": [chart()]}
    published = await call(slack, "views_publish", user_id="U1", view=home)
    modal = {"type": "modal", "title": plain("Chart"), "blocks": [table()]}
    opened = await call(slack, "views_open", trigger_id="T1", view=modal)
    errors = [a["error"] for a in (update, ephemeral, published, opened)]
    assert errors == ["invalid_blocks", "invalid_blocks", "invalid_arguments", "invalid_arguments"]
    async with aiohttp.ClientSession() as http:
        reply = await http.post(fake.response_url("status"), json=message)
        assert (reply.status, await reply.text()) == (400, "invalid_blocks")
    assert (len(fake.messages), len(fake.views), len(fake.responses)) == before
    assert fake.messages[("C1", posted["ts"])].updates == [] and "U1" not in fake.homes
    assert fake.violations == [], "a refusal is Slack's answer, not a fault of the payload"
    assert fake.refused[refused:] == [
        ("chat.postMessage", "C1", ["data_table", "data_visualization"]),
        ("chat.update", "C1", ["data_table", "data_visualization"]),
        ("chat.postEphemeral", "C1", ["data_table", "data_visualization"]),
        ("views.publish", "U1", ["data_visualization"]),
        ("views.open", "T1", ["data_table"]),
        ("response_url", "status", ["data_table", "data_visualization"]),
    ]
    other = await call(slack, "chat_postMessage", channel="C1", text="t", blocks=[section()])
    assert other["ok"] and len(fake.refused) == refused + 6, "other blocks still go through"


async def test_an_empty_set_accepts_every_block_type_again(fake, slack):
    fake.refuse_block_types({"data_table"})
    fake.refuse_block_types(set())
    refused = len(fake.refused)
    answer = await call(slack, "chat_postMessage", channel="C2", text="t", blocks=[table()])
    assert answer["ok"] and len(fake.refused) == refused
    assert [b["type"] for b in fake.posts_to("C2")[-1].blocks] == ["data_table"]
    async with aiohttp.ClientSession() as http:
        reply = await http.post(fake.response_url("again"), json={"blocks": [table()]})
        assert reply.status == 200 and fake.responses[-1]["name"] == "again"
