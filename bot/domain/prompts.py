"""The bot's words, read from prompts/*.toml and filled in with names and times."""

from __future__ import annotations

import hashlib
import tomllib
from functools import cache
from importlib import resources
from typing import Any


class MissingPrompt(KeyError):
    """A message key or placeholder that prompts/ does not define."""


@cache
def _load(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("prompts").joinpath(name).read_text(encoding="utf-8"))


@cache
def fingerprint() -> str:
    """A digest of every file in prompts/: it changes whenever any of the bot's words do."""
    digest = hashlib.sha256()
    files = [f for f in resources.files("prompts").iterdir() if f.name.endswith(".toml")]
    for file in sorted(files, key=lambda f: f.name):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def text(key: str, **fields: Any) -> str:
    """The message at dotted `key` in prompts/messages.toml with `fields` filled in. A
    message written as a table `{ one = "...", other = "..." }` is worded by `fields["count"]`
    ("1 session", "2 sessions").

    Raises:
        MissingPrompt: when the key or one of its placeholders is unknown.
    """
    node: Any = _load("messages.toml")
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise MissingPrompt(key)
        node = node[part]
    if isinstance(node, dict) and "other" in node:
        if "count" not in fields:
            raise MissingPrompt(f"{key}: placeholder 'count'")
        node = node["one"] if fields["count"] == 1 else node["other"]
    try:
        return str(node).format(**fields)
    except KeyError as exc:
        raise MissingPrompt(f"{key}: placeholder {exc}") from exc


def agenda_plans(agenda_set: str) -> list[list[dict]]:
    """The session plans of an agenda set, falling back to the general set: each a list of
    items with their "lead", "share" and "text"."""
    return _agenda_set(agenda_set)["plans"]


def agenda_guides(agenda_set: str) -> list[dict]:
    """The mentor's guide for each plan of an agenda set (as `agenda_plans` picks the set):
    "prepare" and "ask" lines, and "sensitive"."""
    return _agenda_set(agenda_set)["guides"]


def _agenda_set(agenda_set: str) -> dict:
    sets = _load("agendas.toml")["sets"]
    return sets.get(agenda_set.strip().lower()) or sets["general"]


def agenda_guide_own() -> dict:
    """The mentor's guide for a plan a pair makes of its own objectives and actions."""
    return _load("agendas.toml")["guide_own"]


def agenda_sensitive() -> dict[str, str]:
    """The sensitive-topics guide: "topics" and how to "decline" one."""
    return _load("agendas.toml")["sensitive"]


def agenda_upward() -> list[str]:
    """Tips on saying something critical to someone senior."""
    return _load("agendas.toml")["upward"]["tips"]


def agenda_script() -> dict[str, str]:
    """The first session's script for the mentor: "open", "rules", "close"."""
    return _load("agendas.toml")["script"]


def agenda_sets() -> list[str]:
    """The names of every agenda set."""
    return list(_load("agendas.toml")["sets"])


def agenda_own() -> dict[str, dict]:
    """The items of a plan a pair makes of its own objectives and actions."""
    return _load("agendas.toml")["own"]
