"""Follow-through: each "will do" line of a reflection is an action its author is asked
about `followup_days` later ("Did it happen?" Done / Still on it / Dropped), with one
reminder. Still on it asks again after the same interval, at most twice; Done thanks the
mentor where the author is the mentee and the reflection is not private."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.context import Context
from bot.domain import prompts
from bot.domain.messages import Button, Message, shorten
from bot.domain.model import (
    FollowUp,
    Later,
    Notification,
    Pairing,
    Participant,
    Program,
    Reflection,
    Role,
    Visibility,
)
from bot.domain.outcomes import Action
from bot.flows.checkins import REMINDER_AFTER, reminder_ready
from bot.flows.followups import QUOTED, recognise
from bot.outbox.kinds import Kind, followthrough_key, followthrough_series
from bot.router import Request

log = logging.getLogger(__name__)

# Rounds of asking: the first, and at most two more after "Still on it".
ROUNDS = 3
ANSWERS = ("done", "still", "dropped")


async def plan_asks(
    ctx: Context, pairing: Pairing, program: Program, author: Participant, actions: list[FollowUp]
) -> None:
    """Ask the author about each new action `followup_days` from now."""
    for action in actions:
        await _ask(ctx, pairing, program, author, action)


async def _ask(
    ctx: Context, pairing: Pairing, program: Program, author: Participant, action: FollowUp
) -> None:
    """Queue the next round's question and its reminder, and count the round."""
    rnd = action.asks
    action.asks += 1
    await ctx.tx.save(action, fields=("asks",))
    due = ctx.rules.deliverable(ctx.now + timedelta(days=program.followup_days), author, program)
    common = {
        "series": followthrough_series(rnd),
        "pairing_id": pairing.id,
        "payload": {"followup": action.id, "round": rnd},
    }
    key = followthrough_key(action.id, rnd)
    await ctx.outbox.notify(Kind.FOLLOWTHROUGH, author, due, key, **common)
    later = ctx.rules.deliverable(due + REMINDER_AFTER, author, program)
    key = followthrough_key(action.id, rnd, reminder=True)
    await ctx.outbox.notify(Kind.FOLLOWTHROUGH_REMINDER, author, later, key, **common)


async def compose_ask(ctx: Context, row: Notification) -> Message | Later | None:
    """The question (or its reminder) while the action's round is still unanswered."""
    rnd = row.payload.get("round", 0)
    action = await ctx.get(FollowUp, row.payload.get("followup", 0))
    if action is None or not action.text or action.state != Action.OPEN or action.asks != rnd + 1:
        return None
    source = await ctx.get(Reflection, action.reflection_id)
    if source is None or source.author_id != row.recipient_id:
        return None
    if row.kind == Kind.FOLLOWTHROUGH_REMINDER:
        ready = await reminder_ready(ctx, followthrough_key(action.id, rnd))
        if ready is not True:
            return ready or None
    key = (
        "followthrough.reminder" if row.kind == Kind.FOLLOWTHROUGH_REMINDER else "followthrough.ask"
    )
    text = prompts.text(key, item=shorten(action.text, QUOTED))
    value = f"{action.id}:{rnd}"
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
    """Done, Still on it or Dropped, from the action's author (checked by the router), for
    round `rest` ("<round>:<answer>"); an answer to an earlier round changes nothing."""
    action, pairing, rest = req.record, req.pairing, req.rest
    raw_round, _, said = rest.partition(":")
    if pairing is None or said not in ANSWERS or not raw_round.isdigit():
        return Message(prompts.text("general.unknown_item"))
    if action.state != Action.OPEN or action.asks != int(raw_round) + 1:
        return Message(prompts.text("followthrough.already"))
    program = await ctx.program(pairing.program_id)
    log.info("follow-through %s followup=%s", said, action.id)
    if said == "still":
        if action.asks < ROUNDS:
            await _ask(ctx, pairing, program, person, action)
            return Message(prompts.text("followthrough.still", days=program.followup_days))
        action.state = Action.STILL
        await ctx.tx.save(action, fields=("state",))
        return Message(prompts.text("followthrough.still_last"))
    if said == "dropped":
        action.state = Action.DROPPED
        await ctx.tx.save(action, fields=("state",))
        return Message(prompts.text("followthrough.dropped"))
    return await mark_done(ctx, person, action, pairing)


async def mark_done(
    ctx: Context, person: Participant, action: FollowUp, pairing: Pairing
) -> Message:
    """The author did what they planned: it counts as implemented, and the mentor hears
    when the mentee planned it in a reflection that is not private."""
    action.done, action.done_at, action.state = True, ctx.now, Action.DONE
    await ctx.tx.save(action, fields=("done", "done_at", "state"))
    source = await ctx.get(Reflection, action.reflection_id)
    private = source is None or source.visibility == Visibility.PRIVATE
    if pairing.role_of(person.id) != Role.MENTEE or private:
        return Message(prompts.text("followthrough.done"))
    await recognise(ctx, pairing, action)
    mentor = await ctx.person(pairing.mentor_id)
    return Message(prompts.text("followthrough.done_told", other=mentor.first_name))
