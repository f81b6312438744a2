"""`forget-me`: deleting a person's profile and what they wrote, after asking first, while
the counts (sessions held, reflections given, ratings) stay, without a name."""

from __future__ import annotations

import logging

from bot import copy
from bot.context import Context
from bot.lifecycle import end_pairing, tell_owners
from bot.messages import Button, Message
from bot.model import (
    CheckIn,
    Enrolment,
    FollowUp,
    Notification,
    NotificationStatus,
    Participant,
    Proposal,
    Reflection,
)
from bot.pairings import OPEN_STATUSES

log = logging.getLogger(__name__)


async def ask_forget(ctx: Context, person: Participant) -> Message:
    """What forgetting deletes and keeps, with Delete my data / Keep it."""
    value = str(person.id)
    return Message(
        copy.text("privacy.question"),
        buttons=(
            Button(copy.text("buttons.forget"), "privacy.forget", value),
            Button(copy.text("buttons.keep_data"), "privacy.keep", value, primary=True),
        ),
    )


async def keep(ctx: Context, person: Participant, value: str) -> Message:
    if value != str(person.id):
        return Message(copy.text("general.not_yours"))
    return Message(copy.text("privacy.kept"))


async def forget(ctx: Context, person: Participant, value: str) -> Message:
    """Delete the person's personal data. Their open pairs end (the partner hears only that
    it ended); reflections, check-ins and follow-ups keep their rows but lose their text."""
    if value != str(person.id):
        return Message(copy.text("general.not_yours"))
    mine = await ctx.pairings_of(person.id)
    # Notes not yet sent about their pairs may quote them or name them: they are not sent.
    if mine:
        unsent = await ctx.tx.find(
            Notification,
            pairing_id=[p.id for p in mine],
            status=NotificationStatus.PENDING,
            kind=["note", "escalation"],
        )
        for row in unsent:
            row.status, row.payload = NotificationStatus.SKIPPED, {}
        await ctx.tx.save_many(unsent, ("status", "payload"))
    for pairing in mine:
        if pairing.status not in OPEN_STATUSES:
            continue
        program = await ctx.program(pairing.program_id)
        other = await ctx.person(pairing.other(person.id))
        await end_pairing(ctx, pairing, program, None)
        text = copy.text("privacy.owner_note", other=other.label, program=program.name)
        await tell_owners(ctx, program, f"forgotten:{pairing.id}", text, pairing)
    await ctx.tx.delete(Enrolment, participant_id=person.id)
    for managed in await ctx.tx.find(Enrolment, manager_id=person.id):
        managed.manager_id = None
        await ctx.tx.save(managed, fields=("manager_id",))
    await ctx.tx.delete(Proposal, mentor_id=person.id)
    await ctx.tx.delete(Proposal, mentee_id=person.id)
    written = await ctx.tx.find(Reflection, author_id=person.id)
    for reflection in written:
        reflection.what_changed, reflection.will_do = "", ""
    await ctx.tx.save_many(written, ("what_changed", "will_do"))
    if written:
        followups = await ctx.tx.find(FollowUp, reflection_id=[r.id for r in written])
        for followup in followups:
            followup.text = ""
        await ctx.tx.save_many(followups, ("text",))
    answers = await ctx.tx.find(CheckIn, participant_id=person.id)
    for answer in answers:
        answer.text = ""
    await ctx.tx.save_many(answers, ("text",))
    rows = await ctx.tx.find(Notification, recipient_id=person.id)
    for row in rows:
        row.payload = {}
        if row.status == NotificationStatus.PENDING:
            row.status = NotificationStatus.SKIPPED
    await ctx.tx.save_many(rows, ("payload", "status"))
    person.user_id = f"forgotten-{person.id}"
    person.display_name, person.workspace, person.timezone = "", "", None
    person.address, person.reachable, person.forgotten_at = None, False, ctx.now
    await ctx.tx.save(person)
    log.info("participant forgotten id=%s", person.id)
    return Message(copy.text("privacy.done"))
