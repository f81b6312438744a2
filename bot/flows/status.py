"""Status views: program figures for owners, and a person's own pairs for everyone else."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.context import Context
from bot.domain import prompts
from bot.domain.messages import Ask, Button, Chart, Message, Section, shorten
from bot.domain.model import (
    Enrolment,
    PairingStatus,
    Participant,
    Program,
    Recognition,
    Role,
    Session,
    Stage,
)
from bot.domain.ports import OutcomeFigures, StageFigures, WeeklyFigures
from bot.flows import charts, objectives, owner_pairs
from bot.flows.checkins import open_checkins
from bot.flows.debrief import card_of
from bot.flows.figures import MIN_GROUP, outcome_figures
from bot.flows.reflections import pending_reflection
from bot.policy import cadence, weeks
from bot.router import Request

# Buttons in a person's own status: Teams cards show six actions.
MAX_BUTTONS = 6
STAGES = (Stage.EXPECTATIONS, Stage.MIDPOINT, Stage.FINAL)


@dataclass(frozen=True)
class Risk:
    pairing_id: int
    mentee: str
    mentor: str
    reason: str  # escalated | stale | never
    days: int


MANAGERS_SHOWN = 20  # mentors named with their manager in owner status
ACT_ON = 5  # pairs at risk, and pairs doubting their match, offered one-tap buttons
STORY = 3  # things leaders changed, named in the digest
STORY_CHARACTERS = 200  # of each, in the digest (the library has the whole text)


@dataclass(frozen=True)
class Doubted:
    """A pair one of whom said the match may not be working."""

    pairing_id: int
    mentee: str
    mentor: str
    active: bool


@dataclass(frozen=True)
class ProgramStatus:
    """The figures an owner asks for; counts only, never reflection text.

    `sessions` counts held, missed, scheduled (still to come) and unconfirmed (past, nobody has
    said whether it happened); `weekly` holds the program week by week, the current week last
    (so far). What each figure means: storage/definitions.py.
    """

    program: Program
    pairs: dict[str, int]
    sessions: dict[str, int]
    active: int
    regular: int
    at_risk: list[Risk]
    reflections: int
    implemented: int
    declined: list[str] = field(default_factory=list)
    failed: int = 0
    last_error: str = ""
    unreachable: list[str] = field(default_factory=list)
    checkins: dict[str, StageFigures] = field(default_factory=dict)
    top_mentors: list[tuple[str, int]] = field(default_factory=list)
    mentors: int = 0
    outcomes: OutcomeFigures = field(default_factory=OutcomeFigures)
    # "Mentor -> their manager" as named in the pool, where managers hear of recognition.
    managers: list[str] = field(default_factory=list)
    doubted: list[Doubted] = field(default_factory=list)
    # The digest's story: what leaders changed last week, as (name, text, a follow-up done).
    changes: list[tuple[str, str, bool]] = field(default_factory=list)
    weekly: WeeklyFigures = field(default_factory=WeeklyFigures, compare=False)

    def section(self, shown: str = "status") -> Section:
        """The status as a titled section: figures as facts, then pairs at risk (a table, in
        words too) and problems, then charts: all of them for "status", the two weekly ones
        and the week's change for "digest"."""
        p = self.program
        order = ("active", "proposed", "paused", "completed", "ended", "declined")
        summary = ", ".join(f"{self.pairs[s]} {s}" for s in order if self.pairs.get(s)) or "none"
        regular = prompts.text("status.regular_none")
        if self.active:
            share = f"{round(100 * self.regular / self.active)}%"
            regular = prompts.text(
                "status.regular", regular=self.regular, active=self.active, share=share
            )
        figures = {
            "pairs": summary,
            "sessions": prompts.text(
                "status.sessions",
                held=self.sessions.get("held", 0),
                scheduled=self.sessions.get("scheduled", 0),
                missed=self.sessions.get("missed", 0),
                unconfirmed=self.sessions.get("unconfirmed", 0),
            ),
            **self.this_week(),
            "regular": regular,
            "reflections": str(self.reflections),
            "implemented": str(self.implemented),
            **outcome_figures(self.outcomes),
        }
        lines, risks = [], [prompts.text("status.at_risk")]
        risks += [
            "- "
            + prompts.text(f"status.risk_{r.reason}", mentee=r.mentee, mentor=r.mentor, days=r.days)
            for r in self.at_risk
        ]
        table = charts.risk_table(self.at_risk, tuple(risks))
        if table is None:
            lines.append(prompts.text("status.at_risk_none"))
        if self.declined:
            lines.append(prompts.text("status.declines", names="; ".join(self.declined)))
        if self.unreachable:
            lines.append(prompts.text("status.unreachable", names=", ".join(self.unreachable)))
        if self.failed:
            lines.append(prompts.text("status.failed", count=self.failed, error=self.last_error))
        lines += self.checkin_lines() + self.recognition_lines()
        if self.managers:  # so that an owner sees a wrong name before it is told anything
            shown = "; ".join(self.managers[:MANAGERS_SHOWN])
            more = len(self.managers) - MANAGERS_SHOWN
            extra = prompts.text("status.managers_more", count=more) if more > 0 else ""
            lines.append(prompts.text("status.managers", names=shown) + extra)
        drawn: list[Chart]
        drawn, quiet = charts.weekly_charts(self.weekly)
        if shown == "digest":
            lines += [line for line in [charts.last_week(self.weekly)] if line]
            lines += self.story_lines()
        lines += quiet
        if shown != "digest":
            ratings, funnel = charts.ratings_chart(self), charts.funnel_chart(self.weekly)
            drawn += [chart for chart in (funnel, ratings) if chart]
        return Section(
            asks=self.act_on(),
            title=prompts.text(
                "status.owner_header", program=p.name, objective=p.objective, cadence=p.cadence_days
            ),
            facts=tuple((prompts.text(f"status.label.{k}"), v) for k, v in figures.items()),
            lines=tuple(lines),
            charts=tuple(drawn),
            table=table,
        )

    def act_on(self) -> tuple[Ask, ...]:
        """The first pairs at risk and pairs doubting their match, each with "Message both"
        and "Pause"; the table and the words above list them all."""

        def pair(mentee: str, mentor: str) -> str:
            return prompts.text("status.chart.pair", mentee=mentee, mentor=mentor)

        why = prompts.text("owner_pair.why_risk")
        found = [
            owner_pairs.act_on(r.pairing_id, pair(r.mentee, r.mentor), why, True)
            for r in self.at_risk[:ACT_ON]
        ]
        listed = {r.pairing_id for r in self.at_risk[:ACT_ON]}
        why = prompts.text("owner_pair.why_doubt")
        found += [
            owner_pairs.act_on(d.pairing_id, pair(d.mentee, d.mentor), why, d.active)
            for d in self.doubted[:ACT_ON]
            if d.pairing_id not in listed
        ]
        return tuple(found)

    def story_lines(self) -> list[str]:
        """Up to STORY things leaders changed last week, in their own words."""
        if not self.changes:
            return []
        said = [
            prompts.text(
                "status.story_done" if done else "status.story_said",
                name=name,
                text=shorten(text, STORY_CHARACTERS),
            )
            for name, text, done in self.changes
        ]
        return [prompts.text("status.story"), *said]

    def this_week(self) -> dict[str, str]:
        """The current week so far, as the weekly chart's last point counts it (nothing
        while nothing happened in it)."""
        if not self.weekly.weeks or self.weekly.weeks[-1].closed or self.weekly.weeks[-1].quiet:
            return {}
        week = self.weekly.weeks[-1]
        held = prompts.text("status.chart.held_count", count=week.held)
        return {
            "this_week": prompts.text(
                "status.this_week",
                held=held,
                missed=week.missed,
                unconfirmed=week.unconfirmed,
                booked=week.booked,
            )
        }

    def checkin_lines(self) -> list[str]:
        """Answers and response rate per check-in; an average only over 5 ratings or more."""
        lines = []
        for stage in STAGES:
            found = self.checkins.get(stage)
            if found is None:
                continue
            rate = f"{round(100 * found.answered / found.asked)}%" if found.asked else "-"
            line = prompts.text(
                f"status.checkin_{stage}", answered=found.answered, asked=found.asked, rate=rate
            )
            if found.rated >= MIN_GROUP:
                average = f"{found.rating_sum / found.rated:.1f}"
                line += prompts.text("status.checkin_average", average=average, rated=found.rated)
            elif found.rated:
                line += prompts.text("status.checkin_few", least=MIN_GROUP)
            lines.append("- " + line)
        return [prompts.text("status.checkins"), *lines] if lines else []

    def recognition_lines(self) -> list[str]:
        """The mentors whose suggestions were implemented most, named only when the program
        has at least 5 mentors."""
        if not self.top_mentors:
            return []
        if self.mentors < MIN_GROUP:
            return [prompts.text("status.top_mentors_few", least=MIN_GROUP)]
        names = ", ".join(f"{name} ({count})" for name, count in self.top_mentors)
        return [prompts.text("status.top_mentors", names=names)]


async def program_status(ctx: Context, program: Program, story: bool = False) -> ProgramStatus:
    """Compute the owner's view of one program as of `ctx.now` (with `story`, what leaders
    changed in the last closed week, for the digest).

    The store counts pairs, sessions and outcomes (ProgramFigures) and lists the few pairs
    that may be at risk; people are read only where a name is shown."""
    cut = replace(cadence.cutoffs(program, ctx.now), doubted=ACT_ON)
    counted = await ctx.tx.reports.program_figures(program.id, cut)
    shown = weeks.weeks(program, ctx.now)
    weekly = await ctx.tx.reports.weekly_figures(program.id, shown, program.cadence, ctx.now)
    found_risks = []
    for p in counted.at_risk:
        found = cadence.risk(p, p.last_held, p.upcoming, program, ctx.now)
        if found:
            found_risks.append((p, found))
    declined = counted.declined
    named = [i for p, _ in found_risks for i in (p.mentor_id, p.mentee_id)]
    named += [i for p in declined for i in (p.mentor_id, p.mentee_id)] + counted.unreachable
    named += [i for i, _ in counted.top_mentors]
    named += [i for p in counted.doubted for i in (p.mentor_id, p.mentee_id)]
    closed = [w.week for w in weekly.weeks if w.closed]
    changes = []
    if story and closed:
        week = closed[-1]
        changes = await ctx.tx.reports.changes(program.id, week.start, week.until, STORY)
        named += [c.author_id for c in changes]
    managed = []
    if program.recognition == Recognition.MANAGER:
        pool = await ctx.tx.find(Enrolment, program_id=program.id, role=Role.MENTOR)
        managed = [(e.participant_id, e.manager_id) for e in pool if e.manager_id is not None]
        named += [i for pair in managed for i in pair]
    people = await ctx.people(named)

    def name(pid: int) -> str:
        person = people.get(pid)
        return person.label if person else "?"

    risks = [Risk(p.id, name(p.mentee_id), name(p.mentor_id), *found) for p, found in found_risks]
    risks.sort(key=lambda r: (r.reason != "escalated", -r.days))
    return ProgramStatus(
        program=program,
        pairs=counted.pairs,
        sessions=counted.sessions,
        active=counted.active,
        regular=counted.regular,
        at_risk=risks,
        reflections=counted.reflections,
        implemented=counted.implemented,
        declined=[f"{name(p.declined_by)} ({name(p.other(p.declined_by))})" for p in declined],
        failed=counted.failed,
        last_error=counted.last_error,
        unreachable=sorted(name(pid) for pid in counted.unreachable),
        checkins=counted.checkins,
        top_mentors=[(name(i), count) for i, count in counted.top_mentors],
        mentors=counted.mentors,
        outcomes=counted.outcomes,
        managers=sorted(f"{name(m)} -> {name(b)}" for m, b in managed),
        changes=[(name(c.author_id), c.text, c.done) for c in changes],
        doubted=[
            Doubted(p.id, name(p.mentee_id), name(p.mentor_id), p.status == PairingStatus.ACTIVE)
            for p in counted.doubted
        ],
        weekly=weekly,
    )


async def close_weeks(ctx: Context, programs: list[Program]) -> int:
    """Write the figures of each program's weeks that have closed by now and were not written
    yet (the tick's first step, after the programs' ends were written: their figures are
    recounted first); returns how many weeks were written."""
    await ctx.tx.reports.recount()
    written = 0
    for program in programs:
        closed = weeks.closed_weeks(program, ctx.now)
        if closed:
            written += await ctx.tx.reports.close_weeks(program.id, closed, program.cadence)
    return written


async def me(ctx: Context, person: Participant, _req: Request) -> Message:
    """`me`: the person's own pairs (my_status)."""
    return await my_status(ctx, person)


async def my_status(ctx: Context, person: Participant) -> Message:
    """A participant's own pairs, next session and pending reflection - nobody else's - with
    a Schedule button for each active pair without a booked session."""
    mine = await ctx.pairings_of(person.id)
    if not mine:
        return Message(prompts.text("status.me_none"))
    sessions = await ctx.tx.find(Session, pairing_id=[p.id for p in mine])
    goals = await objectives.objectives_of(ctx, [p.id for p in mine])
    sections, buttons, later, asks = [], [], [], []
    for pairing in sorted(mine, key=lambda p: p.id):
        program = await ctx.program(pairing.program_id)
        other = await ctx.person(pairing.other(person.id))
        title = prompts.text(
            f"status.me_pair_{pairing.role_of(person.id)}",
            other=other.display_name or other.user_id,
            program=program.name,
            status=pairing.status,
        )
        goal_lines = objectives.lines(goals[pairing.id])
        if goal_lines:
            goal_lines.insert(0, prompts.text("objectives.heading"))
        if pairing.status != PairingStatus.ACTIVE:
            sections.append(Section(title, lines=tuple(goal_lines)))
            continue
        nxt = cadence.upcoming([s for s in sessions if s.pairing_id == pairing.id], ctx.now)
        if nxt:
            when = ctx.rules.when(nxt.starts_at, person, program)
            line = prompts.text("status.me_next", when=when, minutes=nxt.minutes)
        else:
            line = prompts.text("status.me_no_next")
            label = prompts.text("buttons.schedule_with", other=other.first_name)
            buttons.append(Button(label, "session.schedule", str(pairing.id), primary=True))
        sections.append(Section(title, lines=(line, *goal_lines)))
        asks += objectives.asks(goals[pairing.id], origin="me")
        later.append(objectives.edit_button(goals[pairing.id], pairing.id))
    lines = [prompts.text("status.me_header")]
    pending = await pending_reflection(ctx, person)
    if pending:
        lines.append(
            prompts.text("status.me_pending", when=ctx.rules.when(pending.starts_at, person))
        )
        buttons.append(
            Button(prompts.text("buttons.reflect_now"), "reflection.write", str(pending.id))
        )
    for pairing_id, stage in await open_checkins(ctx, person):
        lines.append(prompts.text("status.me_checkin"))
        buttons.append(
            Button(prompts.text("buttons.checkin"), "checkin.answer", f"{pairing_id}:{stage}")
        )
    # Booking, reflecting and check-ins come first; editing objectives after them, as many
    # as a Teams card shows. Each objective is moved on from its own line (an ask).
    shown = (*buttons, *later)[:MAX_BUTTONS]
    return Message("\n".join(lines), buttons=shown, sections=tuple(sections), asks=tuple(asks))


async def objective_tapped(ctx: Context, person: Participant, req: Request) -> Message:
    """An objective moved on with one tap (`rest` is "<state>[:<origin>]"): from `me` or App
    Home the view comes back up to date; from the post-session card the card is drawn again."""
    objective, pairing, rest = req.record, req.pairing, req.rest
    state, _, origin = rest.partition(":")
    done = await objectives.move_on(ctx, person, objective, pairing, state)
    if origin == "me":
        view = await my_status(ctx, person)
        return Message(
            f"{done.text}\n\n{view.text}",
            buttons=view.buttons,
            sections=view.sections,
            asks=view.asks,
        )
    card = await card_of(ctx, person, pairing, origin, done.text)
    return card or done
