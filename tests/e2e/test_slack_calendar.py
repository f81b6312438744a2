"""Slack end to end, calendar invites (issue 14): a booking reaches both people as an .ics
file with calendar links (the booker's in the answer to the booking, the partner's at the next
tick), Reschedule and Cancel send updates under the same uid, pausing cancels what was booked,
a series is one repeating event, and each person's feed lists only their own sessions -
through a real `mentorbot serve` and `mentorbot tick --now`."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import recurring_ical_events
from icalendar import Calendar

from bot.domain import prompts
from tests.e2e.calendar_support import (
    active_pairs,
    answer_with_invite,
    book,
    buttons,
    events,
    feed_link,
    fetch,
    mailto,
    message_of,
    reply_in_dm,
    shares,
)
from tests.e2e.process_support import query
from tests.e2e.slack_support import (
    CADENCE,
    berlin,
    eventually,
    open_form,
    settle,
    texts,
    weekday_at,
)
from tests.fakes.slack_api import FakeSlack

# --- helpers ------------------------------------------------------------------------------------


def ics_of(fake: FakeSlack, share: dict) -> Calendar:
    [file] = share["files"]
    return Calendar.from_ical(fake.uploads[file["id"]])


def said(fake: FakeSlack, share: dict) -> str:
    """What a file share says: its comment, or the text of the message it shows up as (a
    share with buttons, or with a question that came along)."""
    return share.get("initial_comment") or message_of(fake, share).text


def expanded(calendar: Calendar, around: datetime) -> list[datetime]:
    """The starts recurring_ical_events finds within a year either side of `around`."""
    found = recurring_ical_events.of(calendar).between(
        around - timedelta(days=365), around + timedelta(days=365)
    )
    return sorted(e["DTSTART"].dt for e in found)


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


# --- 1, 2, 3, 6: one booking, its links, Reschedule and Cancel ----------------------------------
async def test_a_booking_sends_both_an_invite_that_reschedule_and_cancel_update_under_one_uid(
    workspace, fake
):
    [(mentor, mentee)], when = await active_pairs(workspace, "Almanac", 1)
    day = weekday_at(10, 9).date()
    start = berlin(day, 10)
    booked = await book(
        workspace,
        mentee,
        {"date": day.isoformat(), "time": "10:00", "minutes": "45", "topic": "Reels"},
    )
    # (What the answer says: tests/unit/test_calendar_invites.py; here, that it carries the
    # booker's invite, in their DM.)
    assert booked.text.startswith("Booked:"), booked.text
    assert "for Mina)" not in booked.text, "the same clock: said once"
    assert [s["channel_id"] for s in shares(fake, mentee)] == [mentee.dm]
    assert not shares(fake, mentor), "Mina's is queued for her working hours"

    # The tick sends Mina hers; each of them has one .ics in their DM, with links and buttons.
    await workspace.tick(when + timedelta(minutes=5))
    requests = {}
    for person in (mentee, mentor):
        [share] = shares(fake, person)
        calendar = ics_of(fake, share)
        assert calendar["METHOD"] == "REQUEST"
        [event] = events(calendar)
        assert event["DTSTART"].dt == start and event["DTSTART"].params["TZID"] == "Europe/Berlin"
        assert event["DTEND"].dt == start + timedelta(minutes=45)
        assert expanded(calendar, start) == [start]
        assert event["SEQUENCE"] == 0 and event["STATUS"] == "CONFIRMED"
        assert {mailto(a) for a in event["ATTENDEE"]} == {mentor.email, mentee.email}
        assert mailto(event["ORGANIZER"]) == mentee.email, "the booker organises it"
        assert "Topic: Reels" in str(event["DESCRIPTION"])
        invite = message_of(fake, share)
        assert invite.channel == person.dm
        found = buttons(invite)
        assert found["link.google"]["text"]["text"] == "Add to Google Calendar"
        assert found["link.outlook"]["text"]["text"] == "Add to Outlook"
        google = parse_qs(urlsplit(found["link.google"]["url"]).query)
        assert google["action"] == ["TEMPLATE"]
        assert google["dates"] == [f"{utc(start)}/{utc(start + timedelta(minutes=45))}"]
        outlook = parse_qs(urlsplit(found["link.outlook"]["url"]).query)
        assert outlook["startdt"] == [f"{start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"]
        assert found["session.move"]["text"]["text"] == "Reschedule"
        assert found["session.cancel"]["text"]["text"] == "Cancel session"
        requests[person.user] = (event, invite)
    uid = str(requests[mentee.user][0]["UID"])
    assert str(requests[mentor.user][0]["UID"]) == uid
    assert requests[mentee.user][1] is booked
    assert requests[mentor.user][1].text.startswith("Erik booked your next session")

    # 6: pressing a link button (the browser opens it) changes and posts nothing.
    invite = requests[mentor.user][1]
    calls = len(fake.calls)
    responses, views = len(fake.responses), len(fake.views)
    status, _ = await workspace.click(mentor.user, invite, "link.google")
    assert status == 200
    await settle()
    assert len(fake.calls) == calls, [c.method for c in fake.calls[calls:]]
    assert (len(fake.responses), len(fake.views), invite.updates) == (responses, views, [])

    # 2: Reschedule opens the move form, filled in; the new time reaches both under the uid:
    # Mina's updated invite in the answer, Erik's at the next tick.
    form = await open_form(workspace, mentor.user, invite, "session.move")
    assert form["callback_id"] == "session.move"
    initial = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
    assert initial["date"]["initial_date"] == day.isoformat()
    assert initial["time"]["initial_time"] == "10:00"
    later = weekday_at(12, 9).date()
    moved_to = berlin(later, 15, 30)
    answer = await answer_with_invite(
        workspace, mentor, form, {"date": later.isoformat(), "time": "15:30", "minutes": "45"}
    )
    # (What a move says: tests/unit/test_calendar_words.py; here, the new time is shown.)
    new_time = f"{moved_to:%a} {moved_to.day} {moved_to:%b}, 15:30"
    assert new_time in answer.text, answer.text
    await eventually(lambda: "session.move" not in buttons(invite), what="the old row gone")
    await workspace.tick(when + timedelta(minutes=10))
    moved = {}
    for person in (mentee, mentor):
        [share] = shares(fake, person)[1:]
        calendar = ics_of(fake, share)
        assert calendar["METHOD"] == "REQUEST"
        [event] = events(calendar)
        assert str(event["UID"]) == uid
        assert event["SEQUENCE"] > requests[person.user][0]["SEQUENCE"]
        assert event["DTSTART"].dt == moved_to and expanded(calendar, moved_to) == [moved_to]
        moved[person.user] = (event, message_of(fake, share))
    assert moved[mentor.user][1] is answer
    told = moved[mentee.user][1].text
    assert "Mina" in told and new_time in told, told

    # 3: Cancel session on the updated invite sends both a cancellation of it.
    status, _ = await workspace.click(mentee.user, moved[mentee.user][1], "session.cancel")
    assert status == 200
    await eventually(
        lambda: "Cancelled your session" in texts(moved[mentee.user][1].blocks), what="cancelled"
    )
    await workspace.tick(when + timedelta(minutes=15))
    for person in (mentee, mentor):
        [share] = shares(fake, person)[2:]
        calendar = ics_of(fake, share)
        assert calendar["METHOD"] == "CANCEL"
        [event] = events(calendar)
        assert str(event["UID"]) == uid and event["STATUS"] == "CANCELLED"
        assert event["SEQUENCE"] > moved[person.user][0]["SEQUENCE"]
        assert event["DTSTART"].dt == moved_to
        assert "calendar update" in said(fake, share)


# --- 4, 3: a series, then a pause ----------------------------------------------------------------
async def test_a_series_is_one_repeating_invite_and_pausing_the_pair_cancels_it(workspace, fake):
    [(mentor, mentee)], when = await active_pairs(workspace, "Cycle", 1)
    day = weekday_at(10, 9).date()
    starts = [berlin(day + timedelta(days=CADENCE * n), 10) for n in range(3)]
    booked = await book(
        workspace,
        mentor,
        {"date": day.isoformat(), "time": "10:00", "minutes": "30", "repeat": "3"},
    )
    # (What a series' answer says: tests/unit/test_calendar_words.py; here, it names the
    # partner and carries the one invite, whose three sessions are checked below.)
    assert "Erik" in booked.text, booked.text
    assert {"link.google", "session.move", "session.cancel"} <= set(buttons(booked))

    await workspace.tick(when + timedelta(minutes=5))
    uids = set()
    for person in (mentee, mentor):
        [share] = shares(fake, person)
        calendar = ics_of(fake, share)
        assert calendar["METHOD"] == "REQUEST"
        found = events(calendar)
        assert len(found) == 1, "one event for the whole series"
        [event] = found
        assert event["RRULE"]["COUNT"] == [3]
        assert event["DTSTART"].dt == starts[0]
        assert expanded(calendar, starts[0]) == starts
        uids.add(str(event["UID"]))
        google = parse_qs(urlsplit(buttons(message_of(fake, share))["link.google"]["url"]).query)
        assert "COUNT=3" in google["recur"][0]
    [uid] = uids

    # Pause, typed in the DM, then the pairing's button: both get the series cancelled.
    choose = await reply_in_dm(workspace, mentor, "pause")
    assert list(buttons(choose)) == ["pairing.pause"], choose.blocks
    status, _ = await workspace.click(mentor.user, choose, "pairing.pause")
    assert status == 200
    # The answer takes the button's place (its words: tests/unit/test_lifecycle_words.py).
    await eventually(lambda: not buttons(choose), what="paused")
    await workspace.tick(when + timedelta(minutes=10))
    for person in (mentee, mentor):
        [share] = shares(fake, person)[1:]
        calendar = ics_of(fake, share)
        assert calendar["METHOD"] == "CANCEL"
        cancelled = events(calendar)
        assert {str(e["UID"]) for e in cancelled} == {uid}
        assert all(e["SEQUENCE"] > 0 and e["STATUS"] == "CANCELLED" for e in cancelled)
        covered = sorted((e.get("RECURRENCE-ID") or e["DTSTART"]).dt for e in cancelled)
        assert covered == starts, "every session of the series is called off"


# --- 5: the personal feed ------------------------------------------------------------------------
async def test_the_calendar_feed_lists_only_the_persons_own_sessions_until_its_link_is_reset(
    workspace, fake, serve
):
    [(mentor, mentee), (other_mentor, other_mentee)], when = await active_pairs(
        workspace, "Ledger", 2
    )
    day = weekday_at(10, 9).date()
    await book(workspace, mentee, {"date": day.isoformat(), "time": "11:00", "minutes": "60"})
    await book(workspace, other_mentee, {"date": day.isoformat(), "time": "14:00", "minutes": "30"})
    await workspace.tick(when + timedelta(minutes=5))
    [invited] = {str(e["UID"]) for e in events(ics_of(fake, shares(fake, mentor)[0]))}

    link = re.compile(rf"http://127\.0\.0\.1:{serve.port}/calendar/[0-9a-f]{{48}}\.ics")
    feeds = {}
    for person, hour in ((mentor, 11), (other_mentor, 14)):
        answer = await reply_in_dm(workspace, person, "calendar")
        url = feed_link(answer)
        assert link.fullmatch(url), url
        status, kind, body = await fetch(url)
        assert status == 200 and kind.startswith("text/calendar"), (status, kind)
        calendar = Calendar.from_ical(body)
        assert expanded(calendar, berlin(day, hour)) == [berlin(day, hour)]
        [uid] = {str(e["UID"]) for e in events(calendar)}
        feeds[person.user] = (url, uid, body)
    url, mine, body = feeds[mentor.user]
    theirs = feeds[other_mentor.user][1]
    assert mine == invited, "the feed and the invite describe the same event"
    assert mine != theirs and theirs not in body, "another pair's session is not in the feed"
    assert other_mentee.email not in body and mentee.email in body
    # Only the token's digest is kept (issue 25, item 13): the link cannot be shown again.
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    kept = query(
        serve.env["DATABASE_URL"],
        "SELECT calendar_token FROM participants WHERE user_id = $1",
        mentor.user,
    )
    assert kept == [(hashlib.sha256(token.encode()).hexdigest(),)], kept
    again = await reply_in_dm(workspace, mentor, "calendar")
    assert again.text == prompts.text("calendar.given") and not buttons(again), again
    assert (await fetch(url))[0] == 200, "asking again changes nothing"

    wrong = url.rsplit("/", 1)[0] + f"/{secrets.token_urlsafe(24)}.ics"
    assert (await fetch(wrong))[0] == 404

    reset = await reply_in_dm(workspace, mentor, "calendar reset")
    new_url = feed_link(reset)
    assert link.fullmatch(new_url) and new_url != url
    assert (await fetch(url))[0] == 404, "the old link stops working"
    status, _, body = await fetch(new_url)
    assert status == 200 and {str(e["UID"]) for e in events(Calendar.from_ical(body))} == {mine}
