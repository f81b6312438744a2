"""The session pulse, the first-session fit and the mentor's "were you heard?", answered on
the post-session card (flows/debrief.py): both people rate the session 1-5 with one tap;
after the pair's first held session each is asked privately whether the pairing works for
them, and a "No" or "Not sure" goes to the program owners only (never to the other person);
after the first and third the mentor alone is asked whether the leader listened, and a
"Partly" or "No" goes to the owners only in the same way."""

from __future__ import annotations

import logging

from bot.context import Context
from bot.domain import prompts
from bot.domain.kinds import Kind, Note, note_key, pulse_key, session_key
from bot.domain.messages import Button, Message
from bot.domain.model import (
    Notification,
    NotificationStatus,
    Pairing,
    Participant,
    Role,
    Session,
    SessionStatus,
)
from bot.domain.outcomes import Fit, Heard, Pulse
from bot.flows.debrief import HEARD, HEARD_AFTER, RATINGS, USEFUL, debrief, first_held, held_number
from bot.flows.people import tell_owners
from bot.router import Request

log = logging.getLogger(__name__)

FITS = tuple(Fit)


async def compose(ctx: Context, row: Notification) -> Message | None:
    """A PULSE or FIT row queued before the post-session card asked both (issue 24): the
    question on its own, unless that card went to the person, it was answered, or the
    session is no longer held."""
    pairing = await ctx.pairing(row.pairing_id) if row.pairing_id else None
    session = await ctx.get(Session, row.session_id) if row.session_id else None
    if pairing is None or session is None or session.status != SessionStatus.HELD:
        return None
    card = session_key(Kind.REFLECT, session.id, row.recipient_id)
    if await ctx.tx.find(Notification, key=card, status=NotificationStatus.SENT):
        return None
    kind = USEFUL if row.kind == Kind.PULSE else Kind.FIT
    if await _answered(ctx, kind, session.id, row.recipient_id):
        return None
    other = await ctx.person(pairing.other(row.recipient_id))
    if kind == USEFUL:
        labels = [(n, n) for n in RATINGS]
    else:
        labels = [(f.value, prompts.text(f"fit.{f.value}")) for f in FITS]
    return Message(
        prompts.text("pulse.ask" if kind == USEFUL else "fit.ask", other=other.first_name),
        buttons=tuple(
            Button(label, "pulse.answer", f"{session.id}:{kind}:{value}") for value, label in labels
        ),
    )


async def answer(ctx: Context, person: Participant, req: Request) -> Message:
    """One tap on the card's rating or fit question (the router has checked that `person`
    is one of the pair); the first answer counts. The answer is the card drawn again, with
    the rest of it still open."""
    session, pairing, rest = req.record, req.pairing, req.rest
    kind, _, value = rest.partition(":")
    valid = (
        (kind == USEFUL and value in RATINGS)
        or (kind == Kind.FIT and value in set(Fit))
        or (kind == HEARD and value in set(Heard))
    )
    if pairing is None or not valid or session.status != SessionStatus.HELD:
        return Message(prompts.text("general.unknown_item"))
    if not await _asked(ctx, kind, pairing, session, person):
        return Message(prompts.text("general.unknown_item"))
    said = ""
    if await _answered(ctx, kind, session.id, person.id):
        said = prompts.text(
            {USEFUL: "pulse.already", HEARD: "heard.already"}.get(kind, "fit.already")
        )
    else:
        await ctx.tx.add(
            Pulse(
                kind=kind,
                pairing_id=pairing.id,
                session_id=session.id,
                participant_id=person.id,
                value=value,
                created_at=ctx.now,
            )
        )
        log.info("%s answered pairing=%s", kind, pairing.id)
        if kind == Kind.FIT and value != Fit.YES:
            other = await ctx.person(pairing.other(person.id))
            await _tell_owners(ctx, pairing, person, other, value)
            said = prompts.text("fit.thanks_doubt", other=other.first_name)
        if kind == HEARD and value != Heard.YES:
            other = await ctx.person(pairing.other(person.id))
            await _tell_owners_heard(ctx, pairing, session, person, other, value)
            said = prompts.text("heard.thanks_doubt", other=other.first_name)
    card = await debrief(ctx, person, pairing, session, said=said)
    return card or Message(said or prompts.text("pulse.thanks"))


async def _tell_owners(
    ctx: Context, pairing: Pairing, person: Participant, other: Participant, value: str
) -> None:
    """The owners hear who doubts the pairing; an owner who is one of the pair does not."""
    program = await ctx.program(pairing.program_id)
    text = prompts.text(
        "fit.owner",
        program=program.name,
        who=person.label,
        answer=prompts.text(f"fit.answer.{value}"),
        other=other.label,
    )
    key = note_key(Note.FIT, pairing.id, person.id)
    await tell_owners(ctx, program, key, text, pairing, private=True)


async def _tell_owners_heard(
    ctx: Context,
    pairing: Pairing,
    session: Session,
    mentor: Participant,
    leader: Participant,
    value: str,
) -> None:
    """The owners hear, with care, that a mentor felt only partly heard or not heard; the
    leader never does, nor an owner who is one of the pair."""
    program = await ctx.program(pairing.program_id)
    text = prompts.text(
        "heard.owner",
        program=program.name,
        mentor=mentor.label,
        leader=leader.label,
        answer=prompts.text(f"heard.answer.{value}"),
    )
    key = note_key(Note.HEARD, session.id, mentor.id)
    await tell_owners(ctx, program, key, text, pairing, private=True)


async def _asked(
    ctx: Context, kind: str, pairing: Pairing, session: Session, person: Participant
) -> bool:
    """Whether `person` was asked this question about `session`: its card (or, from before
    the card, the question's own row) went out to them, and a fit question only after the
    pair's first held session. An answer to a question never asked is not taken."""
    if kind == Kind.FIT and not await first_held(ctx, pairing, session):
        return False
    if kind == HEARD and (
        pairing.role_of(person.id) != Role.MENTOR
        or await held_number(ctx, pairing, session) not in HEARD_AFTER
    ):
        return False
    own = {USEFUL: Kind.PULSE, Kind.FIT: Kind.FIT}.get(kind, Kind.REFLECT)
    keys = [session_key(Kind.REFLECT, session.id, person.id), pulse_key(own, session.id, person.id)]
    rows = await ctx.tx.find(Notification, key=keys, status=NotificationStatus.SENT)
    return bool(rows)


async def _answered(ctx: Context, kind: str, session_id: int, person_id: int) -> bool:
    found = await ctx.tx.find(Pulse, kind=kind, session_id=session_id, participant_id=person_id)
    return bool(found)
