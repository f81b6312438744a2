"""Charts and tables in Teams cards: the Adaptive Card chart elements Teams draws
(Chart.VerticalBar, Chart.VerticalBar.Grouped, Chart.Line;
https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/charts-in-adaptive-cards)
and the Table element of card version 1.5. Each carries a `fallback`: its words as a
TextBlock, shown by clients that cannot draw it (Teams on some phones, older hosts)."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain import prompts
from bot.domain.messages import Chart, Table

TABLE_ROWS = 20  # rows of a card's table; the words below it list them all


def chart_element(chart: Chart, words: Callable[[str], dict]) -> dict:
    """The chart as a Teams chart element; `words` makes the fallback TextBlock."""

    def points(values: tuple[float, ...]) -> list[dict]:
        return [{"x": x, "y": y} for x, y in zip(chart.categories, values, strict=True)]

    # Teams draws the title only when asked (showTitle, false by default: otherwise it is only
    # the chart's accessible name), and picks the value axis itself unless given yMin/yMax.
    element: dict = {"title": chart.title, "showTitle": True}
    if chart.kind == "bar" and len(chart.series) == 1:
        element["type"] = "Chart.VerticalBar"
        element["data"] = points(chart.series[0].values)
    else:
        element["type"] = "Chart.Line" if chart.kind == "line" else "Chart.VerticalBar.Grouped"
        element["data"] = [{"legend": s.name, "values": points(s.values)} for s in chart.series]
    if chart.unit:
        element["yAxisTitle"] = chart.unit
    if chart.axis:
        element["xAxisTitle"] = chart.axis
    if chart.top:
        element["yMin"], element["yMax"] = 0, chart.top
    element["fallback"] = words(chart.plain())
    return element


def table_element(table: Table, cell_text: Callable[[str], dict], words: Callable[[str], dict]):
    """The table as a Table element (heading first), at most TABLE_ROWS rows and a line
    saying how many more; `cell_text` makes a cell's TextBlock, `words` the fallback."""

    def row(values: tuple, heading: bool = False) -> dict:
        cells = []
        for value in values:
            item = cell_text(str(value))
            if heading:
                item["weight"] = "bolder"
            cells.append({"type": "TableCell", "items": [item]})
        return {"type": "TableRow", "cells": cells}

    shown = table.rows[:TABLE_ROWS]
    left = table.more + len(table.rows) - len(shown)
    more = [prompts.text("status.chart.risk_more", count=left)] if left else []
    element = {
        "type": "Table",
        "columns": [{"width": 3 if n == 0 else 2} for n in range(len(table.columns))],
        # The renderer's spelling (the Adaptive Cards renderer and the Teams SDK); the 1.5
        # JSON schema says "firstRowAsHeader", which renderers do not read.
        "firstRowAsHeaders": True,
        "rows": [row(table.columns, heading=True), *(row(r) for r in shown)],
        # The same rows in words (a card has room for so many), and how many more there are.
        "fallback": words("\n".join([*table.words(len(shown)), *more])),
    }
    return [words(table.caption) | {"weight": "bolder"}, element, *map(words, more)]
