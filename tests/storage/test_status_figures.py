"""Owner status from the figures the store keeps on each pairing: the same as counting the
rows themselves, after every kind of write, at any moment; and no recount is lost when two
transactions change one pair's sessions, or its pulse answers, at once."""

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import insert, select, text

from bot.context import Context
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
from bot.domain.ports import OutcomeFacts, StageFacts
from bot.flows.status import RECENT, ProgramStatus, Risk, program_status
from bot.policy import cadence
from bot.policy.rules import EngineConfig
from storage import migrate
from storage.tables import pairings, participants, programs, reflections, sessions

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
    edges = [now - 2 * c, now - RECENT, now - c, now, now + c]
    near = [edge + delta for edge in edges for delta in (-TICK, timedelta(0), TICK)]
    return near + [now - timedelta(days=d) for d in (1, 5, 20, 45, 90)] + [now + timedelta(days=3)]


async def _world(store, rng: random.Random) -> list[Program]:
    """Two programs of pairs in every state, with sessions, reflections and follow-ups
    written, changed and deleted through the store in several transactions."""
    async with store.transaction() as tx:
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
    async with store.transaction() as tx:
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
        await tx.add_notification(
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
    async with store.transaction() as tx:
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
    async with store.transaction() as tx:
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
    async with store.transaction() as tx:
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
                await tx.add_notification(
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
    async with store.transaction() as tx:  # sent (or not) as delivery marks them
        claimed = await tx.claim_due(NOW, "w", timedelta(minutes=5), 10_000, ["console"])
        assert claimed
        for row in claimed:
            row.status = rng.choice(("sent", "sent", "pending"))
            row.sent_at = NOW if row.status == "sent" else None
        await tx.release(claimed, "w")
    async with store.transaction() as tx:
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
    async with store.transaction() as tx:  # only visibility: top mentors change with it
        written = await tx.find(Reflection)
        for reflection in rng.sample(written, len(written) // 3):
            reflection.visibility = rng.choice(("program", "pair", "private"))
            await tx.save(reflection, fields=("visibility",))
        shown = rng.sample(written, len(written) // 6)
        for reflection in shown:
            reflection.visibility = rng.choice(("program", "private"))
        await tx.save_many(shown, ("visibility",))
    async with store.transaction() as tx:
        answers = await tx.find(Pulse)
        for answer in rng.sample(answers, len(answers) // 4):
            answer.value = rng.choice(ANSWERS[answer.kind])
            await tx.save(answer, fields=("value",))
        await tx.delete(Pulse, id=[a.id for a in rng.sample(answers, len(answers) // 8)])
        await tx.delete(Pulse, pairing_id=rng.sample(pair_ids, 2))
        for pair in rng.sample(pairs, 4):
            pair.status = rng.choice(("active", "paused", "completed"))
            await tx.save(pair, fields=("status",))


def _checkins_counted(asked) -> dict[str, StageFacts]:
    """Check-in questions sent by stage (the world has no answers)."""
    sent = Counter(n.series for n in asked if (n.kind, n.status) == ("checkin", "sent"))
    return {series.removeprefix("checkin:"): StageFacts(n) for series, n in sent.items()}


def _outcomes_counted(pairs, actions, written, goals, answers, asked) -> OutcomeFacts:
    """The outcome figures counted in Python from the program's rows."""
    planned = [a for a in actions if a.asks > 0]
    useful = [int(a.value) for a in answers if a.kind == "useful"]
    going = {p.id for p in pairs if p.status in ("active", "paused")}
    doubts = {a.pairing_id for a in answers if a.kind == "fit" and a.value in ("no", "not_sure")}

    def sent(kind: str, series: str | None = None) -> int:
        """Rows of `kind` sent (of `series`, when given)."""
        return sum(
            1 for n in asked if (n.kind, n.status) == (kind, "sent") and series in (None, n.series)
        )

    return OutcomeFacts(
        objectives=dict(Counter(g.state for g in goals)),
        actions_planned=len(planned),
        actions_asked=sent("followthrough", "followthrough:0"),
        actions_done=sum(1 for a in planned if a.state == "done"),
        actions_dropped=sum(1 for a in planned if a.state == "dropped"),
        pulse_asked=sent("reflect"),  # each post-session card asks the 1-5 rating
        pulse_answers=len(useful),
        pulse_sum=sum(useful),
        fit_alerts=len(doubts & going),
    )


def _on_cadence(pair: Pairing, last_held, upcoming, program: Program, now: datetime) -> bool:
    """Owner status's cadence rule as it was written before the store counted it."""
    if last_held and now - last_held <= program.cadence:
        return True
    if upcoming and upcoming - now <= program.cadence:
        return True
    return now - pair.activated_at <= program.cadence


async def _counted_from_rows(store, program: Program, now: datetime) -> ProgramStatus:
    """Owner status counted in Python from every row of the program."""
    async with store.transaction() as tx:
        pairs = await tx.find(Pairing, program_id=program.id)
        sessions = await tx.find(Session, pairing_id=[p.id for p in pairs])
        written = await tx.find(Reflection, session_id=[s.id for s in sessions])
        actions = await tx.find(FollowUp, pairing_id=[p.id for p in pairs])
        goals = await tx.find(Objective, pairing_id=[p.id for p in pairs])
        answers = await tx.find(Pulse, pairing_id=[p.id for p in pairs])
        asked = await tx.find(Notification, pairing_id=[p.id for p in pairs])
        failed = await tx.find(Notification, status="failed")
        people = {p.id: p for p in await tx.find(Participant)}
    since = now - RECENT
    counted = [s for s in sessions if s.status != "cancelled"]
    totals, recent = Counter(), Counter()
    for s in counted:
        unconfirmed = s.status == "scheduled" and s.starts_at <= now
        totals["unconfirmed" if unconfirmed else s.status] += 1
        if since <= s.starts_at <= now:
            recent["unconfirmed" if s.status == "scheduled" else s.status] += 1
    name = lambda pid: people[pid].label  # noqa: E731
    active, risks, on_cadence = [p for p in pairs if p.status == "active"], [], 0
    for p in active:
        own = [s for s in sessions if s.pairing_id == p.id]
        last = max((s.starts_at for s in own if s.status == "held"), default=None)
        ahead = [s.starts_at for s in own if s.status == "scheduled" and s.starts_at > now]
        upcoming = min(ahead, default=None)
        found = cadence.risk(p, last, upcoming, program, now)
        if found:
            risks.append(Risk(p.id, name(p.mentee_id), name(p.mentor_id), *found))
        if p.activated_at is not None:
            on_cadence += _on_cadence(p, last, upcoming, program, now)
    risks.sort(key=lambda r: (r.reason != "escalated", -r.days))
    mentor_of = {p.id: p.mentor_id for p in pairs}
    done = [a for a in actions if a.done]
    private = {r.id for r in written if r.visibility == "private"}
    named = [f for f in done if f.reflection_id not in private]
    per_mentor = Counter(mentor_of[f.pairing_id] for f in named)
    top = sorted(per_mentor.items(), key=lambda item: (-item[1], item[0]))[:3]
    live = {
        i for p in pairs if p.status in ("proposed", "active") for i in (p.mentor_id, p.mentee_id)
    }
    mine_failed = [n for n in failed if n.pairing_id in mentor_of]
    declined = [p for p in pairs if p.status == "declined" and p.declined_by]
    return ProgramStatus(
        program=program,
        pairs=dict(Counter(p.status for p in pairs)),
        sessions=dict(totals),
        sessions_recent=dict(recent),
        booked_recent=sum(1 for s in counted if s.created_at >= since),
        active=len(active),
        on_cadence=on_cadence,
        at_risk=risks,
        reflections=len(written),
        implemented=len(done),
        declined=[f"{name(p.declined_by)} ({name(p.other(p.declined_by))})" for p in declined],
        failed=len(mine_failed),
        last_error=mine_failed[0].last_error if mine_failed else "",
        unreachable=sorted(name(i) for i in live if not people[i].reachable),
        checkins=_checkins_counted(asked),
        top_mentors=[(name(i), n) for i, n in top],
        mentors=len(set(mentor_of.values())),
        outcomes=_outcomes_counted(pairs, actions, written, goals, answers, asked),
    )


async def _status(store, program: Program, now: datetime) -> ProgramStatus:
    async with store.reading() as tx:
        return await program_status(Context(tx, now, EngineConfig()), program)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_owner_status_is_what_counting_the_rows_gives(store, seed):
    for program in await _world(store, random.Random(seed)):
        for later in (timedelta(0), timedelta(days=3), timedelta(days=12, hours=5)):
            now = NOW + later
            counted = await _counted_from_rows(store, program, now)
            assert await _status(store, program, now) == counted, (program.name, later)


async def test_outcomes_of_one_pair_recorded_at_once_are_both_counted(store):
    async with store.transaction() as tx:
        program = await tx.add(Program(name="P"))
        a, b = [await tx.add(Participant(platform="console", user_id=u)) for u in "ab"]
        pair = await tx.add(Pairing(program_id=program.id, mentor_id=a.id, mentee_id=b.id))
        first, second = [
            await tx.add(
                Session(pairing_id=pair.id, starts_at=NOW + timedelta(hours=h), minutes=45)
            )
            for h in (1, 2)
        ]

    async def record(session_id: int) -> None:
        async with store.transaction() as tx:
            session = await tx.get(Session, session_id, lock=True)
            session.status = "held"
            await tx.save(session, fields=("status",))

    async with store.transaction() as tx:
        session = await tx.get(Session, first.id, lock=True)
        session.status = "held"
        await tx.save(session, fields=("status",))
        await tx.figures.settle()  # recounted (1 held) while the other one writes
        other = asyncio.create_task(record(second.id))
        await asyncio.sleep(0.5)  # PostgreSQL: waits for the pair's lock; SQLite: the writer's
    await asyncio.wait_for(other, 10)
    async with store.transaction() as tx:
        found = select(pairings.c.held_count, pairings.c.last_held_at)
        held, last = (await tx.conn.execute(found.where(pairings.c.id == pair.id))).one()
    assert (held, last) == (2, second.starts_at)


async def test_pulse_answers_for_one_pair_given_at_once_are_both_counted(store):
    async with store.transaction() as tx:
        program = await tx.add(Program(name="P"))
        a, b = [await tx.add(Participant(platform="console", user_id=u)) for u in "ab"]
        pair = await tx.add(Pairing(program_id=program.id, mentor_id=a.id, mentee_id=b.id))
        session = await tx.add(Session(pairing_id=pair.id, starts_at=NOW, minutes=45))

    async def answer(person_id: int) -> None:
        async with store.transaction() as tx:
            await tx.add(Pulse("useful", pair.id, session.id, person_id, "4"))
            await tx.add(Pulse("fit", pair.id, session.id, person_id, "no"))

    async with store.transaction() as tx:
        await tx.add(Pulse("useful", pair.id, session.id, a.id, "5"))
        await tx.figures.settle()  # recounted (one answer) while the other one writes
        other = asyncio.create_task(answer(b.id))
        await asyncio.sleep(0.5)  # PostgreSQL: waits for the pair's lock; SQLite: the writer's
    await asyncio.wait_for(other, 10)
    async with store.transaction() as tx:
        p = pairings
        found = select(p.c.pulse_answers, p.c.pulse_sum, p.c.fit_doubts).where(p.c.id == pair.id)
        assert (await tx.conn.execute(found)).one() == (2, 9, 1)


async def test_the_migration_counts_the_pairs_it_finds(store):
    """Rows written before revision 0008 get their figures when it runs."""
    config = migrate._config()

    def run(action, revision):
        def go(sync_connection) -> None:
            config.attributes["connection"] = sync_connection
            action(config, revision)

        return go

    async with store.engine.begin() as conn:
        await conn.run_sync(run(command.downgrade, "0007"))
    try:
        async with store.engine.begin() as conn:  # only the columns revision 0007 has
            people = [
                dict(
                    id=i,
                    platform="console",
                    user_id=f"u{i}",
                    display_name="",
                    workspace="",
                    reachable=True,
                )
                for i in (1, 2)
            ]
            await conn.execute(insert(participants), people)
            program = dict(
                id=1,
                name="P",
                objective="o",
                cadence_days=14,
                session_minutes=45,
                owners=[],
                agenda_set="",
                reflection_visibility="program",
                timezone="UTC",
            )
            await conn.execute(insert(programs).values(**program))
            pairs = [
                dict(
                    id=i,
                    program_id=1,
                    mentor_id=i,
                    mentee_id=3 - i,
                    goal="",
                    why="",
                    status="active",
                )
                for i in (1, 2)
            ]
            await conn.execute(insert(pairings), pairs)
            met = [("held", 1), ("held", 8), ("missed", 15), ("scheduled", 22)]
            rows = [
                dict(
                    id=n,
                    pairing_id=1,
                    starts_at=datetime(2026, 3, day, 10, tzinfo=UTC),
                    minutes=45,
                    number=n,
                    topic="",
                    status=status,
                )
                for n, (status, day) in enumerate(met, 1)
            ]
            await conn.execute(insert(sessions), rows)
            written = [
                dict(
                    session_id=session,
                    author_id=author,
                    role="mentee",
                    what_changed="x",
                    will_do="",
                    visibility="program",
                )
                for session, author in ((1, 1), (1, 2), (3, 2))
            ]
            await conn.execute(insert(reflections), written)
    finally:
        async with store.engine.begin() as conn:
            await conn.run_sync(run(command.upgrade, "head"))
    async with store.transaction() as tx:
        p = pairings
        found = select(p.c.held_count, p.c.missed_count, p.c.reflection_count, p.c.last_held_at)
        rows = (await tx.conn.execute(found.order_by(p.c.id))).all()
        copied = (await tx.conn.execute(text("SELECT program_id FROM sessions"))).scalars()
        assert set(copied) == {1}
    assert rows == [(2, 1, 3, datetime(2026, 3, 8, 10, tzinfo=UTC)), (0, 0, 0, None)]


async def test_session_ratings_are_counted_and_summed_for_the_program(store):
    async with store.transaction() as tx:
        mine, other = [await tx.add(Program(name=n)) for n in ("P", "Q")]
        a, b = [await tx.add(Participant(platform="console", user_id=u)) for u in "ab"]
        for program, ratings in ((mine, ("4", "5", "2")), (other, ("1",))):
            pair = await tx.add(Pairing(program_id=program.id, mentor_id=a.id, mentee_id=b.id))
            for n, rating in enumerate(ratings):
                session = await tx.add(Session(pairing_id=pair.id, starts_at=NOW, minutes=45))
                author = (a, b)[n % 2]
                await tx.add(Pulse("useful", pair.id, session.id, author.id, rating))
            await tx.add(Pulse("fit", pair.id, session.id, a.id, "no"))
    async with store.reading() as tx:
        facts = await tx.program_facts(mine.id, cadence.cutoffs(mine, NOW, NOW - RECENT))
    assert (facts.outcomes.pulse_answers, facts.outcomes.pulse_sum) == (3, 11)


async def test_ratings_asked_are_the_post_session_cards_sent_shown_in_a_reply_or_delivered(store):
    async with store.transaction() as tx:
        program = await tx.add(Program(name="P"))
        a, b = [await tx.add(Participant(platform="console", user_id=u)) for u in "ab"]
        pair = await tx.add(Pairing(program_id=program.id, mentor_id=a.id, mentee_id=b.id))
        session = await tx.add(Session(pairing_id=pair.id, starts_at=NOW, minutes=45))

    def row(kind: str, person: Participant, status: str) -> Notification:
        return Notification(
            key=f"{kind}:{session.id}:{person.id}",
            kind=kind,
            recipient_id=person.id,
            due_at=NOW,
            series=f"session:{session.id}",
            pairing_id=pair.id,
            session_id=session.id,
            status=status,
            sent_at=NOW if status == "sent" else None,
        )

    async def asked() -> int:
        async with store.reading() as tx:
            facts = await tx.program_facts(program.id, cadence.cutoffs(program, NOW, NOW - RECENT))
        return facts.outcomes.pulse_asked

    async with store.transaction() as tx:
        await tx.add_notification(row("reflect", b, "sent"))  # the card in the clicker's reply
        await tx.add_notification(row("reflect", a, "pending"))  # the partner's, in their hours
        await tx.add_notification(row("pulse", a, "sent"))  # asked on its own before the card
    assert await asked() == 1
    async with store.transaction() as tx:
        [partner] = await tx.claim_due(NOW, "w", timedelta(minutes=5), 10, ["console"])
        partner.status, partner.sent_at = "sent", NOW
        await tx.release([partner], "w")
    assert await asked() == 2
