"""What owners' figures mean, each defined once, as SQL over a program's pairings and
sessions as of a moment `at`. Owner status counts them as of now, a closed week as of its
end; the digest, the charts and the export read those two, so they cannot disagree.

- **active**: a pair that had begun (accepted by both) by `at` and was not paused, ended or
  completed then (a pair ended since still counts for the moments before its end).
- **at risk**: an active pair that has not held a session for more than twice the cadence
  (counted from its last held session, or from when it began), or that was escalated and
  has nothing booked.
- **meeting regularly**: an active pair, not at risk, that held a session within one cadence
  before `at` or has one booked within one cadence after it. A pair that has only begun has
  not met.
- **doubted**: a pair still going (active or paused) about which one of them answered "no"
  or "not sure" when asked whether the match works (owners: "said the match may not be
  working").
- **changed** (the digest's story): what a leader (a mentee) said changed in a reflection
  the owners may read under their name (shared with the program owners or everyone, not
  without their name), or a follow-up of such a reflection marked done.
- **held, missed, not confirmed** (sessions of a week): sessions that started in the week by
  `at`, by what was said of them (held, missed, or nothing yet); **booked**: sessions booked
  in the week by `at` and not cancelled.

`live` says that `at` is now: each pair's last held session is then read from the figures
it keeps (storage/pair_figures.py) rather than looked up among its sessions.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from bot.domain.model import PairingStatus, Role, SessionStatus, Visibility
from storage.tables import pairings, participants, reflections, sessions

ACTIVE = PairingStatus.ACTIVE.value
HELD, MISSED, SCHEDULED, CANCELLED = (
    s.value
    for s in (
        SessionStatus.HELD,
        SessionStatus.MISSED,
        SessionStatus.SCHEDULED,
        SessionStatus.CANCELLED,
    )
)


def active(at: Any) -> Any:
    p = pairings
    still = or_(p.c.status == ACTIVE, and_(p.c.ended_at.is_not(None), p.c.ended_at > at))
    return and_(p.c.activated_at <= at, still)


def _last_held(at: Any, live: bool) -> Any:
    if live:
        return pairings.c.last_held_at
    s = sessions
    held = and_(s.c.pairing_id == pairings.c.id, s.c.status == HELD, s.c.starts_at <= at)
    return select(func.max(s.c.starts_at)).where(held).scalar_subquery()


def booked_ahead(at: Any, by: Any = None, live: bool = False) -> Any:
    """Whether the pair had a session booked by `at` to start after it (and by `by`): one
    still scheduled, or, looking back, one not cancelled since (it may have been held)."""
    s = sessions
    booked = s.c.status == SCHEDULED if live else s.c.status != CANCELLED
    ahead = and_(
        s.c.pairing_id == pairings.c.id,
        booked,
        s.c.starts_at > at,
        or_(s.c.created_at.is_(None), s.c.created_at <= at),
    )
    if by is not None:
        ahead = and_(ahead, s.c.starts_at <= by)
    return select(s.c.id).where(ahead).exists()


def at_risk(at: datetime, cadence: timedelta, live: bool = False) -> Any:
    p = pairings
    since = func.coalesce(_last_held(at, live), p.c.activated_at)
    booked = booked_ahead(at, live=live)
    escalated = and_(p.c.escalated_at.is_not(None), ~booked)
    if not live:  # looking back: escalated by then
        escalated = and_(escalated, p.c.escalated_at <= at)
    return and_(active(at), or_(since < at - 2 * cadence, escalated))


def regular(at: datetime, cadence: timedelta, live: bool = False) -> Any:
    met = or_(_last_held(at, live) >= at - cadence, booked_ahead(at, at + cadence, live))
    return and_(active(at), ~at_risk(at, cadence, live), met)


def doubted() -> Any:
    p = pairings
    return and_(p.c.status.in_((ACTIVE, PairingStatus.PAUSED.value)), p.c.fit_doubts > 0)


def changed(program_id: int) -> tuple[Any, Any]:
    """The reflections (and, joined to them, the follow-ups) that may tell what a program's
    leaders changed: a condition over reflections, and the join that reaches them."""
    r, s, who = reflections, sessions, participants
    named = and_(
        s.c.program_id == program_id,
        r.c.role == Role.MENTEE.value,
        r.c.visibility.in_((Visibility.PROGRAM.value, Visibility.SHARED.value)),
        r.c.anonymous.is_(False),
        who.c.forgotten_at.is_(None),
    )
    joined = r.join(s, s.c.id == r.c.session_id).join(who, who.c.id == r.c.author_id)
    return named, joined


def week_sessions(program_id: int, start: datetime, at: datetime) -> dict[str, Any]:
    """A week's sessions as of `at` (the week's end, or now): name -> a count."""
    s = sessions

    def number(*where: Any) -> Any:
        return select(func.count()).where(s.c.program_id == program_id, *where).scalar_subquery()

    started = (s.c.starts_at >= start, s.c.starts_at < at)
    return {
        "held": number(s.c.status == HELD, *started),
        "missed": number(s.c.status == MISSED, *started),
        "unconfirmed": number(s.c.status == SCHEDULED, *started),
        "booked": number(s.c.created_at >= start, s.c.created_at < at, s.c.status != CANCELLED),
    }


def week_pairs(program_id: int, at: datetime, cadence: timedelta, live: bool) -> dict[str, Any]:
    """A program's pairs as of `at`: name -> a count."""
    p = pairings

    def number(where: Any) -> Any:
        mine = and_(p.c.program_id == program_id, where)
        return select(func.count()).select_from(p).where(mine).scalar_subquery()

    return {
        "active": number(active(at)),
        "regular": number(regular(at, cadence, live)),
        "at_risk": number(at_risk(at, cadence, live)),
    }
