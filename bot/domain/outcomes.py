"""What pairs make of their sessions: objectives, where actions stand, the one-tap pulse
and fit answers, and program check-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class ObjectiveState(StrEnum):
    NOT_STARTED = "not_started"
    STARTED = "started"
    DONE = "done"


class FollowUpState(StrEnum):
    """Where a follow-up (a "will do" line) stands; its author is asked later."""

    OPEN = "open"
    STILL = "still"  # asked, and still on it
    DONE = "done"
    DROPPED = "dropped"


class Heard(StrEnum):
    """The mentor's answer to "Did <leader> listen to what you brought?" (after the first
    and third held sessions; the program owners alone read it)."""

    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class Fit(StrEnum):
    """The answer to "Is this pairing working for you?" after the first held session."""

    YES = "yes"
    NOT_SURE = "not_sure"
    NO = "no"


@dataclass
class Objective:
    """One of a pair's one to three learning objectives. `written_by` is who wrote its text
    (one of the pair, or the owner who proposed the pairing; none from a roster file) and
    `edited_by` who last moved it on; the text is emptied when its author is forgotten."""

    pairing_id: int
    text: str
    state: str = ObjectiveState.NOT_STARTED
    done_on: date | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    written_by: int | None = None
    edited_by: int | None = None
    id: int | None = None


@dataclass
class Pulse:
    """One person's one-tap answer: how useful a held session was (`kind` "useful", 1-5),
    or whether the pairing works for them after the first one (`kind` "fit", a Fit)."""

    kind: str
    pairing_id: int
    session_id: int
    participant_id: int
    value: str
    created_at: datetime | None = None
    id: int | None = None


@dataclass
class CheckIn:
    """One person's answer to a program check-in: a 1-5 rating (not asked at the start)
    and a few words; program owners read both."""

    pairing_id: int
    participant_id: int
    stage: str
    rating: int | None = None
    text: str = ""
    created_at: datetime | None = None
    id: int | None = None
