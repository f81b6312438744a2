"""Shared by the storage tests: the moment they are set at, alembic run on a test's
connection, and a world of programs whose figures the store must keep right."""

import random
from datetime import UTC, datetime, timedelta

from bot.domain.model import (
    FollowUp,
    Notification,
    Pairing,
    Participant,
    Program,
    Reflection,
    Session,
    Stage,
)
from bot.domain.outcomes import Objective, Pulse
from storage import migrate
from tests.harness import unit_of_work

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)
PAIR_STATUSES = ("proposed", "active", "active", "active", "paused", "completed", "declined")
SESSION_STATUSES = ("scheduled", "held", "missed", "cancelled")
OBJECTIVE_STATES = ("not_started", "started", "done")
ACTION_STATES = ("open", "still", "done", "dropped")
ANSWERS = {"useful": ("1", "2", "3", "4", "5"), "fit": ("yes", "no", "not_sure")}
# Outbox rows of the questions counted as sent (series "{session}": the row's session id):
# post-session cards (each asks the rating), their reminders, pulse and fit rows queued
# before the card asked both, follow-through questions and check-ins.
ASKED = (("reflect", "session:{session}"), ("reflect.reminder", "session:{session}"))
ASKED += (("pulse", "pulse"), ("fit", "fit"), ("followthrough", "followthrough:0"))
ASKED += (("followthrough.reminder", "followthrough:0"), ("followthrough", "followthrough:1"))
ASKED += (*(("checkin", f"checkin:{stage}") for stage in Stage), ("checkin.reminder", "checkin:1"))


def _moments(program: Program, now: datetime) -> list[datetime]:
    """Times on and around every cutoff owner status sorts by, and some in between."""
    c = program.cadence
    edges = [now - 2 * c, now - timedelta(days=30), now - c, now, now + c]
    near = [edge + delta for edge in edges for delta in (-TICK, timedelta(0), TICK)]
    return near + [now - timedelta(days=d) for d in (1, 5, 20, 45, 90)] + [now + timedelta(days=3)]


async def world(store, rng: random.Random) -> list[Program]:
    """Two programs of pairs in every state, with sessions, reflections and follow-ups
    written, changed and deleted through the store in several transactions."""
    async with unit_of_work(store) as tx:
        programs = [
            await tx.add(Program(name=f"P{n}", cadence_days=days)) for n, days in enumerate((7, 14))
        ]
        people = [
            await tx.add(
                Participant(
                    platform="console",
                    user_id=f"u{i}",
                    display_name=f"Person {i}",
                    reachable=i % 11 != 3,
                )
            )
            for i in range(60)
        ]
        pairs = []
        for n in range(30):
            program = programs[n % 2]
            status = rng.choice(PAIR_STATUSES)
            mentor, mentee = people[2 * n], people[2 * n + 1]
            pairs.append(
                await tx.add(
                    Pairing(
                        program_id=program.id,
                        mentor_id=(mentor if n % 5 else people[0]).id,
                        mentee_id=mentee.id,
                        status=status,
                        activated_at=rng.choice(_moments(program, NOW)[:12] + [None] * 2)
                        if status != "proposed"
                        else None,
                        escalated_at=NOW - timedelta(days=2) if rng.random() < 0.3 else None,
                        declined_by=rng.choice((mentor.id, mentee.id, None))
                        if status == "declined"
                        else None,
                    )
                )
            )
        programs_by_id = {p.id: p for p in programs}
        sessions = []
        for pair in pairs:
            moments = _moments(programs_by_id[pair.program_id], NOW)
            for _ in range(rng.randrange(0, 6)):
                starts = rng.choice(moments)
                sessions.append(
                    await tx.add(
                        Session(
                            pairing_id=pair.id,
                            starts_at=starts,
                            minutes=45,
                            status=rng.choice(SESSION_STATUSES),
                            created_at=rng.choice(moments[:9]),
                        )
                    )
                )
    async with unit_of_work(store) as tx:
        for session in sessions:
            pair = next(p for p in pairs if p.id == session.pairing_id)
            for author in (pair.mentee_id, pair.mentor_id):
                if rng.random() < 0.5:
                    shared = rng.choice(("program", "pair", "private"))
                    reflection = await tx.add(
                        Reflection(
                            session_id=session.id,
                            author_id=author,
                            role="mentee",
                            what_changed="x",
                            visibility=shared,
                        )
                    )
                    if rng.random() < 0.4:
                        await tx.add(_action(pair.id, reflection.id, rng))
        await tx.queue.add_notification(
            Notification(
                key="k1",
                kind="note",
                recipient_id=people[1].id,
                due_at=NOW,
                pairing_id=pairs[0].id,
                status="failed",
                last_error="blocked",
            )
        )
    await _outcomes(store, rng, pairs, sessions, people)
    # Outcomes, one at a time, all at once, and some reflections taken back.
    async with unit_of_work(store) as tx:
        for session in rng.sample(sessions, len(sessions) // 3):
            session.status = rng.choice(SESSION_STATUSES)
            await tx.save(session, fields=("status", "outcome_at"))
        for session in rng.sample(sessions, len(sessions) // 5):
            session.status = rng.choice(SESSION_STATUSES)
            await tx.save(session)
        changed = rng.sample(sessions, len(sessions) // 5)
        for session in changed:
            session.status = rng.choice(SESSION_STATUSES)
        await tx.save_many(changed, ("status",))
    async with unit_of_work(store) as tx:
        written = await tx.find(Reflection)
        for reflection in rng.sample(written, len(written) // 4):
            await tx.delete(FollowUp, reflection_id=reflection.id)
            await tx.delete(Reflection, id=reflection.id)
    return programs


def _action(pairing_id: int, reflection_id: int, rng: random.Random) -> FollowUp:
    state = rng.choice(ACTION_STATES)
    done = state == "done" if rng.random() < 0.9 else rng.random() < 0.5
    asks = rng.choice((0, 0, 1, 2))
    return FollowUp(pairing_id, reflection_id, "t", done=done, state=state, asks=asks)


async def _outcomes(store, rng: random.Random, pairs, sessions, people) -> None:
    """Objectives, pulse and fit answers and the questions sent, written; then objectives,
    actions, answers and reflections' visibility changed or deleted, and pairs paused."""
    async with unit_of_work(store) as tx:
        for pair in pairs:
            for _ in range(rng.randrange(0, 4)):
                await tx.add(Objective(pair.id, "o", state=rng.choice(OBJECTIVE_STATES)))
        for n, session in enumerate(sessions):
            pair = next(p for p in pairs if p.id == session.pairing_id)
            for person in (pair.mentor_id, pair.mentee_id):
                for kind, values in ANSWERS.items():
                    if rng.random() < 0.5:
                        answer = Pulse(kind, pair.id, session.id, person, rng.choice(values))
                        await tx.add(answer)
                kind, series = rng.choice(ASKED)
                # Sent as it is queued: a card shown in the answer to "It happened".
                status = rng.choice(("pending", "pending", "pending", "skipped", "sent"))
                await tx.queue.add_notification(
                    Notification(
                        key=f"asked:{n}:{person}",
                        kind=kind,
                        recipient_id=person,
                        due_at=NOW,
                        series=series.format(session=session.id),
                        pairing_id=pair.id,
                        session_id=session.id,
                        status=status,
                        sent_at=NOW if status == "sent" else None,
                    )
                )
    async with unit_of_work(store) as tx:  # sent (or not) as delivery marks them
        claimed = await tx.queue.claim_due(NOW, "w", timedelta(minutes=5), 10_000, ["console"])
        assert claimed
        for row in claimed:
            row.status = rng.choice(("sent", "sent", "pending"))
            row.sent_at = NOW if row.status == "sent" else None
        await tx.queue.release(claimed, "w")
    async with unit_of_work(store) as tx:
        pair_ids = [p.id for p in pairs]
        goals = await tx.find(Objective)
        for goal in rng.sample(goals, len(goals) // 3):
            goal.state = rng.choice(OBJECTIVE_STATES)
            await tx.save(goal, fields=("state",) if rng.random() < 0.5 else ())
        await tx.delete(Objective, id=[g.id for g in rng.sample(goals, len(goals) // 6)])
        actions = await tx.find(FollowUp)
        changed = rng.sample(actions, len(actions) // 3)
        for action in changed:
            new = _action(action.pairing_id, action.reflection_id, rng)
            action.state, action.done, action.asks = new.state, new.done, new.asks
        await tx.save_many(changed, ("state", "done", "asks"))
        for action in rng.sample(actions, len(actions) // 6):
            action.state, action.done = "dropped", False
            await tx.save(action, fields=("state", "done"))
    async with unit_of_work(store) as tx:  # only visibility: top mentors change with it
        written = await tx.find(Reflection)
        for reflection in rng.sample(written, len(written) // 3):
            reflection.visibility = rng.choice(("program", "pair", "private"))
            await tx.save(reflection, fields=("visibility",))
        shown = rng.sample(written, len(written) // 6)
        for reflection in shown:
            reflection.visibility = rng.choice(("program", "private"))
        await tx.save_many(shown, ("visibility",))
    async with unit_of_work(store) as tx:
        answers = await tx.find(Pulse)
        for answer in rng.sample(answers, len(answers) // 4):
            answer.value = rng.choice(ANSWERS[answer.kind])
            await tx.save(answer, fields=("value",))
        await tx.delete(Pulse, id=[a.id for a in rng.sample(answers, len(answers) // 8)])
        await tx.delete(Pulse, pairing_id=rng.sample(pair_ids, 2))
        for pair in rng.sample(pairs, 4):
            pair.status = rng.choice(("active", "paused", "completed"))
            await tx.save(pair, fields=("status",))


def migration(action, revision):
    """A function for `conn.run_sync` that runs alembic's `action` (command.upgrade or
    command.downgrade) to `revision` on that connection."""
    config = migrate._config()

    def go(sync_connection) -> None:
        config.attributes["connection"] = sync_connection
        action(config, revision)

    return go
