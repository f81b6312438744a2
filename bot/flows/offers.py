"""One-tap times: what a booking nudge offers a pair (bot/policy/offers.py picks the
times from what this module reads: both people's clocks and booked sessions), and the
buttons that book them (bot.flows.sessions.book_at)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.context import Context
from bot.domain import prompts
from bot.domain.messages import Button
from bot.domain.model import Pairing, Participant, Program
from bot.policy import cadence, offers
from bot.policy.hours import zone

VALUE = "%Y%m%dT%H%MZ"  # a time in a button's value: its start in UTC, to the minute


async def pair_offer(ctx: Context, pairing: Pairing, program: Program) -> offers.Pair:
    """What the pair's offers depend on: the program's hours, both clocks (the leader's,
    the mentee's, first), the program's session length, and the upcoming sessions either
    person has booked with anyone."""
    mentor, mentee = await ctx.person(pairing.mentor_id), await ctx.person(pairing.mentee_id)
    zones = (ctx.rules.tz(mentee, program), ctx.rules.tz(mentor, program))
    booked = await ctx.booked([mentor.id, mentee.id])
    busy = [(start, start + timedelta(minutes=minutes)) for start, minutes in booked]
    return offers.Pair.of(ctx.rules.hours(program), zones, program.session_minutes, busy)


async def offered_times(ctx: Context, pairing: Pairing, program: Program) -> list[datetime]:
    """The times a booking nudge offers the pair now (the same for both of them: worked
    out once per unit of work)."""
    if pairing.id in ctx.offered:
        return ctx.offered[pairing.id]
    pair = await pair_offer(ctx, pairing, program)
    sessions = await ctx.sessions(pairing.id)
    due = cadence.next_due(sessions, program)
    since = offers.since(cadence.nudge_base(pairing, sessions, program), ctx.now)
    times = in_program(ctx, program, pair, offers.offer(pair, ctx.now, due, since=since))
    ctx.offered[pairing.id] = times
    return times


async def nudge_offer(
    ctx: Context, person: Participant, pairing: Pairing, program: Program
) -> tuple[str, tuple[Button, ...]]:
    """What a booking nudge offers `person`: a line saying whose clock the times are on and
    a button per time with "Other time..." - or no line and Schedule (the form) alone when
    no time suits them both soon."""
    times = await offered_times(ctx, pairing, program)
    if not times:
        value = str(pairing.id)
        return "", (Button(prompts.text("buttons.schedule"), "session.schedule", value, True),)
    line = prompts.text("nudge.offered", timezone=ctx.rules.tz(person, program))
    return line, time_buttons(ctx, person, pairing, program, times)


def time_buttons(
    ctx: Context, person: Participant, pairing: Pairing, program: Program, times: list[datetime]
) -> tuple[Button, ...]:
    """A button per time, on the reader's clock, then "Other time..." (the booking form)."""
    value = str(pairing.id)
    return (
        *(
            Button(ctx.rules.when(t, person, program), "session.book_at", f"{value}:{t:{VALUE}}")
            for t in times
        ),
        Button(prompts.text("buttons.other_time"), "session.schedule", value),
    )


def read_time(text: str) -> datetime | None:
    """The time a button's value names (after "<pair>:"), or None when it names none."""
    try:
        return datetime.strptime(text, VALUE).replace(tzinfo=UTC)
    except ValueError:
        return None


def in_program(
    ctx: Context, program: Program, pair: offers.Pair, times: list[datetime]
) -> list[datetime]:
    """Those of `times` on or before the program's last day (on the leader's calendar) and
    within the booking horizon."""
    home = zone(pair.zones[0])
    return [
        t
        for t in times
        if (program.ends_on is None or t.astimezone(home).date() <= program.ends_on)
        and t - ctx.now <= ctx.config.booking_horizon
    ]
