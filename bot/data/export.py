"""Export of sessions and reflections, respecting who may read each reflection."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict

from bot.context import Context
from bot.domain import prompts
from bot.domain.messages import Attachment, Message, Refused
from bot.domain.model import (
    Delegation,
    FollowUp,
    Pairing,
    Participant,
    Program,
    Reflection,
    Session,
    Stage,
    Visibility,
)
from bot.domain.outcomes import CheckIn
from bot.flows.figures import outcome_numbers
from bot.flows.objectives import lines as objective_lines
from bot.flows.objectives import objectives_of
from bot.policy import cadence, weeks
from bot.router import Request, owned_programs

UNNAMED = "reflections_shared_without_name"  # the figure counting them (see export_rows)
COLUMNS = (
    "program",
    "mentor",
    "mentee",
    "goal",
    "session_start",
    "session_minutes",
    "session_status",
    "session_uid",
    "session_location",
    "reflection_author",
    "reflection_role",
    "reflection_visibility",
    "what_changed",
    "will_do",
    "created_at",
    "checkin_stage",
    "checkin_by",
    "checkin_rating",
    "checkin_text",
    "objectives",
    "followups",
    "week",
    "figure",
    "value",
    "delegate",
    "delegate_status",
)
# A week's figures in the export: the figure's name -> its WeekFigures field.
WEEK_FIGURES = {
    "sessions_held": "held",
    "sessions_missed": "missed",
    "sessions_not_confirmed": "unconfirmed",
    "sessions_booked": "booked",
    "pairs_active": "active",
    "pairs_meeting_regularly": "regular",
    "pairs_at_risk": "at_risk",
}


async def export_rows(ctx: Context, programs: list[Program]) -> list[dict[str, str]]:
    """One row per reflection (or per session without one), oldest session first.

    Reflection text is included where owners may read it (`program` visibility, or shared
    with the program under the author's name); otherwise the row shows that a reflection
    exists, by whom, but not what it says. A reflection shared without its author's name is
    read in the learnings library, where it stays unnamed and dated to the day: here a row
    would name its pair, its author's role and its minute, so it has none, and is counted
    in a figure row (UNNAMED) instead. Check-in answers follow, one row each (their question
    tells people that program owners read them). Then each assistant (`delegate`, as the
    pairs import names them) a leader of the program named, one row per pair they lead,
    with whether it holds (asked, active, declined, ended).
    """
    rows: list[dict[str, str]] = []
    for program in programs:
        pairings = {p.id: p for p in await ctx.tx.find(Pairing, program_id=program.id)}
        if not pairings:
            continue
        sessions = await ctx.tx.find(Session, pairing_id=list(pairings))
        reflections: dict[int, list[Reflection]] = defaultdict(list)
        if sessions:
            for r in await ctx.tx.find(Reflection, session_id=[s.id for s in sessions]):
                reflections[r.session_id].append(r)
        people = await ctx.people(
            [i for p in pairings.values() for i in (p.mentor_id, p.mentee_id)]
        )
        goals = await objectives_of(ctx, list(pairings))
        unnamed = 0
        actions = await _actions(ctx, [r.id for found in reflections.values() for r in found])

        for session in sorted(sessions, key=lambda s: (s.starts_at, s.id)):
            pairing = pairings[session.pairing_id]
            base = {
                "program": program.name,
                "mentor": _name(people[pairing.mentor_id]),
                "mentee": _name(people[pairing.mentee_id]),
                "goal": pairing.goal,
                "objectives": "; ".join(objective_lines(goals[pairing.id])),
                "session_start": session.starts_at.isoformat(),
                "session_minutes": str(session.minutes),
                "session_status": session.status,
                "session_uid": session.uid or "",
                "session_location": session.location,
                "created_at": (session.created_at.isoformat() if session.created_at else ""),
            }
            # Shared without the author's name: no row, only a count (below). A row would tie
            # it to the pair, the author's role and the minute, which the library does not.
            unnamed += sum(1 for r in reflections[session.id] if r.anonymous)
            found = sorted(
                (r for r in reflections[session.id] if not r.anonymous), key=lambda r: r.id
            )
            if not found:
                rows.append({c: base.get(c, "") for c in COLUMNS})
            for r in found:
                shared = _owners_read(r)
                rows.append(
                    {
                        **{c: base.get(c, "") for c in COLUMNS},
                        "reflection_author": _name(people[r.author_id]),
                        "reflection_role": r.role,
                        "reflection_visibility": r.visibility,
                        "what_changed": r.what_changed if shared else "",
                        "will_do": r.will_do if shared else "",
                        "followups": "; ".join(actions.get(r.id, [])) if shared else "",
                        "created_at": r.created_at.isoformat() if r.created_at else "",
                    }
                )
        rows.append(
            {c: "" for c in COLUMNS}
            | {"program": program.name, "figure": UNNAMED, "value": str(unnamed)}
        )
        rows += await _checkin_rows(ctx, program, pairings, people)
        rows += await _delegation_rows(ctx, program, pairings, people)
        cut = cadence.cutoffs(program, ctx.now)
        facts = await ctx.tx.reports.program_figures(program.id, cut)
        for figure, value in outcome_numbers(facts.outcomes).items():
            rows.append(
                {c: "" for c in COLUMNS}
                | {"program": program.name, "figure": figure, "value": value}
            )
        rows += await _week_rows(ctx, program)
    return rows


async def _week_rows(ctx: Context, program: Program) -> list[dict[str, str]]:
    """The program week by week, as status, the digest and the charts show it: a row per
    week and figure (`week` is its Monday; the current week's figures say "so far")."""
    shown = weeks.weeks(program, ctx.now, weeks.BACKFILL + 1)
    weekly = await ctx.tx.reports.weekly_figures(program.id, shown, program.cadence, ctx.now)
    rows = []
    for week in weekly.weeks:
        label = week.week.monday.isoformat() + ("" if week.closed else " so far")
        for figure, name in WEEK_FIGURES.items():
            rows.append(
                {c: "" for c in COLUMNS}
                | {
                    "program": program.name,
                    "week": label,
                    "figure": figure,
                    "value": str(getattr(week, name)),
                }
            )
    return rows


async def _actions(ctx: Context, reflection_ids: list[int]) -> dict[int, list[str]]:
    """Each reflection's planned actions, as "state: text"."""
    found: dict[int, list[str]] = defaultdict(list)
    for action in await ctx.tx.find(FollowUp, reflection_id=reflection_ids):
        if action.asks:
            found[action.reflection_id].append(f"{action.state}: {action.text}")
    return found


def _owners_read(reflection: Reflection) -> bool:
    """Whether the export may hold the reflection's text (see export_rows)."""
    if reflection.visibility == Visibility.SHARED:
        return not reflection.anonymous
    return reflection.visibility == Visibility.PROGRAM


def _pair_row(program: Program, pairing: Pairing, people: dict[int, Participant]) -> dict[str, str]:
    """A row about one pair: its program, people and goal, the other columns empty."""
    return {c: "" for c in COLUMNS} | {
        "program": program.name,
        "mentor": _name(people[pairing.mentor_id]),
        "mentee": _name(people[pairing.mentee_id]),
        "goal": pairing.goal,
    }


async def _checkin_rows(
    ctx: Context,
    program: Program,
    pairings: dict[int, Pairing],
    people: dict[int, Participant],
) -> list[dict[str, str]]:
    answers = await ctx.tx.find(CheckIn, pairing_id=list(pairings))
    stages = {stage: n for n, stage in enumerate(Stage)}
    rows = []
    for answer in sorted(answers, key=lambda a: (a.pairing_id, stages.get(a.stage, 9), a.id)):
        pairing = pairings[answer.pairing_id]
        author = await ctx.person(answer.participant_id)
        row = _pair_row(program, pairing, people)
        row |= {
            "checkin_stage": answer.stage,
            "checkin_by": _name(author),
            "checkin_rating": "" if answer.rating is None else str(answer.rating),
            "checkin_text": answer.text,
            "created_at": answer.created_at.isoformat() if answer.created_at else "",
        }
        rows.append(row)
    return rows


async def _delegation_rows(
    ctx: Context,
    program: Program,
    pairings: dict[int, Pairing],
    people: dict[int, Participant],
) -> list[dict[str, str]]:
    leaders = sorted({p.mentee_id for p in pairings.values()})
    named = await ctx.tx.find(Delegation, leader_id=leaders)
    rows = []
    for held in sorted(named, key=lambda d: d.id):
        assistant = await ctx.person(held.assistant_id)
        for pairing in sorted(pairings.values(), key=lambda p: p.id):
            if pairing.mentee_id != held.leader_id:
                continue
            row = _pair_row(program, pairing, people)
            row |= {
                "delegate": _name(assistant),
                "delegate_status": held.status,
                "created_at": held.created_at.isoformat() if held.created_at else "",
            }
            rows.append(row)
    return rows


def to_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    # RFC 4180 line ends; they also make the writer quote a field holding a lone \r.
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _defuse(v) for k, v in row.items()})
    return out.getvalue()


def to_json(rows: list[dict[str, str]]) -> str:
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


# What a spreadsheet may read as the start of a formula, including the tab and carriage
# return that some apps skip before looking (https://owasp.org/www-community/attacks/CSV_Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _defuse(value: str) -> str:
    """Keep spreadsheet apps from running text that looks like a formula (CSV injection)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _name(person: Participant) -> str:
    return person.label if person.forgotten_at else (person.display_name or person.handle)


async def export_command(ctx: Context, person: Participant, req: Request) -> Message:
    """`export`: every program the owner runs, as one CSV file (an owners' tool: the router
    checked; an owner by configuration with no program yet is told it is for owners, as
    before)."""
    owned = await owned_programs(ctx, person)
    if not owned:
        raise Refused(prompts.text("general.not_owner"))
    rows = await export_rows(ctx, owned)
    return Message(
        prompts.text("commands.exported", rows=len(rows)),
        file=Attachment(f"mentorbot-export-{ctx.now:%Y%m%d}.csv", to_csv(rows)),
    )
