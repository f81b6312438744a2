"""Domain records: programs, people, pairings, sessions, reflections, follow-ups, notifications."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.outcomes import FollowUpState

SESSION_MINUTES_MIN = 30
SESSION_MINUTES_MAX = 60
SESSION_MINUTES_OFFERED = (30, 45, 60)


class PairingStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    DECLINED = "declined"
    ENDED = "ended"  # ended early by one of the two, or by an owner


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    MISSED = "missed"
    CANCELLED = "cancelled"


class Visibility(StrEnum):
    """Who may read a reflection: only its author, the pair, the program owners too, or
    everyone in the program (the learnings library)."""

    PRIVATE = "private"
    PAIR = "pair"
    PROGRAM = "program"
    SHARED = "shared"


class Role(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


class Stage(StrEnum):
    """The three program check-ins: at the start, half-way, and at the end."""

    EXPECTATIONS = "expectations"
    MIDPOINT = "midpoint"
    FINAL = "final"


class Recognition(StrEnum):
    """Who hears when a mentee implements a mentor's suggestion (the mentor always does)."""

    MENTOR = "mentor"
    MANAGER = "manager"  # and the mentor's manager


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class Program:
    name: str
    objective: str = "digital skills"
    cadence_days: int = 14
    session_minutes: int = 45
    starts_on: date | None = None
    ends_on: date | None = None
    owners: list[str] = field(default_factory=list)
    agenda_set: str = ""
    reflection_visibility: str = Visibility.PROGRAM
    timezone: str = "UTC"
    working_hours: str | None = None
    recognition: str = Recognition.MENTOR
    created_at: datetime | None = None
    # Days after a reflection that its author is asked whether a "will do" happened.
    followup_days: int = 30
    # Whether the booking form takes a time outside the partner's working hours.
    allow_outside_hours: bool = False
    # The mentor's topic guides an owner gave the program (bot/policy/guides.py), or None
    # for its agenda set's.
    guides: dict | None = None
    id: int | None = None

    @property
    def cadence(self) -> timedelta:
        return timedelta(days=self.cadence_days)


@dataclass
class Participant:
    """One person on one platform; `user_id` is the platform's id for them."""

    platform: str
    user_id: str
    display_name: str = ""
    workspace: str = ""
    timezone: str | None = None
    reachable: bool = True
    # Where the platform lets us start a conversation with them (a Teams conversation
    # reference); opaque to the engine, kept fresh from every inbound event.
    address: dict | None = None
    # Set when the person asked us to forget them: name, address and texts are gone.
    forgotten_at: datetime | None = None
    created_at: datetime | None = None
    # When they last reached us themselves, to within a minute (see Context.person_for).
    contacted_at: datetime | None = None
    # Their e-mail address, where the platform tells us (calendar invites name attendees).
    email: str = ""
    # The SHA-256 digest (hex) of the secret in their personal calendar feed's address; the
    # secret itself is not kept. None until they ask for a feed.
    calendar_token: str | None = None
    # Grows with each `calendar reset`: links handed out before (Teams invite downloads)
    # carry the generation they were made in, and stop working.
    link_generation: int = 0
    id: int | None = None

    @property
    def handle(self) -> str:
        """The `platform:user_id` form used in configuration and CSV files."""
        return f"{self.platform}:{self.user_id}"

    @property
    def first_name(self) -> str:
        return self.label.split()[0] if not self.forgotten_at else self.label

    @property
    def label(self) -> str:
        """The name to show, its spaces tidied; the user id when the name is nothing but
        whitespace (a platform profile may say "\u3000"); someone who asked to be forgotten
        has none."""
        if self.forgotten_at:
            return "a former participant"
        return " ".join(self.display_name.split()) or self.user_id


@dataclass
class Pairing:
    program_id: int
    mentor_id: int
    mentee_id: int
    goal: str = ""
    why: str = ""
    status: str = PairingStatus.PROPOSED
    mentor_consent: bool | None = None
    mentee_consent: bool | None = None
    declined_by: int | None = None
    created_at: datetime | None = None
    activated_at: datetime | None = None
    snoozed_until: datetime | None = None
    escalated_at: datetime | None = None
    ended_at: datetime | None = None
    ended_by: int | None = None
    # When the planner next has to look at this pair; None means at the next tick.
    plan_at: datetime | None = None
    id: int | None = None

    def role_of(self, participant_id: int) -> Role | None:
        if participant_id == self.mentor_id:
            return Role.MENTOR
        if participant_id == self.mentee_id:
            return Role.MENTEE
        return None

    def other(self, participant_id: int) -> int:
        return self.mentee_id if participant_id == self.mentor_id else self.mentor_id


@dataclass
class Session:
    pairing_id: int
    starts_at: datetime
    minutes: int
    number: int = 1
    topic: str = ""
    status: str = SessionStatus.SCHEDULED
    scheduled_by: int | None = None
    created_at: datetime | None = None
    outcome_at: datetime | None = None
    outcome_by: int | None = None
    # The calendar event: `uid` stays the same through moves (a move cancels this row and
    # books a new one with the same uid) and `sequence` grows with every change. Sessions
    # booked as a series share one uid; `recurrence_id` is then the occurrence's original
    # start, and `repeat_days`/`repeat_count` the series' rule. `tzid` is the booker's zone.
    uid: str = ""
    sequence: int = 0
    location: str = ""
    tzid: str = "UTC"
    recurrence_id: datetime | None = None
    repeat_days: int = 0
    repeat_count: int = 0
    id: int | None = None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)

    @property
    def in_series(self) -> bool:
        return self.recurrence_id is not None


@dataclass
class Reflection:
    session_id: int
    author_id: int
    role: str
    what_changed: str
    will_do: str = ""
    visibility: str = Visibility.PROGRAM
    created_at: datetime | None = None
    # Shared with the program without the author's name.
    anonymous: bool = False
    id: int | None = None


@dataclass
class FollowUp:
    """Something a reflection said would be done (an action owned by the reflection's
    author); carried to later agendas until done, and asked about `followup_days` later.
    `asks` counts the rounds its author was asked in (Still on it starts another)."""

    pairing_id: int
    reflection_id: int
    text: str
    done: bool = False
    created_at: datetime | None = None
    done_at: datetime | None = None
    state: str = FollowUpState.OPEN
    asks: int = 0
    id: int | None = None


@dataclass
class Enrolment:
    """A person's profile in one program's pool: their role and what they bring or seek.

    Skill and interest lists are lower-cased items (see bot.policy.matching.skills)."""

    program_id: int
    participant_id: int
    role: str
    interests: list[str] = field(default_factory=list)
    teaches: list[str] = field(default_factory=list)
    learns: list[str] = field(default_factory=list)
    manager_id: int | None = None
    status: str = "enrolled"  # enrolled | left
    created_at: datetime | None = None
    id: int | None = None


@dataclass
class Proposal:
    """A pair suggested by `match`, waiting for the owner to confirm or change it; `run`
    groups the proposals of one match."""

    program_id: int
    run: str
    mentor_id: int
    mentee_id: int
    goal: str = ""
    reason: str = ""
    status: str = "draft"  # draft | confirmed | replaced
    created_at: datetime | None = None
    id: int | None = None


@dataclass
class Notification:
    """A row of the outbox: one message for one person, due at a time, sent at most once."""

    key: str
    kind: str
    recipient_id: int
    due_at: datetime
    series: str = ""
    pairing_id: int | None = None
    session_id: int | None = None
    payload: dict = field(default_factory=dict)
    status: str = NotificationStatus.PENDING
    attempts: int = 0
    last_error: str = ""
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None
    id: int | None = None


class DelegationStatus(StrEnum):
    ASKED = "asked"  # the leader (or an owner's import) named them; they have not answered
    ACTIVE = "active"  # they confirmed: they may book for the leader
    DECLINED = "declined"  # they said no
    ENDED = "ended"  # `delegate none`, another assistant named, or forget-me


@dataclass
class Delegation:
    """An assistant who may book, move and cancel a leader's sessions (and gets the leader's
    booking nudges and a copy of each invite) - nothing else of the leader's pairs."""

    leader_id: int
    assistant_id: int
    status: str = DelegationStatus.ASKED
    named_by: int | None = None  # the leader, or the owner whose import named them
    created_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class Later:
    """What composing a row says when it came due too early (a reminder whose question has
    not gone out yet): send it at `until` instead."""

    until: datetime
