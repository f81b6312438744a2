"""The SQL store on SQLite and PostgreSQL: UTC round trips, idempotent inserts, leases."""

import asyncio
from datetime import UTC, datetime, timedelta, timezone

from bot.domain.model import Notification, Participant, Program
from tests.harness import ERIK, unit_of_work

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _person(store, user_id="u1") -> Participant:
    async with unit_of_work(store) as tx:
        return await tx.add(Participant(platform="console", user_id=user_id, display_name=user_id))


def _row(recipient: Participant, key: str, due=NOW) -> Notification:
    return Notification(
        key=key, kind="note", recipient_id=recipient.id, due_at=due, payload={"text": key}
    )


async def test_datetimes_come_back_as_the_same_utc_instant(store):
    berlin = timezone(timedelta(hours=1))
    async with unit_of_work(store) as tx:
        program = await tx.add(
            Program(name="P", created_at=datetime(2026, 3, 2, 10, 0, tzinfo=berlin))
        )
    async with unit_of_work(store) as tx:
        loaded = await tx.get(Program, program.id)
    assert loaded.created_at == NOW and loaded.created_at.tzinfo == UTC
    assert loaded.owners == [] and loaded.reflection_visibility == "program"


async def test_find_matches_values_lists_and_none(store):
    a, b = await _person(store, "a"), await _person(store, "b")
    async with unit_of_work(store) as tx:
        assert [p.user_id for p in await tx.find(Participant, id=[b.id, a.id])] == ["a", "b"]
        assert await tx.find(Participant, id=[]) == []
        assert [p.user_id for p in await tx.find(Participant, timezone=None, user_id="b")] == ["b"]


async def test_a_rolled_back_transaction_leaves_nothing(store):
    try:
        async with unit_of_work(store) as tx:
            await tx.add(Participant(platform="console", user_id="ghost"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    async with unit_of_work(store) as tx:
        assert await tx.find(Participant) == []


async def test_the_same_event_and_the_same_key_are_taken_once(store):
    person = await _person(store)
    async with unit_of_work(store) as tx:
        assert await tx.queue.first_seen("slack", "Ev1") is True
        assert await tx.queue.first_seen("slack", "Ev1") is False
        assert await tx.queue.first_seen("teams", "Ev1") is True
        assert await tx.queue.add_notification(_row(person, "k1")) is True
        assert await tx.queue.add_notification(_row(person, "k1")) is False
        assert len(await tx.find(Notification)) == 1


async def test_claims_are_disjoint_and_an_expired_lease_can_be_taken_over(store):
    person = await _person(store)
    async with unit_of_work(store) as tx:
        for n in range(5):
            await tx.queue.add_notification(_row(person, f"k{n}", NOW - timedelta(minutes=n)))
        await tx.queue.add_notification(_row(person, "later", NOW + timedelta(hours=1)))
    lease = timedelta(minutes=5)
    async with unit_of_work(store) as tx:
        first = await tx.queue.claim_due(NOW, "w1", lease, 3, ["console"])
    async with unit_of_work(store) as tx:
        second = await tx.queue.claim_due(NOW, "w2", lease, 10, ["console"])
        assert await tx.queue.claim_due(NOW, "w3", lease, 10, ["slack"]) == []
    assert len(first) == 3 and len(second) == 2
    assert not {r.key for r in first} & {r.key for r in second}
    assert [r.key for r in first] == ["k4", "k3", "k2"], "oldest due first"
    later = NOW + lease + timedelta(seconds=1)
    async with unit_of_work(store) as tx:
        taken_over = await tx.queue.claim_due(later, "w3", lease, 10, ["console"])
    assert {r.key for r in taken_over} == {r.key for r in first + second}
    row = first[0]
    row.status = "sent"
    async with unit_of_work(store) as tx:
        assert await tx.queue.release([row], "w1") == set(), "w1 lost its lease to w3"
        assert await tx.queue.release(taken_over, "w3") == {r.id for r in taken_over}


async def test_find_asks_in_chunks_when_given_more_ids_than_one_statement_takes(store, monkeypatch):
    """PostgreSQL takes at most 32,767 parameters per statement; status at 10,000 pairs
    once asked for 100,000 session ids at once and failed there."""
    from storage import store as sql

    assert sql.IN_LIST + 10 <= 32_767, "one chunk and the other conditions fit a statement"
    monkeypatch.setattr(sql, "IN_LIST", 40)  # chunks of 40: the same code, fewer rows to add
    ids = []
    async with unit_of_work(store) as tx:
        for n in range(2 * sql.IN_LIST + 5):
            person = Participant(platform="console", user_id=f"u{n}", display_name="x")
            ids.append((await tx.add(person)).id)
    async with unit_of_work(store) as tx:
        found = await tx.find(Participant, id=list(reversed(ids)), platform="console")
    assert [p.id for p in found] == sorted(ids)


async def test_planning_claims_skip_pairs_being_planned_and_wait_for_their_moment(store):
    from bot.domain.model import Pairing

    async with unit_of_work(store) as tx:
        program = await tx.add(Program(name="P"))
        people = [
            await tx.add(Participant(platform="console", user_id=f"p{n}", display_name="x"))
            for n in range(6)
        ]
        pairs = [
            await tx.add(
                Pairing(
                    program_id=program.id,
                    mentor_id=people[2 * n].id,
                    mentee_id=people[2 * n + 1].id,
                    status="active" if n < 2 else "proposed",
                )
            )
            for n in range(3)
        ]
    postgres = store.engine.dialect.name == "postgresql"
    async with unit_of_work(store) as first:
        claimed = await first.queue.claim_planning(NOW, 1)
        assert [p.id for p in claimed] == [pairs[0].id], "active pairs only, oldest first"
        if postgres:  # a second planner meanwhile takes the other pair, not this one
            async with unit_of_work(store) as second:
                assert [p.id for p in await second.queue.claim_planning(NOW, 5)] == [pairs[1].id]
        claimed[0].plan_at = NOW + timedelta(hours=1)
        await first.save_many(claimed, ("plan_at",))
    async with unit_of_work(store) as tx:
        assert [p.id for p in await tx.queue.claim_planning(NOW, 5)] == [pairs[1].id]
        later = await tx.queue.claim_planning(NOW + timedelta(hours=1), 5)
        # Never planned first, then the due ones by their moment.
        assert [p.id for p in later] == [pairs[1].id, pairs[0].id]
        await tx.queue.replan([pairs[0].id])
        assert (await tx.get(Pairing, pairs[0].id)).plan_at is None


async def test_release_writes_back_only_rows_still_pending_and_leased_to_the_worker(store):
    person = await _person(store)
    async with unit_of_work(store) as tx:
        for key in ("kept", "forgotten", "requeued"):
            await tx.queue.add_notification(_row(person, key))
    lease = timedelta(minutes=5)
    async with unit_of_work(store) as tx:
        claimed = await tx.queue.claim_due(NOW, "w1", lease, 10, ["console"])
    by_key = {row.key: row for row in claimed}
    # While w1 sends, forget-me skips one row and empties it; another worker takes one over.
    async with unit_of_work(store) as tx:
        forgotten = await tx.get(Notification, by_key["forgotten"].id)
        forgotten.status, forgotten.payload = "skipped", {}
        await tx.save(forgotten, ("status", "payload"))
        taken = await tx.get(Notification, by_key["requeued"].id)
        taken.lease_owner = "w2"
        await tx.save(taken, ("lease_owner",))
    async with unit_of_work(store) as tx:
        still = await tx.queue.still_claimed([row.id for row in claimed], "w1")
        assert [row.key for row in still] == ["kept"]
    for row in claimed:
        row.status, row.sent_at = "sent", NOW
    async with unit_of_work(store) as tx:
        assert await tx.queue.release(claimed, "w1") == {by_key["kept"].id}
    async with unit_of_work(store) as tx:
        rows = {row.key: row for row in await tx.find(Notification)}
    assert (rows["kept"].status, rows["kept"].lease_owner) == ("sent", None)
    assert (rows["forgotten"].status, rows["forgotten"].payload) == ("skipped", {})
    assert (rows["requeued"].status, rows["requeued"].lease_owner) == ("pending", "w2")


async def test_requeue_touches_only_the_recipients_rows_still_failed(store):
    person, other = await _person(store, "a"), await _person(store, "b")
    async with unit_of_work(store) as tx:
        for key, status, who in (
            ("failed", "failed", person),
            ("sent", "sent", person),
            ("elsewhere", "failed", other),
        ):
            row = _row(who, key)
            row.kind, row.status, row.attempts = "intro", status, 5
            await tx.queue.add_notification(row)
        note = _row(person, "note")
        note.status = "failed"
        await tx.queue.add_notification(note)
    later = NOW + timedelta(hours=1)
    async with unit_of_work(store) as tx:
        assert await tx.queue.requeue_failed(person.id, "intro", later) == 1
        rows = {row.key: row for row in await tx.find(Notification)}
    assert (rows["failed"].status, rows["failed"].attempts) == ("pending", 0)
    assert rows["failed"].due_at == later
    assert [rows[k].status for k in ("sent", "elsewhere", "note")] == ["sent", "failed", "failed"]


async def test_only_people_quiet_since_the_moment_given_are_marked_unreachable(store):
    async with unit_of_work(store) as tx:
        never = await tx.add(Participant(platform="console", user_id="never"))
        long_ago = await tx.add(
            Participant(platform="console", user_id="old", contacted_at=NOW - timedelta(hours=1))
        )
        just_now = await tx.add(Participant(platform="console", user_id="new", contacted_at=NOW))
    async with unit_of_work(store) as tx:
        ids = [never.id, long_ago.id, just_now.id]
        marked = await tx.queue.mark_unreachable(ids, NOW - timedelta(minutes=2))
        assert marked == {never.id, long_ago.id}
        found = {p.user_id: p.reachable for p in await tx.find(Participant)}
    assert found == {"never": False, "old": False, "new": True}


async def _seen(store, platform: str, event_id: str, age: timedelta) -> None:
    from storage.tables import processed_events
    from storage.timestamps import utcnow

    async with store.engine.begin() as conn:
        statement = processed_events.insert().values(
            platform=platform, event_id=event_id, seen_at=utcnow() - age
        )
        await conn.execute(statement)


async def test_event_ids_older_than_a_week_are_forgotten_oldest_first_in_bounded_batches(store):
    for n in range(5):
        await _seen(store, "slack", f"old{n}", timedelta(days=8 + n))
    await _seen(store, "slack", "recent", timedelta(days=6))
    week = timedelta(days=7)
    async with unit_of_work(store) as tx:
        assert await tx.queue.prune_seen(week, 2) == 2
        # The oldest went first: the youngest of the old ones is still remembered.
        assert await tx.queue.first_seen("slack", "old0") is False
        assert await tx.queue.first_seen("slack", "old4") is True, "forgotten, so new again"
    async with unit_of_work(store) as tx:
        assert await tx.queue.prune_seen(week, 10) == 3
        assert await tx.queue.prune_seen(week, 10) == 0
        assert await tx.queue.first_seen("slack", "recent") is False


async def test_a_tick_forgets_event_ids_seen_more_than_a_week_ago_by_the_wall_clock(harness):
    from bot.sending.housekeeping import BATCH

    await harness.say(ERIK, "hello")  # seen now by the wall clock (the engine's clock is in 2026)
    for n in range(BATCH + 5):
        await _seen(harness.store, "console", f"old{n}", timedelta(days=8))
    await harness.tick()
    async with unit_of_work(harness.store) as tx:
        assert await tx.queue.first_seen("console", "old0") is True
        assert await tx.queue.first_seen("console", f"old{BATCH + 4}") is True
        assert await tx.queue.first_seen("console", "t-1") is False, "a fresh event id is kept"


async def test_a_ping_answers_while_another_process_holds_the_write_lock(store):
    import sqlite3
    import time

    if store.engine.dialect.name != "sqlite":
        await store.ping()
        return
    holder = sqlite3.connect(store.engine.url.database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        await store.ping()
        waited = time.monotonic() - started
    finally:
        holder.close()
    assert waited < 5, f"waited {waited:.1f} s for the write lock (busy timeout: 10 s)"


async def test_the_migrations_build_the_schema_the_tables_declare(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.tables import metadata

    def search_index(name, kind, _parent):
        # The learnings library's full-text index is kept by migration 0007 only: FTS5
        # tables on SQLite, an expression index on PostgreSQL.
        return not (name or "").startswith(("reflections_fts", "ix_reflections_search"))

    async with store.engine.connect() as conn:
        context = await conn.run_sync(
            lambda sync: MigrationContext.configure(
                sync, opts={"include_name": search_index, "compare_type": True}
            )
        )
        diff = await conn.run_sync(lambda _sync: compare_metadata(context, metadata))
    assert diff == []


async def test_a_read_only_transaction_refuses_writes(store):
    await _person(store)
    async with store.reading() as tx:
        assert [p.user_id for p in await tx.find(Participant)] == ["u1"]
        try:
            await tx.add(Participant(platform="console", user_id="u2", display_name="u2"))
        except Exception as exc:  # the database's own refusal, named by each driver
            refused = str(exc).lower()
        else:
            refused = ""
    assert "read-only" in refused or "readonly" in refused, refused
    async with unit_of_work(store) as tx:
        assert [p.user_id for p in await tx.find(Participant)] == ["u1"]


async def test_a_read_does_not_wait_for_a_writer_and_sees_only_what_was_committed(store):
    await _person(store)
    async with unit_of_work(store) as writer:  # holds SQLite's write lock until the end
        await writer.add(Participant(platform="console", user_id="u2", display_name="u2"))

        async def read() -> list[str]:
            async with store.reading() as tx:
                return [p.user_id for p in await tx.find(Participant)]

        assert await asyncio.wait_for(read(), 5) == ["u1"]
    assert await read() == ["u1", "u2"]
