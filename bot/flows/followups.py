"""Follow-ups: the "will do" lines of reflections (each line one follow-up), shown to the
pair until done, and asked about `followup_days` later ("Did it happen?" Done / Still on it /
Dropped: the follow-through question, with one reminder; Still on it asks again after the
same interval, at most twice). Marked done from a card or from that question, a mentee's
follow-up thanks the mentor (and, where the program says so, their manager) when its
reflection is not private."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.context import Context
from bot.domain import prompts
from bot.domain.kinds import (
    Kind,
    Note,
    followthrough_key,
    followthrough_series,
    is_reminder,
    note_key,
)
from bot.domain.messages import Button, Message, shorten
from bot.domain.model import (
    Enrolment,
    FollowUp,
    Later,
    Notification,
    Pairing,
    Participant,
    Program,
    Recognition,
    Reflection,
    Role,
    Visibility,
)
from bot.domain.outcomes import FollowUpState
from bot.flows.checkins import REMINDER_AFTER, reminder_ready
from bot.router import Request

log = logging.getLogger(__name__)

# Characters of a suggestion quoted in a note (the follow-up keeps it whole).
QUOTED = 300
# How long a mentor's thank-you waits for another message to go along with.
THANKS_WAIT = timedelta(days=2)
# Rounds of asking: the first, and at most two more after "Still on it".
ROUNDS = 3
ANSWERS = ("done", "still", "dropped")


async def done_tapped(ctx: Context, person: Participant, followup: FollowUp) -> Message:
    """ "Mark done" on a card, from the author of the follow-up's reflection (the router
    checked)."""
    if followup.done:
        return Message(prompts.text("followup.already"))
    mentor = await mark_done(ctx, person, followup, await ctx.pairing(followup.pairing_id))
    if mentor is None:  # nobody to thank, or not to be told
        return Message(prompts.text("followup.done_own"))
    return Message(prompts.text("followup.done", other=mentor.first_name))


async def mark_done(
    ctx: Context, person: Participant, followup: FollowUp, pairing: Pairing
) -> Participant | None:
    """The author did what they planned: it counts as implemented. Returns the mentor when
    they are thanked: the author is the mentee, and the reflection is not private."""
    followup.done, followup.done_at, followup.state = True, ctx.now, FollowUpState.DONE
    await ctx.tx.save(followup, fields=("done", "done_at", "state"))
    source = await ctx.get(Reflection, followup.reflection_id)
    private = source is None or source.visibility == Visibility.PRIVATE
    if pairing.role_of(person.id) != Role.MENTEE or private:
        return None
    await recognise(ctx, pairing, followup)
    return await ctx.person(pairing.mentor_id)


async def recognise(ctx: Context, pairing: Pairing, followup: FollowUp) -> None:
    """Thank the mentor for a suggestion the mentee implemented and, where the program says
    so, tell the mentor's manager. The notes are worded when sent (recognition_text), so a
    reflection made private meanwhile is not quoted."""
    program = await ctx.program(pairing.program_id)
    mentor = await ctx.person(pairing.mentor_id)
    # A thank-you can wait a little for the mentor's next message, and go along with it.
    payload = {"recognition": "mentor", "followup": followup.id, "rides_from": ctx.now.isoformat()}
    key = note_key(Note.FOLLOWUP, followup.id, "thanks")
    due = ctx.rules.deliverable(ctx.now + THANKS_WAIT, mentor, program)
    await ctx.outbox.notify(Kind.NOTE, mentor, due, key, pairing_id=pairing.id, payload=payload)
    if program.recognition != Recognition.MANAGER:
        return
    profile = await ctx.tx.find(Enrolment, program_id=program.id, participant_id=mentor.id)
    if not profile or profile[0].manager_id is None:
        return
    manager = await ctx.person(profile[0].manager_id)
    due = ctx.rules.deliverable(ctx.now, manager, program)
    payload = {"recognition": "manager", "followup": followup.id}
    key = note_key(Note.FOLLOWUP, followup.id, "manager")
    await ctx.outbox.notify(Kind.NOTE, manager, due, key, pairing_id=pairing.id, payload=payload)


async def recognition_text(ctx: Context, audience: str, followup_id: int) -> str | None:
    """The thanks to the mentor (`audience` "mentor") or the news to their manager, as things
    stand now; None when the suggestion's reflection is private, gone or forgotten. The
    manager never gets the mentee's name, and gets the suggestion's words only when the
    reflection is shared with everyone in the program under its author's name."""
    followup = await ctx.get(FollowUp, followup_id)
    source = await ctx.get(Reflection, followup.reflection_id) if followup else None
    pairing = await ctx.pairing(followup.pairing_id) if followup else None
    if source is None or pairing is None or source.visibility == Visibility.PRIVATE:
        return None
    if not followup.text:
        return None  # the mentee asked to be forgotten
    program = await ctx.program(pairing.program_id)
    mentor, mentee = await ctx.person(pairing.mentor_id), await ctx.person(pairing.mentee_id)
    quoted = shorten(followup.text, QUOTED)
    if audience == "mentor":
        # Shared without its author's name: quoting it to the partner would name them.
        key = "followup.thanks_mentor_unquoted" if source.anonymous else "followup.thanks_mentor"
        return prompts.text(key, other=mentee.first_name, text=quoted)
    # Only words its author shared with everyone in the program, under their name, may reach
    # a manager: "program owners" and "without my name" were promised a narrower audience.
    shared = source.visibility == Visibility.SHARED and not source.anonymous
    key = "followup.manager_text" if shared else "followup.manager"
    return prompts.text(key, mentor=mentor.first_name, program=program.name, text=quoted)


async def open_followups(ctx: Context, pairing_id: int) -> list[FollowUp]:
    """A pair's follow-ups not yet done (nor dropped), from reflections not (or no longer)
    private."""
    found = await ctx.tx.find(
        FollowUp, pairing_id=pairing_id, done=False, state=[FollowUpState.OPEN, FollowUpState.STILL]
    )
    if not found:
        return []
    sources = await ctx.tx.find(Reflection, id=sorted({f.reflection_id for f in found}))
    shown = {r.id for r in sources if r.visibility != Visibility.PRIVATE}
    return [f for f in found if f.reflection_id in shown]


async def plan_asks(
    ctx: Context, pairing: Pairing, program: Program, author: Participant, followups: list[FollowUp]
) -> None:
    """Ask the author about each new followup `followup_days` from now."""
    for followup in followups:
        await _ask(ctx, pairing, program, author, followup)


async def _ask(
    ctx: Context, pairing: Pairing, program: Program, author: Participant, followup: FollowUp
) -> None:
    """Queue the next round's question and its reminder, and count the round."""
    rnd = followup.asks
    followup.asks += 1
    await ctx.tx.save(followup, fields=("asks",))
    due = ctx.rules.deliverable(ctx.now + timedelta(days=program.followup_days), author, program)
    common = {
        "series": followthrough_series(rnd),
        "pairing_id": pairing.id,
        "payload": {"followup": followup.id, "round": rnd},
    }
    key = followthrough_key(followup.id, rnd)
    await ctx.outbox.notify(Kind.FOLLOWTHROUGH, author, due, key, **common)
    later = ctx.rules.deliverable(due + REMINDER_AFTER, author, program)
    key = followthrough_key(followup.id, rnd, reminder=True)
    await ctx.outbox.notify(Kind.FOLLOWTHROUGH_REMINDER, author, later, key, **common)


async def compose_ask(ctx: Context, row: Notification) -> Message | Later | None:
    """The question (or its reminder) while the followup's round is still unanswered."""
    rnd = row.payload.get("round", 0)
    followup = await ctx.get(FollowUp, row.payload.get("followup", 0))
    if followup is None or not followup.text or followup.state != FollowUpState.OPEN:
        return None
    if followup.asks != rnd + 1:  # answered, or asked again since
        return None
    source = await ctx.get(Reflection, followup.reflection_id)
    if source is None or source.author_id != row.recipient_id:
        return None
    if is_reminder(row.kind):
        ready = await reminder_ready(ctx, followthrough_key(followup.id, rnd))
        if ready is not True:
            return ready or None
    key = "followthrough.reminder" if is_reminder(row.kind) else "followthrough.ask"
    text = prompts.text(key, item=shorten(followup.text, QUOTED))
    value = f"{followup.id}:{rnd}"
    return Message(
        text,
        buttons=tuple(
            Button(
                prompts.text(f"followthrough.{a}_button"), "followthrough.answer", f"{value}:{a}"
            )
            for a in ANSWERS
        ),
    )


async def answer(ctx: Context, person: Participant, req: Request) -> Message:
    """Done, Still on it or Dropped, from the followup's author (checked by the router), for
    round `rest` ("<round>:<answer>"); an answer to an earlier round changes nothing."""
    followup, pairing, rest = req.record, req.pairing, req.rest
    raw_round, _, said = rest.partition(":")
    if pairing is None or said not in ANSWERS or not raw_round.isdigit():
        return Message(prompts.text("general.unknown_item"))
    if followup.state != FollowUpState.OPEN or followup.asks != int(raw_round) + 1:
        return Message(prompts.text("followthrough.already"))
    program = await ctx.program(pairing.program_id)
    log.info("follow-through %s followup=%s", said, followup.id)
    if said == "still":
        if followup.asks < ROUNDS:
            await _ask(ctx, pairing, program, person, followup)
            return Message(prompts.text("followthrough.still", days=program.followup_days))
        followup.state = FollowUpState.STILL
        await ctx.tx.save(followup, fields=("state",))
        return Message(prompts.text("followthrough.still_last"))
    if said == "dropped":
        followup.state = FollowUpState.DROPPED
        await ctx.tx.save(followup, fields=("state",))
        return Message(prompts.text("followthrough.dropped"))
    mentor = await mark_done(ctx, person, followup, pairing)
    if mentor is None:
        return Message(prompts.text("followthrough.done"))
    return Message(prompts.text("followthrough.done_told", other=mentor.first_name))
