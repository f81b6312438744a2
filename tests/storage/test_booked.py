"""What a nudge's offered times go around, as the store finds it on both databases: the
scheduled sessions of every pair either person is in, still to end, and nothing else."""

from datetime import timedelta

from bot.domain.model import Pairing, Participant, Program, Session, SessionStatus
from tests.harness import unit_of_work
from tests.storage.support import NOW


async def test_booked_finds_each_persons_scheduled_sessions_with_anyone_that_still_run(store):
    hour = timedelta(hours=1)
    async with unit_of_work(store) as tx:
        program = await tx.add(Program(name="P"))
        a, b, c, d = [await tx.add(Participant(platform="console", user_id=u)) for u in "abcd"]

        async def pair(mentor, mentee):
            return await tx.add(
                Pairing(program_id=program.id, mentor_id=mentor.id, mentee_id=mentee.id)
            )

        ab, cb, ad, cd = await pair(a, b), await pair(c, b), await pair(a, d), await pair(c, d)
        wanted = [
            (ab, NOW + hour, SessionStatus.SCHEDULED),  # the pair's own
            (cb, NOW + 2 * hour, SessionStatus.SCHEDULED),  # b with someone else
            (ad, NOW + 3 * hour, SessionStatus.SCHEDULED),  # a with someone else
            (ab, NOW - timedelta(minutes=30), SessionStatus.SCHEDULED),  # still running
        ]
        others = [
            (cd, NOW + hour, SessionStatus.SCHEDULED),  # neither of them
            (ab, NOW + 4 * hour, SessionStatus.CANCELLED),
            (cb, NOW - 2 * hour, SessionStatus.SCHEDULED),  # over
            (ad, NOW - hour, SessionStatus.HELD),
        ]
        for p, start, status in wanted + others:
            await tx.add(Session(pairing_id=p.id, starts_at=start, minutes=45, status=status))
    async with store.reading() as tx:
        found = await tx.booked([a.id, b.id], NOW)
    assert set(found) == {a.id, b.id}
    assert sorted(found[a.id]) == sorted(
        [(NOW + hour, 45), (NOW + 3 * hour, 45), (NOW - timedelta(minutes=30), 45)]
    )
    assert sorted(found[b.id]) == sorted(
        [(NOW + hour, 45), (NOW + 2 * hour, 45), (NOW - timedelta(minutes=30), 45)]
    )
