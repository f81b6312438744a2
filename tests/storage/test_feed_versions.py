"""What calendar feeds need from the store (issue 25, items 10 and 13), on SQLite and
PostgreSQL: `sessions_version` moves with every write to a pair's sessions and only with
those; revision 0014 keeps feed tokens as their SHA-256 digests (old addresses still lead to
their feed) and gives people a link generation."""

import hashlib
from datetime import timedelta

from alembic import command
from sqlalchemy import insert, select, update

from bot.domain.model import Pairing, Participant, Program, Session
from storage.tables import pairings, participants, programs, sessions
from tests.harness import unit_of_work
from tests.storage.support import NOW, migration


async def _pairs(store) -> tuple[int, int]:
    async with unit_of_work(store) as tx:
        program = await tx.add(Program(name="P"))
        people = [
            await tx.add(Participant(platform="console", user_id=f"u{i}", display_name="x"))
            for i in range(4)
        ]
        one = await tx.add(Pairing(program.id, people[0].id, people[1].id))
        other = await tx.add(Pairing(program.id, people[2].id, people[3].id))
    return one.id, other.id


async def _version(store, pairing_id: int) -> tuple[int, int, int]:
    async with store.reading() as tx:
        return await tx.sessions_version([pairing_id])


async def test_the_sessions_version_moves_with_each_write_to_the_pairs_sessions(store):
    mine, other = await _pairs(store)
    versions = [await _version(store, mine)]
    assert versions == [(0, 0, 0)]
    async with unit_of_work(store) as tx:
        session = await tx.add(Session(mine, NOW, 45, uid="a@mentorbot"))
    versions.append(await _version(store, mine))
    async with unit_of_work(store) as tx:
        session.topic = "Reels"
        await tx.save(session, fields=("topic",))
    versions.append(await _version(store, mine))
    async with unit_of_work(store) as tx:
        session.starts_at = NOW + timedelta(days=1)
        await tx.save_many([session], fields=("starts_at",))
    versions.append(await _version(store, mine))
    assert len(set(versions)) == 4, versions

    # Another pair's sessions leave it as it is.
    async with unit_of_work(store) as tx:
        theirs = await tx.add(Session(other, NOW, 45, uid="b@mentorbot"))
        theirs.topic = "Data"
        await tx.save(theirs, fields=("topic",))
    assert await _version(store, mine) == versions[-1]
    # Plain SQL too (an older replica during a rolling deploy): the trigger counts it.
    async with store.engine.begin() as conn:
        await conn.execute(update(sessions).where(sessions.c.id == session.id).values(minutes=30))
    assert await _version(store, mine) != versions[-1]
    versions.append(await _version(store, mine))
    async with unit_of_work(store) as tx:
        await tx.delete(Session, id=session.id)
    assert await _version(store, mine) != versions[-1]


async def test_revision_0014_keeps_feed_tokens_as_digests_and_its_downgrade_forgets_them(store):
    token = "ab" * 24
    async with store.engine.begin() as conn:
        await conn.run_sync(migration(command.downgrade, "0013"))
    try:
        async with store.engine.begin() as conn:
            rows = [
                dict(platform="console", user_id="u1", calendar_token=token),
                dict(platform="console", user_id="u2", calendar_token=None),
            ]
            common = dict(display_name="", workspace="", reachable=True)
            await conn.execute(insert(participants), [{**r, **common} for r in rows])
            # A pair and its session: the downgrade must not rebuild the tables they name.
            people = list((await conn.execute(select(participants.c.id))).scalars())
            program = dict(name="P", objective="o", cadence_days=14, session_minutes=45)
            program |= dict(
                owners=[], agenda_set="", reflection_visibility="program", timezone="UTC"
            )
            [program_id] = (
                await conn.execute(insert(programs).values(**program))
            ).inserted_primary_key
            pair = dict(program_id=program_id, mentor_id=people[0], mentee_id=people[1])
            pair |= dict(goal="", why="", status="active")
            [pair_id] = (await conn.execute(insert(pairings).values(**pair))).inserted_primary_key
            session = dict(pairing_id=pair_id, starts_at=NOW, minutes=45, topic="", status="held")
            await conn.execute(insert(sessions).values(number=1, **session))
        async with store.engine.begin() as conn:
            await conn.run_sync(migration(command.upgrade, "0014"))
        async with store.reading() as tx:
            kept = {p.user_id: p for p in await tx.find(Participant)}
        assert kept["u1"].calendar_token == hashlib.sha256(token.encode()).hexdigest()
        assert kept["u2"].calendar_token is None
        assert kept["u1"].link_generation == kept["u2"].link_generation == 0
        async with store.engine.begin() as conn:
            await conn.execute(update(sessions).values(minutes=30))
            assert list((await conn.execute(select(sessions.c.revision))).scalars()) == [1]
        async with store.engine.begin() as conn:
            await conn.run_sync(migration(command.downgrade, "0013"))
        async with store.engine.begin() as conn:
            found = select(participants.c.calendar_token).order_by(participants.c.user_id)
            assert list((await conn.execute(found)).scalars()) == [None, None]
    finally:
        async with store.engine.begin() as conn:
            await conn.run_sync(migration(command.upgrade, "head"))
