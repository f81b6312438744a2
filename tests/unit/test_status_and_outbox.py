"""Owner and participant status; the outbox sends each message once and parks failures."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import prompts
from bot.domain.events import Actor, Mention
from bot.domain.model import Notification
from bot.domain.ports import DeliveryError
from bot.engine import Engine
from tests.harness import ERIK, MINA, OWNER, PRIYA, TOM

# Concurrent ticks and the set-based status queries: part of the storage contract, on both.
pytestmark = pytest.mark.both_databases


async def test_owner_status_counts_pairs_sessions_cadence_and_reflections(harness):
    program = await harness.program()
    pairing = await harness.active_pairing(program)
    await harness.active_pairing(program, mentor=PRIYA, mentee=TOM)
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-04", "10:00")
    await harness.tick(datetime(2026, 3, 4, 11, 0, tzinfo=UTC))
    await harness.click(ERIK, "session.held", 1)
    await harness.tick()
    await harness.say(ERIK, "Learned how trends spread.")
    status = (await harness.command(OWNER, "status")).plain()
    assert "Pairs: 2 active" in status
    assert "Sessions: 1 held, 0 coming up, 0 missed, 0 not yet confirmed" in status
    assert "This week so far: 1 session held, 0 missed, 0 not yet confirmed, 1 booked" in status
    # Tom and Priya have only begun: they have not met, so they are not meeting regularly.
    assert "Meeting regularly: 1 of 2 active pairs (50%)" in status
    assert "Reflections collected: 1" in status
    assert "Learned how trends spread" not in status, "owners see counts, not text, in status"


async def test_pairs_without_a_session_for_twice_the_cadence_are_at_risk(harness):
    program = await harness.program(cadence_days=7)
    await harness.active_pairing(program)
    harness.clock.set(harness.clock.now() + timedelta(days=15))
    status = (await harness.command(OWNER, "status")).plain()
    assert "Pairs at risk:\n- Erik Lund & Mina Park: no session yet after 15 days" in status
    assert "Meeting regularly: 0 of 1 active pairs (0%)" in status


async def test_a_non_owner_sees_only_their_own_pairs(harness):
    program = await harness.program()
    await harness.active_pairing(program)
    await harness.active_pairing(program, mentor=PRIYA, mentee=TOM)
    for command in ("status", "me"):
        reply = (await harness.command(ERIK, command)).plain()
        assert "Mentored by Mina Park in Digital Leaders (active)" in reply
        assert "Tom" not in reply and "Priya" not in reply and "Pairs:" not in reply


async def test_owner_commands_refuse_politely_and_change_nothing(harness):
    program = await harness.program()
    mentions = (Mention("@priya", PRIYA), Mention("@tom", TOM))
    reply = await harness.command(ERIK, "pair", "@priya @tom goal", mentions)
    assert reply.text.startswith("Sorry, only program owners can do that.")
    assert "only program owners" in (await harness.command(ERIK, "export")).text
    assert "only program owners" in (await harness.command(ERIK, "program", "create Other")).text
    owner = (await harness.command(OWNER, "status")).plain()
    assert "Pairs: none" in owner and program.name in owner


async def test_owner_pairs_people_with_a_command(harness):
    await harness.program()
    mentions = (Mention("@priya", PRIYA), Mention("@tom", TOM), Mention("@erik", ERIK))
    reply = await harness.command(
        OWNER, "pair", "@priya @tom learn support tooling with @erik", mentions
    )
    assert (
        reply.text == "Proposed: Priya Shah mentors Tom Becker in Digital Leaders."
        " I've asked them both to accept."
    )
    await harness.tick()
    assert (
        "Goal: learn support tooling with @Erik Lund."
        in harness.last("priya", "pairing.accept").message.text
    )
    await harness.program("Second")
    reply = await harness.command(
        OWNER, "pair", "@mina @erik x", (Mention("@mina", MINA), Mention("@erik", ERIK))
    )
    assert "Add program=NAME" in reply.text


async def test_two_ticks_at_the_same_time_send_nothing_twice(harness):
    # Erik had his first nudge and check-in in his answer to Accept. On Tuesday: two intros
    # (now pointless: skipped) and Mina's nudge, with her expectations check-in along.
    await harness.active_pairing()
    tuesday = harness.clock.now() + timedelta(days=1)
    first = await harness.tick(tuesday)
    second = await harness.tick()
    assert (first.sent, first.skipped, first.planned) == (1, 2, 1), first.line()
    assert (second.due, second.sent, second.planned) == (0, 0, 0)
    [nudge] = harness.sender.delivered
    assert nudge.recipient.user_id == "mina" and len(nudge.message.asks) == 1
    assert "what do you hope" in nudge.message.asks[0].text


async def test_concurrent_ticks_plan_and_send_each_notification_once(harness):
    await harness.active_pairing()
    harness.clock.advance(timedelta(days=1))  # Tuesday: Mina's first nudge is due
    other = Engine(harness.store, harness.clock, harness.config, {"console": harness.sender})
    results = await asyncio.gather(harness.engine.tick(), other.tick(), harness.engine.tick())
    assert sum(r.sent for r in results) == 1, "Mina's nudge, her check-in going along"
    assert sum(r.planned for r in results) == 1
    [nudge] = harness.sender.delivered
    assert [a.buttons[0].action for a in nudge.message.asks] == ["checkin.answer"]
    rows = await harness.engine.run(lambda ctx: ctx.tx.find(Notification))
    # 2 intros, 2 nudges, 2 check-ins and their 2 reminders (due in three days).
    assert len({r.key for r in rows}) == len(rows) == 8
    assert {r.status for r in rows if r.kind in ("nudge", "checkin")} == {"sent"}


class Refusing:
    """A platform that refuses every send, as a flaky API would."""

    def __init__(self) -> None:
        self.calls = 0

    async def send(self, recipient, message):
        self.calls += 1
        raise DeliveryError("platform said 503", retry_after=1)


async def test_failed_sends_retry_with_backoff_then_show_in_owner_status(harness):
    await harness.pairing(await harness.program())
    refusing = Refusing()
    harness.engine.senders["console"] = refusing
    for _ in range(40):  # retries back off; outside working hours they wait for the morning
        await harness.tick(harness.clock.now() + timedelta(hours=2))
    assert refusing.calls == 2 * 5, "five attempts each, then parked"
    rows = await harness.engine.run(lambda ctx: ctx.tx.find(Notification))
    assert {r.status for r in rows} == {"failed"}
    assert rows[0].last_error == "platform said 503"
    status = (await harness.command(OWNER, "status")).plain()
    assert "Messages that could not be delivered: 2 (latest: platform said 503)" in status


async def test_unconfigured_platforms_are_left_waiting(harness):
    program = await harness.program()
    slack_person = Actor("slack", "U1", "Sam Slack")
    await harness.pairing(program, mentor=slack_person, mentee=ERIK)
    result = await harness.tick()
    assert result.sent == 1  # Erik on the console; the Slack intro waits for a Slack sender
    rows = await harness.engine.run(lambda ctx: ctx.tx.find(Notification, status="pending"))
    assert len(rows) == 1


async def test_a_non_owner_is_refused_before_any_program_is_named(harness):
    """Owners' tools name programs ("which program: A, B"): nobody else hears them."""
    await harness.program()
    await harness.program("Second")
    mentions = (Mention("@priya", PRIYA), Mention("@tom", TOM))
    tries = [
        ("pair", "@priya @tom goal", mentions),
        ("pair", "@priya @tom goal program=Nope", mentions),
        ("match", "", ()),
        ("match", "program=Nope", ()),
        ("program", "set Second cadence=7", ()),
    ]
    for name, args, named in tries:
        reply = await harness.command(ERIK, name, args, named)
        assert reply.text.startswith("Sorry, only program owners can do that."), (name, reply)
        assert "Second" not in reply.text and "Nope" not in reply.text, (name, reply)


async def test_an_owner_hears_what_is_wrong_with_the_command_before_which_program(harness):
    await harness.program()
    await harness.program("Second")
    one = (Mention("@priya", PRIYA),)
    usage = await harness.command(OWNER, "pair", "@priya", one)
    assert usage.text == prompts.text("commands.pair_usage")
    cadence = await harness.command(OWNER, "program", "set Nope cadence=x")
    assert cadence.text == prompts.text("commands.bad_cadence")


async def test_export_by_an_owner_with_no_program_yet_is_refused_as_before(harness):
    assert (await harness.command(OWNER, "export")).text.startswith("Sorry, only program owners")
