"""Calendar invites: queued when sessions are booked, moved or cancelled, composed when sent.

Each invite is an outbox row for one person, keyed by the event's uid and sequence, so the
same (uid, sequence) never reaches anyone twice, across retries and replicas. The .ics is
built at send time from the session rows the invite names (a move makes a new row, so what
a row says does not change under the invite). A person gets the changes of one uid in order:
an invite waits while an earlier one of the same uid to them is pending. A request whose
sessions were all cancelled, moved or started before it went out is skipped; a cancellation
goes only to people who were sent a request for that uid, and only for sessions ahead.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import datetime, timedelta

from bot.calendar.ics import CANCEL, REQUEST, Attendee, Occurrence, document
from bot.context import Context
from bot.domain import prompts
from bot.domain.ids import record_id
from bot.domain.kinds import Kind, invite_key, invite_series
from bot.domain.messages import Attachment, Button, Invite, Message
from bot.domain.model import (
    Later,
    Notification,
    NotificationStatus,
    Pairing,
    PairingStatus,
    Participant,
    Program,
    Session,
    SessionStatus,
)
from bot.domain.outcomes import Objective, ObjectiveState
from bot.policy.agenda import session_lines

FILE_NAME = "mentoring-session.ics"
# The event of a cancellation sent to an assistant who no longer books for the leader.
WITHDRAWN = "withdrawn"
# How long an invite waits for an earlier change of the same event to this person to settle.
SETTLE = timedelta(seconds=30)


def new_uid() -> str:
    """A calendar uid for a new booking: random, so no one can guess or collide with it."""
    return f"{secrets.token_hex(16)}@mentorbot"


async def next_sequence(ctx: Context, uid: str) -> int:
    """The SEQUENCE for the next change of the event `uid` (one above any so far)."""
    return max((s.sequence for s in await ctx.tx.find(Session, uid=uid)), default=-1) + 1


async def send_invites(
    ctx: Context,
    pairing: Pairing,
    program: Program,
    method: str,
    sessions: list[Session],
    event: str,
    by: Participant | None,
) -> Message | None:
    """Queue one invite (or cancellation) for these sessions of one uid to each person of
    the pair still with us, and a copy to the leader's assistant, at their next working
    moment. A request reaches `by` (the one who booked or moved it, at the keyboard now,
    whatever the hour) at once instead: it is returned, to go in the answer to what they
    did, and recorded as sent."""
    uid, sequence = sessions[0].uid, sessions[0].sequence
    shown = None
    assistant = await ctx.assistant_of(pairing.mentee_id)
    for person_id in (pairing.mentee_id, pairing.mentor_id, assistant):
        if person_id is None or (person_id == assistant and person_id in _pair(pairing)):
            continue
        person = await ctx.person(person_id)
        if person.forgotten_at:
            continue
        key = invite_key(uid, sequence, person.id)
        fields = {
            "series": invite_series(uid),
            "pairing_id": pairing.id,
            "session_id": sessions[0].id,
            "payload": {
                "method": method,
                "sequence": sequence,
                "sessions": [s.id for s in sessions],
                "event": event,
                "by": by.id if by else None,
            },
        }
        if method == REQUEST and by is not None and person.id == by.id:
            shown = await _in_reply(ctx, person, program, key, fields)
            if shown is not None:
                continue
        due = ctx.rules.deliverable(ctx.now, person, program)
        await ctx.outbox.notify(Kind.INVITE, person, due, key, **fields)
    return shown


async def _in_reply(
    ctx: Context, person: Participant, program: Program, key: str, fields: dict
) -> Message | None:
    """The invite for the person at the keyboard, recorded as sent now; None (nothing
    recorded) when it cannot go yet (an earlier change of the event to them is still on its
    way: it then waits its turn like the partner's)."""
    if not await ctx.outbox.shown_in_reply(Kind.INVITE, person, key, **fields):
        return None  # the same invite already exists (the same form sent twice)
    [row] = await ctx.tx.find(Notification, key=key)
    ctx.sessions_changed(row.pairing_id)
    message = await compose_invite(ctx, row)
    if isinstance(message, Message):
        return message
    row.status, row.sent_at = NotificationStatus.PENDING, None
    row.due_at = message.until if isinstance(message, Later) else ctx.now
    await ctx.tx.save(row, fields=("status", "sent_at", "due_at"))
    return None


async def cancel_sessions(
    ctx: Context, pairing: Pairing, sessions: list[Session], by: Participant | None, event: str
) -> None:
    """Cancel these sessions (each uid's sequence goes up once) and send a cancellation for
    those still ahead to both people."""
    program = await ctx.program(pairing.program_id)
    ctx.sessions_changed(pairing.id)  # what this unit of work read of them is out of date
    by_uid: dict[str, list[Session]] = defaultdict(list)
    for session in sessions:
        by_uid[session.uid].append(session)
    for uid, group in by_uid.items():
        sequence = await next_sequence(ctx, uid)
        for session in group:
            session.status, session.outcome_at = SessionStatus.CANCELLED, ctx.now
            session.outcome_by = by.id if by else None
            session.sequence = sequence
            await ctx.tx.save(session, fields=("status", "outcome_at", "outcome_by", "sequence"))
        ahead = [s for s in group if s.starts_at > ctx.now]
        if ahead:
            await send_invites(ctx, pairing, program, CANCEL, ahead, event, by)


async def withdraw_copies(ctx: Context, leader_id: int, assistant: Participant) -> None:
    """An assistant who no longer books for the leader gets a cancellation of each of the
    leader's sessions still ahead that they were sent a copy of (composed only then), so
    their calendar no longer holds them."""
    for pairing in await ctx.tx.find(Pairing, mentee_id=leader_id, status=list(_LIVE)):
        by_uid: dict[str, list[Session]] = defaultdict(list)
        for session in await ctx.sessions(pairing.id):
            if session.status == SessionStatus.SCHEDULED and session.starts_at > ctx.now:
                by_uid[session.uid].append(session)
        for uid, group in by_uid.items():
            # One above the copy they hold: a cancellation follows what it takes back.
            sequence = max(s.sequence for s in group) + 1
            await ctx.outbox.notify(
                Kind.INVITE,
                assistant,
                ctx.rules.deliverable(ctx.now, assistant, await ctx.program(pairing.program_id)),
                invite_key(uid, sequence, assistant.id, withdrawn=True),
                series=invite_series(uid),
                pairing_id=pairing.id,
                session_id=group[0].id,
                payload={
                    "method": CANCEL,
                    "sequence": sequence,
                    "sessions": [s.id for s in group],
                    "event": WITHDRAWN,
                    "by": None,
                },
            )


_LIVE = (PairingStatus.ACTIVE, PairingStatus.PAUSED)


def session_buttons(session: Session) -> tuple[Button, ...]:
    value = str(session.id)
    return (
        Button(prompts.text("buttons.move"), "session.move", value),
        Button(prompts.text("buttons.cancel_session"), "session.cancel", value),
    )


async def compose_invite(ctx: Context, row: Notification) -> Message | None:
    """The invite message for `row` now, or None when it has nothing left to say."""
    pairing = await ctx.pairing(row.pairing_id) if row.pairing_id else None
    recipient = await ctx.person(row.recipient_id)
    if pairing is None or recipient.forgotten_at:
        return None
    method, sequence = row.payload.get("method"), int(row.payload.get("sequence", 0))
    # A copy to the leader's assistant: a request while they book for the leader; a
    # cancellation also after (it takes the session out of their calendar).
    copy = row.recipient_id not in _pair(pairing)
    if copy and method == REQUEST and await ctx.assistant_of(pairing.mentee_id) != recipient.id:
        return None
    earlier = (
        [  # (a uid's first invite has none before it: no need to look)
            r
            for r in await ctx.tx.find(
                Notification, series=row.series, recipient_id=row.recipient_id
            )
            if int(r.payload.get("sequence", -1)) < sequence
        ]
        if sequence
        else []
    )
    waiting = [r.due_at for r in earlier if r.status == NotificationStatus.PENDING]
    if waiting:  # each person gets a uid's changes in order: the earlier one settles first
        return Later(max([ctx.now, *waiting]) + SETTLE)
    named = set(row.payload.get("sessions") or [])
    sessions = sorted(
        (s for s in await ctx.sessions(pairing.id) if s.id in named), key=lambda s: s.starts_at
    )
    if method == REQUEST:
        ahead = [s for s in sessions if s.starts_at > ctx.now]
        live = [s for s in ahead if s.status == SessionStatus.SCHEDULED]
        if not live or pairing.status != PairingStatus.ACTIVE:
            return None
    elif method == CANCEL:
        live = [s for s in sessions if s.starts_at > ctx.now]
        sent = any(
            r.payload.get("method") == REQUEST and r.status == NotificationStatus.SENT
            for r in earlier
        )
        if not live or not sent:  # nothing to take back from their calendar
            return None
    else:
        return None
    events = await occurrences(
        ctx, pairing, method, sessions, sequence, copy_to=recipient if copy else None
    )
    program = await ctx.program(pairing.program_id)
    text = await _text(ctx, row, pairing, program, recipient, live, len(sessions))
    ics = document(events, ctx.now, method)
    mime = f"text/calendar; method={method}"
    return Message(
        text=text,
        buttons=session_buttons(live[0]) if method == REQUEST else (),
        # The recipient's link generation: `calendar reset` ends the links made before.
        file=Attachment(
            FILE_NAME, ics, mime, ref=f"{Kind.INVITE}:{row.id}:{recipient.link_generation}"
        ),
        invite=Invite(method, events[0], len(events)),
    )


async def occurrences(
    ctx: Context,
    pairing: Pairing,
    method: str,
    sessions: list[Session],
    sequence: int,
    *,
    copy_to: Participant | None = None,
) -> list[Occurrence]:
    """The VEVENTs of an invite: a new series as one repeating event; a single session, a
    moved occurrence or each cancelled session as an event of its own. An assistant's copy
    (`copy_to`) names them as an attendee and describes the session without its agenda (the
    pair's objectives and plans are theirs)."""
    summary, description = await describe(ctx, pairing, sessions[0])
    if copy_to is not None:
        description = prompts.text("invite.footer")
    people = await who(ctx, pairing, sessions[0], copy_to)
    if method == REQUEST and len(sessions) > 1 and sessions[0].repeat_count > 1:
        first = min(sessions, key=lambda s: s.recurrence_id or s.starts_at)
        return [event_of(first, summary, description, people, sequence, series=True)]
    cancelled = method == CANCEL
    return [
        event_of(s, summary, description, people, sequence, cancelled=cancelled)
        for s in sessions
        if not cancelled or s.starts_at > ctx.now
    ]


def event_of(
    session: Session,
    summary: str,
    description: str,
    people: tuple[Attendee | None, tuple[Attendee, ...]],
    sequence: int,
    *,
    series: bool = False,
    cancelled: bool = False,
    excluded: tuple[datetime, ...] = (),
) -> Occurrence:
    """One session as a calendar event; `series` makes it the repeating event of its series
    (starting at its original time, without the `excluded` occurrences), otherwise an
    occurrence names its RECURRENCE-ID."""
    organizer, attendees = people
    return Occurrence(
        uid=session.uid,
        sequence=sequence,
        starts_at=(session.recurrence_id or session.starts_at) if series else session.starts_at,
        minutes=session.minutes,
        tzid=session.tzid or "UTC",
        summary=summary,
        description=description,
        location=session.location,
        cancelled=cancelled,
        recurrence_id=None if series else session.recurrence_id,
        repeat_days=session.repeat_days if series else 0,
        repeat_count=session.repeat_count if series else 0,
        excluded=excluded,
        organizer=organizer,
        attendees=attendees,
    )


async def describe(ctx: Context, pairing: Pairing, session: Session) -> tuple[str, str]:
    """The event's title (the pair and the program) and description (topic and agenda)."""
    program = await ctx.program(pairing.program_id)
    mentor, mentee = await ctx.person(pairing.mentor_id), await ctx.person(pairing.mentee_id)
    goals = await ctx.tx.find(Objective, pairing_id=pairing.id)
    return description(program, mentor, mentee, goals, session)


def description(
    program: Program,
    mentor: Participant,
    mentee: Participant,
    goals: list[Objective],
    session: Session,
) -> tuple[str, str]:
    """`describe`, from what it reads (the pair's objectives, any order)."""
    summary = prompts.text(
        "invite.summary", mentee=mentee.first_name, mentor=mentor.first_name, program=program.name
    )
    lines = [prompts.text("agenda.topic", topic=session.topic)] if session.topic else []
    lines.append(prompts.text("invite.agenda"))
    open_goals = [
        o.text
        for o in sorted(goals, key=lambda o: o.id)
        if o.state != ObjectiveState.DONE and o.text
    ]
    lines += session_lines(program, session, mentor.first_name, mentee.first_name, open_goals)
    lines.append(prompts.text("invite.footer"))
    return summary, "\n".join(lines)


async def who(
    ctx: Context, pairing: Pairing, session: Session, copy_to: Participant | None = None
) -> tuple[Attendee | None, tuple[Attendee, ...]]:
    """ORGANIZER (whoever booked the event first: a move by the other person keeps it) and
    ATTENDEEs, for the people whose e-mail we know: the pair, and on an assistant's copy
    (`copy_to`) the assistant. The pair's own .ics does not name the assistant: a calendar
    that sends updates to its attendees would send them the pair's agenda."""
    people = [await ctx.person(pairing.mentee_id), await ctx.person(pairing.mentor_id)]
    if copy_to is not None:
        people.append(copy_to)
    same = [s for s in await ctx.sessions(pairing.id) if s.uid == session.uid] or [session]
    return attendees(people, same)


def attendees(
    people: list[Participant], booking: list[Session]
) -> tuple[Attendee | None, tuple[Attendee, ...]]:
    """`who`, from the pair (mentee first, then any assistant) and the rows of the
    session's booking. A booking the leader's assistant made is the leader's: they organize
    it (whoever books for them)."""
    known = [p for p in people if p.email and not p.forgotten_at]
    booked_by = min(booking, key=lambda s: s.id or 0).scheduled_by
    if booked_by is not None and booked_by not in {p.id for p in people[:2]}:
        booked_by = people[0].id
    booker = next((p for p in known if p.id == booked_by), None)
    organizer = Attendee(booker.label, booker.email) if booker else None
    return organizer, tuple(Attendee(p.label, p.email) for p in known)


async def _text(
    ctx: Context,
    row: Notification,
    pairing: Pairing,
    program: Program,
    me: Participant,
    live: list[Session],
    count: int,
) -> str:
    by_id = row.payload.get("by")
    other = await ctx.person(pairing.other(me.id))
    by = await ctx.person(by_id) if by_id else None
    event = row.payload.get("event", "booked")
    whose = "self" if by is not None and by.id == me.id else "other"
    first = live[0]
    fields = {
        "first": await booker_name(ctx, pairing, by, me) if by else other.first_name,
        "other": other.first_name,
        "when": ctx.rules.when(first.starts_at, me, program),
        "whens": ", ".join(ctx.rules.when(s.starts_at, me, program) for s in live),
        "minutes": first.minutes,
        "count": count,
        "days": first.repeat_days,
    }
    if me.id not in _pair(pairing):  # the leader's assistant: a copy
        key = _copy_key(row.payload.get("method"), event, count)
        leader = await ctx.person(pairing.mentee_id)
        fields.update(leader=leader.first_name, other=other.first_name)
    elif row.payload.get("method") == CANCEL:
        key = f"invite.cancelled_{whose}" if event == "cancelled" else "invite.called_off"
    elif event == "booked" and count > 1:
        key = f"invite.series_{whose}"
    else:
        key = f"invite.{'moved' if event == 'moved' else 'booked'}_{whose}"
    text = prompts.text(key, **fields)
    if first.location:
        text += "\n" + prompts.text("invite.where", where=first.location)
    return text


def _copy_key(method: str | None, event: str, count: int) -> str:
    """What an assistant's copy of an invite says."""
    if method == CANCEL:
        return "invite.copy_withdrawn" if event == WITHDRAWN else "invite.copy_cancelled"
    if event == "moved":
        return "invite.copy_moved"
    return "invite.copy_series" if count > 1 else "invite.copy_booked"


async def booker_name(ctx: Context, pairing: Pairing, by: Participant, reader: Participant) -> str:
    """How the one who booked or changed a session is named to `reader`: their first name,
    or, for the leader's assistant, "Your assistant <name>" (to the leader) or "<leader>'s
    assistant <name>"."""
    if by.id in _pair(pairing):
        return by.first_name
    if reader.id == pairing.mentee_id:
        return prompts.text("invite.by_your_assistant", assistant=by.first_name)
    leader = await ctx.person(pairing.mentee_id)
    return prompts.text("invite.by_assistant", leader=leader.first_name, assistant=by.first_name)


def _pair(pairing: Pairing) -> tuple[int, int]:
    return (pairing.mentee_id, pairing.mentor_id)


async def invite_for(ctx: Context, person: Participant, session: Session) -> Message | None:
    """The person's newest calendar invite that covers `session`, as it would be sent now
    (sent already, or on its way); None when there is none."""
    rows = await ctx.tx.find(
        Notification, series=invite_series(session.uid), recipient_id=person.id, kind=Kind.INVITE
    )
    live = [
        r
        for r in rows
        if r.payload.get("method") == REQUEST
        and session.id in (r.payload.get("sessions") or [])
        and r.status in (NotificationStatus.SENT, NotificationStatus.PENDING)
    ]
    if not live:
        return None
    message = await compose_invite(ctx, max(live, key=lambda r: r.id))
    return message if isinstance(message, Message) else None


async def invite_file(ctx: Context, ref: str, platform: str, user_id: str) -> Attachment | None:
    """The .ics of the invite `ref` (an Attachment.ref) as it stands now, when it was meant
    for this person, made since their last `calendar reset`, and still says something true;
    None otherwise."""
    kind, _, rest = ref.partition(":")
    row_id, _, generation = rest.partition(":")
    found = record_id(row_id)
    if kind != Kind.INVITE or found is None:
        return None
    made_in = generation or "0"  # links made before generations were kept: the first one
    row = await ctx.get(Notification, found)
    if row is None or row.kind != Kind.INVITE:
        return None
    person = await ctx.get(Participant, row.recipient_id)
    if person is None or (person.platform, person.user_id) != (platform, user_id):
        return None
    if made_in != str(person.link_generation):
        return None
    message = await compose_invite(ctx, row)
    return message.file if isinstance(message, Message) else None
