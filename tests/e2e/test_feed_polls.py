"""A calendar polling a personal feed through `mentorbot serve` (issue 25, item 10): the
answer carries an ETag; asked again with it, serve answers 304 Not Modified until something
in the feed changed, and then the new feed with a new ETag."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
from icalendar import Calendar

from tests.e2e.calendar_support import active_pairs, book, events, feed_link, reply_in_dm
from tests.e2e.slack_support import eventually, texts, weekday_at


async def _get(url: str, etag: str = "") -> tuple[int, str, bytes]:
    headers = {"If-None-Match": etag} if etag else {}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as resp:
        return resp.status, resp.headers.get("ETag", ""), await resp.read()


async def test_a_repeat_poll_is_not_modified_until_a_session_of_the_feed_changes(workspace, fake):
    [(mentor, mentee)], when = await active_pairs(workspace, "Polls", 1)
    day = weekday_at(10, 9).date()
    booked = await book(
        workspace, mentee, {"date": day.isoformat(), "time": "11:00", "minutes": "60"}
    )
    await workspace.tick(when + timedelta(minutes=5))
    url = feed_link(await reply_in_dm(workspace, mentor, "calendar"))

    status, etag, body = await _get(url)
    assert status == 200 and etag.startswith('W/"') and len(events(Calendar.from_ical(body))) == 1
    assert await _get(url, etag) == (304, etag, b"")
    bare = etag.removeprefix("W/")  # weakly compared, in a list
    assert (await _get(url, f'"other", {bare}'))[0] == 304
    assert (await _get(url, '"other"'))[0] == 200
    again = await _get(url)
    assert again[:2] == (200, etag) and again[2] == body, "the same feed"

    # The mentee cancels it from their invite: the mentor's feed changes with it.
    status, _ = await workspace.click(mentee.user, booked, "session.cancel")
    assert status == 200
    await eventually(lambda: "Cancelled your session" in texts(booked.blocks), what="cancelled")
    status, changed, body = await _get(url, etag)
    assert status == 200 and changed != etag
    [event] = events(Calendar.from_ical(body))
    assert event["STATUS"] == "CANCELLED"
    assert (await _get(url, changed))[0] == 304
