"""A pair's life after consent: pause and resume, ending it confidentially, and closing a
program's pairs once its end date is over (which starts the post-program survey)."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.calendar.invites import cancel_sessions
from bot.context import Context
from bot.domain import prompts
from bot.domain.kinds import Kind, Note, OnPause, is_reminder, kinds, note_key
from bot.domain.messages import Button, Message
from bot.domain.model import (
    Notification,
    NotificationStatus,
    Pairing,
    PairingStatus,
    Participant,
    Program,
    Session,
    SessionStatus,
    Stage,
)
from bot.flows.checkins import REMINDER_AFTER, ask
from bot.flows.pairings import OPEN_STATUSES
from bot.flows.people import tell_owners
from bot.policy import cadence
from bot.policy.weeks import program_end
from bot.router import Request

log = logging.getLogger(__name__)

# What each command word does, and the pair states it applies to.
ACTIONS = {
    "pause": ("pairing.pause", (PairingStatus.ACTIVE,)),
    "resume": ("pairing.resume", (PairingStatus.PAUSED,)),
    "end": ("pairing.end", (PairingStatus.ACTIVE, PairingStatus.PAUSED)),
}


async def choose(ctx: Context, person: Participant, req: Request) -> Message:
    """The answer to typing pause, resume or end: a button for each of the person's pairs it
    applies to (one tap to act), or why there is none."""
    word = req.name  # pause, resume or end
    action, states = ACTIONS[word]
    mine = await ctx.pairings_of(person.id, status=list(states))
    if not mine:
        return Message(prompts.text(f"lifecycle.none_to_{word}"))
    buttons = []
    for pairing in mine[:5]:
        other = await ctx.person(pairing.other(person.id))
        program = await ctx.program(pairing.program_id)
        label = prompts.text(f"buttons.{word}_with", other=other.first_name, program=program.name)
        buttons.append(Button(label, action, str(pairing.id), primary=word != "end"))
    return Message(prompts.text(f"lifecycle.choose_{word}"), buttons=tuple(buttons))


async def pause(ctx: Context, person: Participant, req: Request) -> Message:
    """Pause an active pair: no nudges, agendas or checks until one of them resumes it."""
    pairing = req.record
    if pairing.status != PairingStatus.ACTIVE:
        return Message(prompts.text("lifecycle.not_active", status=pairing.status))
    cancelled = await pause_pair(ctx, pairing, person)
    program = await ctx.program(pairing.program_id)
    other = await ctx.person(pairing.other(person.id))
    text = prompts.text("lifecycle.paused_other", other=person.first_name, program=program.name)
    await ctx.outbox.note(other, paused_key(ctx, pairing), text, program, pairing_id=pairing.id)
    key = "lifecycle.paused_cancelled" if cancelled else "lifecycle.paused"
    return Message(prompts.text(key, other=other.first_name))


def paused_key(ctx: Context, pairing: Pairing, told: Participant | None = None) -> str:
    """The note of a pause: to the partner, or (an owner paused it) to each of the pair."""
    whom = () if told is None else (told.id,)
    return note_key(Note.PAUSED, pairing.id, *whom, f"{ctx.now:%Y%m%dT%H%M%S}")


async def pause_pair(ctx: Context, pairing: Pairing, by: Participant) -> int:
    """Pause an active pair (by one of them or an owner): its sessions still ahead are
    cancelled (both get a calendar update); returns how many."""
    pairing.status = PairingStatus.PAUSED
    await ctx.tx.save(pairing, fields=("status",))
    log.info("pairing paused pairing=%s by=%s", pairing.id, by.id)
    return await _cancel_upcoming(ctx, pairing, by, "paused")


async def resume(ctx: Context, person: Participant, req: Request) -> Message:
    """Resume a paused pair; the planner picks it up at the next tick."""
    pairing = req.record
    if pairing.status != PairingStatus.PAUSED:
        return Message(prompts.text("lifecycle.not_paused", status=pairing.status))
    program = await ctx.program(pairing.program_id)
    if program.ends_on and ctx.now >= program_end(program):
        return Message(prompts.text("lifecycle.program_over", program=program.name))
    pairing.status = PairingStatus.ACTIVE
    await ctx.tx.save(pairing, fields=("status",))
    await ctx.outbox.replan(pairing)
    await _ask_again(ctx, pairing, program)
    other = await ctx.person(pairing.other(person.id))
    text = prompts.text("lifecycle.resumed_other", other=person.first_name, program=program.name)
    key = note_key(Note.RESUMED, pairing.id, f"{ctx.now:%Y%m%dT%H%M%S}")
    await ctx.outbox.note(other, key, text, program, pairing_id=pairing.id)
    return Message(prompts.text("lifecycle.resumed", other=other.first_name))


async def _ask_again(ctx: Context, pairing: Pairing, program: Program) -> None:
    """Queue again what came due while the pair was paused (and was skipped then): the
    current round's nudges, which the planner would otherwise wait on forever, and the
    check-ins."""
    sessions = await ctx.tx.find(Session, pairing_id=pairing.id)
    series = cadence.nudge_series(pairing, sessions, program)
    skipped = [
        row
        for row in await ctx.tx.find(
            Notification,
            pairing_id=pairing.id,
            kind=kinds(on_pause=OnPause.ASKED_AGAIN),
            status=NotificationStatus.SKIPPED,
        )
        if row.kind != Kind.NUDGE or row.series == series
    ]
    # One nudge each, not a nudge and its reminder at once: each person's lowest step skipped
    # (the two need not be at the same step: the mentor's first comes a day late).
    lowest: dict[int, int] = {}
    for row in skipped:
        if row.kind == Kind.NUDGE:
            step = row.payload.get("step", 1)
            lowest[row.recipient_id] = min(step, lowest.get(row.recipient_id, step))
    skipped = [
        r
        for r in skipped
        if r.kind != Kind.NUDGE or r.payload.get("step", 1) == lowest[r.recipient_id]
    ]
    for row in skipped:
        later = REMINDER_AFTER if is_reminder(row.kind) else timedelta()
        row.status, row.attempts, row.due_at = NotificationStatus.PENDING, 0, ctx.now + later
    await ctx.tx.save_many(skipped, ("status", "attempts", "due_at"))
    ctx.outbox.queued_again(skipped)


async def ask_end(ctx: Context, person: Participant, req: Request) -> Message:
    """Ending is asked twice: say who will learn what, then End it / Keep going."""
    pairing = req.record
    if pairing.status not in (PairingStatus.ACTIVE, PairingStatus.PAUSED):
        return Message(prompts.text("lifecycle.already_over"))
    other = await ctx.person(pairing.other(person.id))
    value = str(pairing.id)
    return Message(
        prompts.text("lifecycle.end_question", other=other.first_name),
        buttons=(
            Button(prompts.text("buttons.end_confirm"), "pairing.end_confirm", value),
            Button(prompts.text("buttons.keep_going"), "pairing.keep", value, primary=True),
        ),
    )


async def keep(ctx: Context, person: Participant, _req: Request) -> Message:
    return Message(prompts.text("lifecycle.kept"))


async def end(ctx: Context, person: Participant, req: Request) -> Message:
    """End the pair for good. The other person hears only that it ended; owners hear who."""
    pairing = req.record
    if pairing.status not in (PairingStatus.ACTIVE, PairingStatus.PAUSED):
        return Message(prompts.text("lifecycle.already_over"))
    program = await ctx.program(pairing.program_id)
    other = await ctx.person(pairing.other(person.id))
    await end_pairing(ctx, pairing, program, person)
    owner_text = prompts.text(
        "lifecycle.ended_owner", who=person.label, other=other.label, program=program.name
    )
    await tell_owners(ctx, program, note_key(Note.ENDED, pairing.id), owner_text, pairing)
    return Message(prompts.text("lifecycle.ended", other=other.first_name))


async def end_pairing(
    ctx: Context, pairing: Pairing, program: Program, by: Participant | None
) -> None:
    """Mark the pair ended, cancel what was booked and tell the other person (only that it
    ended). `by` is the person ending it; None when they asked to be forgotten."""
    pairing.status, pairing.ended_at = PairingStatus.ENDED, ctx.now
    pairing.ended_by = by.id if by else None
    await ctx.tx.save(pairing, fields=("status", "ended_at", "ended_by"))
    await _cancel_upcoming(ctx, pairing, by, "ended")
    for person_id in (pairing.mentor_id, pairing.mentee_id):
        if by is not None and person_id == by.id:
            continue
        other = await ctx.person(person_id)
        if other.forgotten_at:
            continue
        text = prompts.text("lifecycle.ended_other", program=program.name)
        await ctx.outbox.note(other, note_key(Note.ENDED, pairing.id, other.id), text, program)
    log.info("pairing ended pairing=%s program=%s", pairing.id, program.name)


async def _cancel_upcoming(
    ctx: Context, pairing: Pairing, by: Participant | None, event: str
) -> int:
    """Cancel the pair's sessions still ahead; both get a calendar cancellation."""
    upcoming = [
        s
        for s in await ctx.tx.find(Session, pairing_id=pairing.id, status=SessionStatus.SCHEDULED)
        if s.starts_at > ctx.now
    ]
    if upcoming:
        await cancel_sessions(ctx, pairing, upcoming, by, event)
    return len(upcoming)


async def close_ended_programs(ctx: Context, programs: list[Program]) -> int:
    """Close the open pairs of programs whose end date is over: active and paused pairs are
    completed and asked the post-program survey; pairs never accepted are ended. Returns
    how many messages were queued."""
    ended = [p for p in programs if p.ends_on and ctx.now >= program_end(p)]
    if not ended:
        return 0
    open_pairs = await ctx.tx.find(
        Pairing, program_id=[p.id for p in ended], status=list(OPEN_STATUSES)
    )
    queued = 0
    for pairing in open_pairs:
        program = await ctx.program(pairing.program_id)
        if pairing.status == PairingStatus.PROPOSED:
            pairing.status, pairing.ended_at = PairingStatus.ENDED, ctx.now
            await ctx.tx.save(pairing, fields=("status", "ended_at"))
            continue
        pairing.status, pairing.ended_at = PairingStatus.COMPLETED, ctx.now
        await ctx.tx.save(pairing, fields=("status", "ended_at"))
        await _cancel_upcoming(ctx, pairing, None, "program_over")
        queued += await ask(ctx, pairing, program, Stage.FINAL, ctx.now)
        log.info("pairing completed pairing=%s program=%s", pairing.id, program.name)
    return queued
