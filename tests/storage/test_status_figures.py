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
)
from bot.domain.outcomes import Objective, Pulse
from bot.domain.ports import OutcomeFigures, StageFigures
from bot.flows.status import ACT_ON, Doubted, ProgramStatus, Risk, program_status
from bot.policy import cadence
from bot.policy.rules import EngineConfig
from storage.pair_figures import StaleFigures
from storage.tables import pairings, participants, programs, reflections, sessions
from tests.harness import unit_of_work
from tests.storage.support import NOW, migration, world


def _checkins_counted(asked) -> dict[str, StageFigures]:
    """Check-in questions sent by stage (the world has no answers)."""
    sent = Counter(n.series for n in asked if (n.kind, n.status) == ("checkin", "sent"))
    return {series.removeprefix("checkin:"): StageFigures(n) for series, n in sent.items()}


def _outcomes_counted(pairs, actions, written, goals, answers, asked) -> OutcomeFigures:
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

    return OutcomeFigures(
        objectives=dict(Counter(g.state for g in goals)),
        followups_planned=len(planned),
        followups_asked=sent("followthrough", "followthrough:0"),
        followups_done=sum(1 for a in planned if a.state == "done"),
        followups_dropped=sum(1 for a in planned if a.state == "dropped"),
        pulse_asked=sent("reflect"),  # each post-session card asks the 1-5 rating
        pulse_answers=len(useful),
        pulse_sum=sum(useful),
        fit_alerts=len(doubts & going),
    )


def _regular(last_held, upcoming, program: Program, now: datetime) -> bool:
    """Meeting regularly, as storage/definitions.py words it, for a pair not at risk: held a
    session within one cadence, or has one booked within the next."""
    if last_held and now - last_held <= program.cadence:
        return True
    return bool(upcoming and upcoming - now <= program.cadence)


async def _counted_from_rows(store, program: Program, now: datetime) -> ProgramStatus:
    """Owner status counted in Python from every row of the program."""
    async with unit_of_work(store) as tx:
        pairs = await tx.find(Pairing, program_id=program.id)
        sessions = await tx.find(Session, pairing_id=[p.id for p in pairs])
        written = await tx.find(Reflection, session_id=[s.id for s in sessions])
        actions = await tx.find(FollowUp, pairing_id=[p.id for p in pairs])
        goals = await tx.find(Objective, pairing_id=[p.id for p in pairs])
        answers = await tx.find(Pulse, pairing_id=[p.id for p in pairs])
        asked = await tx.find(Notification, pairing_id=[p.id for p in pairs])
        failed = await tx.find(Notification, status="failed")
        people = {p.id: p for p in await tx.find(Participant)}
    counted = [s for s in sessions if s.status != "cancelled"]
    totals = Counter()
    for s in counted:
        unconfirmed = s.status == "scheduled" and s.starts_at <= now
        totals["unconfirmed" if unconfirmed else s.status] += 1
    name = lambda pid: people[pid].label  # noqa: E731
    active, risks, regular = [p for p in pairs if p.status == "active"], [], 0
    for p in active:
        own = [s for s in sessions if s.pairing_id == p.id]
        last = max((s.starts_at for s in own if s.status == "held"), default=None)
        ahead = [s.starts_at for s in own if s.status == "scheduled" and s.starts_at > now]
        upcoming = min(ahead, default=None)
        found = cadence.risk(p, last, upcoming, program, now)
        if found:
            risks.append(Risk(p.id, name(p.mentee_id), name(p.mentor_id), *found))
        elif p.activated_at is not None and p.activated_at <= now:
            regular += _regular(last, upcoming, program, now)
    risks.sort(key=lambda r: (r.reason != "escalated", -r.days))
    doubts = {a.pairing_id for a in answers if a.kind == "fit" and a.value in ("no", "not_sure")}
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
        active=sum(1 for p in active if p.activated_at is not None and p.activated_at <= now),
        regular=regular,
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
        doubted=[
            Doubted(p.id, name(p.mentee_id), name(p.mentor_id), p.status == "active")
            for p in sorted(pairs, key=lambda p: p.id)
            if p.status in ("active", "paused") and p.id in doubts
        ][:ACT_ON],
    )


async def _status(store, program: Program, now: datetime) -> ProgramStatus:
    async with store.reading() as tx:
        return await program_status(Context(tx, now, EngineConfig()), program)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_owner_status_is_what_counting_the_rows_gives(store, seed):
    for program in await world(store, random.Random(seed)):
        for later in (timedelta(0), timedelta(days=3), timedelta(days=12, hours=5)):
            now = NOW + later
            counted = await _counted_from_rows(store, program, now)
            assert await _status(store, program, now) == counted, (program.name, later)


async def test_outcomes_of_one_pair_recorded_at_once_are_both_counted(store):
    async with unit_of_work(store) as tx:
        program = await tx.add(Program(name="P"))
        a, b = [await tx.add(Participant(platform="console", user_id=u)) for u in "ab"]
        pair = await tx.add(Pairing(program_id=program.id, mentor_id=a.id, mentee_id=b.id))
        first, second = [
            await tx.add(
                Session(pairing_id=pair.id, starts_at=NOW + timedelta(hours=hour), minutes=45)
            )
            for hour in (1, 2)
        ]

    async def record(session_id: int) -> None:
        async with unit_of_work(store) as tx:
            session = await tx.get(Session, session_id, lock=True)
            session.status = "held"
            await tx.save(session, fields=("status",))

    async with unit_of_work(store) as tx:
        session = await tx.get(Session, first.id, lock=True)
        session.status = "held"
        await tx.save(session, fields=("status",))
        await tx.reports.recount()  # recounted (1 held) while the other one writes
        other = asyncio.create_task(record(second.id))
        await asyncio.sleep(0.5)  # PostgreSQL: waits for the pair's lock; SQLite: the writer's
    await asyncio.wait_for(other, 10)
    async with unit_of_work(store) as tx:
        found = select(pairings.c.held_count, pairings.c.last_held_at)
        held, last = (await tx.conn.execute(found.where(pairings.c.id == pair.id))).one()
    assert (held, last) == (2, second.starts_at)


async def test_pulse_answers_for_one_pair_given_at_once_are_both_counted(store):
    async with unit_of_work(store) as tx:
        program = await tx.add(Program(name="P"))
        a, b = [await tx.add(Participant(platform="console", user_id=u)) for u in "ab"]
        pair = await tx.add(Pairing(program_id=program.id, mentor_id=a.id, mentee_id=b.id))
        session = await tx.add(Session(pairing_id=pair.id, starts_at=NOW, minutes=45))

    async def answer(person_id: int) -> None:
        async with unit_of_work(store) as tx:
            await tx.add(Pulse("useful", pair.id, session.id, person_id, "4"))
            await tx.add(Pulse("fit", pair.id, session.id, person_id, "no"))

    async with unit_of_work(store) as tx:
        await tx.add(Pulse("useful", pair.id, session.id, a.id, "5"))
        await tx.reports.recount()  # recounted (one answer) while the other one writes
        other = asyncio.create_task(answer(b.id))
        await asyncio.sleep(0.5)  # PostgreSQL: waits for the pair's lock; SQLite: the writer's
    await asyncio.wait_for(other, 10)
    async with unit_of_work(store) as tx:
        p = pairings
        found = select(p.c.pulse_answers, p.c.pulse_sum, p.c.fit_doubts).where(p.c.id == pair.id)
        assert (await tx.conn.execute(found)).one() == (2, 9, 1)


async def test_a_unit_of_work_that_forgets_the_recount_commits_nothing(store):
    """Writes that touch a pair's figures are recounted by the unit of work that made them:
    a read of owners' figures, or a commit, that would miss them is refused, never wrong."""
    async with unit_of_work(store) as tx:
        program = await tx.add(Program(name="P"))
        a, b = [await tx.add(Participant(platform="console", user_id=u)) for u in "ab"]
        pair = await tx.add(Pairing(program_id=program.id, mentor_id=a.id, mentee_id=b.id))
    cut = cadence.cutoffs(program, NOW)
    with pytest.raises(StaleFigures, match="recount"):
        async with store.transaction() as tx:
            await tx.add(Session(pairing_id=pair.id, starts_at=NOW, minutes=45, status="held"))
            await tx.reports.program_figures(program.id, cut)
    with pytest.raises(StaleFigures, match="committing"):
        async with store.transaction() as tx:
            await tx.add(Session(pairing_id=pair.id, starts_at=NOW, minutes=45, status="held"))
    async with store.transaction() as tx:  # a transaction that touches no pair needs none
        assert await tx.find(Session, pairing_id=pair.id) == []
        await tx.add(Participant(platform="console", user_id="c"))
    async with store.transaction() as tx:
        await tx.add(Session(pairing_id=pair.id, starts_at=NOW, minutes=45, status="held"))
        await tx.reports.recount()
        held = (await tx.reports.program_figures(program.id, cut)).sessions
    assert held.get("held") == 1


async def test_the_migration_counts_the_pairs_it_finds(store):
    """Rows written before revision 0008 get their figures when it runs."""
    async with store.engine.begin() as conn:
        await conn.run_sync(migration(command.downgrade, "0007"))
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
            await conn.run_sync(migration(command.upgrade, "head"))
    async with unit_of_work(store) as tx:
        p = pairings
        found = select(p.c.held_count, p.c.missed_count, p.c.reflection_count, p.c.last_held_at)
        rows = (await tx.conn.execute(found.order_by(p.c.id))).all()
        copied = (await tx.conn.execute(text("SELECT program_id FROM sessions"))).scalars()
        assert set(copied) == {1}
    assert rows == [(2, 1, 3, datetime(2026, 3, 8, 10, tzinfo=UTC)), (0, 0, 0, None)]


async def test_session_ratings_are_counted_and_summed_for_the_program(store):
    async with unit_of_work(store) as tx:
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
        facts = await tx.reports.program_figures(mine.id, cadence.cutoffs(mine, NOW))
    assert (facts.outcomes.pulse_answers, facts.outcomes.pulse_sum) == (3, 11)


async def test_ratings_asked_are_the_post_session_cards_sent_shown_in_a_reply_or_delivered(store):
    async with unit_of_work(store) as tx:
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
            facts = await tx.reports.program_figures(program.id, cadence.cutoffs(program, NOW))
        return facts.outcomes.pulse_asked

    async with unit_of_work(store) as tx:
        await tx.queue.add_notification(
            row("reflect", b, "sent")
        )  # the card in the clicker's reply
        await tx.queue.add_notification(
            row("reflect", a, "pending")
        )  # the partner's, in their hours
        await tx.queue.add_notification(row("pulse", a, "sent"))  # asked on its own before the card
    assert await asked() == 1
    async with unit_of_work(store) as tx:
        [partner] = await tx.queue.claim_due(NOW, "w", timedelta(minutes=5), 10, ["console"])
        partner.status, partner.sent_at = "sent", NOW
        await tx.queue.release([partner], "w")
    assert await asked() == 2
