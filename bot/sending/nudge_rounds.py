"""Rounds of nudges to book: a nudge to the leader (and to the mentor a day later, unless the
leader has booked by then), a reminder to the leader after a few days, then the program
owners, until the pair books or snoozes (planned by bot.sending.planner)."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot.context import Context
from bot.domain import prompts
from bot.domain.kinds import Kind, escalation_key, nudge_key
from bot.domain.model import Notification, Pairing, Program, Session, SessionStatus
from bot.flows.delegation import assistant_for
from bot.flows.people import person_by_handle
from bot.policy import cadence

log = logging.getLogger(__name__)
# How long the mentor's first nudge of a round waits for the leader to book.
MENTOR_LATER = timedelta(days=1)


def wake(wakes: dict[int, datetime], pairing: Pairing, at: datetime) -> None:
    """Look at `pairing` again at `at` (the earliest of the moments noted wins)."""
    wakes[pairing.id] = min(at, wakes.get(pairing.id, at))


async def plan_nudges(
    ctx: Context,
    pairings: list[Pairing],
    by_pairing: dict[int, list[Session]],
    wakes: dict[int, datetime],
) -> int:
    due: list[_NudgeRound] = []
    for pairing in pairings:
        program = await ctx.program(pairing.program_id)
        if program.ends_on and ctx.now.date() > program.ends_on:
            continue
        if program.starts_on and ctx.now.date() < program.starts_on:
            wake(wakes, pairing, datetime.combine(program.starts_on, time(), UTC))
            continue
        own = by_pairing[pairing.id]
        upcoming = cadence.upcoming(own, ctx.now)
        if upcoming is not None:
            wake(wakes, pairing, upcoming.starts_at)
            continue
        base = cadence.nudge_base(pairing, own, program)
        if base > ctx.now:
            wake(wakes, pairing, base)
            continue
        first = all(s.status == SessionStatus.CANCELLED for s in own)
        series = cadence.nudge_series(pairing, own, program)
        due.append(_NudgeRound(pairing, program, base, series, first))
    if not due:
        return 0
    history: dict[str, list[Notification]] = defaultdict(list)
    for row in await ctx.tx.find(Notification, series=[rnd.series for rnd in due]):
        history[row.series].append(row)
    created = 0
    for rnd in due:
        created += await _next_nudge_step(ctx, rnd, history[rnd.series], wakes)
    return created


@dataclass(frozen=True)
class _NudgeRound:
    """One round of nudges for a pair: it ends when the pair books or snoozes."""

    pairing: Pairing
    program: Program
    base: datetime
    series: str
    first: bool


async def _next_nudge_step(
    ctx: Context, rnd: _NudgeRound, history: list[Notification], wakes: dict[int, datetime]
) -> int:
    """Nudge, then remind after 3 days, then tell the owners after 3 more days of silence.

    Each step waits for the previous one to be sent; sending it wakes the pair (delivery
    calls `Tx.replan`), and the wait after it is noted here."""
    pairing, program, series = rnd.pairing, rnd.program, rnd.series
    sent_to_mentee = {
        row.payload.get("step"): row.sent_at
        for row in history
        if row.kind == Kind.NUDGE and row.recipient_id == pairing.mentee_id and row.sent_at
    }
    planned_steps = {row.payload.get("step") for row in history if row.kind == Kind.NUDGE}
    nudged = {row.recipient_id for row in history if row.payload.get("step") == 1}
    if not nudged >= {pairing.mentee_id, pairing.mentor_id}:  # one may have had it in a reply
        created = await _nudge_both(ctx, rnd, 1, rnd.base)
        if 1 not in planned_steps:
            return created
    else:
        created = 0
    wait = ctx.config.nudge_reminder_after
    if 2 not in planned_steps:
        sent = sent_to_mentee.get(1)
        if sent and ctx.now >= sent + wait:
            return created + await _nudge_both(ctx, rnd, 2, sent + wait)
        if sent:
            wake(wakes, pairing, sent + wait)
        return created
    if any(row.kind == Kind.ESCALATION for row in history):
        return created
    sent = sent_to_mentee.get(2)
    if not (sent and ctx.now >= sent + wait):
        if sent:
            wake(wakes, pairing, sent + wait)
        return created
    if pairing.escalated_at is None:
        pairing.escalated_at = ctx.now
        # Only this column: a snooze saved meanwhile by a click must not be overwritten.
        await ctx.tx.save(pairing, fields=("escalated_at",))
    mentor, mentee = await ctx.person(pairing.mentor_id), await ctx.person(pairing.mentee_id)
    text = prompts.text(
        "nudge.escalation",
        mentee=mentee.display_name,
        mentor=mentor.display_name,
        program=program.name,
    )
    for handle in ctx.rules.owners_of(program):
        owner = await person_by_handle(ctx, handle)
        created += await ctx.outbox.notify(
            Kind.ESCALATION,
            owner,
            ctx.rules.deliverable(ctx.now, owner, program),
            escalation_key(series, owner.id),
            series=series,
            pairing_id=pairing.id,
            payload={"text": text},
        )
    log.info("escalated pairing=%s program=%s", pairing.id, program.name)
    return created


async def _nudge_both(ctx: Context, rnd: _NudgeRound, step: int, nominal: datetime) -> int:
    """The step's nudge to both (and to the leader's assistant, with the leader's). The
    leader is the one asked to book: the mentor's first nudge waits a day, and is skipped
    when the leader has booked by then (the mentor then hears of the session from the
    invite alone)."""
    pairing, program, series = rnd.pairing, rnd.program, rnd.series
    created = 0
    assistant = await assistant_for(ctx, pairing)
    for person_id in (pairing.mentee_id, pairing.mentor_id, assistant.id if assistant else None):
        if person_id is None or (step > 1 and person_id == pairing.mentor_id):
            continue  # the mentor hears once a round; then the owners step in, not the junior
        person = await ctx.person(person_id)
        later = step == 1 and person_id == pairing.mentor_id
        created += await ctx.outbox.notify(
            Kind.NUDGE,
            person,
            ctx.rules.deliverable(nominal + MENTOR_LATER if later else nominal, person, program),
            nudge_key(series, step, person_id),
            series=series,
            pairing_id=pairing.id,
            payload={"step": step, "first": rnd.first},
        )
    return created
