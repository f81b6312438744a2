"""An assistant who books for the leader: named with `delegate @assistant` (or an import's
`delegate` column), confirmed once; then the leader's nudges (the same times) and a copy of
each invite reach them, and they book, move and cancel for the leader. `delegate none` and
forget-me end it; the export lists it. (Every other route refuses them: test_ownership.py.)"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.data.export import export_rows
from bot.data.roster import import_roster
from bot.domain import prompts
from bot.domain.events import Actor, Mention
from bot.domain.model import Delegation, Program, Session, SessionStatus
from tests.harness import ERIK, MINA, MONDAY
from tests.unit.ics_check import invites, mailto, parse

TAP = "session.book_at"
LENA = Actor("console", "lena", "Lena Vogt", timezone="Europe/Berlin", email="lena@example.com")
MINA_AT = replace(MINA, email="mina@example.com")
ERIK_AT = replace(ERIK, email="erik@example.com")


def _at(name: str) -> tuple[Mention, ...]:
    return (Mention(f"@{name}", LENA),)


def _start(button) -> datetime:
    return datetime.strptime(button.value.partition(":")[2], "%Y%m%dT%H%MZ").replace(tzinfo=UTC)


async def _delegated(harness, *, pairing=None):
    """Mina mentors Erik; Erik names Lena, who confirms. Returns (pairing, her answer)."""
    pairing = pairing or await harness.active_pairing(mentor=MINA_AT, mentee=ERIK_AT)
    said = await harness.command(ERIK_AT, "delegate", "@lena", _at("lena"))
    assert said.text == prompts.text("delegate.asked", assistant="Lena")
    await harness.tick()
    ask = harness.last("lena", "delegation.accept").message
    assert ask.text.startswith("Erik Lund would like you to book their mentoring sessions.")
    value = ask.buttons[0].value
    return pairing, await harness.click(LENA, "delegation.accept", value)


async def _sessions(harness, pairing) -> list[Session]:
    return await harness.engine.run(lambda ctx: ctx.tx.find(Session, pairing_id=pairing.id))


async def test_confirmed_the_assistant_books_with_one_tap_and_everyone_gets_the_invite(harness):
    pairing, answer = await _delegated(harness)
    assert answer.text.startswith("Done - you now book for Erik. Their next session with Mina")
    times = [b for b in answer.buttons if b.action == TAP]
    assert len(times) == 3  # the pair's offered times, on her clock
    await harness.tick()
    assert harness.inbox("mina", "Erik's assistant Lena can also book your sessions with Erik")
    assert harness.inbox("erik", "Lena confirmed")

    booked = await harness.click(LENA, TAP, times[0].value)
    assert booked.text.startswith("Booked for Erik: ") and "with Mina" in booked.text
    assert "Here's your copy of the calendar invite; Erik and Mina get theirs" in booked.text
    assert booked.file is not None  # her copy, in the answer
    [session] = await _sessions(harness, pairing)
    assert session.starts_at == _start(times[0]) and session.status == SessionStatus.SCHEDULED
    await harness.tick()
    assert harness.inbox("mina", "Erik's assistant Lena booked your next session")
    assert harness.inbox("erik", "Your assistant Lena booked your next session")
    copy = parse(booked.file.content).event  # hers names her; the pair's do not
    assert sorted(mailto(copy, "attendee")) == [
        "mailto:erik@example.com",
        "mailto:lena@example.com",
        "mailto:mina@example.com",
    ]
    for who in ("mina", "erik"):
        event = invites(harness, who)[0].event
        assert sorted(mailto(event, "attendee")) == [
            "mailto:erik@example.com",
            "mailto:mina@example.com",
        ]


async def test_the_assistant_moves_and_cancels_and_gets_a_copy_of_each_change(harness):
    pairing, answer = await _delegated(harness)
    await harness.click(LENA, TAP, next(b for b in answer.buttons if b.action == TAP).value)
    [session] = await _sessions(harness, pairing)
    opened = await harness.click(LENA, "session.move", session.id)
    assert opened.form is not None
    moved = await harness.submit(
        LENA, "session.move", session.id, date="2026-03-12", time="11:00", minutes="45"
    )
    assert moved.text.startswith("Moved Erik's session: Thu 12 Mar, 11:00")
    await harness.tick()
    await harness.tick(harness.clock.now() + timedelta(minutes=5))  # after the first invite
    assert harness.inbox("mina", "Erik's assistant Lena moved your session")
    assert harness.inbox("erik", "Your assistant Lena moved your session")
    assert moved.file is not None  # her copy, in the answer
    new = next(s for s in await _sessions(harness, pairing) if s.status == "scheduled")
    await harness.submit(  # Mina moves it: Lena's copy comes as a message
        MINA_AT, "session.move", new.id, date="2026-03-13", time="11:00", minutes="45"
    )
    await harness.tick(harness.clock.now() + timedelta(minutes=5))
    copy = "A copy for your calendar: Erik's session with Mina is now Fri 13 Mar, 11:00."
    assert harness.inbox("lena", copy)
    new = next(s for s in await _sessions(harness, pairing) if s.status == "scheduled")
    cancelled = await harness.click(LENA, "session.cancel", new.id)
    assert cancelled.text.startswith("Cancelled Erik's session on Fri 13 Mar")
    await harness.tick(harness.clock.now() + timedelta(minutes=5))
    assert harness.inbox("mina", "Erik's assistant Lena cancelled your session")
    assert [i.method for i in invites(harness, "lena")] == ["REQUEST", "CANCEL"]
    assert harness.inbox("lena", "Erik's session with Mina on Fri 13 Mar, 11:00 is off.")


async def test_the_assistant_gets_the_leaders_nudges_with_the_same_times(harness):
    pairing = await harness.active_pairing(mentor=MINA_AT, mentee=ERIK_AT)
    await _delegated(harness, pairing=pairing)
    await harness.run_until(MONDAY + timedelta(days=5))  # the reminder of the first round
    to_erik = harness.last("erik", TAP).message
    to_lena = harness.last("lena", TAP).message
    assert to_lena.text.startswith("A gentle reminder: Erik's next session with Mina")
    same = [_start(b) for b in to_lena.every_button if b.action == TAP]
    assert same == [_start(b) for b in to_erik.every_button if b.action == TAP]


async def test_the_form_refuses_the_assistant_a_time_outside_the_leaders_hours(harness):
    pairing, _ = await _delegated(harness)
    lena_in_tokyo = replace(LENA, timezone="Asia/Tokyo")  # her 10:00 is 02:00 in Berlin
    refused = await harness.submit(
        lena_in_tokyo, "session.schedule", pairing.id, date="2026-03-05", time="10:00", minutes="45"
    )
    assert "outside" in refused.errors["time"]
    assert not await _sessions(harness, pairing)


async def test_delegate_none_ends_it_and_her_buttons_stop_working(harness):
    pairing, answer = await _delegated(harness)
    ended = await harness.command(ERIK_AT, "delegate", "none")
    assert ended.text == "Done - Lena no longer books for you."
    tap = next(b for b in answer.buttons if b.action == TAP)
    assert (await harness.click(LENA, TAP, tap.value)).text == prompts.text("general.not_yours")
    assert not await _sessions(harness, pairing)
    await harness.tick()
    assert harness.inbox("lena", "Erik ended it: you no longer book their sessions.")
    again = await harness.command(ERIK_AT, "delegate", "none")
    assert again.text == prompts.text("delegate.nothing")


async def test_the_assistant_may_stop_and_forget_me_ends_it_silently(harness):
    await _delegated(harness)
    stopped = await harness.command(LENA, "delegate", "none")
    assert stopped.text == "Done - you no longer book Erik's sessions."
    await harness.tick()
    assert harness.inbox("erik", "Lena no longer books your sessions.")
    await harness.command(ERIK_AT, "delegate", "@lena", _at("lena"))
    await harness.tick()
    await harness.click(
        LENA,
        "delegation.accept",
        harness.last("lena", "delegation.accept").message.buttons[0].value,
    )
    forgotten = await harness.command(LENA, "forget-me")
    await harness.click(LENA, "privacy.forget", forgotten.buttons[0].value)
    held = await harness.engine.run(lambda ctx: ctx.tx.find(Delegation))
    assert {d.status for d in held} == {"ended"}


async def test_delegate_refuses_what_cannot_be(harness):
    await harness.active_pairing(mentor=MINA_AT, mentee=ERIK_AT)
    usage = prompts.text("delegate.usage")
    assert (await harness.command(ERIK_AT, "delegate")).text == usage
    mina = (Mention("@mina", MINA_AT),)
    assert (await harness.command(ERIK_AT, "delegate", "@mina", mina)).text == prompts.text(
        "delegate.in_pair", assistant="Mina"
    )
    erik = (Mention("@erik", ERIK_AT),)
    assert (await harness.command(ERIK_AT, "delegate", "@erik", erik)).text == prompts.text(
        "delegate.self"
    )
    assert (await harness.command(MINA_AT, "delegate", "@lena", _at("lena"))).text == (
        prompts.text("delegate.not_leader")
    )  # a mentor leads no pair
    await harness.command(ERIK_AT, "delegate", "@lena", _at("lena"))
    await harness.tick()
    declined = await harness.click(
        LENA,
        "delegation.decline",
        harness.last("lena", "delegation.decline").message.buttons[1].value,
    )
    assert declined.text == "No problem - I've told Erik."
    await harness.tick()
    assert harness.inbox("erik", "Lena would rather not book for you")


async def test_the_export_lists_assistants_and_an_import_names_them(harness):
    await _delegated(harness)
    programs = await harness.engine.run(lambda ctx: ctx.tx.find(Program))
    exported = await harness.engine.run(lambda ctx: export_rows(ctx, programs))
    [row] = [r for r in exported if r["delegate"]]
    assert (row["mentee"], row["delegate"], row["delegate_status"]) == (
        "Erik Lund",
        "Lena Vogt",
        "active",
    )
    text = (
        "program,mentor,mentee,goal,delegate\nPilot,console:priya,console:tomas,Data,console:ana\n"
    )
    result = await harness.engine.run(lambda ctx: import_roster(ctx, text))
    assert (result.pairings, result.delegations) == (1, 1)
    await harness.tick()
    assert harness.inbox("ana", "would like you to book their mentoring sessions")


async def test_her_copy_has_no_agenda_and_the_leader_organizes_what_she_books(harness):
    pairing, answer = await _delegated(harness)
    await harness.submit(ERIK_AT, "objectives.submit", pairing.id, objective_1="Learn TikTok ads")
    booked = await harness.click(
        LENA, TAP, next(b for b in answer.buttons if b.action == TAP).value
    )
    copy = parse(booked.file.content).event
    assert "agenda" not in str(copy["description"]).lower()
    assert "TikTok" not in booked.file.content
    assert mailto(copy, "organizer") == ["mailto:erik@example.com"]
    await harness.run_until(MONDAY + timedelta(minutes=10), step=timedelta(minutes=3))
    pairs = invites(harness, "erik")[0]
    assert "Suggested agenda" in str(pairs.event["description"]), "the pair's own keeps it"
    assert mailto(pairs.event, "organizer") == ["mailto:erik@example.com"]


async def test_ended_her_calendar_loses_the_leaders_sessions_and_nothing_stale_is_said(harness):
    _pairing, answer = await _delegated(harness)
    await harness.click(LENA, TAP, next(b for b in answer.buttons if b.action == TAP).value)
    await harness.command(ERIK_AT, "delegate", "none")
    await harness.tick()
    [withdrawn] = invites(harness, "lena", "CANCEL")
    assert withdrawn.delivered.message.text.startswith("You no longer book for Erik: ")
    # Her nudges stop: the next round reaches the pair alone.
    await harness.run_until(MONDAY + timedelta(days=30))
    assert not [d for d in harness.inbox("lena") if any(b.action == TAP for b in d.message.buttons)]


async def test_her_nudge_has_no_snooze_and_a_later_pairs_partner_hears_who_else_books(harness):
    program = await harness.program()
    _, _ = await _delegated(
        harness, pairing=await harness.active_pairing(program, MINA_AT, ERIK_AT)
    )
    ana = Actor("console", "ana", "Ana Silva", timezone="Europe/Lisbon")
    second = await harness.pairing(program, mentor=ana, mentee=ERIK_AT)
    await harness.click(ERIK_AT, "pairing.accept", second.id)
    both_in = await harness.click(ana, "pairing.accept", second.id)  # her nudge: the answer
    assert "Erik's assistant Lena can also book your sessions with Erik." in both_in.text
    await harness.run_until(MONDAY + timedelta(days=2))
    nudge = harness.last("lena", TAP).message
    assert "pairing.snooze" not in [b.action for b in nudge.buttons]


async def test_the_move_form_refuses_her_a_time_outside_the_pairs_hours(harness):
    pairing, answer = await _delegated(harness)
    await harness.click(LENA, TAP, next(b for b in answer.buttons if b.action == TAP).value)
    [session] = await _sessions(harness, pairing)
    lena_in_tokyo = replace(LENA, timezone="Asia/Tokyo")
    refused = await harness.submit(
        lena_in_tokyo, "session.move", session.id, date="2026-03-12", time="10:00", minutes="45"
    )
    assert "outside" in refused.errors["time"]


async def test_forgetting_the_assistant_takes_her_name_out_of_what_is_still_to_be_sent(harness):
    pairing, _answer = await _delegated(harness)
    await harness.submit(
        LENA,
        "session.schedule",
        pairing.id,
        date="2026-03-12",
        time="10:00",
        minutes="45",
        topic="Lena's budget review",
    )
    forget = await harness.command(LENA, "forget-me")
    await harness.click(LENA, "privacy.forget", forget.buttons[0].value)
    await harness.tick()
    for who in ("mina", "erik"):
        assert not [t for t in harness.texts(who) if "Lena" in t], harness.texts(who)
    [session] = [s for s in await _sessions(harness, pairing) if s.status == "scheduled"]
    assert session.topic == ""
