"""Programs: checked settings, an end date that stops nudges, and chat commands in plain DMs."""

from datetime import UTC, date, datetime

import pytest

from bot.domain.messages import Refused
from bot.domain.model import Program
from bot.flows.pairings import create_program
from tests.harness import ERIK, OWNER


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"timezone": "Mars/Base"}, "Unknown timezone"),
        ({"working_hours": "whenever"}, "not understood"),
        ({"owners": ["nobody"]}, "platform:user_id"),
        ({"cadence_days": 0}, "between 1 and 90"),
        ({"session_minutes": 90}, "30 to 60 minutes"),
        ({"ends_on": date(2026, 1, 1)}, r"ends \(2026-01-01\) before it starts"),
    ],
)
async def test_program_settings_are_checked_before_anything_is_saved(harness, settings, message):
    with pytest.raises(Refused, match=message):
        await harness.engine.run(lambda ctx: create_program(ctx, "Bad", **settings))
    assert await harness.engine.run(lambda ctx: ctx.tx.find(Program)) == []


async def test_owner_creates_a_program_with_a_chat_command(harness):
    reply = await harness.command(OWNER, "program", "create Customer Voice cadence=21 minutes=30")
    assert (
        reply.text == "Program Customer Voice created: a session every 21 days, 30 min by default."
    )
    [program] = await harness.engine.run(lambda ctx: ctx.tx.find(Program))
    assert (program.cadence_days, program.session_minutes) == (21, 30)
    assert OWNER.handle in program.owners
    again = await harness.command(OWNER, "program", "create Customer Voice")
    assert "already a program called Customer Voice" in again.text
    bad = await harness.command(OWNER, "program", "create Other minutes=90")
    assert bad.text == "Sessions are 30 to 60 minutes - pick 30, 45 or 60."


async def test_no_nudges_after_the_program_ends_and_no_bookings_past_it(harness):
    program = await harness.program(ends_on=date(2026, 3, 10))
    pairing = await harness.active_pairing(program)
    reply = await harness.book(ERIK, pairing, "2026-03-12", "10:00")
    assert reply.errors == {"date": "The program ends on 2026-03-10 - pick a date on or before it."}
    await harness.tick(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    assert not any("book" in t for t in harness.texts("erik"))


async def test_a_bare_command_word_in_a_dm_runs_the_command(harness):
    await harness.active_pairing()
    reply = await harness.say(ERIK, "me")
    assert reply.text.startswith("Your pairs:")
    help_text = await harness.say(ERIK, "help")
    assert "status [program]" in help_text.text
    other = await harness.say(ERIK, "hello there")
    assert "not expecting a reply" in other.text
