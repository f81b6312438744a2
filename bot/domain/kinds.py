"""Outbox kinds: every kind of message the bot queues, with its idempotency keys.

A row's key makes queuing idempotent: the same key is queued once, however often a flow or a
planner runs. Every key is built here, by the function named for its kind; `series` groups
the rows of one round (a nudge round, a session, an invite's uid). OUTBOX has one entry per
kind: its key builder, and what sending it, a pause and forget-me do. Its composer (what it
says, worded at send time) is in bot.sending.compose.COMPOSERS, above the flows it reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    INTRO = "intro"  # the pairing invitation, Accept / Not for me
    NUDGE = "nudge"  # "time to book", and its reminders (payload step)
    ESCALATION = "escalation"  # a stalled pair, to the program's owners
    AGENDA = "agenda"  # before a session
    CHECK = "check"  # after a session: did it happen?
    REFLECT = "reflect"  # after a held session: what changed?
    REFLECT_REMINDER = "reflect.reminder"
    CHECKIN = "checkin"  # a pulse question at the start, half-way and end
    CHECKIN_REMINDER = "checkin.reminder"
    NOTE = "note"  # a plain message worded when queued (or a recognition, worded when sent)
    DIGEST = "digest"  # an owner's weekly digest
    INVITE = "invite"  # a calendar REQUEST or CANCEL
    FOLLOWTHROUGH = "followthrough"  # "you planned to ... did it happen?"
    FOLLOWTHROUGH_REMINDER = "followthrough.reminder"
    # Asked on their own before the post-session card carried them (issue 24); rows of them
    # still in the outbox are skipped when that card was sent.
    PULSE = "pulse"  # after a held session: how useful was it? 1-5
    FIT = "fit"  # after the first held session: is this pairing working for you?
    DELEGATION = "delegation"  # to an assistant a leader named: will you book for them?
    REDRAW = "redraw"  # a sent nudge drawn again in place: booked, its times are gone


def intro_key(pairing_id: int, person_id: int | None) -> str:
    """One intro to each person, or one to the pair together (`person_id` None)."""
    return f"intro:{pairing_id}:{'pair' if person_id is None else person_id}"


def nudge_series(pairing_id: int, base: datetime) -> str:
    """A nudge round: counted from `base` (the pairing's start, or its last session)."""
    return f"nudge:{pairing_id}:{base:%Y%m%dT%H%M}"


def nudge_key(series: str, step: int, person_id: int) -> str:
    return f"{series}:{step}:{person_id}"


def escalation_key(series: str, owner_id: int) -> str:
    return f"{series}:escalation:{owner_id}"


def session_series(session_id: int) -> str:
    return f"session:{session_id}"


def session_key(kind: Kind, session_id: int, person_id: int) -> str:
    """Agenda, check, reflect and reflect.reminder: one per session and person."""
    return f"{session_series(session_id)}:{kind}:{person_id}"


def checkin_series(stage: str) -> str:
    return f"checkin:{stage}"


def checkin_key(pairing_id: int, stage: str, person_id: int, *, reminder: bool = False) -> str:
    key = f"checkin:{pairing_id}:{stage}:{person_id}"
    return f"{key}:reminder" if reminder else key


def digest_key(owner_id: int, year: int, week: int) -> str:
    return f"digest:{owner_id}:{year}W{week:02d}"


def invite_series(uid: str) -> str:
    return f"invite:{uid}"


def invite_key(uid: str, sequence: int, person_id: int, *, withdrawn: bool = False) -> str:
    """One invite (or cancellation) per change of an event and person; `withdrawn`, the
    cancellation to an assistant who no longer books for the leader."""
    key = f"{invite_series(uid)}:{sequence}:{person_id}"
    return f"{key}:withdrawn" if withdrawn else key


def followthrough_series(rnd: int) -> str:
    """The rounds of follow-through questions (round 0 is the first ask of each action)."""
    return f"followthrough:{rnd}"


def followthrough_key(followup_id: int, rnd: int, *, reminder: bool = False) -> str:
    key = f"followthrough:{followup_id}:{rnd}"
    return f"{key}:reminder" if reminder else key


def pulse_key(kind: Kind, session_id: int, person_id: int) -> str:
    """A pulse after each held session, the fit question after the first: one per person."""
    return f"{kind}:{session_id}:{person_id}"


def delegation_key(delegation_id: int) -> str:
    """The one question to an assistant whether they will book for the leader who named
    them; also the series of the notes about that delegation."""
    return f"delegation:{delegation_id}"


def redraw_key(row_id: int) -> str:
    """The one redraw of the message a row (a nudge) went in."""
    return f"redraw:{row_id}"


class Note(StrEnum):
    """What a note (Kind.NOTE) is about: the first word of its key."""

    PAUSED = "paused"  # to the partner: the pair was paused
    RESUMED = "resumed"  # to the partner: and resumed
    ENDED = "ended"  # to the partner and the owners: the pair ended
    DECLINED = "declined"  # to the partner and the owners: a pairing was declined
    FORGOTTEN = "forgotten"  # to the owners: one of a pair asked to be forgotten
    FIT = "fit"  # to the owners: someone said the match may not be working
    HEARD = "heard"  # to the owners: a mentor felt only partly heard, or not heard
    FOLLOWUP = "followup"  # to a mentor (thanks) or their manager: a suggestion put in practice
    OWNER = "owner"  # to both of a pair: a note an owner wrote them from status
    DELEGATION = "delegation"  # an assistant's answer, or its end; who else can book


def note_key(event: Note, *about: object) -> str:
    """A note about `event` and what names it, e.g. note_key(Note.ENDED, pairing.id,
    person.id); ValueError for an event that is not a Note."""
    return ":".join([Note(event), *(str(part) for part in about)])


def owner_note_key(key: str, owner_id: int) -> str:
    """The copy of a note for one of the program's owners."""
    return f"{key}:owner:{owner_id}"


class OnPause(StrEnum):
    """What pausing a pair does to its rows of a kind."""

    SENT = "sent"  # nothing: they go as planned (notes, intros, calendar cancellations)
    SKIPPED = "skipped"  # composed to nothing unless the pair is active
    ASKED_AGAIN = "asked again"  # skipped while paused; the current round is queued on resume


class OnForget(StrEnum):
    """What forget-me does to rows of a kind. Rows *to* the person are always emptied and
    the pending ones skipped; this says what becomes of rows *to others* about them."""

    EMPTIED = "emptied"  # they quote the person: emptied, and skipped while pending
    WORDED_WHEN_SENT = "worded when sent"  # they hold no words: worded later from what is left


@dataclass(frozen=True)
class KindSpec:
    """Everything the outbox knows about one kind.

    Args:
        key: builds the idempotency key of a row of this kind.
        wakes_planner: once sent, the planner looks at the pair again (the next reminder
            counts from the send).
        on_pause: see OnPause.
        on_forget: see OnForget.
        carries: a message of this kind may take along a question that can wait (one that
            `rides`) to the same person, as an ask of its own, instead of it going alone.
        rides: a question that can wait: from its row's payload "rides_from" it goes with
            the next message to the person that `carries`; alone only at its due time.
        reminds: for a reminder, the kind it reminds of (it shares that kind's composer,
            which words it as a reminder: see `is_reminder`).
    """

    key: Callable[..., str]
    wakes_planner: bool
    on_pause: OnPause
    on_forget: OnForget
    carries: bool = False
    rides: bool = False
    reminds: Kind | None = None


_ANOTHER = OnForget.WORDED_WHEN_SENT
OUTBOX: dict[Kind, KindSpec] = {
    Kind.INTRO: KindSpec(intro_key, False, OnPause.SENT, _ANOTHER),
    Kind.NUDGE: KindSpec(nudge_key, True, OnPause.ASKED_AGAIN, _ANOTHER, carries=True),
    Kind.ESCALATION: KindSpec(escalation_key, False, OnPause.SKIPPED, OnForget.EMPTIED),
    Kind.AGENDA: KindSpec(session_key, False, OnPause.SKIPPED, _ANOTHER, carries=True),
    Kind.CHECK: KindSpec(session_key, False, OnPause.SKIPPED, _ANOTHER, carries=True),
    # The one card after a held session (rating, fit, reflection), and its one reminder.
    Kind.REFLECT: KindSpec(session_key, True, OnPause.SKIPPED, _ANOTHER),
    Kind.REFLECT_REMINDER: KindSpec(
        session_key, False, OnPause.SKIPPED, _ANOTHER, reminds=Kind.REFLECT
    ),
    Kind.CHECKIN: KindSpec(checkin_key, False, OnPause.ASKED_AGAIN, _ANOTHER, rides=True),
    Kind.CHECKIN_REMINDER: KindSpec(
        checkin_key, False, OnPause.ASKED_AGAIN, _ANOTHER, rides=True, reminds=Kind.CHECKIN
    ),
    # A note rides only when queued with "rides_from" (a thank-you to a mentor).
    Kind.NOTE: KindSpec(note_key, False, OnPause.SENT, OnForget.EMPTIED, rides=True),
    Kind.DIGEST: KindSpec(digest_key, False, OnPause.SENT, _ANOTHER),
    Kind.INVITE: KindSpec(
        invite_key,
        False,
        OnPause.SENT,
        _ANOTHER,
        carries=True,
    ),
    # An action is its author's own: asked about whatever became of the pair since.
    Kind.FOLLOWTHROUGH: KindSpec(followthrough_key, False, OnPause.SENT, _ANOTHER),
    Kind.FOLLOWTHROUGH_REMINDER: KindSpec(
        followthrough_key, False, OnPause.SENT, _ANOTHER, reminds=Kind.FOLLOWTHROUGH
    ),
    Kind.PULSE: KindSpec(pulse_key, False, OnPause.SENT, _ANOTHER),
    Kind.FIT: KindSpec(pulse_key, False, OnPause.SENT, _ANOTHER),
    # Worded when sent, from the delegation as it is then (an ended one says nothing).
    Kind.DELEGATION: KindSpec(delegation_key, False, OnPause.SENT, _ANOTHER),
    # Worded when sent: who booked, and when (nothing once that session is off).
    Kind.REDRAW: KindSpec(redraw_key, False, OnPause.SKIPPED, _ANOTHER),
}


def kinds(*, wakes_planner: bool | None = None, on_pause=None, on_forget=None) -> list[Kind]:
    """The kinds whose entries match every condition given."""
    return [
        kind
        for kind, spec in OUTBOX.items()
        if (wakes_planner is None or spec.wakes_planner == wakes_planner)
        and (on_pause is None or spec.on_pause == on_pause)
        and (on_forget is None or spec.on_forget == on_forget)
    ]


def is_reminder(kind: str) -> bool:
    """Whether rows of `kind` remind of an earlier question (KindSpec.reminds)."""
    return OUTBOX[Kind(kind)].reminds is not None
