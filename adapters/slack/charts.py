"""Charts and tables in Slack messages: `data_visualization` and `data_table` blocks
(https://docs.slack.dev/reference/block-kit/blocks/data-visualization-block and
.../data-table-block), and messages split so that each keeps within their rules.

A message holds at most two charts; a chart's title has at most 50 characters, 1-6 series
named in at most 20 characters, and 1-20 categories of at most 20 characters, each series
one number per category. A table holds 2-101 rows (heading included) of 1-20 cells, at most
10,000 characters in all; we send one per message. Views (App Home, modals) get the words.

Every page also comes without them (`Page.plain`): the same message with each chart as its
words and each table as its lines, sent instead when Slack refuses the blocks (a workspace
where they are not enabled yet answers `invalid_blocks`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.domain import prompts
from bot.domain.messages import Chart, Message, Section, Table

CHARTS_PER_MESSAGE = 2
TITLE_CHARS = 50
NAME_CHARS = 20
MOST_SERIES = 6
MOST_POINTS = 20
TABLE_ROWS = 100  # under the heading
TABLE_CHARS = 10_000
PAGE_SIZE = 10  # table rows per page of the table


@dataclass(frozen=True)
class Page:
    """One message to post: its notification text, its blocks, and the same without charts
    and tables."""

    text: str
    blocks: list[dict]
    plain: list[dict]


def has_pictures(message: Message) -> bool:
    return any(s.charts or s.table for s in message.sections)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chart_block(chart: Chart, block_id: str) -> dict:
    """A data_visualization block: the first series and categories that fit the rules."""
    categories = [_cut(c, NAME_CHARS) for c in chart.categories[:MOST_POINTS]]
    series, names = [], set()
    for s in chart.series[:MOST_SERIES]:
        name = _cut(s.name, NAME_CHARS)
        if name in names:
            continue
        names.add(name)
        data = [{"label": c, "value": v} for c, v in zip(categories, s.values, strict=False)]
        series.append({"name": name, "data": data})
    axis = {"categories": categories}
    if chart.unit:
        axis["y_label"] = _cut(chart.unit, TITLE_CHARS)
    if chart.axis:
        axis["x_label"] = _cut(chart.axis, TITLE_CHARS)
    return {
        "type": "data_visualization",
        "block_id": block_id,
        "title": _cut(chart.title, TITLE_CHARS),
        "chart": {"type": chart.kind, "series": series, "axis_config": axis},
    }


def table_block(table: Table, block_id: str) -> dict:
    """A data_table block: the heading, then as many rows as fit the rules."""

    def said(value: str | int) -> str:
        return str(value) or "-"  # a cell's text may not be empty

    def cell(value: str | int) -> dict:
        if isinstance(value, int):
            return {"type": "raw_number", "value": value, "text": said(value)}
        return {"type": "raw_text", "text": said(value)}

    heading = [cell(c) for c in table.columns]
    used = sum(len(said(c)) for c in table.columns)
    rows = [heading]
    for row in table.rows[:TABLE_ROWS]:
        size = sum(len(said(v)) for v in row)
        if used + size > TABLE_CHARS:
            break
        used += size
        rows.append([cell(v) for v in row])
    return {
        "type": "data_table",
        "block_id": block_id,
        "caption": table.caption,
        "page_size": PAGE_SIZE,
        "rows": rows,
    }


@dataclass(frozen=True)
class Unit:
    """Part of a message: text ("text"), a chart ("chart") or a table ("table"), as its
    blocks when drawn and as its words instead (the same blocks, for text)."""

    kind: str
    drawn: list[dict]
    words: list[dict]


def text_unit(blocks: list[dict]) -> Unit:
    return Unit("text", blocks, blocks)


def section_units(section: Section, n: int, text_blocks, context) -> list[Unit]:
    """The section's charts and table (`text_blocks` and `context` make the renderer's
    text and small print)."""
    units = []
    for k, chart in enumerate(section.charts):
        summary = context(chart.plain())
        units.append(Unit("chart", [chart_block(chart, f"chart.{n}.{k}"), summary], [summary]))
    table = section.table
    if table is not None:
        shown = table_block(table, f"table.{n}")
        rows = len(shown["rows"]) - 1
        left = table.more + len(table.rows) - rows
        note = [context(prompts.text("status.chart.risk_more", count=left))] if left else []
        words = text_blocks("\n".join(table.words(rows)))
        units.append(Unit("table", [shown, *note], [*words, *note]))
    return units


Fit = Callable[[list[dict], list[dict], int], list[dict]]


def paginate(units: list[Unit], tail: list[dict], limit: int, fit: Fit) -> list[Page]:
    """Pages of the units in order, at most two charts and one table and `limit` blocks
    each (drawn or in words), with `tail` (buttons) on the last page; `fit` cuts a page
    that is still too long (one long text). Each page's text is what it says."""
    pages: list[tuple[list[dict], list[dict], list[str]]] = [([], [], [])]
    charts = tables = 0
    for unit in units:
        drawn, words, _ = pages[-1]
        full = (unit.kind == "chart" and charts >= CHARTS_PER_MESSAGE) or (
            unit.kind == "table" and tables >= 1
        )
        size = max(len(drawn) + len(unit.drawn), len(words) + len(unit.words))
        if (full or size > limit - len(tail)) and drawn:
            pages.append(([], [], []))
            charts = tables = 0
        drawn, words, text = pages[-1]
        drawn.extend(unit.drawn)
        words.extend(unit.words)
        text += [_said(b) for b in unit.words]
        charts += unit.kind == "chart"
        tables += unit.kind == "table"
    last = len(pages) - 1
    return [
        Page(
            _cut("\n".join(t for t in text if t), 3000),
            fit(drawn, tail if n == last else [], limit),
            fit(words, tail if n == last else [], limit),
        )
        for n, (drawn, words, text) in enumerate(pages)
    ]


def at_most(pages: list[Page], most: int, fit: Fit, limit: int) -> list[Page]:
    """At most `most` pages: those from the last one on go together in words (`fit` cuts
    them to `limit` blocks with a note), for a reply that may be sent only so many times."""
    if len(pages) <= most:
        return pages
    rest = pages[most - 1 :]
    text = _cut("\n".join(p.text for p in rest), 3000)
    blocks = fit([b for p in rest for b in p.plain], [], limit)
    return [*pages[: most - 1], Page(text, blocks, blocks)]


def _said(block: dict) -> str:
    """The text a section or context block shows."""
    if block.get("type") == "context":
        return " ".join(e.get("text", "") for e in block.get("elements", []))
    text = block.get("text")
    return text.get("text", "") if isinstance(text, dict) else ""
