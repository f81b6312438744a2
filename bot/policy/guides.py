"""Topic guides for the junior mentor: what to prepare for a session and what to ask the
leader (one guide per plan of the program's agenda set, from prompts/agendas.toml, or the
program's own, from `mentorbot program guides`), one guide for sensitive topics (the mentor
may decline one, and how to say so), a tip on saying it upward, and the script for a pair's
first session. The mentor's prep note (bot/sending/compose.py) reads them.

An owner's guides file is checked whole before anything is kept (`read_guides`): a file
that is not TOML, or holds what a guide cannot, is refused with its line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from bot.domain import prompts
from bot.domain.model import Program

MAX_BYTES = 64 * 1024  # a guides file larger than this is refused before it is read
MAX_GUIDES = 12  # guides a file may hold (one per plan)
MAX_LINES = 4  # things to prepare, or questions, in one guide
MAX_CHARS = 300  # in one of them
SHOWN = 2  # things to prepare a prep note shows


@dataclass(frozen=True)
class Guide:
    """One session's guide: things to prepare, questions to ask the leader, and whether the
    plan may touch a sensitive topic."""

    prepare: tuple[str, ...]
    ask: tuple[str, ...] = ()
    sensitive: bool = False


def guide_for(program: Program, number: int) -> Guide:
    """The guide for a pair's session `number` (1-based): the program's own for that session
    when an owner gave one, else its agenda set's; past both, the guide for a plan of the
    pair's own."""
    own = (program.guides or {}).get("guides") or []
    sets = prompts.agenda_guides(program.agenda_set or program.objective)
    if 1 <= number <= len(own):
        raw = own[number - 1]
    elif 1 <= number <= len(sets):
        raw = sets[number - 1]
    else:
        raw = prompts.agenda_guide_own()
    return Guide(
        tuple(raw.get("prepare", ())), tuple(raw.get("ask", ())), bool(raw.get("sensitive"))
    )


def sensitive(program: Program) -> dict[str, str]:
    """The sensitive-topics guide: which topics (`topics`) and how to decline (`decline`)."""
    return {**prompts.agenda_sensitive(), **((program.guides or {}).get("sensitive") or {})}


def upward_tip(number: int) -> str:
    """A tip on saying something critical to someone senior: a different one each session."""
    tips = prompts.agenda_upward()
    return tips[(max(number, 1) - 1) % len(tips)]


def script() -> list[str]:
    """The first session's script for the mentor: open, agree ground rules, close."""
    found = prompts.agenda_script()
    return [found["open"], found["rules"], found["close"]]


class GuidesRefused(ValueError):
    """An owner's guides file that cannot be used: `line` (1-based) says where."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


_AT = re.compile(r"\(at line (\d+), column \d+\)")


def read_guides(text: str) -> dict[str, Any]:
    """An owner's guides file as a program keeps it: {"guides": [...], "sensitive": {...}}.

    The file holds a `[[guides]]` table per plan, in order, each with `prepare` (1 to 4
    lines) and optionally `ask` (up to 4) and `sensitive = true`; and optionally one
    `[sensitive]` table with `topics` and `decline`.

    Raises:
        GuidesRefused: with the line of the first thing wrong.
    """
    lines = text.split("\n")
    if len(text.encode()) > MAX_BYTES:
        raise GuidesRefused(1, f"the file is larger than {MAX_BYTES // 1024} KB")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _AT.search(str(exc))
        reason = _AT.sub("", str(exc)).replace("(at end of document)", "").strip()
        raise GuidesRefused(int(found.group(1)) if found else len(lines), reason) from None
    except RecursionError:
        raise GuidesRefused(1, "the file nests too deeply to be a guides file") from None
    for key in data:
        if key not in ("guides", "sensitive"):
            raise GuidesRefused(_line_of(text, key), f"unknown table or key {key!r}")
    guides = data.get("guides")
    if not isinstance(guides, list) or not guides or not all(isinstance(g, dict) for g in guides):
        raise GuidesRefused(1, "the file needs at least one [[guides]] table")
    if len(guides) > MAX_GUIDES:
        raise GuidesRefused(
            _line_of(text, "[[guides]]", MAX_GUIDES), f"at most {MAX_GUIDES} guides"
        )
    kept = [_guide(text, n, guide) for n, guide in enumerate(guides)]
    result: dict[str, Any] = {"guides": kept}
    if "sensitive" in data:
        result["sensitive"] = _sensitive(text, data["sensitive"])
    return result


def _guide(text: str, n: int, guide: dict) -> dict[str, Any]:
    start = _line_of(text, "[[guides]]", n)
    for key in guide:
        if key not in ("prepare", "ask", "sensitive"):
            raise GuidesRefused(_line_of(text, key, 0, start), f"unknown key {key!r} in a guide")
    if "prepare" not in guide:
        raise GuidesRefused(start, "each [[guides]] table needs prepare = [...]")
    kept: dict[str, Any] = {}
    for key, least in (("prepare", 1), ("ask", 0)):
        lines = guide.get(key, [])
        where = _line_of(text, key, 0, start)
        if not isinstance(lines, list) or not least <= len(lines) <= MAX_LINES:
            raise GuidesRefused(where, f"{key} is a list of {least} to {MAX_LINES} lines")
        for line in lines:
            if not _plain(line):
                raise GuidesRefused(
                    where, f"each {key} line is text of 1 to {MAX_CHARS} characters"
                )
        kept[key] = [" ".join(line.split()) for line in lines]
    if "sensitive" in guide:
        if not isinstance(guide["sensitive"], bool):
            raise GuidesRefused(_line_of(text, "sensitive", 0, start), "sensitive is true or false")
        kept["sensitive"] = guide["sensitive"]
    return kept


def _sensitive(text: str, table: Any) -> dict[str, str]:
    start = _line_of(text, "[sensitive]")
    if not isinstance(table, dict):
        raise GuidesRefused(start, "[sensitive] is a table with topics and decline")
    kept = {}
    for key, value in table.items():
        where = _line_of(text, key, 0, start)
        if key not in ("topics", "decline"):
            raise GuidesRefused(where, f"unknown key {key!r} in [sensitive]")
        if not _plain(value):
            raise GuidesRefused(where, f"{key} is text of 1 to {MAX_CHARS} characters")
        kept[key] = " ".join(value.split())
    return kept


def _plain(value: object) -> bool:
    """Text a prep note can show: 1 to MAX_CHARS characters, none of them control ones."""
    return (
        isinstance(value, str)
        and bool(value.strip())
        and len(value) <= MAX_CHARS
        and not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value)
    )


def _line_of(text: str, word: str, nth: int = 0, after: int = 0) -> int:
    """The line (1-based, counted as TOML counts them) where `word` starts a line for the
    `nth` time, from line `after` on: a table header as written, or a key (bare or quoted)
    before its "="; `after` itself when there is none."""
    if word.startswith("["):
        pattern = re.compile(rf"^\s*{re.escape(word)}")
    else:
        pattern = re.compile(rf"^\s*\"?{re.escape(word)}\"?\s*=")
    seen = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if number < after or not pattern.match(line):
            continue
        if seen == nth:
            return number
        seen += 1
    return max(after, 1)
