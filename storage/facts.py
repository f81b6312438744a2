"""Owner status, counted in SQL: a program's sessions, pairs, reflections and outcomes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import Stage
from bot.domain.ports import PairFacts, ProgramFacts, StageFacts
from bot.outbox.kinds import Kind
from storage.outcome_facts import outcome_facts
from storage.tables import (
    checkins,
    followups,
    notifications,
    pairings,
    participants,
    reflections,
    sessions,
)


async def program_facts(
    conn: AsyncConnection, program_id: int, now: datetime, since: datetime
) -> ProgramFacts:
    """Counts and per-pair dates for one program's owner status (see ProgramFacts)."""
    s, p = sessions, pairings
    mine = s.c.pairing_id.in_(select(p.c.id).where(p.c.program_id == program_id))
    counted = and_(mine, s.c.status != "cancelled")
    started = case((s.c.starts_at <= now, 1), else_=0)
    facts = ProgramFacts()
    recent = and_(s.c.starts_at >= since, s.c.starts_at <= now)
    by_status = select(
        s.c.status,
        func.count(),
        func.sum(started),
        func.sum(case((recent, 1), else_=0)),
        func.sum(case((s.c.created_at >= since, 1), else_=0)),
    ).where(counted)
    for status, count, past, in_window, booked in await conn.execute(
        by_status.group_by(s.c.status)
    ):
        _count_sessions(facts.sessions, status, count, past or 0)
        # Sessions in the window have all started: scheduled ones there are unconfirmed.
        _count_sessions(facts.recent, status, in_window or 0, in_window or 0)
        facts.booked_recent += booked or 0
    held = case((s.c.status == "held", s.c.starts_at))
    ahead = case((and_(s.c.status == "scheduled", s.c.starts_at > now), s.c.starts_at))
    columns = (
        p.c.id,
        p.c.status,
        p.c.mentor_id,
        p.c.mentee_id,
        p.c.activated_at,
        p.c.escalated_at,
        p.c.declined_by,
    )
    per_pair = (
        select(*columns, func.max(held), func.min(ahead))
        .select_from(p.outerjoin(s, s.c.pairing_id == p.c.id))
        .where(p.c.program_id == program_id)
        .group_by(*columns)
        .order_by(p.c.id)
    )
    facts.pairs = [
        PairFacts(*row[:7], _utc(row[7]), _utc(row[8])) for row in await conn.execute(per_pair)
    ]
    r = reflections
    facts.reflections = await _scalar(
        conn, select(func.count()).select_from(r.join(s, r.c.session_id == s.c.id)).where(mine)
    )
    f = followups
    in_program = select(p.c.id).where(p.c.program_id == program_id)
    facts.implemented = await _scalar(
        conn, select(func.count()).where(f.c.pairing_id.in_(in_program), f.c.done.is_(True))
    )
    n = notifications
    failed = and_(n.c.pairing_id.in_(in_program), n.c.status == "failed")
    facts.failed = await _scalar(conn, select(func.count()).where(failed))
    if facts.failed:
        last = select(n.c.last_error).where(failed).order_by(n.c.due_at.desc(), n.c.id.desc())
        facts.last_error = (await conn.execute(last.limit(1))).scalar() or ""
    person = participants.c.id
    in_live_pair = (
        select(p.c.id)
        .where(
            p.c.program_id == program_id,
            p.c.status.in_(("proposed", "active")),
            or_(p.c.mentor_id == person, p.c.mentee_id == person),
        )
        .exists()
    )
    # Few people are unreachable: start from them, then check their pairs.
    unreachable = select(person).where(participants.c.reachable.is_(False), in_live_pair)
    facts.unreachable = sorted((await conn.execute(unreachable)).scalars())
    await _outcome_facts(conn, facts, program_id)
    facts.outcomes = await outcome_facts(conn, program_id)
    return facts


async def _outcome_facts(conn: AsyncConnection, facts: ProgramFacts, program_id: int) -> None:
    """Check-in answers by stage, and the mentors whose suggestions were implemented."""
    p, n, c, f = pairings, notifications, checkins, followups
    in_program = select(p.c.id).where(p.c.program_id == program_id)
    # Through the series index: only check-in rows are read, however big the outbox.
    stages = [f"checkin:{stage}" for stage in Stage]
    asked = (
        select(n.c.series, func.count())
        .where(
            n.c.series.in_(stages),
            n.c.kind == Kind.CHECKIN,
            n.c.status == "sent",
            n.c.pairing_id.in_(in_program),
        )
        .group_by(n.c.series)
    )
    found = {series.removeprefix("checkin:"): count for series, count in await conn.execute(asked)}
    answers = (
        select(c.c.stage, func.count(), func.count(c.c.rating), func.sum(c.c.rating))
        .where(c.c.pairing_id.in_(in_program))
        .group_by(c.c.stage)
    )
    answered = {row[0]: row[1:] for row in await conn.execute(answers)}
    for stage in sorted(set(found) | set(answered)):
        count, rated, total = answered.get(stage, (0, 0, 0))
        facts.checkins[stage] = StageFacts(found.get(stage, 0), count, rated, int(total or 0))
    facts.mentors = len({pair.mentor_id for pair in facts.pairs})
    if not facts.implemented:
        return
    # Mentors are named for suggestions from reflections that are not private.
    r = reflections
    per_pair = (
        select(f.c.pairing_id, func.count())
        .select_from(f.join(r, r.c.id == f.c.reflection_id))
        .where(f.c.pairing_id.in_(in_program), f.c.done.is_(True), r.c.visibility != "private")
        .group_by(f.c.pairing_id)
    )
    mentor_of = {pair.id: pair.mentor_id for pair in facts.pairs}
    per_mentor: dict[int, int] = {}
    for pairing_id, count in await conn.execute(per_pair):
        mentor = mentor_of[pairing_id]
        per_mentor[mentor] = per_mentor.get(mentor, 0) + count
    ranked = sorted(per_mentor.items(), key=lambda item: (-item[1], item[0]))
    facts.top_mentors = ranked[:3]


async def _scalar(conn: AsyncConnection, query) -> int:
    return int((await conn.execute(query)).scalar() or 0)


def _count_sessions(counts: dict[str, int], status: str, count: int, started: int) -> None:
    """Scheduled sessions that have started are "unconfirmed": nobody said how it went."""
    if status == "scheduled":
        counts["scheduled"] = counts.get("scheduled", 0) + count - started
        counts["unconfirmed"] = counts.get("unconfirmed", 0) + started
    else:
        counts[status] = counts.get(status, 0) + count
    for name in ("scheduled", "unconfirmed", status):
        if counts.get(name) == 0:
            del counts[name]


def _utc(value: datetime | str | None) -> datetime | None:
    """MIN/MAX of a timestamp: SQLite hands back its text, PostgreSQL a datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
