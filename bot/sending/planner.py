"""Planning: turn the state of every active pair into due outbox rows, idempotently.

Every row has a deterministic key, so planning twice (or on two replicas at once) inserts
each notification once. Messages are composed only when sent (see compose.py), so a row that
became pointless in the meantime is skipped rather than sent.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from bot.context import Context
from bot.domain.kinds import Kind, session_key, session_series
from bot.domain.model import (
    Notification,
    NotificationStatus,
    Pairing,
    Participant,
    Program,
    Reflection,
    Session,
    SessionStatus,
)
from bot.flows.checkins import plan_midpoint
from bot.sending.nudge_rounds import plan_nudges, wake

# How long after a session the mentor is asked whether it happened, when the leader has not
# said (each answer brings both people their post-session card).
CHECK_LATER = timedelta(days=1)
# Reflection reminders are only planned for sessions that ended recently.
REFLECTION_WINDOW = timedelta(days=14)
# Pairs planned in one transaction (a short write lock on SQLite, a bounded batch on a replica).
PLAN_BATCH = 500
# Every pair is looked at once a day even when nothing is expected: a safety net for a
# moment the planner did not foresee. And never again within the same tick.
LONGEST_SLEEP = timedelta(days=1)
SHORTEST_SLEEP = timedelta(seconds=1)


async def plan(ctx: Context, limit: int = PLAN_BATCH) -> tuple[int, int]:
    """Queue what is due by now (agendas a little ahead) for up to `limit` of the pairs that
    need a look, and note when each needs the next; returns (pairs looked at, rows queued).

    A pair needs a look when it has never been planned, when something happened to it (a
    click, a booking, a nudge or reflection prompt sent: `Tx.replan`), or when a moment the
    planner noted last time has come. So an idle tick reads one index and nothing else.
    """
    pairings = await ctx.tx.queue.claim_planning(ctx.now, limit)
    if not pairings:
        return 0, 0
    ctx.remember(pairings)
    sessions = await ctx.tx.find(Session, pairing_id=[p.id for p in pairings])
    by_pairing: dict[int, list[Session]] = defaultdict(list)
    for session in sessions:
        by_pairing[session.pairing_id].append(session)
    await ctx.people([pid for p in pairings for pid in (p.mentor_id, p.mentee_id)])
    wakes: dict[int, datetime] = {}
    created = await plan_nudges(ctx, pairings, by_pairing, wakes)
    created += await _plan_session_messages(ctx, pairings, by_pairing, wakes)
    for pairing in pairings:
        mid = await plan_midpoint(ctx, pairing, await ctx.program(pairing.program_id))
        if mid is not None:
            wake(wakes, pairing, mid)
    latest, soonest = ctx.now + LONGEST_SLEEP, ctx.now + SHORTEST_SLEEP
    for pairing in pairings:
        pairing.plan_at = max(min(wakes.get(pairing.id, latest), latest), soonest)
    await ctx.tx.save_many(pairings, ("plan_at",))
    return len(pairings), created


async def _plan_session_messages(
    ctx: Context,
    pairings: list[Pairing],
    by_pairing: dict[int, list[Session]],
    wakes: dict[int, datetime],
) -> int:
    """Agendas and did-it-happen checks for booked sessions; reflection reminders after."""
    created = 0
    recent_held: list[tuple[Pairing, Session]] = []
    for pairing in pairings:
        program = await ctx.program(pairing.program_id)
        for session in by_pairing[pairing.id]:
            if session.status == SessionStatus.SCHEDULED:
                first = _asked_first(pairing, by_pairing[pairing.id])
                created += await _plan_agenda_and_check(ctx, pairing, program, session, first)
            elif (
                session.status == SessionStatus.HELD
                and session.outcome_at
                and ctx.now - session.outcome_at <= REFLECTION_WINDOW
            ):
                recent_held.append((pairing, session))
    if recent_held:
        created += await _plan_reflection_reminders(ctx, recent_held, wakes)
    return created


def _asked_first(pairing: Pairing, sessions: list[Session]) -> int:
    """Who is asked "did it happen?" first: whoever of the pair answered it last time, else
    the leader. The other is asked a day later, only if nobody has answered by then."""
    answered = [
        s
        for s in sessions
        if s.status in (SessionStatus.HELD, SessionStatus.MISSED) and s.outcome_at and s.outcome_by
    ]
    last = max(answered, key=lambda s: s.outcome_at) if answered else None
    if last is not None and last.outcome_by == pairing.mentor_id:
        return pairing.mentor_id
    return pairing.mentee_id


async def _plan_agenda_and_check(
    ctx: Context, pairing: Pairing, program: Program, session: Session, first: int
) -> int:
    created = 0
    series = session_series(session.id)
    for person_id in (pairing.mentee_id, pairing.mentor_id):
        person = await ctx.person(person_id)
        if session.starts_at > ctx.now:
            due = _agenda_due(ctx, session, person, program)
            if due is not None:
                created += await ctx.outbox.notify(
                    Kind.AGENDA,
                    person,
                    due,
                    session_key(Kind.AGENDA, session.id, person_id),
                    series=series,
                    pairing_id=pairing.id,
                    session_id=session.id,
                )
        # "Did it happen?" goes to one of them when the session ends, to the other only when
        # nobody has answered a day later (the check is skipped once someone has).
        asked_at = session.ends_at if person_id == first else session.ends_at + CHECK_LATER
        created += await ctx.outbox.notify(
            Kind.CHECK,
            person,
            ctx.rules.deliverable(asked_at, person, program),
            session_key(Kind.CHECK, session.id, person_id),
            series=series,
            pairing_id=pairing.id,
            session_id=session.id,
        )
    return created


def _agenda_due(
    ctx: Context, session: Session, person: Participant, program: Program
) -> datetime | None:
    """Agenda time: the lead before the session, moved earlier (not later) out of quiet hours.

    A late agenda is worse than an early one, so outside working hours it goes at the end of
    the previous working day; only if that has passed does it wait for the next working hour,
    and if that is after the start there is no agenda at all.
    """
    hours, tz = ctx.rules.hours(program), ctx.rules.tz(person, program)
    nominal = max(session.starts_at - ctx.config.agenda_lead, ctx.now)
    if hours.is_open(nominal, tz):
        return nominal
    earlier = hours.last_open_before(nominal, tz)
    if earlier is not None and earlier >= ctx.now:
        return earlier
    later = hours.next_open(nominal, tz)
    return later if later < session.starts_at else None


async def _plan_reflection_reminders(
    ctx: Context, recent_held: list[tuple[Pairing, Session]], wakes: dict[int, datetime]
) -> int:
    session_ids = [session.id for _, session in recent_held]
    prompts = await ctx.tx.find(
        Notification,
        series=[session_series(i) for i in session_ids],
        kind=[Kind.REFLECT, Kind.REFLECT_REMINDER],
    )
    answered = {
        (r.session_id, r.author_id) for r in await ctx.tx.find(Reflection, session_id=session_ids)
    }
    reminded = {(n.session_id, n.recipient_id) for n in prompts if n.kind == Kind.REFLECT_REMINDER}
    pairing_of = {session.id: pairing for pairing, session in recent_held}
    created = 0
    for prompt in prompts:
        who = (prompt.session_id, prompt.recipient_id)
        if prompt.kind != Kind.REFLECT or prompt.status != NotificationStatus.SENT:
            continue
        if who in answered or who in reminded or prompt.sent_at is None:
            continue
        nominal = prompt.sent_at + ctx.config.reflection_reminder_after
        pairing = pairing_of[prompt.session_id]
        if ctx.now < nominal:
            wake(wakes, pairing, nominal)
            continue
        program = await ctx.program(pairing.program_id)
        person = await ctx.person(prompt.recipient_id)
        created += await ctx.outbox.notify(
            Kind.REFLECT_REMINDER,
            person,
            ctx.rules.deliverable(nominal, person, program),
            session_key(Kind.REFLECT_REMINDER, prompt.session_id, person.id),
            series=prompt.series,
            pairing_id=pairing.id,
            session_id=prompt.session_id,
        )
    return created
