"""Booking through a real `mentorbot serve` (issue 24), on Slack and Teams, SQLite and
PostgreSQL: whoever books gets the calendar invite in the booking answer itself, at once,
whatever the hour; the partner's invite waits for the partner's working hours.

The partner's timezone is chosen so that it is the middle of their night when the test runs,
so their invite must wait; the booker's hours play no part (tests/unit/test_one_conversation.py
books at 21:00 on a Friday on a virtual clock)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.e2e.conversation_support import Setup, env_for, select
from tests.e2e.slack_support import Serve, eventually

WORKING = "Mon-Fri 09:00-18:00"


def zone_at_night(now: datetime) -> str:
    """A fixed-offset zone where it is between 01:00 and 04:59 at `now` (outside any working
    day, and not so near its end that the test could cross into the morning)."""
    for hours in range(-12, 15):
        if 1 <= (now + timedelta(hours=hours)).hour < 5:
            # The Etc/GMT zones count the other way round: Etc/GMT-3 is three hours ahead.
            return "Etc/GMT" if hours == 0 else f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"
    raise AssertionError("every hour of the day has a zone")


async def test_the_booker_gets_the_invite_in_the_answer_and_the_partner_in_working_hours(
    side, url, tmp_path
):
    now = datetime.now(UTC).replace(microsecond=0)
    night = zone_at_night(now)
    env = env_for(side, url)
    setup = Setup(env, now - timedelta(minutes=1))
    try:
        owner = side.person("UOWNER" if side.platform == "slack" else "owner-olivia", "Olivia")
        program = await setup.program(owner, working_hours=WORKING)
        mentor = side.person("UMINA", "Mina Park", night)
        mentee = side.person("UERIK", "Erik Lund", "UTC")
        [pairing] = await setup.pairs(program, [(mentor, mentee)])
        for person in (mentor, mentee):
            await setup.accept(person, pairing)
    finally:
        await setup.close()

    serve = await asyncio.to_thread(Serve, env, tmp_path / "serve.log")
    try:
        side.attach(serve)
        day = (now + timedelta(days=7)).date().isoformat()
        values = {"date": day, "time": "10:00", "minutes": "45", "repeat": "1"}
        await side.book(mentee.user_id, values)
        # The answer carries the booker's invite, at once: no tick has run since serve began.
        [invite] = await eventually(lambda: side.invites_to(mentee.user_id), 15, "Erik's invite")
        assert "Booked:" in invite and "45 min with Mina (" in invite, invite
        assert " for Mina). Here's your calendar invite" in invite, invite  # both clocks
        rows = await select(
            url,
            "SELECT p.user_id, n.status, n.due_at FROM notifications n"
            " JOIN participants p ON p.id = n.recipient_id WHERE n.kind = 'invite'",
        )
        by_person = {user: (status, due) for user, status, due in rows}
        erik = mentee.user_id
        mina = mentor.user_id
        assert by_person[erik][0] == "sent"
        status, due = by_person[mina]
        due = datetime.fromisoformat(str(due)).replace(tzinfo=UTC)
        # Mina's waits for 09:00 where she is: hours away, not now.
        assert status == "pending" and due > now + timedelta(hours=3), (status, due, night)
        await asyncio.sleep(1)
        assert not side.invites_to(mina), "Mina was sent hers in the middle of her night"
    finally:
        await asyncio.to_thread(serve.stop)
    assert "Traceback" not in serve.output(), serve.output()[-4000:]
