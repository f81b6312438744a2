"""Cadence policy: when a pair is due a nudge, and whether it is on cadence or at risk."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain import kinds
from bot.domain.model import Pairing, Program, Session, SessionStatus
from bot.domain.ports import Cutoffs, PairFigures

# After a missed or cancelled session the pair already saw a Schedule button; wait a little.
AFTER_MISSED = timedelta(days=2)
AFTER_CANCELLED = timedelta(days=1)


def booking_lead(program: Program) -> timedelta:
    """How long before the cadence is up the pair is asked to book (half the cadence, <= 7d)."""
    return timedelta(days=min(7, program.cadence_days // 2))


def upcoming(sessions: list[Session], now: datetime) -> Session | None:
    """The next scheduled session that has not started yet."""
    future = [s for s in sessions if s.status == SessionStatus.SCHEDULED and s.starts_at > now]
    return min(future, key=lambda s: s.starts_at) if future else None


def next_due(sessions: list[Session], program: Program) -> datetime | None:
    """When the pair's next session is due by the cadence: one cadence after the start of
    its latest session held or booked; None before the first."""
    counted = [s for s in sessions if s.status in (SessionStatus.HELD, SessionStatus.SCHEDULED)]
    last = max(counted, key=lambda s: s.starts_at) if counted else None
    return last.starts_at + program.cadence if last else None


def nudge_base(pairing: Pairing, sessions: list[Session], program: Program) -> datetime:
    """When the pair should next be asked to book, given its history (ignores upcoming ones)."""
    assert pairing.activated_at is not None
    counted = [s for s in sessions if s.status != SessionStatus.CANCELLED]
    last = max(counted, key=lambda s: s.starts_at) if counted else None
    if last is None:
        base = pairing.activated_at
    elif last.status == SessionStatus.MISSED:
        base = (last.outcome_at or last.ends_at) + AFTER_MISSED
    else:
        base = last.starts_at + program.cadence - booking_lead(program)
    # A "reschedule" answer cancels the session and offers a form; nudge if nothing follows.
    cancelled_at = max(
        (s.outcome_at for s in sessions if s.status == SessionStatus.CANCELLED and s.outcome_at),
        default=None,
    )
    anchor = last.starts_at if last else pairing.activated_at
    if cancelled_at is not None and cancelled_at > anchor:
        base = cancelled_at + AFTER_CANCELLED
    if pairing.snoozed_until and pairing.snoozed_until > base:
        base = pairing.snoozed_until
    return base


def nudge_series(pairing: Pairing, sessions: list[Session], program: Program) -> str:
    """The id of the pair's current round of nudges; it changes when the pair books or snoozes."""
    return kinds.nudge_series(pairing.id, nudge_base(pairing, sessions, program))


def risk(
    pairing: Pairing | PairFigures,
    last_held_at: datetime | None,
    upcoming_at: datetime | None,
    program: Program,
    now: datetime,
) -> tuple[str, int] | None:
    """Why an active pair is at risk, as (reason, days), or None, given when it last met and
    when it meets next (None: never, or nothing booked).

    A pair is at risk when it was escalated, or has gone more than twice the cadence without a
    held session (counted from its last held session, or from when it became active).
    """
    if pairing.status != "active" or pairing.activated_at is None or pairing.activated_at > now:
        return None  # not active (storage/definitions.py words the same rule for the store)
    if pairing.escalated_at is not None and upcoming_at is None:
        return ("escalated", 0)
    since = last_held_at or pairing.activated_at
    days = (now - since).days
    if now - since > 2 * program.cadence:
        return ("stale" if last_held_at else "never", days)
    return None


def cutoffs(program: Program, now: datetime) -> Cutoffs:
    """What owner status counts a program by as of `now`. The store picks the pairs at risk
    by `risk`'s rule (storage/definitions.py), and `risk` then says why."""
    return Cutoffs(now=now, cadence=program.cadence)
