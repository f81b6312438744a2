"""Calendar invites (issue 14): every booking, move and cancellation reaches both people as an
.ics that calendar programs read the same way, at the booked local time across clock changes,
never twice; and each person's private feed lists only their own sessions."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from adapters.console.sender import Delivered
from bot.domain import prompts
from bot.domain.messages import FormErrors
from bot.domain.model import Session
from tests.harness import ERIK, MINA, MONDAY, OWNER, PRIYA, TOM
from tests.unit.ics_check import Ics, invites, mailto, parse, utc

BERLIN = ZoneInfo("Europe/Berlin")
THU_10_BERLIN = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
FEED = re.compile(r"/calendar/([0-9a-f]{48})\.ics")


async def _sessions(harness, pairing) -> list[Session]:
    found = await harness.engine.run(lambda ctx: ctx.tx.find(Session, pairing_id=pairing.id))
    return sorted(found, key=lambda s: s.id)


async def _book(harness, actor, pairing, date, time="10:00", **values):
    values = {"minutes": "45", **values}
    return await harness.submit(
        actor, "session.schedule", pairing.id, date=date, time=time, **values
    )


async def _deliver(harness, days: int = 1) -> None:
    """Tick hourly long enough for everyone's working hours (New York's start at 14:00 UTC)."""
    await harness.run_until(harness.clock.now() + timedelta(days=days))


async def _in_answer(harness, actor, reply) -> Ics:
    """The calendar invite in the answer to `actor`'s own booking or move: theirs at once,
    drawn in place of the form, held to what `invites` checks of a delivered one."""
    assert reply.redraw and reply.file is not None and reply.invite is not None
    ics = parse(
        reply.file.content, Delivered(harness.clock.now(), await harness.person(actor), reply)
    )
    assert reply.file.mime == f"text/calendar; method={ics.method}"
    assert reply.invite.method == ics.method
    return ics


def _feed_link(reply) -> str:
    """The feed address of a `calendar` answer: a link button (the text holds no links)."""
    [url] = [b.url for b in reply.buttons if b.action == "link.feed"]
    return url


async def _feed(harness, actor):
    reply = await harness.command(actor, "calendar")
    return FEED.search(_feed_link(reply)).group(1)


async def _served(harness, token: str) -> str:
    """The feed's text, as serve answers the address (it must lead somewhere)."""
    feed = await harness.engine.calendar_feed(token)
    assert feed is not None
    return feed.body.decode("utf-8")


# --- booking --------------------------------------------------------------------------------


async def test_a_booking_sends_both_people_a_request_for_the_booked_instant(harness):
    pairing = await harness.active_pairing(await harness.program("Digital Leaders"))
    await harness.tick()
    reply = await _book(
        harness, ERIK, pairing, "2026-03-05", topic="Budget deck", where="Room 4.12"
    )
    [session] = await _sessions(harness, pairing)
    assert reply.text == (  # both on Berlin time: one clock named
        "Booked: Thu 5 Mar, 10:00 (Europe/Berlin), 45 min with Mina. Here's your calendar"
        " invite; Mina gets one too, and you both get an agenda the day before."
    )
    assert [(b.action, b.value) for b in reply.buttons] == [
        ("session.move", str(session.id)),
        ("session.cancel", str(session.id)),
    ]
    erik_invite = await _in_answer(harness, ERIK, reply)  # the booker's comes in the answer
    await harness.tick()
    assert invites(harness, "erik") == [], "and is not sent again"
    [mina_invite] = invites(harness, "mina")
    for ics in (mina_invite, erik_invite):
        event = ics.event
        assert ics.method == "REQUEST"
        assert utc(event["dtstart"].dt) == THU_10_BERLIN == session.starts_at
        assert utc(event["dtend"].dt) == THU_10_BERLIN + timedelta(minutes=45)
        assert str(event["uid"]) == session.uid and session.uid
        assert event["sequence"] == 0
        assert utc(event["dtstamp"].dt) == MONDAY
        assert all(word in event["summary"] for word in ("Mina", "Erik", "Digital Leaders"))
        assert "Budget deck" in event["description"]
        assert event["location"] == "Room 4.12"
        assert "RRULE" not in event
        assert mailto(event, "organizer") == mailto(event, "attendee") == []  # no e-mails known
        assert ics.starts() == [THU_10_BERLIN]
        assert [b.action for b in ics.delivered.message.buttons] == [
            "session.move",
            "session.cancel",
        ]


async def test_organizer_and_attendees_are_the_people_whose_email_is_known(harness):
    mina, erik = replace(MINA, email="mina@example.com"), replace(ERIK, email="erik@example.com")
    pairing = await harness.active_pairing(mentor=mina, mentee=erik)
    await harness.tick()
    await _book(harness, mina, pairing, "2026-03-05")  # the mentor books: she organizes
    await harness.tick()
    event = invites(harness, "erik")[0].event
    assert mailto(event, "organizer") == ["mailto:mina@example.com"]
    assert mailto(event, "attendee") == ["mailto:erik@example.com", "mailto:mina@example.com"]
    assert "LOCATION" not in event  # no place given


@pytest.mark.parametrize(
    ("booker", "first_day", "utc_hours", "partners_clock"),
    [
        (ERIK, "2026-03-20", [9, 9, 8], "(05:00 for Tom)"),  # Berlin: CEST from 29 March
        (TOM, "2026-03-05", [15, 14, 14], "(16:00 for Erik)"),  # New York: EDT from 8 March
    ],
)
async def test_a_series_stays_at_ten_local_for_the_booker_across_a_clock_change(
    harness, booker, first_day, utc_hours, partners_clock
):
    pairing = await harness.active_pairing(
        await harness.program(cadence_days=7, allow_outside_hours=True), mentor=TOM, mentee=ERIK
    )
    reply = await _book(harness, booker, pairing, first_day, repeat="3")
    partner = TOM if booker == ERIK else ERIK
    assert partners_clock in reply.text, "the answer names the first time on both clocks"
    booker_invite = await _in_answer(harness, booker, reply)
    await _deliver(harness)
    booker_zone = ZoneInfo(booker.timezone)
    sessions = await _sessions(harness, pairing)
    assert [s.starts_at.astimezone(booker_zone).hour for s in sessions] == [10, 10, 10]
    assert [s.starts_at.hour for s in sessions] == utc_hours
    [partner_invite] = invites(harness, partner.user_id)
    assert invites(harness, booker.user_id) == []
    for ics in (booker_invite, partner_invite):  # the partner's calendar too, whatever their zone
        assert ics.event["dtstart"].params["TZID"] == booker.timezone
        assert ics.starts() == [s.starts_at for s in sessions]
        assert [e.start.astimezone(booker_zone).hour for e in ics.occurrences()] == [10, 10, 10]


@pytest.mark.parametrize(
    ("cadence", "freq", "interval"), [(14, "WEEKLY", 2), (7, "WEEKLY", 1), (10, "DAILY", 10)]
)
async def test_a_series_is_one_repeating_event_over_its_stored_sessions(
    harness, cadence, freq, interval
):
    program = await harness.program(cadence_days=cadence, allow_outside_hours=True)  # weekends
    pairing = await harness.active_pairing(program)
    await harness.tick()
    reply = await _book(harness, ERIK, pairing, "2026-03-05", repeat="3")
    sessions = await _sessions(harness, pairing)
    assert len(sessions) == 3
    assert len({s.uid for s in sessions}) == 1
    assert [s.recurrence_id for s in sessions] == [s.starts_at for s in sessions]
    days = [s.starts_at.astimezone(BERLIN).date() for s in sessions]
    assert days == [date(2026, 3, 5) + timedelta(days=cadence * n) for n in range(3)]
    assert [b.value for b in reply.buttons] == [str(sessions[0].id)] * 2
    erik_invite = await _in_answer(harness, ERIK, reply)
    await harness.tick()
    [mina_invite] = invites(harness, "mina")
    for ics in (mina_invite, erik_invite):
        rule = ics.event["rrule"]
        assert (rule["FREQ"], rule["INTERVAL"], rule["COUNT"]) == ([freq], [interval], [3])
        assert str(ics.event["uid"]) == sessions[0].uid
        assert ics.starts() == [s.starts_at for s in sessions]


# --- changes --------------------------------------------------------------------------------


async def test_a_move_sends_both_the_same_uid_with_a_higher_sequence_and_the_new_time(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    booking = await _book(harness, ERIK, pairing, "2026-03-05")
    received = {"erik": [await _in_answer(harness, ERIK, booking)]}
    [booked] = await _sessions(harness, pairing)
    await harness.tick()
    opened = await harness.click(MINA, "session.move", booked.id)
    assert opened.form.id == "session.move"
    reply = await harness.submit(
        MINA, "session.move", booked.id, date="2026-03-06", time="11:00", minutes="45"
    )
    assert reply.text.startswith("Moved: Fri 6 Mar, 11:00")
    received["mina"] = [*invites(harness, "mina"), await _in_answer(harness, MINA, reply)]
    old, moved = await _sessions(harness, pairing)
    assert (old.status, moved.status, moved.uid, moved.sequence) == (
        "cancelled",
        "scheduled",
        booked.uid,
        1,
    )
    assert [b.value for b in reply.buttons] == [str(moved.id)] * 2
    await harness.tick()
    received["erik"] += invites(harness, "erik")
    for user in ("mina", "erik"):
        first, update = received[user]
        assert update.method == "REQUEST"
        assert update.key == (booked.uid, 1, "REQUEST") and first.key[1] == 0
        assert update.starts() == [datetime(2026, 3, 6, 10, 0, tzinfo=UTC)]
        assert "RECURRENCE-ID" not in update.event


async def test_moving_one_occurrence_of_a_series_names_its_original_start(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await _book(harness, ERIK, pairing, "2026-03-05", repeat="3")
    first, second, third = await _sessions(harness, pairing)
    await harness.tick()
    reply = await harness.submit(
        MINA, "session.move", second.id, date="2026-03-20", time="09:00", minutes="45"
    )
    minas = await _in_answer(harness, MINA, reply)  # the mover's update comes in the answer
    await harness.tick()
    new_time = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)
    for update in (minas, invites(harness, "erik")[-1]):
        event = update.event
        assert update.key == (first.uid, 1, "REQUEST")
        assert utc(event["recurrence-id"].dt) == second.starts_at
        assert "RRULE" not in event
        assert update.starts() == [new_time]
    # A calendar holding the series and the change sees the moved occurrence only once.
    feed = parse(await _served(harness, await _feed(harness, ERIK)))
    assert len(feed.events) == 2  # the series and its one change
    assert feed.starts() == [first.starts_at, new_time, third.starts_at]


async def test_a_cancel_sends_both_a_cancellation_of_the_same_uid(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await _book(harness, ERIK, pairing, "2026-03-05")
    [booked] = await _sessions(harness, pairing)
    await harness.tick()
    reply = await harness.click(MINA, "session.cancel", booked.id)
    assert reply.buttons[0].action == "session.schedule"
    assert [s.status for s in await _sessions(harness, pairing)] == ["cancelled"]
    await harness.tick()
    for user in ("mina", "erik"):
        [cancel] = invites(harness, user, "CANCEL")
        assert cancel.key == (booked.uid, 1, "CANCEL")
        assert cancel.event["status"] == "CANCELLED"
        assert utc(cancel.event["dtstart"].dt) == THU_10_BERLIN
        assert cancel.delivered.message.buttons == ()


async def test_cancelling_an_occurrence_of_a_series_names_it(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await _book(harness, ERIK, pairing, "2026-03-05", repeat="3")
    first, second, third = await _sessions(harness, pairing)
    await harness.tick()
    await harness.click(ERIK, "session.cancel", second.id)
    await harness.tick()
    for user in ("mina", "erik"):
        [cancel] = invites(harness, user, "CANCEL")
        assert cancel.key == (second.uid, 1, "CANCEL")
        assert utc(cancel.event["recurrence-id"].dt) == second.starts_at
        assert cancel.event["status"] == "CANCELLED"
    # The partner's feed keeps the series, with that one occurrence marked cancelled.
    feed = parse(await _served(harness, await _feed(harness, MINA)))
    assert [(utc(e.start), e["status"]) for e in feed.occurrences()] == [
        (first.starts_at, "CONFIRMED"),
        (second.starts_at, "CANCELLED"),
        (third.starts_at, "CONFIRMED"),
    ]


async def test_pausing_cancels_each_future_session_but_not_one_already_past(harness):
    pairing = await harness.active_pairing(await harness.program(cadence_days=7))
    await harness.tick()
    await _book(harness, ERIK, pairing, "2026-03-03", repeat="3")
    past, *ahead = await _sessions(harness, pairing)
    await harness.tick()
    await harness.tick(past.starts_at + timedelta(hours=2))
    await harness.click(MINA, "pairing.pause", pairing.id)
    await harness.tick()
    for user in ("mina", "erik"):
        [cancel] = invites(harness, user, "CANCEL")
        assert cancel.method == "CANCEL"
        assert [utc(e["recurrence-id"].dt) for e in cancel.events] == [s.starts_at for s in ahead]
        assert {(str(e["uid"]), e["sequence"], e["status"]) for e in cancel.events} == {
            (past.uid, 1, "CANCELLED")
        }
        assert past.starts_at not in cancel.starts()
    statuses = [s.status for s in await _sessions(harness, pairing)]
    assert statuses == ["scheduled", "cancelled", "cancelled"]


async def test_a_cancellation_sent_after_a_session_began_leaves_that_session_out(harness):
    program = await harness.program(cadence_days=1, allow_outside_hours=True)  # 08:30, weekends
    pairing = await harness.active_pairing(program)
    await harness.tick()
    await _book(harness, ERIK, pairing, "2026-03-03", "08:30", repeat="3")
    first, *rest = await _sessions(harness, pairing)
    await harness.tick()
    await harness.tick(datetime(2026, 3, 3, 6, 0, tzinfo=UTC))  # 07:00 in Berlin, before work
    await harness.click(MINA, "pairing.pause", pairing.id)
    await _deliver(harness)  # sent from 09:00 Berlin, after the first session began at 08:30
    for user in ("mina", "erik"):
        [cancel] = invites(harness, user, "CANCEL")
        assert cancel.delivered.at > first.starts_at
        assert [utc(e["recurrence-id"].dt) for e in cancel.events] == [s.starts_at for s in rest]


async def test_someone_whose_request_never_went_out_gets_no_cancellation_either(harness):
    program = await harness.program(allow_outside_hours=True)  # Tom's 04:00
    pairing = await harness.active_pairing(program, mentor=TOM, mentee=ERIK)
    await harness.tick()
    booking = await _book(harness, ERIK, pairing, "2026-03-05")  # 04:00 in New York: Tom's waits
    eriks = [await _in_answer(harness, ERIK, booking)]
    [booked] = await _sessions(harness, pairing)
    await harness.tick()
    await harness.click(ERIK, "session.cancel", booked.id)
    await _deliver(harness)
    eriks += invites(harness, "erik")
    assert [ics.key[1:] for ics in eriks] == [(0, "REQUEST"), (1, "CANCEL")]
    assert invites(harness, "tom") == []


async def test_a_cancellation_due_with_the_request_it_takes_back_follows_that_request(harness):
    program = await harness.program(allow_outside_hours=True)  # Tom's 04:00
    pairing = await harness.active_pairing(program, mentor=TOM, mentee=ERIK)
    await harness.tick()
    await _book(harness, ERIK, pairing, "2026-03-05", repeat="3")  # 04:00 in New York: Tom's waits
    first, second, third = await _sessions(harness, pairing)
    await harness.tick()
    await harness.click(ERIK, "session.cancel", second.id)  # his cancellation waits for 09:00 too
    await _deliver(harness)
    toms = invites(harness, "tom")
    assert [ics.key for ics in toms] == [(first.uid, 0, "REQUEST"), (first.uid, 1, "CANCEL")]
    request, cancel = toms
    assert request.delivered.at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 New York
    assert request.event["rrule"]["COUNT"] == [3]
    assert request.starts() == [first.starts_at, second.starts_at, third.starts_at]
    assert utc(cancel.event["recurrence-id"].dt) == second.starts_at
    assert cancel.event["status"] == "CANCELLED"


async def test_no_one_gets_the_same_uid_and_sequence_twice(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    booking = await _book(harness, ERIK, pairing, "2026-03-05")
    in_answers = {"erik": [await _in_answer(harness, ERIK, booking)], "mina": []}
    [booked] = await _sessions(harness, pairing)
    for _ in range(3):
        await harness.tick()
    again = await _book(harness, ERIK, pairing, "2026-03-05")  # the same form sent twice
    assert not isinstance(again, FormErrors) and "already" in again.text
    assert again.file is None and again.invite is None
    await harness.click(ERIK, "session.cancel", booked.id)
    await harness.click(ERIK, "session.cancel", booked.id)  # a second click
    for _ in range(3):
        await harness.tick()
    await _deliver(harness, days=2)
    for user in ("mina", "erik"):
        keys = [ics.key for ics in in_answers[user] + invites(harness, user)]
        assert keys == [(booked.uid, 0, "REQUEST"), (booked.uid, 1, "CANCEL")]


# --- what the form takes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "where", ["javascript:alert(1)", "http://insecure.example", "<b>room</b>", "mailto:x@y.z"]
)
async def test_a_place_that_is_not_a_room_or_https_link_is_refused(harness, where):
    pairing = await harness.active_pairing()
    reply = await _book(harness, ERIK, pairing, "2026-03-05", where=where)
    assert isinstance(reply, FormErrors)
    assert set(reply.errors) == {"where"}
    assert await _sessions(harness, pairing) == []


@pytest.mark.parametrize("where", ["Room 4.12, 3rd floor", "https://meet.example.com/abc?pwd=1"])
async def test_a_room_name_or_https_link_becomes_the_location(harness, where):
    pairing = await harness.active_pairing()
    await harness.tick()
    reply = await _book(harness, ERIK, pairing, "2026-03-05", where=where)
    assert not isinstance(reply, FormErrors)
    [session] = await _sessions(harness, pairing)
    assert session.location == where
    await harness.tick()
    assert invites(harness, "mina")[0].event["location"] == where


async def test_more_than_six_sessions_at_once_are_refused(harness):
    pairing = await harness.active_pairing()
    reply = await _book(harness, ERIK, pairing, "2026-03-05", repeat="7")
    assert isinstance(reply, FormErrors) and "repeat" in reply.errors
    assert await _sessions(harness, pairing) == []


# --- the personal feed ----------------------------------------------------------------------


async def test_the_feed_lists_only_the_persons_own_sessions(harness):
    ours = await harness.active_pairing()
    other = await harness.program("Other", allow_outside_hours=True)
    theirs = await harness.active_pairing(other, mentor=PRIYA, mentee=TOM)
    await _book(harness, ERIK, ours, "2026-03-05")
    await _book(harness, PRIYA, theirs, "2026-03-06")
    [mine], [other] = await _sessions(harness, ours), await _sessions(harness, theirs)
    reply = await harness.command(ERIK, "calendar")
    link = _feed_link(reply)
    assert link.startswith(f"{harness.config.public_url}/calendar/")
    assert "/calendar/" not in reply.text, "the address is a button, not text"
    [webcal] = [b.url for b in reply.buttons if b.action == "link.webcal"]
    assert webcal == "webcal://" + link.split("://", 1)[1]
    feed = parse(await _served(harness, FEED.search(link).group(1)))
    assert feed.method == ""
    assert [str(e["uid"]) for e in feed.events] == [mine.uid]
    assert feed.starts() == [mine.starts_at]
    assert other.uid not in feed.calendar.to_ical().decode()


async def test_a_reset_feed_address_and_a_made_up_one_lead_nowhere(harness):
    pairing = await harness.active_pairing()
    await _book(harness, ERIK, pairing, "2026-03-05")
    old = await _feed(harness, ERIK)
    # Only the token's digest is kept, so asking again says where the address is instead.
    assert (await harness.person(ERIK)).calendar_token == hashlib.sha256(old.encode()).hexdigest()
    again = await harness.command(ERIK, "calendar")
    assert again.text == prompts.text("calendar.given") and not again.buttons
    assert await harness.engine.calendar_feed(old) is not None
    reply = await harness.command(ERIK, "calendar", "reset")
    new = FEED.search(_feed_link(reply)).group(1)
    assert new != old
    assert await harness.engine.calendar_feed(old) is None
    assert parse(await _served(harness, new)).starts() == [THU_10_BERLIN]
    for made_up in ("A" * 32, "x", "../" + new, new + ".ics"):
        assert await harness.engine.calendar_feed(made_up) is None


async def test_an_owner_outside_the_pair_gets_a_feed_without_its_sessions(harness):
    pairing = await harness.active_pairing()
    await _book(harness, ERIK, pairing, "2026-03-05")
    feed = parse(await _served(harness, await _feed(harness, OWNER)))
    assert feed.events == []
    assert feed.starts() == []


# --- forget-me ------------------------------------------------------------------------------


async def test_forget_me_cancels_the_partners_invite_and_sends_the_forgotten_nothing(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await _book(harness, ERIK, pairing, "2026-03-05")
    [booked] = await _sessions(harness, pairing)
    await harness.tick()
    erik, token = await harness.person(ERIK), await _feed(harness, ERIK)
    sent_before = len(harness.sender.delivered)
    done = await harness.click(ERIK, "privacy.forget", erik.id)
    assert done.text.startswith("Done.")
    assert await harness.engine.calendar_feed(token) is None
    await _deliver(harness)
    after = harness.sender.delivered[sent_before:]
    assert [d for d in after if d.recipient.id == erik.id] == []
    [cancel] = invites(harness, "mina", "CANCEL")
    assert cancel.key == (booked.uid, 1, "CANCEL")
    assert cancel.event["status"] == "CANCELLED"
    assert utc(cancel.event["dtstart"].dt) == THU_10_BERLIN
