"""The weekly digest: on Monday morning each owner gets the status of the programs they run
(figures, pairs at risk with the reason, check-in results, the week's change against the
week before, and the two weekly charts: sessions and pairs on cadence) as a direct
message."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.context import Context
from bot.domain import prompts
from bot.domain.kinds import Kind, digest_key
from bot.domain.messages import Message
from bot.domain.model import Notification, Program
from bot.flows.people import person_by_handle
from bot.flows.status import program_status
from bot.policy.hours import zone
from bot.policy.weeks import program_end

# A digest not queued by Wednesday (no tick ran since Monday) waits for next week.
LATE = timedelta(days=2)
# Owners still hear about a program for a week after it ends (the final survey's answers).
AFTER_END = timedelta(days=7)


def running(program: Program, now: datetime) -> bool:
    """Started, and ended less than a week ago (or open-ended)."""
    if program.starts_on and now.date() < program.starts_on:
        return False
    return not (program.ends_on and now >= program_end(program) + AFTER_END)


async def queue_digests(ctx: Context, programs: list[Program]) -> int:
    """Queue this week's digest for each owner of a running program (once per week: the key
    holds the ISO week). Returns how many were queued."""
    programs = [p for p in programs if running(p, ctx.now)]
    # A digest looks back on a week: the first comes the Monday after a program began.
    week_ago = ctx.now - timedelta(days=7)
    programs = [p for p in programs if p.created_at is None or p.created_at <= week_ago]
    handles = sorted({h for p in programs for h in ctx.rules.owners_of(p)})
    queued = 0
    for handle in handles:
        owner = await person_by_handle(ctx, handle)
        if owner.forgotten_at:
            continue
        local = ctx.now.astimezone(zone(ctx.rules.tz(owner)))
        monday = local.date() - timedelta(days=local.weekday())
        start = datetime.combine(monday, time(), local.tzinfo).astimezone(UTC)
        if ctx.now - start > LATE:
            continue
        year, week, _ = monday.isocalendar()
        due = ctx.rules.deliverable(start, owner, None)
        queued += await ctx.outbox.notify(Kind.DIGEST, owner, due, digest_key(owner.id, year, week))
    return queued


async def compose_digest(ctx: Context, row: Notification) -> Message | None:
    """The digest for the row's owner as of now; None when they run no program any more."""
    owner = await ctx.person(row.recipient_id)
    programs = sorted(
        (
            p
            for p in await ctx.tx.find(Program)
            if running(p, ctx.now) and ctx.rules.is_owner(owner.handle, p)
        ),
        key=lambda p: p.name.lower(),
    )
    if not programs:
        return None
    sections = tuple(
        [(await program_status(ctx, p, story=True)).section("digest") for p in programs]
    )
    return Message(prompts.text("digest.header", first=owner.first_name), sections=sections)
