"""Outcome rows for the owner status benchmark: objectives, follow-ups with asks, pulse and fit
answers and the questions sent for them, written straight into the tables of a program that
`bench.scale.populate` filled with held sessions and a reflection on each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update

from storage.store import make_engine
from storage.tables import (
    followups,
    notifications,
    objectives,
    pairings,
    pulses,
    reflections,
    sessions,
)

CHUNK = 5_000
OBJECTIVE_STATES = ("not_started", "started", "started", "done")
ACTION_STATES = ("done", "done", "open", "still", "dropped")
FITS = ("yes",) * 8 + ("no", "not_sure")


async def fill(url: str, program_id: int, now: datetime) -> dict[str, int]:
    """Per pair: two objectives, one follow-up asked about per reflection (a fifth of those
    reflections private), a pulse answer from both people on every held session, fit answers
    after the first, and the post-session cards and follow-through questions sent. Returns
    counts."""
    engine = make_engine(url)
    counts: dict[str, int] = {}
    try:
        async with engine.begin() as conn:
            p, s, r = pairings, sessions, reflections
            pairs = (
                await conn.execute(
                    select(p.c.id, p.c.mentor_id, p.c.mentee_id).where(p.c.program_id == program_id)
                )
            ).all()
            people = {pid: (mentor, mentee) for pid, mentor, mentee in pairs}
            held = (
                await conn.execute(
                    select(s.c.id, s.c.pairing_id, s.c.number, r.c.id)
                    .join(r, r.c.session_id == s.c.id)
                    .where(s.c.program_id == program_id)
                    .order_by(s.c.id)
                )
            ).all()
            private = [row[3] for n, row in enumerate(held) if n % 5 == 4]
            for start in range(0, len(private), CHUNK):
                chunk = private[start : start + CHUNK]
                await conn.execute(update(r).where(r.c.id.in_(chunk)).values(visibility="private"))
            rows = {
                objectives: [
                    dict(
                        pairing_id=pid,
                        text="Lead a team review",
                        state=OBJECTIVE_STATES[(pid + k) % 4],
                        created_at=now,
                    )
                    for pid in people
                    for k in range(2)
                ],
                followups: [
                    dict(
                        pairing_id=pid,
                        reflection_id=reflection_id,
                        text="Try it with the finance team.",
                        done=ACTION_STATES[n % 5] == "done",
                        state=ACTION_STATES[n % 5],
                        asks=1 + n % 2,
                        created_at=now,
                    )
                    for n, (_, pid, _, reflection_id) in enumerate(held)
                ],
                pulses: [
                    dict(
                        kind=kind,
                        pairing_id=pid,
                        session_id=sid,
                        participant_id=person,
                        value=str(1 + (sid + person) % 5) if kind == "useful" else fit,
                        created_at=now,
                    )
                    for n, (sid, pid, number, _) in enumerate(held)
                    for person in people[pid]
                    for kind, fit in (("useful", ""), ("fit", FITS[(n + person) % 10]))
                    if kind == "useful" or number == 1
                ],
            }
            asked = []
            for n, (sid, pid, _, _) in enumerate(held):
                for person in people[pid]:  # the post-session card asks the rating (and fit)
                    key = f"session:{sid}:reflect:{person}"
                    asked.append(_sent(key, "reflect", f"session:{sid}", person, pid, sid))
                mentee = people[pid][1]
                key = f"followthrough:{n}:0"
                asked.append(_sent(key, "followthrough", "followthrough:0", mentee, pid, None))
                reminder = _sent(
                    key + ":reminder", "followthrough.reminder", "followthrough:0", mentee, pid
                )
                asked.append({**reminder, "status": "skipped"})
            rows[notifications] = asked
            for table, values in rows.items():
                for start in range(0, len(values), CHUNK):
                    await conn.execute(insert(table), values[start : start + CHUNK])
                counts[table.name] = len(values)
    finally:
        await engine.dispose()
    return counts


def _sent(key: str, kind: str, series: str, person: int, pid: int, sid: int | None = None):
    sent = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=pid % 1000)
    return dict(
        key=key,
        kind=kind,
        recipient_id=person,
        due_at=sent,
        series=series,
        pairing_id=pid,
        session_id=sid,
        payload={},
        status="sent",
        attempts=1,
        last_error="",
        sent_at=sent,
    )
