"""`forget-me`: deleting a person's profile and what they wrote, after asking first, while
the counts (sessions held, reflections given, ratings) stay, without a name."""

from __future__ import annotations

import logging
import re

from bot.calendar.slots import MAX_TOPIC
from bot.context import Context
from bot.domain import prompts
from bot.domain.kinds import Note, OnForget, kinds, note_key
from bot.domain.messages import Button, Message, shorten
from bot.domain.model import (
    Enrolment,
    FollowUp,
    Notification,
    NotificationStatus,
    Pairing,
    Participant,
    Proposal,
    Reflection,
    Session,
)
from bot.domain.outcomes import CheckIn, Objective
from bot.flows import delegation
from bot.flows.lifecycle import end_pairing
from bot.flows.objectives import MAX_CHARS as MAX_OBJECTIVE
from bot.flows.pairings import OPEN_STATUSES
from bot.flows.people import tell_owners
from bot.router import Request

log = logging.getLogger(__name__)


async def ask_forget(ctx: Context, person: Participant, _req: Request) -> Message:
    """What forgetting deletes and keeps, with Delete my data / Keep it."""
    value = str(person.id)
    return Message(
        prompts.text("privacy.question"),
        buttons=(
            Button(prompts.text("buttons.forget"), "privacy.forget", value),
            Button(prompts.text("buttons.keep_data"), "privacy.keep", value, primary=True),
        ),
    )


async def keep(ctx: Context, person: Participant, _req: Request) -> Message:
    return Message(prompts.text("privacy.kept"))


async def forget(ctx: Context, person: Participant, _req: Request) -> Message:
    """Delete the person's personal data. Their open pairs end (the partner hears only that
    it ended); reflections, check-ins, follow-ups and the objectives they wrote keep their
    rows but lose their text, and their name is taken out of what others wrote about their
    pairs."""
    mine = await ctx.pairings_of(person.id)
    await delegation.forgotten(ctx, person)  # an assistant of theirs, or theirs as one
    await _erase_traces(ctx, person, mine)
    for pairing in mine:
        if pairing.status not in OPEN_STATUSES:
            continue
        program = await ctx.program(pairing.program_id)
        other = await ctx.person(pairing.other(person.id))
        await end_pairing(ctx, pairing, program, None)
        text = prompts.text("privacy.owner_note", other=other.label, program=program.name)
        await tell_owners(ctx, program, note_key(Note.FORGOTTEN, pairing.id), text, pairing)
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
    # The partner keeps "an objective was removed" (flows.objectives.lines), and its state.
    objectives = await ctx.tx.find(Objective, written_by=person.id)
    for objective in objectives:
        objective.text = ""
    await ctx.tx.save_many(objectives, ("text",))
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
    person.contacted_at, person.email, person.calendar_token = None, "", None
    await ctx.tx.save(person)
    ctx.tx.erase_freed_space()
    log.info("participant forgotten id=%s", person.id)
    return Message(prompts.text("privacy.done"))


async def _erase_traces(ctx: Context, person: Participant, mine: list[Pairing]) -> None:
    """What others' records about the person's pairs hold of them: notes (which may quote or
    name them; unsent ones are not sent), the topics they typed, the match reason, and their
    name in goals, objectives, topics, reflections, follow-ups and check-ins written by
    others."""
    if not mine:
        return
    ids = [p.id for p in mine]
    scrub = _scrubber(person)
    quoting = kinds(on_forget=OnForget.EMPTIED)
    notes = await ctx.tx.find(Notification, pairing_id=ids, kind=quoting)
    for row in notes:
        row.payload = {}
        if row.status == NotificationStatus.PENDING:
            row.status = NotificationStatus.SKIPPED
    await ctx.tx.save_many(notes, ("status", "payload"))
    for pairing in mine:
        pairing.why, pairing.goal = "", scrub(pairing.goal)
    await ctx.tx.save_many(mine, ("why", "goal"))
    sessions = await ctx.tx.find(Session, pairing_id=ids)
    for session in sessions:
        # A longer name in its place must still fit the topic column.
        topic = "" if session.scheduled_by == person.id else scrub(session.topic)
        session.topic = topic if len(topic) <= MAX_TOPIC else topic[: MAX_TOPIC - 1] + "…"
        if session.scheduled_by == person.id:
            session.location = ""
    await ctx.tx.save_many(sessions, ("topic", "location"))
    if sessions:
        others = await ctx.tx.find(Reflection, session_id=[s.id for s in sessions])
        for reflection in others:
            reflection.what_changed = scrub(reflection.what_changed)
            reflection.will_do = scrub(reflection.will_do)
        await ctx.tx.save_many(others, ("what_changed", "will_do"))
    followups = await ctx.tx.find(FollowUp, pairing_id=ids)
    for followup in followups:
        followup.text = scrub(followup.text)
    await ctx.tx.save_many(followups, ("text",))
    answers = await ctx.tx.find(CheckIn, pairing_id=ids)
    for answer in answers:
        answer.text = scrub(answer.text)
    await ctx.tx.save_many(answers, ("text",))
    goals = await ctx.tx.find(Objective, pairing_id=ids)
    for goal in goals:
        goal.text = shorten(scrub(goal.text), MAX_OBJECTIVE)  # the column holds no more
    await ctx.tx.save_many(goals, ("text",))


def _scrubber(person: Participant):
    """A function that replaces the person's name with "a former participant" wherever it
    stands as a word: the full name in any case, then the first name as written (a first
    name like Mark or Will is also a word; written with its capital it is taken as a name)."""
    full = " ".join(person.display_name.split())
    first = full.split(" ")[0] if full else ""
    parts = []
    if len(full) >= 2:
        parts.append(rf"(?i:(?<!\w){re.escape(full)}(?!\w))")
    if len(first) >= 2 and first != full:
        parts.append(rf"(?<!\w){re.escape(first)}(?!\w)")
    if not parts:
        return lambda text: text
    pattern = re.compile("|".join(parts))
    return lambda text: pattern.sub("a former participant", text) if text else text
