"""Slack's published Block Kit rules as a checker for the fake Slack Web API: `problems()` lists
what the reference forbids in a surface's blocks. The limits, the fields of each block and
the pages they come from are in tests/fakes/block_kit_data.py; what the reference does not
say is not checked."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.fakes import block_kit_data as rule

Found = list[str]


def problems(blocks: list, surface: str) -> list[str]:
    """What breaks Slack's rules in `blocks` shown on `surface` ("message", "modal" or
    "home"), each naming its block (`blocks[3] (section): ...`); empty when all is well."""
    if surface not in rule.MOST_BLOCKS:
        raise ValueError(f"unknown surface {surface!r}")
    if not isinstance(blocks, list):
        return ["blocks is not a list"]
    found: Found = []
    if len(blocks) > rule.MOST_BLOCKS[surface]:
        found.append(f"{len(blocks)} blocks (max {rule.MOST_BLOCKS[surface]} in a {surface})")
    ids = [b["block_id"] for b in blocks if isinstance(b, dict) and "block_id" in b]
    if len(ids) != len(set(map(str, ids))):  # "unique for each message" (every block page)
        found.append(f"a block_id is used twice: {ids}")
    for n, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, dict) else None
        found += [f"blocks[{n}] ({kind}): {p}" for p in _block(block, surface)]
    kinds = [b.get("type") if isinstance(b, dict) else None for b in blocks]
    charts = kinds.count("data_visualization")
    if surface == "message" and charts > rule.CHARTS_PER_MESSAGE:
        found.append(f"{charts} data_visualization blocks (max {rule.CHARTS_PER_MESSAGE})")
    tables = [b.get("rows") for b, k in zip(blocks, kinds, strict=True) if k == "data_table"]
    chars = sum(map(cell_chars, tables))
    if surface == "message" and len(tables) > 1 and chars > rule.TABLE_CHARS:
        found.append(f"{chars} characters in the tables' cells (max {rule.TABLE_CHARS})")
    return found


def _block(block: object, surface: str) -> Found:
    if not isinstance(block, dict):
        return ["not an object"]
    kind = block.get("type")
    if kind not in rule.SURFACES:
        return [f"unknown block type {kind!r}"]
    found = _shape(block, kind)
    where = rule.SURFACES[kind]
    if where is not None and surface not in where:
        found.append(f"not available in a {surface} (only {sorted(where)})")
    check = _CHECKS.get(kind)
    return found + (check(block) if check else [])


def _shape(obj: object, key: str, name: str = "") -> Found:
    """The problems of `obj` by the data's shape `key`: its fields, and the text objects,
    strings and lists the data names for it; each prefixed with `name`."""
    at = f"{name}: " if name else ""
    if not isinstance(obj, dict):
        return [f"{name or key} is not an object"]
    found = []
    for field in ("block_id", "action_id"):  # on every block and element page
        if field in obj:
            found += _chars(obj[field], f"{at}{field}", rule.ID_CHARS)
    if key in rule.SHAPES:
        required, optional = rule.SHAPES[key]
        found += [f"{at}missing {k}" for k in sorted(required - obj.keys())]
        found += [f"{at}unknown field {k}" for k in sorted(obj.keys() - required - optional)]
    for field, most, plain in rule.TEXTS.get(key, ()):
        if field in obj:
            found += text(obj[field], f"{at}{field}", most, plain)
    for field, most, least in rule.STRINGS.get(key, ()):
        if field in obj:
            found += _chars(obj[field], f"{at}{field}", most, least)
    for field, least, most in rule.LISTS.get(key, ()):
        if field in obj:
            found += _count(obj[field], f"{at}{field}", least, most)
    for field, allowed in rule.CHOICES.get(key, ()):
        if field in obj and obj[field] not in allowed:
            found.append(f"{at}{field} {obj[field]!r} (one of {sorted(allowed)})")
    for field, pattern in rule.PATTERNS.get(key, ()):
        if field in obj and not re.fullmatch(pattern, str(obj[field])):
            found.append(f"{at}{field} {obj[field]!r} is not in Slack's format")
    for field, least, most in rule.INTEGERS.get(key, ()):
        value = obj.get(field, least)
        if type(value) is not int or not least <= value <= most:
            found.append(f"{at}{field} {value!r} ({least}-{most} allowed)")
    return found


def _chars(value: object, name: str, most: int, least: int = 0) -> Found:
    if not isinstance(value, str):
        return [f"{name} is not a string"]
    if not least <= len(value) <= most:
        return [f"{name} has {len(value)} characters ({least}-{most} allowed)"]
    return []


def _count(value: object, name: str, least: int, most: int) -> Found:
    if not isinstance(value, list):
        return [f"{name} is not a list"]
    if not least <= len(value) <= most:
        return [f"{name} has {len(value)} items ({least}-{most} allowed)"]
    return []


def _items(value: object) -> list:
    return value if isinstance(value, list) else []


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def text(obj: object, name: str, most: int = rule.TEXT_CHARS, plain: bool = False) -> Found:
    """A text object's problems: plain_text (or mrkdwn unless `plain`), 1 to `most`
    characters (https://docs.slack.dev/reference/block-kit/composition-objects/text-object)."""
    if not isinstance(obj, dict):
        return [f"{name} is not a text object"]
    kinds = ("plain_text",) if plain else ("plain_text", "mrkdwn")
    if obj.get("type") not in kinds:
        return [f"{name} type {obj.get('type')!r} (must be {' or '.join(kinds)})"]
    found = [f"{name}: unknown field {k}" for k in sorted(obj.keys() - _TEXT_FIELDS)]
    found += _chars(obj.get("text"), f"{name} text", min(most, rule.TEXT_CHARS), 1)
    for key, only in (("emoji", "plain_text"), ("verbatim", "mrkdwn")):
        if key in obj and obj["type"] != only:
            found.append(f"{name}: {key} is only for {only}")
    return found


_TEXT_FIELDS = frozenset({"type", "text", "emoji", "verbatim"})


def _element(element: object, takes: frozenset[str], name: str) -> Found:
    if not isinstance(element, dict):
        return [f"{name} is not an object"]
    kind = element.get("type")
    if kind not in takes:
        return [f"{name} type {kind!r} is not one this block takes"]
    found = _shape(element, f"element {kind}", name)
    check = _ELEMENT_CHECKS.get(kind)
    return found + [f"{name}: {p}" for p in check(element)] if check else found


def _select(element: dict) -> Found:
    if ("options" in element) == ("option_groups" in element):
        return ["needs options or option_groups, not both"]
    options = _items(element.get("options"))
    found = [p for n, o in enumerate(options) for p in _shape(o, "option", f"options[{n}]")]
    if "initial_option" in element and element["initial_option"] not in options:
        found.append("initial_option is not one of its options")
    return found


def _image(image: dict) -> Found:
    if ("image_url" in image) == ("slack_file" in image):
        return ["needs image_url or slack_file"]
    return []


_ELEMENT_CHECKS: dict[str, Callable[[dict], Found]] = {
    "static_select": _select,
    "image": _image,
}


def _section(block: dict) -> Found:
    found = [] if "text" in block or "fields" in block else ["needs text or fields"]
    for n, field in enumerate(_items(block.get("fields"))):
        found += text(field, f"fields[{n}]", rule.FIELD_CHARS)
    if "accessory" in block:
        found += _element(block["accessory"], rule.ACCESSORY_TAKES, "accessory")
    return found


def _context(block: dict) -> Found:
    found = []
    for n, item in enumerate(_items(block.get("elements"))):
        image = isinstance(item, dict) and item.get("type") == "image"
        name = f"elements[{n}]"
        found += _element(item, rule.CONTEXT_TAKES, name) if image else text(item, name)
    return found


def _actions(block: dict) -> Found:
    elements = _items(block.get("elements"))
    found = [
        p for n, e in enumerate(elements) for p in _element(e, rule.ACTIONS_TAKE, f"elements[{n}]")
    ]
    ids = [e["action_id"] for e in elements if isinstance(e, dict) and "action_id" in e]
    if len(ids) != len(set(map(str, ids))):  # unique among the action_ids of the block
        found.append(f"an action_id is used twice in the block: {ids}")
    return found


def _rich_text(block: dict) -> Found:
    if not isinstance(block.get("elements"), list):
        return ["elements is not a list"]
    kinds = [e.get("type") if isinstance(e, dict) else None for e in block["elements"]]
    return [
        f"elements[{n}] type {k!r}" for n, k in enumerate(kinds) if k not in rule.RICH_TEXT_TAKES
    ]


def _chart(block: dict) -> Found:
    chart = block.get("chart")
    if not isinstance(chart, dict) or chart.get("type") not in rule.CHART_KINDS:
        return [f"chart type must be one of {sorted(rule.CHART_KINDS)}"]
    found = _shape(chart, f"chart {chart['type']}", "chart")
    for n, segment in enumerate(_items(chart.get("segments"))):
        found += _point(segment, f"segments[{n}]", "segment")
    if chart["type"] == "pie":
        return found
    axis = chart.get("axis_config")
    found += _shape(axis, "axis_config", "axis_config")
    categories = _items(axis.get("categories")) if isinstance(axis, dict) else []
    for n, category in enumerate(categories):
        found += _chars(category, f"axis_config categories[{n}]", rule.CATEGORY_CHARS)
    names = []
    for n, series in enumerate(_items(chart.get("series"))):
        found += _shape(series, "series", f"series[{n}]")
        names.append(series.get("name") if isinstance(series, dict) else None)
        data = series.get("data") if isinstance(series, dict) else None
        for k, point in enumerate(_items(data)):
            found += _point(point, f"series[{n}] data[{k}]", "point")
            label = point.get("label") if isinstance(point, dict) else None
            if label not in categories:  # "Must match a category defined in the axis config"
                found.append(f"series[{n}] data[{k}] label {label!r} is not a category")
    if len(names) != len(set(map(str, names))):  # "Must be unique per chart"
        found.append(f"a series name is used twice: {names}")
    return found


def _point(point: object, name: str, key: str) -> Found:
    """A pie's segment (a value over 0) or a series' data point: a label and a number."""
    found = _shape(point, key, name)
    value = point.get("value") if isinstance(point, dict) else None
    if not _number(value) or (key == "segment" and value <= 0):
        found.append(f"{name} value {value!r} is not a number{' over 0' * (key == 'segment')}")
    return found


def _table(block: dict) -> Found:
    found = [] if isinstance(block.get("caption"), str) else ["caption is not a string"]
    rows = _items(block.get("rows"))
    widths = sorted({len(row) if isinstance(row, list) else -1 for row in rows})
    if len(widths) > 1 or -1 in widths:
        found.append(f"rows must be lists of the same number of cells (have {widths})")
    least, most = rule.TABLE_COLUMNS
    width = max(widths, default=1)
    if not least <= width <= most:
        found.append(f"{width} columns ({least}-{most} allowed)")
    header = block.get("row_header_column_index", 0)
    if isinstance(header, int) and header >= width:
        found.append(f"row_header_column_index {header} is not one of its {width} columns")
    for r, row in enumerate(rows):
        for c, cell in enumerate(_items(row)):
            found += _cell(cell, f"rows[{r}][{c}]", heading=r == 0)
    if cell_chars(rows) > rule.TABLE_CHARS:
        found.append(f"{cell_chars(rows)} characters in its cells (max {rule.TABLE_CHARS})")
    return found


def _cell(cell: object, name: str, heading: bool) -> Found:
    kind = cell.get("type") if isinstance(cell, dict) else None
    if kind not in rule.CELL_TYPES:
        return [f"{name} type {kind!r} is not a cell type"]
    if heading and kind == "rich_text":
        return [f"{name}: a heading cell cannot be rich_text"]
    if kind == "rich_text":
        return [f"{name}: {p}" for p in _rich_text(cell)]
    found = _shape(cell, f"cell {kind}", name)
    if kind == "raw_number" and not _number(cell.get("value")):
        found.append(f"{name} value {cell.get('value')!r} is not a number")
    return found


def cell_chars(rows: object) -> int:
    """The characters a table's cells show: every `text` in them (rich text included)."""
    if isinstance(rows, dict):
        return sum(
            len(v) if k == "text" and isinstance(v, str) else cell_chars(v) for k, v in rows.items()
        )
    return sum(map(cell_chars, rows)) if isinstance(rows, list) else 0


_CHECKS: dict[str, Callable[[dict], Found]] = {
    "section": _section,
    "context": _context,
    "actions": _actions,
    "input": lambda block: _element(block.get("element"), rule.INPUT_TAKES, "element"),
    "image": _image,
    "rich_text": _rich_text,
    "data_visualization": _chart,
    "data_table": _table,
}
