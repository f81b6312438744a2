"""Slack's Block Kit rules as data for tests/fakes/block_kit.py: which blocks each surface
takes, the fields of each block, element and part, and the documented limits, each with the
reference page it comes from. Where the reference says nothing, nothing is checked."""

from __future__ import annotations

REF = "https://docs.slack.dev/reference/block-kit"
BLOCKS_REF = f"{REF}/blocks"  # 50 blocks in a message, 100 in a modal or Home tab
SURFACES_REF = "https://docs.slack.dev/blocks.json"  # "available-in-surfaces" of each block
TEXT_REF = f"{REF}/composition-objects/text-object"
OPTION_REF = f"{REF}/composition-objects/option-object"
CHART_REF = f"{REF}/blocks/data-visualization-block"
TABLE_REF = f"{REF}/blocks/data-table-block"

MOST_BLOCKS = {"message": 50, "modal": 100, "home": 100}  # BLOCKS_REF
ID_CHARS = 255  # block_id and action_id, on every block and element page
TEXT_CHARS = 3000  # a text object's text: 1 to 3000 characters (TEXT_REF)

_ALL = frozenset({"message", "modal", "home"})
_MESSAGE = frozenset({"message"})
# The surfaces each block is available in (SURFACES_REF; the older table on BLOCKS_REF agrees
# for the blocks it lists). data_visualization and data_table are in neither stored copy of
# the reference we could read, so their surfaces are not checked (None).
SURFACES: dict[str, frozenset[str] | None] = {
    **dict.fromkeys(("actions", "card", "context", "divider", "header", "image"), _ALL),
    **dict.fromkeys(("input", "rich_text", "section", "video"), _ALL),
    **dict.fromkeys(("container", "context_actions", "file", "markdown"), _MESSAGE),
    **dict.fromkeys(("plan", "task_card"), _MESSAGE),
    "carousel": frozenset({"message", "home"}),
    "table": frozenset({"message", "home"}),
    "alert": frozenset({"modal"}),
    "data_visualization": None,
    "data_table": None,
}


def _f(required: str, optional: str = "") -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(required.split()), frozenset(optional.split())


_PICK = "type action_id confirm focus_on_load placeholder"
# The fields of each shape checked in full: (required, optional); any other field is
# flagged. Blocks by type, elements as "element <type>", and the parts of charts, tables
# and menus. Block and element types absent here are known but their fields not checked.
SHAPES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "actions": _f("type elements", "block_id"),  # {REF}/blocks/actions-block
    "context": _f("type elements", "block_id"),  # {REF}/blocks/context-block
    "divider": _f("type", "block_id"),  # {REF}/blocks/divider-block
    "header": _f("type text", "block_id"),  # {REF}/blocks/header-block
    "image": _f("type alt_text", "block_id image_url slack_file title"),  # image-block
    "input": _f("type label element", "block_id hint optional dispatch_action"),
    "markdown": _f("type text", "block_id"),  # {REF}/blocks/markdown-block
    "rich_text": _f("type elements", "block_id"),  # {REF}/blocks/rich-text-block
    "section": _f("type", "block_id text fields accessory expand"),  # section-block
    "data_visualization": _f("type title chart", "block_id"),  # CHART_REF
    "data_table": _f("type rows caption", "block_id page_size row_header_column_index"),
    # {REF}/block-elements/<name>-element
    "element button": _f("type text", "action_id url value style confirm accessibility_label"),
    "element plain_text_input": _f(
        "type",
        f"{_PICK} initial_value multiline min_length max_length dispatch_action_config",
    ),
    "element static_select": _f("type", f"{_PICK} options option_groups initial_option"),
    "element datepicker": _f("type", f"{_PICK} initial_date"),
    "element timepicker": _f("type", f"{_PICK} initial_time timezone"),
    "element image": _f("type alt_text", "image_url slack_file"),
    "option": _f("text value", "description url"),  # OPTION_REF
    # CHART_REF (the same in Slack's Java SDK model, slackapi/java-slack-sdk)
    "chart pie": _f("type segments"),
    **dict.fromkeys(("chart bar", "chart area", "chart line"), _f("type series axis_config")),
    "segment": _f("label value"),
    "series": _f("name data"),
    "point": _f("label value"),
    "axis_config": _f("categories", "x_label y_label"),
    "cell raw_text": _f("type text"),  # TABLE_REF, "Schema for raw_text"
    "cell raw_number": _f("type value", "text"),
}

# Text objects checked when present: (field, most characters, plain_text only).
TEXTS: dict[str, tuple[tuple[str, int, bool], ...]] = {
    "header": (("text", 150, True),),
    "section": (("text", TEXT_CHARS, False),),
    "input": (("label", 2000, True), ("hint", 2000, True)),
    "image": (("title", 2000, True),),
    "element button": (("text", 75, True),),
    **dict.fromkeys(
        ("element plain_text_input", "element static_select", "element datepicker"),
        (("placeholder", 150, True),),
    ),
    "element timepicker": (("placeholder", 150, True),),
    "option": (("text", 75, True), ("description", 75, True)),
}
TABLE_CHARS = 10_000  # TABLE_REF: in a table's cells, and in all the tables of a message
# Strings checked when present: (field, most characters, least characters).
STRINGS: dict[str, tuple[tuple[str, int, int], ...]] = {
    "markdown": (("text", 12_000, 0),),
    "image": (("alt_text", 2000, 0), ("image_url", 3000, 0)),
    "element button": (("url", 3000, 0), ("value", 2000, 0), ("accessibility_label", 75, 0)),
    "option": (("value", 150, 0), ("url", 3000, 0)),
    # CHART_REF: a title of at most 50, labels and names of at most 20, axis titles 50
    "data_visualization": (("title", 50, 0),),
    **dict.fromkeys(("segment", "point"), (("label", 20, 0),)),
    "series": (("name", 20, 0),),
    "axis_config": (("x_label", 50, 0), ("y_label", 50, 0)),
    # TABLE_REF: "minLength": 1 (and no more than all of a table's cells)
    **dict.fromkeys(("cell raw_text", "cell raw_number"), (("text", TABLE_CHARS, 1),)),
}
# Lists checked when present: (field, fewest items, most items).
LISTS: dict[str, tuple[tuple[str, int, int], ...]] = {
    "actions": (("elements", 1, 25),),
    "context": (("elements", 1, 10),),
    "section": (("fields", 1, 10),),  # each at most 2000 characters
    "element static_select": (("options", 1, 100), ("option_groups", 1, 100)),
    "chart pie": (("segments", 1, 6),),  # CHART_REF: min 1, max 6 (segments or series)
    **dict.fromkeys(("chart bar", "chart area", "chart line"), (("series", 1, 6),)),
    "series": (("data", 1, 20),),  # CHART_REF, as in slackapi/java-slack-sdk's model
    "data_table": (("rows", 2, 101),),  # the heading and 1-100 rows
}
FIELD_CHARS = 2000  # {REF}/blocks/section-block

_SELECTS = ("static_select", "external_select", "users_select")
_SELECTS += ("conversations_select", "channels_select")
_MULTI = tuple(f"multi_{s}" for s in _SELECTS)
# Elements each block takes ({REF}/blocks/actions-block, section-block, input-block,
# context-block: "Compatible block elements").
ACTIONS_TAKE = frozenset(
    {"button", "checkboxes", "datepicker", "datetimepicker", "overflow", "radio_buttons"}
    | {"timepicker", "workflow_button", "rich_text_input", *_SELECTS, *_MULTI}
)
ACCESSORY_TAKES = frozenset(
    {"button", "checkboxes", "datepicker", "image", "overflow", "radio_buttons"}
    | {"timepicker", "workflow_button", *_SELECTS, *_MULTI}
)
INPUT_TAKES = frozenset(
    {"checkboxes", "datepicker", "datetimepicker", "email_text_input", "file_input"}
    | {"number_input", "plain_text_input", "radio_buttons", "rich_text_input", "timepicker"}
    | {"url_text_input", *_SELECTS, *_MULTI}
)
CONTEXT_TAKES = frozenset({"image", "plain_text", "mrkdwn"})
RICH_TEXT_TAKES = frozenset(
    {"rich_text_section", "rich_text_list", "rich_text_quote", "rich_text_preformatted"}
)

# Values checked when present: one of a set, a format, or a whole number in a range.
CHOICES = {"element button": (("style", frozenset({"primary", "danger"})),)}  # button-element
PATTERNS = {
    "element datepicker": (("initial_date", r"\d{4}-\d{2}-\d{2}"),),  # YYYY-MM-DD
    "element timepicker": (("initial_time", r"\d{2}:\d{2}"),),  # HH:mm
}
INTEGERS = {
    # {REF}/block-elements/plain-text-input-element
    "element plain_text_input": (("min_length", 0, 3000), ("max_length", 1, 3000)),
    "data_table": (("page_size", 1, 100), ("row_header_column_index", 0, 19)),  # TABLE_REF
}

CHART_KINDS = frozenset({"pie", "bar", "area", "line"})  # CHART_REF
CATEGORY_CHARS = 20  # CHART_REF, Axis Config: each category at most 20 characters
CHARTS_PER_MESSAGE = 2  # CHART_REF: at most two data_visualization blocks in a message

# TABLE_REF: 1-20 columns; cells of rich_text, raw_text or raw_number (the newer page adds
# action_cell, whose fields are not checked), no rich_text in the heading.
TABLE_COLUMNS = (1, 20)
CELL_TYPES = frozenset({"raw_text", "raw_number", "rich_text", "action_cell"})
