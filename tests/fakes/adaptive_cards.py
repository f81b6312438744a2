"""A strict-but-practical checker for Adaptive Card JSON as Microsoft Teams renders it.

`validate(card)` returns a list of problems (empty when the card is fine). It knows the element
and action types of Adaptive Cards 1.0-1.5 (Teams renders up to 1.5) and checks what makes Teams
reject a card, render it wrongly or lose user input: unknown types, a version above 1.5, inputs
without ids or with duplicate ids, choices without a title or value, Submit/Execute `data` that
is not an object (Teams merges the input values into it), malformed date and time values, and
ToggleVisibility targets that do not exist. Unknown *properties* are deliberately not flagged.
Teams chart elements (`Chart.*`) are let through: `card_schema` checks them against the Teams
chart schema (and everything else against the official schema) before it runs these checks.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

MAX_VERSION = (1, 5)
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CHART_PREFIX = "Chart."  # Chart.Line, Chart.VerticalBar, ...: Teams-only elements

INPUT_TYPES = frozenset(
    {
        "Input.Text",
        "Input.Number",
        "Input.Date",
        "Input.Time",
        "Input.Toggle",
        "Input.ChoiceSet",
    }
)
ELEMENT_TYPES = frozenset(
    {
        "TextBlock",
        "RichTextBlock",
        "Image",
        "ImageSet",
        "Media",
        "Container",
        "ColumnSet",
        "Column",
        "FactSet",
        "ActionSet",
        "Table",
        *INPUT_TYPES,
    }
)
ACTION_TYPES = frozenset(
    {
        "Action.Submit",
        "Action.Execute",
        "Action.OpenUrl",
        "Action.ShowCard",
        "Action.ToggleVisibility",
    }
)

_VERSION = re.compile(r"^(\d+)\.(\d+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def validate(card: Any) -> list[str]:
    """Problems found in `card` (a top-level Adaptive Card); an empty list means valid."""
    checker = _Checker()
    checker.card(card, "card", top=True)
    checker.finish()
    return checker.problems


def parse_version(version: Any) -> tuple[int, int] | None:
    """("1.5" -> (1, 5)); None when `version` is not a "major.minor" string."""
    match = _VERSION.match(version) if isinstance(version, str) else None
    return (int(match[1]), int(match[2])) if match else None


class _Checker:
    """Walks one card, collecting problems and the ids it has seen."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.ids: dict[str, str] = {}
        self.toggle_targets: list[tuple[str, str]] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    # --- cards ----------------------------------------------------------------------------------
    def card(self, card: Any, where: str, top: bool) -> None:
        if not isinstance(card, dict):
            self.problem(where, f"card must be an object, not {type(card).__name__}")
            return
        if card.get("type") != "AdaptiveCard":
            self.problem(where, f'type must be "AdaptiveCard", not {card.get("type")!r}')
        if "version" in card or top:
            self.version(card.get("version"), where)
        if "$schema" in card and not isinstance(card["$schema"], str):
            self.problem(where, "$schema must be a string")
        body = self.list_of(card, "body", where, required=False)
        for i, element in enumerate(body):
            self.element(element, f"{where}.body[{i}]")
        actions = self.list_of(card, "actions", where, required=False)
        for i, action in enumerate(actions):
            self.action(action, f"{where}.actions[{i}]")
        if "selectAction" in card:
            self.action(card["selectAction"], f"{where}.selectAction", select=True)

    def version(self, version: Any, where: str) -> None:
        if version is None:
            self.problem(where, "version is missing")
            return
        parsed = parse_version(version)
        if parsed is None:
            self.problem(where, f'version must be a "major.minor" string, not {version!r}')
        elif parsed > MAX_VERSION:
            highest = ".".join(map(str, MAX_VERSION))
            self.problem(where, f"version {version} is above {highest}, the highest Teams renders")

    def finish(self) -> None:
        for target, where in self.toggle_targets:
            if target not in self.ids:
                self.problem(where, f"targetElements names {target!r}, which no element has as id")

    # --- elements -------------------------------------------------------------------------------
    def element(self, element: Any, where: str, in_columns: bool = False) -> None:
        if not isinstance(element, dict):
            self.problem(where, f"element must be an object, not {type(element).__name__}")
            return
        kind = element.get("type")
        if kind is None and in_columns:
            kind = "Column"  # a ColumnSet's columns may leave out their type
        if not isinstance(kind, str):
            self.problem(where, "element has no type")
            return
        where = f"{where} ({kind})"
        if kind not in ELEMENT_TYPES and not kind.startswith(CHART_PREFIX):
            hint = " (an action belongs in actions)" if kind in ACTION_TYPES else ""
            self.problem(where, f"unknown element type {kind!r}{hint}")
            return
        self.element_id(element, where, is_input=kind in INPUT_TYPES)
        check = getattr(self, "_" + kind.replace(".", "_"), None)
        if check is not None:
            check(element, where)
        if "selectAction" in element:
            self.action(element["selectAction"], f"{where}.selectAction", select=True)
        fallback = element.get("fallback")
        if isinstance(fallback, dict):
            self.element(fallback, f"{where}.fallback")
        elif fallback is not None and fallback != "drop":
            self.problem(where, f'fallback must be "drop" or an element, not {fallback!r}')

    def element_id(self, element: dict, where: str, is_input: bool) -> None:
        if "id" not in element and not is_input:
            return
        element_id = element.get("id")
        if not isinstance(element_id, str) or not element_id:
            what = "an input" if is_input else "an element"
            self.problem(where, f"{what} needs a non-empty string id, not {element_id!r}")
            return
        if element_id in self.ids:
            self.problem(
                where, f"duplicate id {element_id!r} (first used at {self.ids[element_id]})"
            )
        else:
            self.ids[element_id] = where

    def items(self, element: dict, where: str, key: str = "items", required: bool = True) -> None:
        for i, item in enumerate(self.list_of(element, key, where, required)):
            self.element(item, f"{where}.{key}[{i}]")

    def _TextBlock(self, element: dict, where: str) -> None:
        self.string(element, "text", where)

    def _RichTextBlock(self, element: dict, where: str) -> None:
        for i, inline in enumerate(self.list_of(element, "inlines", where)):
            if isinstance(inline, str):
                continue
            if not isinstance(inline, dict) or inline.get("type", "TextRun") != "TextRun":
                self.problem(f"{where}.inlines[{i}]", "inline must be a string or a TextRun")
            else:
                self.string(inline, "text", f"{where}.inlines[{i}]")

    def _Image(self, element: dict, where: str) -> None:
        self.string(element, "url", where)

    def _ImageSet(self, element: dict, where: str) -> None:
        self.items(element, where, "images")

    def _Media(self, element: dict, where: str) -> None:
        sources = self.list_of(element, "sources", where)
        if "sources" in element and not sources:
            self.problem(where, "sources is empty")
        for i, source in enumerate(sources):
            if not isinstance(source, dict):
                self.problem(f"{where}.sources[{i}]", "source must be an object")
            else:
                self.string(source, "url", f"{where}.sources[{i}]")

    def _Container(self, element: dict, where: str) -> None:
        self.items(element, where)

    def _ColumnSet(self, element: dict, where: str) -> None:
        for i, column in enumerate(self.list_of(element, "columns", where, required=False)):
            self.element(column, f"{where}.columns[{i}]", in_columns=True)

    def _Column(self, element: dict, where: str) -> None:
        self.items(element, where, required=False)

    def _FactSet(self, element: dict, where: str) -> None:
        for i, fact in enumerate(self.list_of(element, "facts", where)):
            if not isinstance(fact, dict):
                self.problem(f"{where}.facts[{i}]", "fact must be an object")
                continue
            self.string(fact, "title", f"{where}.facts[{i}]")
            self.string(fact, "value", f"{where}.facts[{i}]")

    def _ActionSet(self, element: dict, where: str) -> None:
        for i, action in enumerate(self.list_of(element, "actions", where)):
            self.action(action, f"{where}.actions[{i}]")

    def _Table(self, element: dict, where: str) -> None:
        for i, column in enumerate(self.list_of(element, "columns", where, required=False)):
            if not isinstance(column, dict):
                self.problem(f"{where}.columns[{i}]", "column definition must be an object")
        for i, row in enumerate(self.list_of(element, "rows", where, required=False)):
            row_where = f"{where}.rows[{i}]"
            if not isinstance(row, dict) or row.get("type", "TableRow") != "TableRow":
                self.problem(row_where, "row must be a TableRow object")
                continue
            for j, cell in enumerate(self.list_of(row, "cells", row_where, required=False)):
                cell_where = f"{row_where}.cells[{j}]"
                if not isinstance(cell, dict) or cell.get("type", "TableCell") != "TableCell":
                    self.problem(cell_where, "cell must be a TableCell object")
                else:
                    self.items(cell, cell_where)

    def _Input_Text(self, element: dict, where: str) -> None:
        self.string(element, "value", where, required=False)

    def _Input_Number(self, element: dict, where: str) -> None:
        for key in ("value", "min", "max"):
            value = element.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                self.problem(where, f"{key} must be a number, not {value!r}")

    def _Input_Date(self, element: dict, where: str) -> None:
        for key in ("value", "min", "max"):
            value = element.get(key)
            if value is not None and not _is_date(value):
                self.problem(where, f'{key} must be a "YYYY-MM-DD" date, not {value!r}')

    def _Input_Time(self, element: dict, where: str) -> None:
        for key in ("value", "min", "max"):
            value = element.get(key)
            if value is not None and not (isinstance(value, str) and _TIME.match(value)):
                self.problem(where, f'{key} must be a 24-hour "HH:MM" time, not {value!r}')

    def _Input_Toggle(self, element: dict, where: str) -> None:
        self.string(element, "title", where)
        for key in ("value", "valueOn", "valueOff"):
            self.string(element, key, where, required=False)

    def _Input_ChoiceSet(self, element: dict, where: str) -> None:
        self.string(element, "value", where, required=False)
        for i, choice in enumerate(self.list_of(element, "choices", where)):
            choice_where = f"{where}.choices[{i}]"
            if not isinstance(choice, dict):
                self.problem(choice_where, "choice must be an object")
                continue
            self.string(choice, "title", choice_where)
            self.string(choice, "value", choice_where)

    # --- actions --------------------------------------------------------------------------------
    def action(self, action: Any, where: str, select: bool = False) -> None:
        if not isinstance(action, dict):
            self.problem(where, f"action must be an object, not {type(action).__name__}")
            return
        kind = action.get("type")
        if not isinstance(kind, str):
            self.problem(where, "action has no type")
            return
        where = f"{where} ({kind})"
        if kind not in ACTION_TYPES:
            self.problem(where, f"unknown action type {kind!r}")
            return
        if kind in ("Action.Submit", "Action.Execute"):
            if "data" in action and not isinstance(action["data"], dict):
                data = action["data"]
                self.problem(where, f"data must be an object for Teams, not {data!r}")
            if kind == "Action.Execute":
                self.string(action, "verb", where, required=False)
        elif kind == "Action.OpenUrl":
            self.string(action, "url", where)
            if isinstance(action.get("url"), str) and not action["url"]:
                self.problem(where, "url is empty")
        elif kind == "Action.ShowCard":
            if select:
                self.problem(where, "Action.ShowCard cannot be a selectAction")
            if "card" not in action:
                self.problem(where, "card is missing")
            else:
                self.card(action["card"], f"{where}.card", top=False)
        elif kind == "Action.ToggleVisibility":
            self.toggle(action, where)
        fallback = action.get("fallback")
        if isinstance(fallback, dict):
            self.action(fallback, f"{where}.fallback", select=select)
        elif fallback is not None and fallback != "drop":
            self.problem(where, f'fallback must be "drop" or an action, not {fallback!r}')

    def toggle(self, action: dict, where: str) -> None:
        targets = self.list_of(action, "targetElements", where)
        if "targetElements" in action and not targets:
            self.problem(where, "targetElements is empty")
        for i, target in enumerate(targets):
            target_id = target.get("elementId") if isinstance(target, dict) else target
            if not isinstance(target_id, str) or not target_id:
                self.problem(f"{where}.targetElements[{i}]", "target needs an element id")
            else:
                self.toggle_targets.append((target_id, f"{where}.targetElements[{i}]"))

    # --- helpers --------------------------------------------------------------------------------
    def string(self, obj: dict, key: str, where: str, required: bool = True) -> None:
        if key not in obj:
            if required:
                self.problem(where, f"{key} is missing")
        elif not isinstance(obj[key], str):
            self.problem(where, f"{key} must be a string, not {obj[key]!r}")

    def list_of(self, obj: dict, key: str, where: str, required: bool = True) -> list:
        if key not in obj:
            if required:
                self.problem(where, f"{key} is missing")
            return []
        if not isinstance(obj[key], list):
            self.problem(where, f"{key} must be a list, not {type(obj[key]).__name__}")
            return []
        return obj[key]


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
