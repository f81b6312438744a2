"""Domain records: programs, people, pairings, sessions, reflections, follow-ups, notifications."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

SESSION_MINUTES_MIN = 30
SESSION_MINUTES_MAX = 60
SESSION_MINUTES_OFFERED = (30, 45, 60)


class PairingStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    DECLINED = "declined"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    MISSED = "missed"
    CANCELLED = "cancelled"


class Visibility(StrEnum):
    """Who may read a reflection: only its author, the pair, or the program owners too."""

    PRIVATE = "private"
    PAIR = "pair"
    PROGRAM = "program"


class Role(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


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
    created_at: datetime | None = None
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
    created_at: datetime | None = None
    id: int | None = None

    @property
    def handle(self) -> str:
        """The `platform:user_id` form used in configuration and CSV files."""
        return f"{self.platform}:{self.user_id}"

    @property
    def first_name(self) -> str:
        return (self.display_name or self.user_id).split()[0]


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
    id: int | None = None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


@dataclass
class Reflection:
    session_id: int
    author_id: int
    role: str
    what_changed: str
    will_do: str = ""
    visibility: str = Visibility.PROGRAM
    created_at: datetime | None = None
    id: int | None = None


@dataclass
class FollowUp:
    """Something a reflection said would be done; carried to later agendas until done."""

    pairing_id: int
    reflection_id: int
    text: str
    done: bool = False
    created_at: datetime | None = None
    done_at: datetime | None = None
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


def parse_handle(text: str) -> tuple[str, str]:
    """Split `platform:user_id` (the user id may itself contain colons, as Teams ids do)."""
    platform, sep, user_id = text.strip().partition(":")
    if not sep or not platform or not user_id:
        raise ValueError(f"{text!r} should look like platform:user_id, e.g. slack:U123.")
    if len(platform) > 20 or len(user_id) > 200:
        raise ValueError(f"{text[:40]!r}... is too long for a platform:user_id.")
    return platform.lower(), user_id
