"""The SQL store on SQLite and PostgreSQL: UTC round trips, idempotent inserts, leases."""

from datetime import UTC, datetime, timedelta, timezone

from bot.model import Notification, Participant, Program

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _person(store, user_id="u1") -> Participant:
    async with store.transaction() as tx:
        return await tx.add(Participant(platform="console", user_id=user_id, display_name=user_id))


def _row(recipient: Participant, key: str, due=NOW) -> Notification:
    return Notification(
        key=key, kind="note", recipient_id=recipient.id, due_at=due, payload={"text": key}
    )


async def test_datetimes_come_back_as_the_same_utc_instant(store):
    berlin = timezone(timedelta(hours=1))
    async with store.transaction() as tx:
        program = await tx.add(
            Program(name="P", created_at=datetime(2026, 3, 2, 10, 0, tzinfo=berlin))
        )
    async with store.transaction() as tx:
        loaded = await tx.get(Program, program.id)
    assert loaded.created_at == NOW and loaded.created_at.tzinfo == UTC
    assert loaded.owners == [] and loaded.reflection_visibility == "program"


async def test_find_matches_values_lists_and_none(store):
    a, b = await _person(store, "a"), await _person(store, "b")
    async with store.transaction() as tx:
        assert [p.user_id for p in await tx.find(Participant, id=[b.id, a.id])] == ["a", "b"]
        assert await tx.find(Participant, id=[]) == []
        assert [p.user_id for p in await tx.find(Participant, timezone=None, user_id="b")] == ["b"]


async def test_a_rolled_back_transaction_leaves_nothing(store):
    try:
        async with store.transaction() as tx:
            await tx.add(Participant(platform="console", user_id="ghost"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    async with store.transaction() as tx:
        assert await tx.find(Participant) == []


async def test_the_same_event_and_the_same_key_are_taken_once(store):
    person = await _person(store)
    async with store.transaction() as tx:
        assert await tx.first_seen("slack", "Ev1") is True
        assert await tx.first_seen("slack", "Ev1") is False
        assert await tx.first_seen("teams", "Ev1") is True
        assert await tx.add_notification(_row(person, "k1")) is True
        assert await tx.add_notification(_row(person, "k1")) is False
        assert len(await tx.find(Notification)) == 1


async def test_claims_are_disjoint_and_an_expired_lease_can_be_taken_over(store):
    person = await _person(store)
    async with store.transaction() as tx:
        for n in range(5):
            await tx.add_notification(_row(person, f"k{n}", NOW - timedelta(minutes=n)))
        await tx.add_notification(_row(person, "later", NOW + timedelta(hours=1)))
    lease = timedelta(minutes=5)
    async with store.transaction() as tx:
        first = await tx.claim_due(NOW, "w1", lease, 3, ["console"])
    async with store.transaction() as tx:
        second = await tx.claim_due(NOW, "w2", lease, 10, ["console"])
        assert await tx.claim_due(NOW, "w3", lease, 10, ["slack"]) == []
    assert len(first) == 3 and len(second) == 2
    assert not {r.key for r in first} & {r.key for r in second}
    assert [r.key for r in first] == ["k4", "k3", "k2"], "oldest due first"
    later = NOW + lease + timedelta(seconds=1)
    async with store.transaction() as tx:
        taken_over = await tx.claim_due(later, "w3", lease, 10, ["console"])
    assert {r.key for r in taken_over} == {r.key for r in first + second}
    row = first[0]
    row.status = "sent"
    async with store.transaction() as tx:
        assert await tx.release([row], "w1") == set(), "w1 lost its lease to w3"
        assert await tx.release(taken_over, "w3") == {r.id for r in taken_over}
