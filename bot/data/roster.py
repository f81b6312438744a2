"""Importing a program's participants and pairs from CSV: every row valid, or nothing at all."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from bot.context import Context
from bot.domain.events import Actor
from bot.domain.ids import parse_handle
from bot.domain.model import Pairing, Participant, Program
from bot.flows.delegation import name_assistant
from bot.flows.pairings import OPEN_STATUSES, create_program, propose_pairing
from bot.flows.people import person_for
from bot.policy.hours import zone

PLATFORMS = ("slack", "teams", "console")
REQUIRED = ("program", "mentor", "mentee", "goal")
OPTIONAL = (
    "why",
    "mentor_name",
    "mentee_name",
    "mentor_timezone",
    "mentee_timezone",
    "objective",
    "delegate",  # the leader's (mentee's) assistant, who may book for them once they confirm
)


class ImportRejected(Exception):
    """The file has problems; `problems` are (line number, message) pairs. Nothing was saved."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(f"line {n}: {m}" for n, m in problems))
        self.problems = problems


@dataclass
class ImportResult:
    pairings: int = 0
    delegations: int = 0  # assistants asked to confirm (rows with a delegate)
    programs_created: list[str] = field(default_factory=list)


async def import_roster(ctx: Context, text: str) -> ImportResult:
    """Create programs (with defaults) as needed, participants and proposed pairings.

    Raises:
        ImportRejected: listing every bad row; the caller's transaction must then roll back.
    """
    rows, problems = _read(text)
    # Program names are matched without regard to case, as everywhere else.
    existing = {p.name.lower(): p for p in await ctx.tx.find(Program)}
    programs: dict[str, Program | None] = {}
    for _, row in rows:
        programs.setdefault(row["program"].lower(), existing.get(row["program"].lower()))
    seen: dict[tuple, int] = {}
    for line, row in rows:
        key = (row["program"].lower(), *(parse_handle(row[s]) for s in ("mentor", "mentee")))
        if key in seen:
            problems.append((line, f"repeats the pair on line {seen[key]}"))
            continue
        seen[key] = line
        program = programs[row["program"].lower()]
        if program is not None and await _already_paired(ctx, program, row):
            problems.append((line, f"{row['mentor']} already mentors {row['mentee']} there"))
    if problems:
        raise ImportRejected(sorted(problems))
    result = ImportResult()
    for _, row in rows:
        key = row["program"].lower()
        if programs[key] is None:
            objective = next(
                (r["objective"] for _, r in rows if r["program"].lower() == key and r["objective"]),
                "digital skills",
            )
            programs[key] = await create_program(ctx, row["program"], objective=objective)
            result.programs_created.append(row["program"])
    for _, row in rows:
        mentor = await _person(ctx, row, "mentor")
        mentee = await _person(ctx, row, "mentee")
        program = programs[row["program"].lower()]
        await propose_pairing(ctx, program, mentor, mentee, row["goal"], row["why"])
        result.pairings += 1
        if row["delegate"]:
            platform, user_id = parse_handle(row["delegate"])
            assistant = await person_for(ctx, Actor(platform=platform, user_id=user_id))
            await name_assistant(ctx, mentee, assistant, by=None)
            result.delegations += 1
    return result


def _read(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[tuple[int, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [(1, f"the header needs the columns {', '.join(missing)}")]
    reader.fieldnames = header
    rows, problems = [], []
    for row in reader:
        line = reader.line_num
        clean = {k: (v or "").strip() for k, v in row.items() if k in REQUIRED + OPTIONAL}
        for column in OPTIONAL:
            clean.setdefault(column, "")
        problem = _check(clean)
        if problem:
            problems.append((line, problem))
        else:
            rows.append((line, clean))
    if not rows and not problems:
        problems.append((1, "the file has no rows"))
    return rows, problems


def _check(row: dict[str, str]) -> str | None:
    for column in REQUIRED:
        if not row.get(column):
            return f"{column} is empty"
    for side in ("mentor", "mentee"):
        if problem := handle_problem(side, row[side]):
            return problem
        if row[f"{side}_timezone"]:
            try:
                zone(row[f"{side}_timezone"])
            except ValueError as exc:
                return f"{side}_timezone: {exc}"
    if parse_handle(row["mentor"]) == parse_handle(row["mentee"]):
        return "mentor and mentee are the same person"
    if row["delegate"]:
        if problem := handle_problem("delegate", row["delegate"]):
            return problem
        if parse_handle(row["delegate"]) in (parse_handle(row[s]) for s in ("mentor", "mentee")):
            return "delegate must be someone other than the mentor and the mentee"
    return None


def handle_problem(column: str, value: str) -> str | None:
    """What is wrong with a `platform:user_id` cell of a CSV file, or None."""
    try:
        platform, _ = parse_handle(value)
    except ValueError as exc:
        return f"{column}: {exc}"
    if platform not in PLATFORMS:
        return f"{column}: platform must be one of {', '.join(PLATFORMS)}"
    return None


async def _already_paired(ctx: Context, program: Program, row: dict[str, str]) -> bool:
    ids = []
    for side in ("mentor", "mentee"):
        platform, user_id = parse_handle(row[side])
        found = await ctx.tx.find(Participant, platform=platform, user_id=user_id)
        if not found:
            return False
        ids.append(found[0].id)
    existing = await ctx.tx.find(
        Pairing,
        program_id=program.id,
        mentor_id=ids[0],
        mentee_id=ids[1],
        status=list(OPEN_STATUSES),
    )
    return bool(existing)


async def _person(ctx: Context, row: dict[str, str], side: str) -> Participant:
    platform, user_id = parse_handle(row[side])
    return await person_for(
        ctx,
        Actor(
            platform=platform,
            user_id=user_id,
            display_name=row[f"{side}_name"],
            timezone=row[f"{side}_timezone"] or None,
        ),
    )
