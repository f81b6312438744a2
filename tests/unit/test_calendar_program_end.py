"""Calendar invites at a program's end and in the export: sessions still ahead when a
program closes are taken out of both calendars, and the export names each session's event."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.data.export import export_rows, to_csv
from bot.domain.model import Program, Session
from tests.harness import ERIK, MINA, OWNER
from tests.unit.ics_check import invites


async def _sessions(harness) -> list[Session]:
    return await harness.engine.run(lambda ctx: ctx.tx.find(Session))


async def test_a_program_that_ends_early_cancels_the_sessions_booked_after_its_end(harness):
    program = await harness.program("Spring", ends_on=date(2026, 6, 30))
    pairing = await harness.active_pairing(program)
    await harness.submit(
        ERIK,
        "session.schedule",
        pairing.id,
        date="2026-03-10",
        time="10:00",
        minutes="45",
        where="Room 4.12",
        repeat="3",
    )
    await harness.tick()
    [request] = invites(harness, "mina", "REQUEST")
    uid = str(request.event["uid"])
    # The owner moves the end to the day of the first session: the other two fall after it.
    reply = await harness.command(OWNER, "program", "set Spring ends=2026-03-10")
    assert "Saved" in reply.text, reply.text
    await harness.run_until(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    for user in ("mina", "erik"):
        [cancel] = invites(harness, user, "CANCEL")
        assert str(cancel.events[0]["uid"]) == uid
        starts = sorted(e["RECURRENCE-ID"].dt.astimezone(UTC) for e in cancel.events)
        assert starts == [
            datetime(2026, 3, 24, 9, 0, tzinfo=UTC),
            datetime(2026, 4, 7, 8, 0, tzinfo=UTC),  # 10:00 in Berlin, summer time by then
        ]
        assert int(cancel.events[0]["sequence"]) > int(request.event["sequence"])
    by_start = {s.starts_at: s.status for s in await _sessions(harness)}
    assert by_start == {
        datetime(2026, 3, 10, 9, 0, tzinfo=UTC): "scheduled",  # before the end: left as it was
        datetime(2026, 3, 24, 9, 0, tzinfo=UTC): "cancelled",
        datetime(2026, 4, 7, 8, 0, tzinfo=UTC): "cancelled",
    }


async def test_the_export_names_each_sessions_calendar_event_and_place(harness):
    pairing = await harness.active_pairing()
    await harness.submit(
        MINA,
        "session.schedule",
        pairing.id,
        date="2026-03-10",
        time="10:00",
        minutes="45",
        where="https://meet.example.com/mina-erik",
    )
    [session] = await _sessions(harness)

    async def work(ctx):
        return await export_rows(ctx, await ctx.tx.find(Program))

    [row] = [r for r in await harness.engine.run(work) if not r["figure"]]  # not the figure rows
    assert row["session_uid"] == session.uid and session.uid.endswith("@mentorbot")
    assert row["session_location"] == "https://meet.example.com/mina-erik"
    assert "session_uid,session_location" in to_csv([row]).splitlines()[0]
