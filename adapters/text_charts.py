"""Charts as text for the terminal (`mentorbot status --chart PROGRAM`): a line per
category with a bar scaled to the largest value, the series marked by shade, then the
numbers; a table as aligned columns."""

from __future__ import annotations

from bot.domain.messages import Chart, Section, Table

WIDTH = 30
SHADES = "█▓▒░"


def chart_lines(chart: Chart) -> list[str]:
    """The chart as lines: its title, a key when it has several series, then one bar per
    category (series side by side in their shades) and the values."""
    names = [s.name for s in chart.series]
    title = f"{chart.title} ({chart.unit})" if chart.unit else chart.title
    lines = [title]
    if len(names) > 1:
        lines.append("  " + "  ".join(f"{SHADES[n % 4]} {name}" for n, name in enumerate(names)))
    totals = [sum(s.values[n] for s in chart.series) for n in range(len(chart.categories))]
    top = max(totals, default=0) or 1
    label_width = max((len(c) for c in chart.categories), default=0)
    for n, category in enumerate(chart.categories):
        bar = "".join(
            SHADES[k % 4] * round(WIDTH * s.values[n] / top) for k, s in enumerate(chart.series)
        )
        numbers = " / ".join(f"{s.values[n]:g}" for s in chart.series)
        lines.append(f"  {category:<{label_width}}  {bar:<{WIDTH}}  {numbers}")
    return lines


def table_lines(table: Table) -> list[str]:
    """The table as aligned columns under its caption."""
    rows = [table.columns, *table.rows]
    widths = [max(len(str(row[n])) for row in rows) for n in range(len(table.columns))]
    out = [table.caption]
    for row in rows:
        out.append("  " + "  ".join(f"{v!s:<{w}}" for v, w in zip(row, widths, strict=True)))
    if table.more:
        out.append(f"  ... and {table.more} more")
    return out


def section_charts(section: Section) -> str:
    """A program's charts and table as text, after its title."""
    parts = [[section.title]]
    parts += [chart_lines(chart) for chart in section.charts]
    if section.table is not None:
        parts.append(table_lines(section.table))
    return "\n\n".join("\n".join(lines) for lines in parts)
