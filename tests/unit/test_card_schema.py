"""The card checker of the fake Bot Connector: the official Adaptive Card 1.5 schema, the Teams
chart schema and the hand-written checks, on cards from our own adapters and on broken ones."""

from __future__ import annotations

import copy

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
    "Pairs on cadence", "line", WEEKS, (Series("on", (4, 5, 5)), Series("off", (2, 1, 1)))
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


def test_a_table_with_a_cell_that_is_not_a_table_cell_is_flagged():
    card = status_card()
    first(card, "Table")["rows"][1]["cells"][0] = words("Mina & Erik")
    found = problems(card)
    assert any(
        "cells[0].type: official schema: 'TextBlock' is not one of ['TableCell']" in p
        for p in found
    )
    assert any("cell must be a TableCell object" in p for p in found), found  # validate()


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


def test_a_version_above_1_5_is_flagged():
    card = status_card()
    card["version"] = "1.6"
    assert problems(card) == ["card: version 1.6 is above 1.5, the highest Teams renders"]


def test_the_hand_written_checks_still_run():
    card = render.card(Message("Pick a time", form=FORM))
    card["body"].append(copy.deepcopy(first(card, "Input.Date")))
    found = problems(card)
    assert any("duplicate id 'date'" in p for p in found), found


def test_the_fake_connector_checks_cards_with_the_schemas():
    connector = FakeConnector()
    card = status_card()
    del first(card, "Chart.VerticalBar")["fallback"]
    activity = {"type": "message", "attachments": [render.attachment(card)]}
    connector._check_activity(activity, "send")
    [violation] = connector.violations
    assert violation.startswith("send: attachments[0]: card.body[")
    assert "(Chart.VerticalBar): a chart needs a fallback element" in violation
