"""The card checker of the fake Bot Connector: the official Adaptive Card 1.5 schema, the Teams
chart schema and the checks by hand, on cards from our own adapters and on broken ones."""

from __future__ import annotations

import pytest

from adapters.teams import charts, render
from bot.domain.messages import (
    Button,
    Chart,
    Choice,
    Field,
    Form,
    FormErrors,
    Message,
    Section,
    Series,
    Table,
)
from tests.fakes.bot_connector import FakeConnector
from tests.fakes.card_schema import chart_validator, problems

WEEKS = ("Mar 2", "Mar 9", "Mar 16")
BARS = Chart("Sessions held", "bar", WEEKS, (Series("held", (3, 0, 5.5)),), unit="sessions")
GROUPED = Chart(
    "By outcome", "bar", WEEKS, (Series("held", (3, 2, 1)), Series("missed", (0, 1, 0)))
)
LINES = Chart(
    "Pairs meeting regularly",
    "line",
    WEEKS,
    (Series("on", (4, 5, 5)), Series("off", (2, 1, 1))),
    top=8.0,
    axis="Weeks",
)
RISK = Table(
    "Pairs at risk",
    ("Pair", "Weeks quiet"),
    tuple((f"Mina & Erik {n}", n) for n in range(25)),
    lines=("Pair - Weeks quiet", *(f"Mina & Erik {n} - {n}" for n in range(25))),
    more=3,
)
FORM = Form(
    "session.schedule",
    "Book a session",
    (
        Field("date", "Date", kind="date"),
        Field("time", "Start time", kind="time"),
        Field("minutes", "Length", kind="choice", choices=(Choice("30", "30"), Choice("45", "45"))),
        Field("notes", "Notes", kind="multiline", optional=True),
    ),
)


def words(text: str) -> dict:
    return {"type": "TextBlock", "text": text, "wrap": True}


def card_of(*body: dict) -> dict:
    return {"type": "AdaptiveCard", "version": "1.5", "body": list(body)}


def status_card() -> dict:
    """A full owner status card as the Teams adapter renders it: facts, charts, a table."""
    section = Section(
        "Pilot program",
        facts=(("Pairs", "12"), ("Sessions this week", "9")),
        lines=("- 2 pairs at risk",),
        charts=(BARS, GROUPED, LINES),
        table=RISK,
    )
    message = Message("Status", sections=(section,), buttons=(Button("Nudge", "owner.nudge"),))
    return render.activity(message)["attachments"][0]["content"]


def first(card: dict, kind: str) -> dict:
    return next(e for e in card["body"] if e.get("type") == kind)


# --- good cards -------------------------------------------------------------------------------
def test_cards_our_teams_adapter_renders_pass_every_check():
    refused = FormErrors({"minutes": "Sessions are 30 to 60 minutes."}, FORM)
    cards = [
        status_card(),
        render.card(
            Message("Pick a time", form=FORM, buttons=(Button("Later", "x", url="https://h/x"),))
        ),
        render.after_click("Time to book", refused, {"date": "2026-12-01", "minutes": "90"}),
        render.after_click("Would you like to join?", Message("Thanks - you're in.")),
    ]
    kinds = {e["type"] for e in cards[0]["body"]}
    assert {"Chart.VerticalBar", "Chart.VerticalBar.Grouped", "Chart.Line", "Table"} <= kinds
    for card in cards:
        assert problems(card) == [], card


@pytest.mark.parametrize("chart", [BARS, GROUPED, LINES], ids=lambda c: c.title)
def test_each_chart_element_the_adapter_makes_is_valid_with_its_fallback(chart):
    element = charts.chart_element(chart, words)
    assert element["type"].startswith("Chart.") and element["fallback"]["type"] == "TextBlock"
    assert problems(card_of(element)) == []


def test_the_adapters_table_with_its_heading_and_more_line_is_valid():
    elements = charts.table_element(RISK, words, words)
    table = elements[1]
    assert table["type"] == "Table" and len(table["rows"]) == charts.TABLE_ROWS + 1
    assert problems(card_of(*elements)) == []


# Each chart as in the payloads of Microsoft's page "Charts in Adaptive Cards" (shortened), with
# the fallback our checker requires.
DOCS_CHARTS = {
    "Chart.Donut": {"data": [{"legend": "Pear", "value": 59}, {"legend": "Kiwi", "value": 179}]},
    "Chart.Gauge": {
        "value": 35,
        "valueFormat": "fraction",
        "segments": [
            {"legend": "Used", "size": 35},
            {"legend": "Unused", "size": 65, "color": "neutral"},
        ],
    },
    "Chart.VerticalBar.Grouped": {
        "stacked": True,
        "title": "Sample",
        "xAxisTitle": "Days",
        "yAxisTitle": "Sales",
        "colorSet": "diverging",
        "data": [{"legend": "Outlook", "values": [{"x": "2023-05-01", "y": 24}]}],
    },
    "Chart.HorizontalBar": {
        "title": "Sample",
        "displayMode": "PartToWhole",
        "color": "categoricalPurple",
        "data": [{"x": "Yes", "y": 15}, {"x": "No", "y": 24}],
    },
    "Chart.Line": {
        "title": "Sample",
        "colorSet": "categorical",
        "data": [{"legend": "Teams", "values": [{"x": "2023-05-01", "y": 12}, {"x": 2, "y": 82}]}],
    },
    "Chart.Pie": {"colorSet": "categorical", "data": [{"legend": "Pear", "value": 59}]},
    "Chart.HorizontalBar.Stacked": {
        "title": "Sample",
        "data": [
            {"title": "Outlook", "data": [{"legend": "2023-05-01", "value": 24, "color": "good"}]}
        ],
    },
    "Chart.VerticalBar": {
        "title": "Sample",
        "showBarValues": True,
        "spacing": "large",
        "separator": True,
        "data": [{"x": "Pear", "y": 59}, {"x": "Banana", "y": 292}],
    },
}


@pytest.mark.parametrize("kind", DOCS_CHARTS)
def test_every_chart_type_as_microsofts_docs_show_it_is_accepted(kind):
    chart = {"type": kind, **DOCS_CHARTS[kind], "fallback": words(f"{kind} in words")}
    assert problems(card_of(chart)) == []


def test_the_chart_schema_is_a_valid_json_schema_covering_every_documented_chart():
    covered = {
        branch["allOf"][0]["$ref"].rsplit("/", 1)[1] for branch in chart_validator().schema["anyOf"]
    }
    assert covered == set(DOCS_CHARTS)


def test_the_renderers_spellings_pass_where_the_official_schema_differs():
    """A Table's header row as renderers read it (firstRowAsHeaders), a card's full width
    (msteams), and the chart settings Teams reads beyond Microsoft's charts page."""
    card = status_card()
    assert card["msteams"] == {"width": "Full"}
    assert first(card, "Table")["firstRowAsHeaders"] is True
    line = first(card, "Chart.Line")
    assert line["showTitle"] is True and (line["yMin"], line["yMax"]) == (0, 8.0)
    assert problems(card) == []


def test_the_official_schemas_spelling_of_the_header_row_is_flagged_by_the_teams_sdk():
    card = status_card()
    table = first(card, "Table")
    table["firstRowAsHeader"] = table.pop("firstRowAsHeaders")
    index = card["body"].index(table)
    assert problems(card) == [
        f"card.body[{index}] (Table): Teams SDK: Table has no ['firstRowAsHeader']"
    ]


@pytest.mark.parametrize(
    ("where", "change", "expected"),
    [
        ("card", {"msteams": {"width": "wide"}}, "msteams.width: Input should be 'full'"),
        ("Chart.Line", {"yMax": "lots"}, "'lots' is not of type 'number'"),
        ("Chart.VerticalBar", {"colorSet": "rainbow"}, "colorSet"),
    ],
)
def test_values_the_teams_sdk_does_not_allow_are_flagged(where, change, expected):
    card = status_card()
    (card if where == "card" else first(card, where)).update(change)
    found = problems(card)
    assert len(found) == 1 and expected in found[0], found


# --- broken cards ------------------------------------------------------------------------------
def test_an_unknown_property_on_a_text_block_is_flagged_by_the_official_schema():
    card = status_card()
    card["body"][0]["colour"] = "red"
    assert problems(card) == [
        "card.body[0] (TextBlock): official schema: "
        "Additional properties are not allowed ('colour' was unexpected)"
    ]


@pytest.mark.parametrize("fallback", [None, "drop"])
def test_a_chart_without_a_fallback_element_is_flagged(fallback):
    card = status_card()
    chart = first(card, "Chart.Line")
    if fallback is None:
        del chart["fallback"]
    else:
        chart["fallback"] = fallback
    [problem] = problems(card)
    assert "(Chart.Line): a chart needs a fallback element" in problem
    assert problem.endswith("none" if fallback is None else "'drop'")


def test_a_charts_fallback_must_itself_be_a_valid_element():
    card = status_card()
    first(card, "Chart.VerticalBar")["fallback"]["wrap"] = "yes"
    index = card["body"].index(first(card, "Chart.VerticalBar"))
    assert problems(card) == [
        f"card.body[{index}].fallback.wrap: official schema: 'yes' is not of type 'boolean'"
    ]


def test_a_chart_with_a_property_teams_does_not_document_is_flagged():
    card = status_card()
    first(card, "Chart.Line")["showBarValues"] = True  # a bar chart's property, not a line's
    [problem] = problems(card)
    assert "(Chart.Line): Teams chart schema: Additional properties are not allowed" in problem
    assert "'showBarValues' was unexpected" in problem


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        # a series where a single bar chart takes points
        (
            "Chart.VerticalBar",
            [{"legend": "held", "values": [{"x": "a", "y": 1}]}],
            "'legend', 'values' were unexpected",
        ),
        # points where a line chart takes series
        ("Chart.Line", [{"x": "a", "y": 1}], "'x', 'y' were unexpected"),
        ("Chart.VerticalBar", [{"x": "a", "y": "3"}], "'3' is not of type 'number'"),
        ("Chart.VerticalBar.Grouped", {"held": [1, 2]}, "is not of type 'array'"),
    ],
)
def test_a_chart_with_data_of_the_wrong_shape_is_flagged(kind, data, expected):
    card = status_card()
    first(card, kind)["data"] = data
    found = problems(card)
    assert found and all("Teams chart schema" in p for p in found), found
    assert any(expected in p for p in found), found


def test_a_chart_nested_in_a_container_is_checked_too():
    chart = charts.chart_element(BARS, words) | {"colour": "red"}
    found = problems(card_of({"type": "Container", "items": [words("Trends"), chart]}))
    assert len(found) == 1 and found[0].startswith("card.body[0].items[1] (Chart.VerticalBar)")


def test_an_unknown_chart_type_is_flagged():
    card = card_of({"type": "Chart.Bubble", "data": [], "fallback": words("bubbles")})
    assert problems(card) == [
        "card.body[0] (Chart.Bubble): Teams chart schema: 'Chart.Bubble' is not a type allowed here"
    ]


def test_a_table_with_a_cell_that_is_not_a_table_cell_is_flagged_by_the_official_schema():
    card = status_card()
    first(card, "Table")["rows"][1]["cells"][0] = words("Mina & Erik")
    found = problems(card)
    assert any(
        "cells[0].type: official schema: 'TextBlock' is not one of ['TableCell']" in p
        for p in found
    )
    assert all("official schema" in p for p in found), found


def test_a_table_cell_with_a_wrong_item_is_flagged():
    card = status_card()
    first(card, "Table")["rows"][2]["cells"][1]["items"][0]["size"] = "huge"
    found = problems(card)
    assert (
        len(found) == 1 and ".rows[2].cells[1].items[0].size: official schema: 'huge'" in found[0]
    )


def test_a_wrong_fallback_of_a_table_is_flagged_though_the_official_schema_lets_it_pass():
    card = status_card()
    first(card, "Table")["fallback"]["colour"] = "red"
    [problem] = problems(card)
    assert ".fallback (TextBlock): official schema: Additional properties" in problem


def with_actions(*actions: dict) -> dict:
    return card_of(words("Pick one")) | {"actions": list(actions)}


def show_card(card: dict) -> dict:
    return {"type": "Action.ShowCard", "title": "More", "card": card}


# The official schema lets each of these through, so the checks by hand catch them.
LEFT_TO_HAND = {
    "version not major.minor": (
        card_of(words("x")) | {"version": "one"},
        'card: version must be a "major.minor" string',
    ),
    "shown card above 1.5": (
        with_actions(show_card({"type": "AdaptiveCard", "version": "1.6", "body": []})),
        "card.actions[0].card: version 1.6 is above 1.5",
    ),
    "empty id": (
        card_of({"type": "Input.Text", "id": ""}),
        "card.body[0] (Input.Text): an id must not be empty",
    ),
    "impossible date": (
        card_of({"type": "Input.Date", "id": "d", "max": "2026-02-30"}),
        'max must be a "YYYY-MM-DD" date',
    ),
    "12-hour time": (
        card_of({"type": "Input.Time", "id": "t", "value": "2:30 PM"}),
        'value must be a 24-hour "HH:MM" time',
    ),
    "choice set without choices": (
        card_of({"type": "Input.ChoiceSet", "id": "c"}),
        "(Input.ChoiceSet): choices is missing",
    ),
    "execute data as a string": (
        with_actions({"type": "Action.Execute", "verb": "go", "data": "go"}),
        "(Action.Execute): data must be an object for Teams",
    ),
    "empty url": (with_actions({"type": "Action.OpenUrl", "url": ""}), "url is empty"),
    "show card without its card": (
        with_actions({"type": "Action.ShowCard", "title": "More"}),
        "(Action.ShowCard): card is missing",
    ),
    "media without sources": (
        card_of({"type": "Media", "sources": []}),
        "(Media): sources is empty",
    ),
    "toggle without targets": (
        with_actions({"type": "Action.ToggleVisibility", "targetElements": []}),
        "targetElements is empty",
    ),
    "toggle target without id": (
        with_actions({"type": "Action.ToggleVisibility", "targetElements": [{"elementId": ""}]}),
        "card.actions[0].targetElements[0]: a target needs an element id",
    ),
    "fallback neither object nor string": (
        card_of(words("x") | {"fallback": 3}),
        'fallback must be "drop" or an element, not 3',
    ),
}


@pytest.mark.parametrize("case", LEFT_TO_HAND)
def test_what_the_official_schema_lets_through_is_flagged_by_hand(case):
    card, expected = LEFT_TO_HAND[case]
    [problem] = problems(card)
    assert expected in problem and "official schema" not in problem


# Each of these once had a check by hand too; the official schema reports them alone now.
LEFT_TO_SCHEMA = {
    "version as a number": (card_of(words("x")) | {"version": 1.5}, "1.5 is not of type"),
    "text block without text": (card_of({"type": "TextBlock"}), "'text' is a required"),
    "number input with a string": (
        card_of({"type": "Input.Number", "id": "n", "value": "3"}),
        "'3' is not of type 'number'",
    ),
    "unknown action": (with_actions({"type": "Action.Foo"}), "'Action.Foo' is not a type"),
    "submit data as a number": (
        with_actions({"type": "Action.Submit", "data": 3}),
        "3 is not valid under any of the given schemas",
    ),
    "open url without url": (with_actions({"type": "Action.OpenUrl"}), "'url' is a required"),
    "show card as a select action": (
        card_of(
            {
                "type": "Container",
                "items": [words("x")],
                "selectAction": show_card({"type": "AdaptiveCard", "body": []}),
            }
        ),
        "'Action.ShowCard' is not a type allowed here",
    ),
    "toggle target object without id": (
        with_actions({"type": "Action.ToggleVisibility", "targetElements": [{"isVisible": True}]}),
        "'elementId' is a required property",
    ),
    "fallback string other than drop": (
        card_of(words("x") | {"fallback": "skip"}),
        "'skip' is not valid under any of the given schemas",
    ),
}


@pytest.mark.parametrize("case", LEFT_TO_SCHEMA)
def test_what_the_official_schema_catches_is_flagged_once(case):
    card, expected = LEFT_TO_SCHEMA[case]
    [problem] = problems(card)
    assert "official schema: " in problem and expected in problem


def test_the_fake_connector_checks_cards_with_the_schemas():
    connector = FakeConnector()
    card = status_card()
    del first(card, "Chart.VerticalBar")["fallback"]
    activity = {"type": "message", "attachments": [render.attachment(card)]}
    connector._check_activity(activity, "send")
    [violation] = connector.violations
    assert violation.startswith("send: attachments[0]: card.body[")
    assert "(Chart.VerticalBar): a chart needs a fallback element" in violation
