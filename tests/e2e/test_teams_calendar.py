"""Calendar invites on Teams, end to end: a booking brings both people a signed link to the
.ics (served by `mentorbot serve` at /teams/invites/...) and a Teams "new meeting" link,
the booker in the booking answer itself and the partner in a message of their own;
Reschedule and Cancel session change the same calendar event (same UID, higher SEQUENCE)
and make older links answer 410; a series is one repeating event; pausing cancels what is
booked; and `calendar` gives a private feed, its links as buttons, that `calendar reset`
replaces.

Everything goes through a real `mentorbot serve` (activities POSTed to /api/messages, a
fake Bot Connector as their serviceUrl) and `mentorbot tick --now`, which sends the
partner's invites and the cancellations. Each .ics is read with both icalendar and
recurring_ical_events.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import recurring_ical_events
from icalendar import Calendar

from bot.domain import prompts
from tests.e2e.calendar_support import fetch, mailto
from tests.e2e.slack_support import BERLIN, Serve, berlin, weekday_at
from tests.e2e.teams_support import (
    Tenant,
    active_pairs,
    activity_text,
    button,
    inputs,
    teams_env,
    tick,
    titles,
)
from tests.fakes.bot_connector import FakeConnector, Sent

GOAL = "Learn reels"  # what the pairs of these tests are proposed with
ADD_ICS = "Add to calendar (.ics)"
MEETING = "Create Teams meeting"
INVITE_PATH = "/teams/invites/"


@pytest.fixture(scope="module")
def teams_serve(connector, tmp_path_factory):
    """serve, with `tick` processes that make invite links serve accepts: `tick` signs them
    with the same MENTORBOT_SECRET and builds them on serve's PORT (without these, each
    process signs with a key of its own and links point at the default port)."""
    folder = tmp_path_factory.mktemp("teams-calendar")
    env = teams_env(f"sqlite+aiosqlite:///{folder}/mentorbot.db")
    server = Serve({**env, "MENTORBOT_SECRET": secrets.token_urlsafe(32)}, folder / "serve.log")
    server.env["PORT"] = str(server.port)  # read by `tick` only: serve got --port
    yield server
    server.stop()


# --- helpers ------------------------------------------------------------------------------------


@dataclass
class Invite:
    """An invite message as one person got it, with the .ics its link serves now."""

    sent: Sent
    url: str
    calendar: Calendar
    starts: list[datetime]  # each occurrence's start, as recurring_ical_events finds them

    @property
    def text(self) -> str:
        return activity_text(self.sent.latest)

    @property
    def events(self) -> list:
        return self.calendar.walk("VEVENT")

    @property
    def method(self) -> str:
        return str(self.calendar["METHOD"])

    @property
    def uid(self) -> str:
        [uid] = {str(e["UID"]) for e in self.events}
        return uid

    @property
    def sequence(self) -> int:
        [sequence] = {int(e["SEQUENCE"]) for e in self.events}
        return sequence

    def titles(self) -> list[str]:
        return titles(self.sent)


def read_ics(text: str) -> tuple[Calendar, list[datetime]]:
    """The calendar, and the start of every occurrence recurring_ical_events finds in it."""
    calendar = Calendar.from_ical(text)
    now = datetime.now(UTC)
    found = recurring_ical_events.of(calendar).between(
        now - timedelta(days=1), now + timedelta(days=400)
    )
    return calendar, sorted(e["DTSTART"].dt for e in found)


async def invite(tenant: Tenant, user: str) -> Invite:
    """The newest invite in the person's chat, with the .ics its link serves."""
    return await invite_in(tenant, await tenant.latest(user, ADD_ICS))


async def invite_in(tenant: Tenant, sent: Sent) -> Invite:
    """The invite that the message in `sent` carries now, with the .ics its link serves."""
    link = button(sent, ADD_ICS)
    assert link["type"] == "Action.OpenUrl", link
    url = link["url"]
    assert url.startswith(f"{tenant.serve.url}{INVITE_PATH}"), url
    status, content_type, body = await fetch(url)
    assert status == 200, body
    assert content_type == "text/calendar", content_type
    return Invite(sent, url, *read_ics(body))


def zulu(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def email(tenant: Tenant, user: str) -> str:
    return tenant.fake.users[user]["email"]


def attendees(event) -> set[str]:
    found = event.get("ATTENDEE", [])
    return {mailto(a) for a in (found if isinstance(found, list) else [found])}


def shown(text: str) -> str:
    """Message text as Teams shows it: its Markdown escapes (\\_ and the like) undone."""
    return re.sub(r"\\(.)", r"\1", text)


async def book(tenant: Tenant, user: str, start: datetime, **values: str) -> Sent:
    """Book from `me`: Schedule with ..., then Book it with `start` (Berlin time) and
    `values`; returns the card, which then shows the booking with the booker's invite."""
    await tenant.say(user, "me")
    card = await tenant.latest(user, "Schedule with")
    title = next(a["title"] for a in FakeConnector.cards(card)[0]["actions"])
    await tenant.submit(user, card, title)
    local = start.astimezone(BERLIN)
    form = {"date": local.date().isoformat(), "time": f"{local:%H:%M}", "minutes": "45"}
    await tenant.submit(user, card, "Book it", form | values)
    assert "Booked" in activity_text(card.latest), activity_text(card.latest)
    return card


def forged(url: str, **changes: str) -> str:
    """The link with what its payload says changed, and its signature kept."""
    base, _, token = url.rpartition("/")
    payload, _, signature = token.partition(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    changed = base64.urlsafe_b64encode(json.dumps(data | changes).encode()).decode().rstrip("=")
    return f"{base}/{changed}.{signature}"


# --- 1. a booking: the .ics link and the Teams meeting link ------------------------------------


async def test_both_people_get_an_ics_link_and_a_teams_meeting_link_the_booker_in_the_booking_answer(
    tenant,
):
    [(mentor, mentee)], when = await active_pairs(tenant, "Invites", goal=GOAL)
    day = weekday_at(10, 9).date()
    start = berlin(day, 10)
    card = await book(tenant, mentee, start, topic="Reels", where="Room 4.12")
    # (What the answer says: tests/unit/test_calendar_invites.py; here, that the booking card
    # itself carries the booker's invite.)
    mine = await invite_in(tenant, card)
    assert "Booked:" in mine.text and len(card.updates) >= 2, "booked in place, invite and all"
    assert "for Mina)" not in mine.text, "both are on Berlin time: one clock is enough"
    assert "booked your next session" not in tenant.texts(mentor), "the partner's waits"

    seen = len(tenant.fake.sent_to(tenant.chat(mentee)))
    await tick(tenant, when + timedelta(minutes=5))
    theirs = await invite(tenant, mentor)
    assert "Erik booked your next session" in theirs.text, theirs.text
    assert len(tenant.fake.sent_to(tenant.chat(mentee))) == seen, "the booker's is not sent again"

    for got in (mine, theirs):
        assert got.titles() == [ADD_ICS, MEETING, "Reschedule", "Cancel session"], got.titles()
        assert got.method == "REQUEST"
        [event] = got.events
        assert event["DTSTART"].dt == start, event["DTSTART"].dt
        assert event["DTEND"].dt == start + timedelta(minutes=45)
        assert str(event["DTSTART"].params["TZID"]) == "Europe/Berlin"
        assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED"
        assert str(event["LOCATION"]) == "Room 4.12"
        # E-mails come from Teams' member details (GET .../members/{id}: email).
        assert mailto(event.get("ORGANIZER", "")) == email(tenant, mentee), "the booker organises"
        assert attendees(event) == {email(tenant, mentee), email(tenant, mentor)}, event.to_ical()
        assert got.starts == [start], "recurring_ical_events finds the one session"

        meeting = button(got.sent, MEETING)
        assert meeting["type"] == "Action.OpenUrl", meeting
        parts = urlsplit(meeting["url"])
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
            "https://teams.microsoft.com/l/meeting/new"
        )
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert query["subject"] == str(event["SUMMARY"]) == "Mentoring: Erik and Mina (Invites)"
        assert query["startTime"] == zulu(start)
        assert query["endTime"] == zulu(start + timedelta(minutes=45))
        assert set(query.get("attendees", "").split(",")) == {
            email(tenant, m) for m in (mentee, mentor)
        }
    assert mine.uid == theirs.uid and mine.url != theirs.url, "one event, a link for each"

    # A link whose payload was changed, or whose signature was, is refused.
    for bad in (
        forged(mine.url, u=mentor),
        forged(mine.url, a="invite:1"),
        mine.url[:-3] + ("AAA" if not mine.url.endswith("AAA") else "BBB"),
    ):
        status, _, body = await fetch(bad)
        assert status == 403, (bad, status, body)
    assert (await fetch(mine.url))[0] == 200, "the real link still works"


# --- 2 and 3. moving, then cancelling, the same event ------------------------------------------


async def test_moving_then_cancelling_a_session_updates_one_calendar_event_and_old_links_go_stale(
    tenant,
):
    [(mentor, mentee)], when = await active_pairs(tenant, "Moves", goal=GOAL)
    day = weekday_at(10, 9).date()
    start = berlin(day, 10)
    booked = await book(tenant, mentee, start)
    await tick(tenant, when + timedelta(minutes=5))
    first = {mentee: await invite_in(tenant, booked), mentor: await invite(tenant, mentor)}
    uid = first[mentee].uid

    # The mentor moves it from the invite: Reschedule shows the form in the same card, and
    # moving it draws the card again with the updated invite.
    # (What moving says: tests/unit/test_calendar_words.py; here, the form in the card, then
    # the new time shown with the updated invite.)
    card = first[mentor].sent
    await tenant.submit(mentor, card, "Reschedule")
    assert {"date", "time", "minutes"} <= set(inputs(card)), activity_text(card.latest)
    assert "Move it" in titles(card)
    moved_to = berlin(day + timedelta(days=1), 14, 30)
    local = moved_to.astimezone(BERLIN)
    values = {"date": local.date().isoformat(), "time": "14:30"}
    await tenant.submit(mentor, card, "Move it", values | {"minutes": "30"})
    new_time = f"{local:%a} {local.day} {local:%b}, 14:30"
    assert new_time in activity_text(card.latest), activity_text(card.latest)
    assert not inputs(card), "the form gave way to the answer"
    moved = await invite_in(tenant, card)

    await tick(tenant, when + timedelta(minutes=10))
    second = {mentee: await invite(tenant, mentee), mentor: moved}
    assert "Mina" in second[mentee].text and new_time in second[mentee].text, second[mentee].text
    assert second[mentee].sent.id != first[mentee].sent.id, "the partner's comes as a new message"
    for user, got in second.items():
        assert got.url != first[user].url, "a new link"
        assert got.method == "REQUEST" and got.uid == uid
        assert got.sequence > first[user].sequence, (got.sequence, first[user].sequence)
        [event] = got.events
        assert event["DTSTART"].dt == moved_to
        assert event["DTEND"].dt == moved_to + timedelta(minutes=30)
        assert got.starts == [moved_to]
        query = parse_qs(urlsplit(button(got.sent, MEETING)["url"]).query)
        assert query["startTime"] == [zulu(moved_to)], query
        status, _, body = await fetch(first[user].url)
        assert status == 410, (status, body)
        assert "the session changed or is over" in body

    # The mentee cancels it from the updated invite: both get a cancellation of that event.
    card = second[mentee].sent
    await tenant.submit(mentee, card, "Cancel session")
    assert "Cancelled your session" in activity_text(card.latest), activity_text(card.latest)
    await tick(tenant, when + timedelta(minutes=15))
    for user in (mentee, mentor):
        got = await invite(tenant, user)
        assert got.sent.id != second[user].sent.id
        # Nothing to move or meet about any more (a new nudge to book may come along with it,
        # when one is due at the same moment).
        assert ADD_ICS in got.titles(), activity_text(got.sent.latest)
        assert not {MEETING, "Reschedule", "Cancel session"} & set(got.titles())
        assert got.method == "CANCEL" and got.uid == uid
        assert got.sequence > second[user].sequence, (got.sequence, second[user].sequence)
        [event] = got.events
        assert str(event["STATUS"]) == "CANCELLED"
        assert event["DTSTART"].dt == moved_to
        assert (await fetch(second[user].url))[0] == 410, "the moved invite no longer holds"
    assert "Erik cancelled your session" in (await invite(tenant, mentor)).text


# --- 4 and 3. a series, and pausing the pair ---------------------------------------------------


async def test_a_series_of_three_is_one_repeating_event_and_pausing_the_pair_cancels_it(tenant):
    [(mentor, mentee)], when = await active_pairs(tenant, "Series", goal=GOAL)
    day = weekday_at(10, 9).date()
    starts = [berlin(day + timedelta(days=14 * n), 10) for n in range(3)]
    card = await book(tenant, mentee, starts[0], repeat="3")
    # (What a series' answer says: tests/unit/test_calendar_words.py; here, it names the
    # partner and carries the one invite, whose three sessions are checked below.)
    assert "Mina" in activity_text(card.latest), activity_text(card.latest)

    await tick(tenant, when + timedelta(minutes=5))
    requests = {mentee: await invite_in(tenant, card), mentor: await invite(tenant, mentor)}
    assert "Erik" in requests[mentor].text, requests[mentor].text
    for got in requests.values():
        assert got.method == "REQUEST"
        [event] = got.events
        rule = event["RRULE"]
        assert (rule["FREQ"], rule["INTERVAL"], rule["COUNT"]) == (["WEEKLY"], [2], [3]), rule
        assert event["DTSTART"].dt == starts[0]
        assert str(event["DTSTART"].params["TZID"]) == "Europe/Berlin"
        assert got.starts == starts, "exactly the three sessions, at 10:00 in Berlin"
    uid = requests[mentee].uid

    # Pausing cancels all three: one cancellation naming each occurrence.
    await tenant.say(mentee, "pause")
    choice = await tenant.latest(mentee, "Pause: Mina (Series)")
    await tenant.submit(mentee, choice, "Pause: Mina (Series)")
    assert not titles(choice), "the answer takes the button's place"
    await tick(tenant, when + timedelta(minutes=10))
    for user in (mentee, mentor):
        got = await invite(tenant, user)
        assert got.method == "CANCEL" and got.uid == uid, (got.method, got.uid)
        assert got.sequence > requests[user].sequence
        assert sorted(e["RECURRENCE-ID"].dt for e in got.events) == starts
        assert {str(e["STATUS"]) for e in got.events} == {"CANCELLED"}
        assert (await fetch(requests[user].url))[0] == 410
    assert "Erik" in (await invite(tenant, mentor)).text, "the partner's cancellation names who"


# --- 5. the personal calendar feed --------------------------------------------------------------


async def feed_url(tenant: Tenant, user: str, command: str, reply: str) -> str:
    """Type `command`; the feed address in the answer's Feed link button (the text has no
    link), checked against its Subscribe (webcal) button."""
    await tenant.say(user, command)
    answer = await tenant.latest(user, reply)
    assert "http" not in shown(answer.latest.get("summary", "")), "no links in the words"
    assert not [t for t in text_blocks(answer) if "://" in t], "no links in the text"
    feed, subscribe = button(answer, "Feed link"), button(answer, "Subscribe")
    assert feed["type"] == subscribe["type"] == "Action.OpenUrl", (feed, subscribe)
    url = feed["url"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/calendar/[0-9a-f]{48}\.ics", url), url
    assert subscribe["url"] == "webcal://" + url.removeprefix("http://"), subscribe
    return url


def text_blocks(sent: Sent) -> list[str]:
    return [
        block["text"]
        for card in FakeConnector.cards(sent)
        for block in card["body"]
        if block.get("type") == "TextBlock"
    ]


async def test_the_calendar_command_gives_a_private_feed_that_reset_replaces(tenant):
    [(_, erik), (_, other)], _ = await active_pairs(tenant, "Feeds", count=2, goal=GOAL)
    day = weekday_at(10, 9).date()
    mine, theirs = berlin(day, 10), berlin(day, 15)
    erik_invite = (await invite_in(tenant, await book(tenant, erik, mine))).url
    other_invite = (await invite_in(tenant, await book(tenant, other, theirs))).url

    url = await feed_url(tenant, erik, "calendar", "Your personal calendar feed")
    assert url.startswith(f"http://127.0.0.1:{tenant.serve.port}/calendar/"), url
    status, content_type, body = await fetch(url)
    assert (status, content_type) == (200, "text/calendar"), (status, body)
    calendar, found = read_ics(body)
    assert found == [mine], "only this person's session, not the other pair's"
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Mentoring: Erik and Mina (Feeds)"

    other_url = await feed_url(tenant, other, "calendar", "Your personal calendar feed")
    assert other_url != url
    other_calendar, other_found = read_ics((await fetch(other_url))[2])
    assert other_found == [theirs]
    [other_event] = other_calendar.walk("VEVENT")
    assert str(other_event["UID"]) != str(event["UID"])

    # Only the token's digest is kept (issue 25, item 13), so asking again cannot show the
    # address: the answer says where it is and how to get a new one. A made-up token finds
    # nothing.
    await tenant.say(erik, "calendar")
    again = await tenant.latest(erik, "You already have a calendar feed")
    said = shown(activity_text(again.latest))
    assert prompts.text("calendar.given") in said, said
    assert not [b for b in FakeConnector.cards(again) if b.get("actions")], "no links"
    assert (await fetch(url))[0] == 200
    made_up = f"{tenant.serve.url}/calendar/{secrets.token_urlsafe(24)}.ics"
    assert (await fetch(made_up))[0] == 404

    # `calendar reset`: a new address; the old one and Erik's invite links stop working at
    # once (the links carry his link generation); the other person's are untouched.
    assert (await fetch(erik_invite))[0] == 200
    new_url = await feed_url(tenant, erik, "calendar reset", "the old feed link no longer works")
    assert new_url != url
    assert (await fetch(url))[0] == 404
    status, _, body = await fetch(erik_invite)
    assert status == 410 and "calendar reset replaced your links" in body, (status, body)
    assert (await fetch(other_invite))[0] == 200
    status, _, body = await fetch(new_url)
    assert status == 200 and read_ics(body)[1] == [mine]
