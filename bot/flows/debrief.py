"""After a held session, one card to each person: the one-tap 1-5 rating, the private fit
question (after the pair's first session only), the mentor's private "were you heard?"
(after the first and third), the reflection ask ("what changed?" for the
leader, "what stood out?" for the mentor) and, once, what the card can move on (the mentor's
objectives, the leader's planned actions). Answering one part redraws the card in place with
the rest still open; its one reminder asks only what is still open.

The person who says "It happened" gets their card as the answer to that click; the partner
gets it as one message (a REFLECT row, whose composer is `compose`). Both count as asked the
moment they are shown (see bot.sending.delivery and `flows.sessions.record_outcome`).
"""

from __future__ import annotations

from bot.calendar.invites import invite_for, session_buttons
from bot.context import Context
from bot.domain import prompts
from bot.domain.kinds import Kind, is_reminder
from bot.domain.messages import Ask, Button, Message, shorten
from bot.domain.model import (
    Notification,
    Pairing,
    PairingStatus,
    Participant,
    Reflection,
    Role,
    Session,
    SessionStatus,
)
from bot.domain.outcomes import Fit, Heard, Pulse
from bot.flows import objectives
from bot.flows.followups import QUOTED, done_tapped, open_followups
from bot.flows.objectives import objectives_of
from bot.flows.offers import nudge_offer
from bot.flows.reflections import promised
from bot.policy import cadence
from bot.policy.hours import zone
from bot.policy.visibility import visibility_note
from bot.router import Request

USEFUL = "useful"  # a Pulse's kind for the 1-5 rating
RATINGS = ("1", "2", "3", "4", "5")
HEARD = "heard"  # a Pulse's kind for the mentor's "were you heard?"
HEARD_AFTER = (1, 3)  # the held sessions (in order) after which the mentor is asked it
# Planned actions a leader can mark done from the card; more would crowd a phone screen.
MAX_ACTIONS = 3


async def compose(ctx: Context, row: Notification) -> Message | None:
    """The card of a REFLECT row (or its reminder), or None when nothing is left to ask."""
    pairing = await ctx.pairing(row.pairing_id) if row.pairing_id else None
    if pairing is None or pairing.status != PairingStatus.ACTIVE:
        return None
    session = next((s for s in await ctx.sessions(pairing.id) if s.id == row.session_id), None)
    if session is None:
        return None
    person = await ctx.person(row.recipient_id)
    card = await debrief(ctx, person, pairing, session, reminder=is_reminder(row.kind))
    return card if card is not None and card.asks else None


async def debrief(
    ctx: Context,
    person: Participant,
    pairing: Pairing,
    session: Session,
    *,
    reminder: bool = False,
    said: str = "",
) -> Message | None:
    """The card for `person` about a held `session`: what is still open as asks, what was
    answered as a line each; `said` (the answer to a click just made) opens it. None when the
    session was not held. The reminder names the session and asks only the three core
    questions still open."""
    if session.status != SessionStatus.HELD:
        return None
    program = await ctx.program(pairing.program_id)
    other = await ctx.person(pairing.other(person.id))
    role = pairing.role_of(person.id) or Role.MENTEE
    when = ctx.rules.when(session.starts_at, person, program)
    answers = {
        p.kind: p.value
        for p in await ctx.tx.find(Pulse, session_id=session.id, participant_id=person.id)
    }
    asks: list[Ask] = []
    done: list[str] = [said] if said else []
    if USEFUL not in answers:
        asks.append(Ask(prompts.text("debrief.rate"), _ratings(session)))
    elif not reminder:
        done.append(prompts.text("debrief.rated", value=answers[USEFUL]))
    if await first_held(ctx, pairing, session):
        if Kind.FIT not in answers:
            asks.append(Ask(prompts.text("debrief.fit", other=other.first_name), _fits(session)))
        elif not reminder:
            done.append(prompts.text("debrief.fit_answered", other=other.first_name))
    if role == Role.MENTOR and await held_number(ctx, pairing, session) in HEARD_AFTER:
        if HEARD not in answers:
            asks.append(Ask(prompts.text("debrief.heard", other=other.first_name), _heard(session)))
        elif not reminder:
            done.append(prompts.text("debrief.heard_answered"))
    wrote = await ctx.tx.find(Reflection, session_id=session.id, author_id=person.id)
    if not wrote:
        visibility = visibility_note(
            await promised(ctx, person, session, program), other.first_name
        )
        write = Button(prompts.text("buttons.reflect_form"), "reflection.write", str(session.id))
        asks.append(
            Ask(
                prompts.text(
                    f"debrief.reflect_{role}", other=other.first_name, visibility=visibility
                ),
                (write,),
            )
        )
    elif not reminder:
        done.append(prompts.text("debrief.reflected"))
    if not reminder:
        asks += await _moves(ctx, person, pairing, session, role)
    invite = None
    if asks or not reminder:  # a reminder with nothing else open does not go for this alone
        nxt, invite = await _next_session(ctx, person, pairing, program, other)
        asks += nxt
    header = "debrief.reminder" if reminder else "debrief.header"
    lines = [prompts.text(header, other=other.first_name, when=when), *done]
    if not asks:
        lines.append(prompts.text("debrief.all_done"))
    return Message(
        "\n".join(lines),
        asks=tuple(asks),
        redraw=True,
        file=invite.file if invite else None,
        invite=invite.invite if invite else None,
    )


async def card_of(
    ctx: Context, person: Participant, pairing: Pairing | None, origin: str, said: str
) -> Message | None:
    """The card a click came from (`origin` "s<session id>", as the card's buttons carry it)
    drawn again with `said` at its top; None when the click came from elsewhere."""
    if pairing is None or not origin.startswith("s") or not origin[1:].isdigit():
        return None
    session = next((s for s in await ctx.sessions(pairing.id) if s.id == int(origin[1:])), None)
    return await debrief(ctx, person, pairing, session, said=said) if session else None


async def followup_done(ctx: Context, person: Participant, req: Request) -> Message:
    """A follow-up marked done (flows.followups) from a card: the card again."""
    followup, origin = req.record, req.rest
    done = await done_tapped(ctx, person, followup)
    pairing = await ctx.pairing(followup.pairing_id)
    return await card_of(ctx, person, pairing, origin, done.text) or done


async def first_held(ctx: Context, pairing: Pairing, session: Session) -> bool:
    """Whether `session` is the pair's first held one (the fit question goes with it)."""
    held = [s for s in await ctx.sessions(pairing.id) if s.status == SessionStatus.HELD]
    return bool(held) and min(held, key=lambda s: (s.starts_at, s.id)).id == session.id


async def held_number(ctx: Context, pairing: Pairing, session: Session) -> int:
    """Which of the pair's held sessions `session` is, in the order they were confirmed
    held (1 for the first; 0 when it was not held). A session's number never changes once
    it is confirmed: one confirmed later, even if it took place earlier, comes after it."""
    held = sorted(
        (s for s in await ctx.sessions(pairing.id) if s.status == SessionStatus.HELD),
        key=lambda s: (s.outcome_at or s.starts_at, s.id),
    )
    return next((n for n, s in enumerate(held, start=1) if s.id == session.id), 0)


async def _next_session(
    ctx: Context, person: Participant, pairing: Pairing, program, other: Participant
) -> tuple[list[Ask], Message | None]:
    """The pair's next session, with the person's calendar invite for it (when one was sent
    or is on its way: a booking made in the same sitting as "It happened" reaches the partner
    with this card, not as a second message); or, with nothing booked, booking it from here
    while this one is fresh (a pair that does needs no nudge to book)."""
    sessions = await ctx.sessions(pairing.id)
    if pairing.status != PairingStatus.ACTIVE:
        return [], None
    upcoming = cadence.upcoming(sessions, ctx.now)
    if upcoming is not None:
        when, theirs = ctx.rules.when_both(upcoming.starts_at, person, other, program)
        their_time = prompts.text("schedule.their_time", time=theirs, other=other.first_name)
        text = prompts.text("debrief.next", when=when, their_time=their_time if theirs else "")
        invite = await invite_for(ctx, person, upcoming)
        return [Ask(text, session_buttons(upcoming))], invite
    due = cadence.next_due(sessions, program)
    if due is None:
        return [], None
    local = due.astimezone(zone(ctx.rules.tz(person, program)))
    day = f"{local:%a} {local.day} {local:%b}"
    line, buttons = await nudge_offer(ctx, person, pairing, program)  # times, as a nudge's
    return [Ask(f"{prompts.text('debrief.book', day=day)} {line}".strip(), buttons)], None


def _ratings(session: Session) -> tuple[Button, ...]:
    return tuple(Button(n, "pulse.answer", f"{session.id}:{USEFUL}:{n}") for n in RATINGS)


def _heard(session: Session) -> tuple[Button, ...]:
    return tuple(
        Button(prompts.text(f"heard.{h.value}"), "pulse.answer", f"{session.id}:{HEARD}:{h.value}")
        for h in Heard
    )


def _fits(session: Session) -> tuple[Button, ...]:
    return tuple(
        Button(prompts.text(f"fit.{f.value}"), "pulse.answer", f"{session.id}:{Kind.FIT}:{f.value}")
        for f in Fit
    )


async def _moves(
    ctx: Context, person: Participant, pairing: Pairing, session: Session, role: Role
) -> list[Ask]:
    """What the card can move on with one tap, each quoted whole with a short button: the
    mentor's objectives, and the actions the leader planned in earlier reflections."""
    origin = f"s{session.id}"
    if role == Role.MENTOR:
        goals = (await objectives_of(ctx, [pairing.id]))[pairing.id]
        return objectives.asks(goals, origin=origin)
    candidates = [
        f
        for f in await open_followups(ctx, pairing.id)
        if f.created_at is None or f.created_at < (session.outcome_at or ctx.now)
    ]
    # Only the actions this person planned: they are the ones they can mark done.
    sources = await ctx.tx.find(Reflection, id=[f.reflection_id for f in candidates])
    own = {r.id for r in sources if r.author_id == person.id}
    mine = sorted((f for f in candidates if f.reflection_id in own), key=lambda f: f.id)
    return [
        Ask(
            prompts.text("debrief.action", text=shorten(f.text, QUOTED)),
            (Button(prompts.text("buttons.mark_done"), "followup.done", f"{f.id}:{origin}"),),
        )
        for f in mine[:MAX_ACTIONS]
    ]
