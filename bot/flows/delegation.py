"""An assistant who books for a leader: the leader names them (`delegate @assistant`, or an
owner's pairs import, its `delegate` column) and the assistant confirms once.

While it holds, the assistant gets the leader's booking nudges (the same times), a copy of
each invite (and is an ATTENDEE of it), and may book, move and cancel the leader's sessions:
those routes are Who.BOOKER, the router's check. Nothing else of the leader's pairs is
theirs: every other route is for the pair (Who.MEMBER) or an author (Who.AUTHOR), and
refuses them. One assistant per leader: naming another ends the first; `delegate none`
(by either of them) or forget-me (of either) ends it."""

from __future__ import annotations

import logging

from bot.calendar.invites import withdraw_copies
from bot.context import Context
from bot.domain import prompts
from bot.domain.kinds import Kind, Note, delegation_key, note_key
from bot.domain.messages import Button, Message, Refused
from bot.domain.model import (
    Delegation,
    DelegationStatus,
    Notification,
    NotificationStatus,
    Pairing,
    PairingStatus,
    Participant,
    Session,
)
from bot.flows.offers import offered_times, time_buttons
from bot.flows.people import person_for
from bot.policy import cadence
from bot.router import Request

log = logging.getLogger(__name__)
OPEN = (DelegationStatus.ASKED, DelegationStatus.ACTIVE)
# The pairings a leader's assistant serves: those not yet over.
LED = (PairingStatus.PROPOSED, PairingStatus.ACTIVE, PairingStatus.PAUSED)


async def delegate(ctx: Context, person: Participant, req: Request) -> Message:
    """`delegate @assistant` names the leader's assistant (who is asked to confirm);
    `delegate none` ends what the person has, as leader or as assistant."""
    if req.args.strip().lower() == "none" and not req.mentions:
        return await _end_command(ctx, person)
    if len(req.mentions) != 1:
        raise Refused(prompts.text("delegate.usage"))
    led = await _led(ctx, person)
    if not led:
        raise Refused(prompts.text("delegate.not_leader"))
    assistant = await person_for(ctx, req.mentions[0].actor)
    if assistant.id == person.id:
        raise Refused(prompts.text("delegate.self"))
    if any(assistant.id in (p.mentor_id, p.mentee_id) for p in led):
        raise Refused(prompts.text("delegate.in_pair", assistant=assistant.first_name))
    named = await name_assistant(ctx, person, assistant, by=person)
    key = "delegate.already" if named.status == DelegationStatus.ACTIVE else "delegate.asked"
    return Message(prompts.text(key, assistant=assistant.first_name))


async def name_assistant(
    ctx: Context, leader: Participant, assistant: Participant, by: Participant | None
) -> Delegation:
    """Ask `assistant` to book for `leader` (once: asking again changes nothing); another
    assistant the leader had ends. `by` is the leader, or None for an owner's import."""
    current = await ctx.tx.find(Delegation, leader_id=leader.id, status=list(OPEN))
    for held in current:
        if held.assistant_id == assistant.id:
            return held
    for held in current:
        await _end(ctx, held, leader)
    named = await ctx.tx.add(
        Delegation(
            leader_id=leader.id,
            assistant_id=assistant.id,
            named_by=by.id if by else None,
            created_at=ctx.now,
        )
    )
    due = ctx.rules.deliverable(ctx.now, assistant, None)
    key = delegation_key(named.id)
    await ctx.outbox.notify(
        Kind.DELEGATION, assistant, due, key, series=key, payload={"id": named.id}
    )
    log.info("assistant named delegation=%s", named.id)
    return named


async def compose(ctx: Context, row: Notification) -> Message | None:
    """The question to an assistant, worded now; nothing once it was answered or ended."""
    named = await ctx.get(Delegation, int(row.payload.get("id") or 0))
    if named is None or named.status != DelegationStatus.ASKED:
        return None
    leader = await ctx.person(named.leader_id)
    value = str(named.id)
    return Message(
        prompts.text("delegate.ask", leader=leader.label),
        buttons=(
            Button(prompts.text("buttons.delegate_yes"), "delegation.accept", value, True),
            Button(prompts.text("buttons.delegate_no"), "delegation.decline", value),
        ),
    )


async def answer(ctx: Context, person: Participant, req: Request) -> Message:
    """Yes or Not me, from the assistant the delegation names (the router checked): the
    leader hears which; on Yes, each partner hears who else can book, and the answer offers
    the times of a pair of the leader's with nothing booked."""
    assistant = person
    named: Delegation = req.record
    leader = await ctx.person(named.leader_id)
    if named.status == DelegationStatus.ENDED and named.answered_at is None:
        return Message(prompts.text("delegate.withdrawn", leader=leader.first_name))
    if named.status != DelegationStatus.ASKED:
        return Message(prompts.text("delegate.answered"))
    named.answered_at = ctx.now
    yes = req.name == "delegation.accept"
    named.status = DelegationStatus.ACTIVE if yes else DelegationStatus.DECLINED
    await ctx.tx.save(named, fields=("status", "answered_at"))
    ctx.delegations_changed()
    told = "leader_confirmed" if yes else "leader_declined"
    text = prompts.text(f"delegate.{told}", assistant=assistant.first_name)
    await _note(ctx, named, leader, told, text)
    if not yes:
        return Message(prompts.text("delegate.declined", leader=leader.first_name))
    log.info("assistant confirmed delegation=%s", named.id)
    led = await _led(ctx, leader)
    for pairing in led:
        if pairing.status != PairingStatus.PROPOSED:  # a proposed one hears once it starts
            await _tell_partner(ctx, named, leader, assistant, pairing)
    return await _first_times(ctx, assistant, leader, led)


async def _tell_partner(
    ctx: Context, named: Delegation, leader: Participant, assistant: Participant, pairing: Pairing
) -> None:
    """The partner of a pair already under way hears who else can book, when the leader's
    assistant confirms (a pair that begins later says so in the partner's nudge:
    `who_else_books`)."""
    if pairing.mentor_id == assistant.id:
        return
    partner, program = await ctx.person(pairing.mentor_id), await ctx.program(pairing.program_id)
    text = prompts.text(
        "delegate.partner", leader=leader.first_name, assistant=assistant.first_name
    )
    await _note(ctx, named, partner, f"partner:{pairing.id}", text, program, pairing.id)


async def who_else_books(ctx: Context, pairing: Pairing) -> str:
    """For the leader's partner: "<leader>'s assistant <name> can also book ...", when the
    leader has one; "" otherwise."""
    found = await assistant_for(ctx, pairing)
    if found is None:
        return ""
    leader = await ctx.person(pairing.mentee_id)
    return prompts.text("delegate.partner", leader=leader.first_name, assistant=found.first_name)


async def _note(
    ctx: Context,
    named: Delegation,
    to: Participant,
    about: str,
    text: str,
    program=None,
    pairing_id: int | None = None,
) -> None:
    """A note about a delegation, in its series: ending it skips those not yet sent, and
    forget-me empties them."""
    await ctx.outbox.note(
        to,
        note_key(Note.DELEGATION, named.id, about),
        text,
        program,
        series=delegation_key(named.id),
        pairing_id=pairing_id,
    )


async def _first_times(
    ctx: Context, assistant: Participant, leader: Participant, led: list[Pairing]
) -> Message:
    """The answer to Yes: the times of the leader's first active pair with nothing booked
    (one tap books it), or a plain confirmation."""
    for pairing in led:
        if pairing.status != PairingStatus.ACTIVE:
            continue
        if cadence.upcoming(await ctx.sessions(pairing.id), ctx.now) is not None:
            continue
        program = await ctx.program(pairing.program_id)
        times = await offered_times(ctx, pairing, program)
        if not times:
            continue
        other = await ctx.person(pairing.mentor_id)
        text = prompts.text(
            "delegate.confirmed_book",
            leader=leader.first_name,
            other=other.first_name,
            timezone=ctx.rules.tz(assistant, program),
        )
        return Message(text, buttons=time_buttons(ctx, assistant, pairing, program, times))
    return Message(prompts.text("delegate.confirmed", leader=leader.first_name))


async def _end_command(ctx: Context, person: Participant) -> Message:
    """`delegate none`: the leader's assistant stops (or, typed by an assistant, they stop
    booking for their leaders); the other one hears of it."""
    as_leader = await ctx.tx.find(Delegation, leader_id=person.id, status=list(OPEN))
    as_assistant = await ctx.tx.find(Delegation, assistant_id=person.id, status=list(OPEN))
    said = []
    for held in as_leader:
        assistant = await _end(ctx, held, person)
        said.append(prompts.text("delegate.ended", assistant=assistant.first_name))
    for held in as_assistant:
        leader = await _end(ctx, held, person)
        said.append(prompts.text("delegate.stopped", leader=leader.first_name))
    return Message(" ".join(said) or prompts.text("delegate.nothing"))


async def _end(ctx: Context, held: Delegation, by: Participant) -> Participant:
    """End one delegation; the one of the two who did not end it hears of it (when they had
    confirmed). Returns that other person."""
    was = await _close(ctx, held)
    leader, assistant = await ctx.person(held.leader_id), await ctx.person(held.assistant_id)
    other = assistant if by.id == leader.id else leader
    if was == DelegationStatus.ACTIVE:
        await withdraw_copies(ctx, leader.id, assistant)
        told = "ended_assistant" if other is assistant else "ended_by_assistant"
        text = prompts.text(
            f"delegate.{told}", leader=leader.first_name, assistant=assistant.first_name
        )
        await _note(ctx, held, other, "ended", text)
    log.info("delegation ended delegation=%s", held.id)
    return other


async def _close(ctx: Context, held: Delegation) -> str:
    """Mark a delegation ended, and skip what was still to be said about it (a partner told
    who can book, after it ended, would be told wrong). Returns its status before."""
    was = held.status
    held.status, held.ended_at = DelegationStatus.ENDED, ctx.now
    await ctx.tx.save(held, fields=("status", "ended_at"))
    ctx.delegations_changed()
    waiting = await ctx.tx.find(
        Notification, series=delegation_key(held.id), status=NotificationStatus.PENDING
    )
    for row in waiting:
        row.status = NotificationStatus.SKIPPED
    await ctx.tx.save_many(waiting, ("status",))
    return was


async def forgotten(ctx: Context, person: Participant) -> None:
    """Forget-me of either person ends their delegations without a word (a note would name
    whom it is about): what was said about any of them loses its words, what is still to
    be said is not sent, a former assistant's calendar loses the leader's sessions, and
    topics and places the person typed as an assistant are gone."""
    mine = await ctx.tx.find(Delegation, leader_id=person.id)
    mine += await ctx.tx.find(Delegation, assistant_id=person.id)
    for held in mine:
        was = held.status if held.status in OPEN else None
        if was is not None:
            await _close(ctx, held)
        if was == DelegationStatus.ACTIVE and held.leader_id == person.id:
            await withdraw_copies(ctx, person.id, await ctx.person(held.assistant_id))
    if mine:
        said = await ctx.tx.find(Notification, series=[delegation_key(d.id) for d in mine])
        for row in said:
            row.payload = {}
        await ctx.tx.save_many(said, ("payload",))
    typed = await ctx.tx.find(Session, scheduled_by=person.id)
    for session in typed:
        session.topic, session.location = "", ""
    await ctx.tx.save_many(typed, ("topic", "location"))


async def _led(ctx: Context, person: Participant) -> list[Pairing]:
    """The pairings `person` leads (the mentee: the senior side) that are not over."""
    return await ctx.tx.find(Pairing, mentee_id=person.id, status=list(LED))


async def assistant_for(ctx: Context, pairing: Pairing) -> Participant | None:
    """The assistant who books for the pair's leader now (not one of the pair), or None."""
    found = await ctx.assistant_of(pairing.mentee_id)
    if found is None or found in (pairing.mentor_id, pairing.mentee_id):
        return None
    assistant = await ctx.person(found)
    return None if assistant.forgotten_at else assistant
