"""Pool-of-people CSV files (program, person, role, and optionally name, teaches, learns,
interests, manager, timezone): recognising one, and enrolling everyone in it or nobody."""

from __future__ import annotations

import csv
import io

from bot.context import Context
from bot.data.roster import ImportRejected, handle_problem
from bot.domain.events import Actor
from bot.domain.ids import parse_handle
from bot.domain.model import Program, Role
from bot.flows.enrolment import enrol
from bot.flows.pairings import create_program
from bot.flows.people import person_by_handle, person_for
from bot.policy.hours import zone
from bot.policy.matching import skills

PEOPLE_COLUMNS = ("program", "person", "role")
PEOPLE_OPTIONAL = ("name", "teaches", "learns", "interests", "manager", "timezone")


def is_people_file(text: str) -> bool:
    """True when a CSV file's header is that of a pool of people (person and role columns)
    rather than of pairs (mentor and mentee)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0].lower()
    header = {h.strip() for h in next(csv.reader([first]), [])}
    return {"person", "role"} <= header and "mentee" not in header


async def import_people(ctx: Context, text: str) -> int:
    """Enrol the people of a CSV file (program, person, role, and optionally name, teaches,
    learns, interests, manager, timezone); every row valid, or nothing is saved.

    Raises:
        ImportRejected: listing every bad row.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in PEOPLE_COLUMNS if c not in header]
    if missing:
        raise ImportRejected([(1, f"the header needs the columns {', '.join(missing)}")])
    reader.fieldnames = header
    rows, problems, seen = [], [], {}
    for row in reader:
        line = reader.line_num
        clean = {k: (row.get(k) or "").strip() for k in PEOPLE_COLUMNS + PEOPLE_OPTIONAL}
        problem = _check_person(clean)
        key = (clean["program"].lower(), clean["person"].lower())
        if problem is None and key in seen:
            problem = f"repeats {clean['person']} from line {seen[key]}"
        if problem:
            problems.append((line, problem))
        else:
            seen[key] = line
            rows.append(clean)
    if not rows and not problems:
        problems.append((1, "the file has no rows"))
    if problems:
        raise ImportRejected(problems)
    programs = {p.name.lower(): p for p in await ctx.tx.find(Program)}
    for row in rows:
        program = programs.get(row["program"].lower())
        if program is None:
            program = programs[row["program"].lower()] = await create_program(ctx, row["program"])
        platform, user_id = parse_handle(row["person"])
        person = await person_for(
            ctx, Actor(platform, user_id, row["name"], timezone=row["timezone"] or None)
        )
        manager = await person_by_handle(ctx, row["manager"]) if row["manager"] else None
        profile = {k: list(skills(row[k])) for k in ("teaches", "learns", "interests")}
        await enrol(ctx, program, person, row["role"].lower(), profile, manager)
    return len(rows)


def _check_person(row: dict[str, str]) -> str | None:
    for column in PEOPLE_COLUMNS:
        if not row[column]:
            return f"{column} is empty"
    for column in ("person", "manager"):
        if row[column] and (problem := handle_problem(column, row[column])):
            return problem
    if row["manager"] and parse_handle(row["manager"]) == parse_handle(row["person"]):
        return "a person cannot be their own manager"
    role = row["role"].lower()
    if role not in (Role.MENTOR, Role.MENTEE):
        return "role is mentor or mentee"
    if role == Role.MENTOR and not skills(row["teaches"]):
        return "a mentor needs something in teaches"
    if role == Role.MENTEE and not skills(row["learns"]):
        return "a mentee needs something in learns"
    if row["timezone"]:
        try:
            zone(row["timezone"])
        except ValueError as exc:
            return f"timezone: {exc}"
    return None
