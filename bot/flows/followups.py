"""Follow-ups: the plans reflections name, shown until done; marking one done; and thanking
the mentor (and their manager) for a suggestion put into practice."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.domain import prompts
from bot.domain.messages import Message, shorten
from bot.domain.model import (
    Enrolment,
    FollowUp,
    Pairing,
    Participant,
    Recognition,
    Reflection,
    Role,
    Visibility,
)
from bot.domain.outcomes import Action
from bot.outbox.kinds import Kind, note_key

# Characters of a suggestion quoted in a note (the follow-up keeps it whole).
QUOTED = 300
# How long a mentor's thank-you waits for another message to go along with.
THANKS_WAIT = timedelta(days=2)


async def mark_followup_done(ctx: Context, person: Participant, followup: FollowUp) -> Message:
    """The author of the follow-up's reflection (the router checked) reports it done; a
    mentee's implemented suggestion gets the mentor thanked."""
    pairing = await ctx.pairing(followup.pairing_id)
    source = await ctx.get(Reflection, followup.reflection_id)
    if followup.done:
        return Message(prompts.text("followup.already"))
    followup.done, followup.done_at, followup.state = True, ctx.now, Action.DONE
    await ctx.tx.save(followup)
    if pairing.role_of(person.id) != Role.MENTEE or source.visibility == Visibility.PRIVATE:
        return Message(prompts.text("followup.done_own"))  # nobody to thank, or not to be told
    mentor = await ctx.person(pairing.mentor_id)
    await recognise(ctx, pairing, followup)
    return Message(prompts.text("followup.done", other=mentor.first_name))


async def recognise(ctx: Context, pairing: Pairing, followup: FollowUp) -> None:
    """Thank the mentor for a suggestion the mentee implemented and, where the program says
    so, tell the mentor's manager. The notes are worded when sent (recognition_text), so a
    reflection made private meanwhile is not quoted."""
    program = await ctx.program(pairing.program_id)
    mentor = await ctx.person(pairing.mentor_id)
    # A thank-you can wait a little for the mentor's next message, and go along with it.
    payload = {"recognition": "mentor", "followup": followup.id, "rides_from": ctx.now.isoformat()}
    key = note_key("followup", followup.id, "thanks")
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
    key = note_key("followup", followup.id, "manager")
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
        FollowUp, pairing_id=pairing_id, done=False, state=[Action.OPEN, Action.STILL]
    )
    if not found:
        return []
    sources = await ctx.tx.find(Reflection, id=sorted({f.reflection_id for f in found}))
    shown = {r.id for r in sources if r.visibility != Visibility.PRIVATE}
    return [f for f in found if f.reflection_id in shown]
