"""Slack end to end (issue 28): a leader names an assistant with `/mentoring delegate @...`;
the assistant confirms, books one of the offered times and moves the session, each of the
three gets the invite (the assistant an ATTENDEE of it), and every reflection, rating and fit
button of the leader's, pressed by the assistant, is refused - through a real
`mentorbot serve`, signed requests and the fake Slack Web API."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.slack_support import (
    actions_of,
    active_pair,
    eventually,
    one_post,
    one_post_asking,
    open_form,
    person_number,
    posts_with,
    texts,
    values_of,
    working_hour_after,
)

TAP = "session.book_at"
BERLIN = ZoneInfo("Europe/Berlin")
REFUSED = "That belongs to someone else's pairing"


def _start(value: str) -> datetime:
    return datetime.strptime(value.partition(":")[2], "%Y%m%dT%H%MZ").replace(tzinfo=UTC)


def _attendees(ics: bytes) -> list[str]:
    unfolded = ics.decode().replace("\r\n ", "")
    return sorted(
        line.rpartition("mailto:")[2].lower()
        for line in unfolded.splitlines()
        if line.startswith("ATTENDEE")
    )


async def _forged(workspace, user: str, own, action: str, value: str) -> str:
    """`user` presses a button of `action` with `value` (taken from someone else's message),
    put on their own message `own`; returns what their message says after it."""
    seen = len(own.updates)
    forged = {
        "type": "actions",
        "block_id": "forged",
        "elements": [
            {
                "type": "button",
                "action_id": action,
                "text": {"type": "plain_text", "text": "Press"},
                "value": value,
            }
        ],
    }
    status, _ = await workspace.click(
        user, replace(own, blocks=[*own.blocks, forged]), action, block_prefix="forged"
    )
    assert status == 200
    await eventually(lambda: len(own.updates) > seen, what=f"answer to the forged {action}")
    return texts(own.blocks)


async def test_an_assistant_books_and_moves_for_the_leader_and_is_refused_the_rest(workspace, fake):
    mentor, mentee, when = await active_pair(workspace, fake, "Assisted")
    assistant = f"UASSIST{person_number()}"
    fake.add_user(assistant, "Lena Vogt", "Europe/Berlin")

    # The leader names her; she is asked once, and her Yes offers the pair's times.
    said = await workspace.command(mentee, f"delegate <@{assistant}|lena>")
    assert said["text"].startswith("I've asked Lena to confirm."), said
    await workspace.tick(when + timedelta(minutes=1))
    ask = await one_post_asking(fake, fake.dm(assistant), "delegation.accept")
    assert "would like you to book their mentoring sessions" in ask.text
    status, _ = await workspace.click(assistant, ask, "delegation.accept")
    assert status == 200
    await eventually(lambda: "you now book for Erik" in texts(ask.blocks), what="confirmed")
    offered = values_of(ask.blocks, TAP)
    assert len(offered) == 3
    for value in offered:
        local = _start(value).astimezone(BERLIN)
        assert local.weekday() < 5 and 9 <= local.hour < 18, local
    await workspace.tick(when + timedelta(minutes=2))
    await one_post(fake, fake.dm(mentor), "assistant Lena can also book your sessions with Erik")

    # One tap books the last of them (on the latest day): her copy of the invite comes in
    # the answer (naming her as an attendee), the pair's at the next tick; the leader's
    # nudge is drawn again in place, its times gone.
    nudge = await one_post_asking(fake, fake.dm(mentee), TAP)
    chosen = offered[-1]
    tap = next(
        e
        for b in ask.blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"].split("#")[0] == TAP
    )
    tap["value"] = chosen
    status, _ = await workspace.click(assistant, ask, TAP)
    assert status == 200
    booked = await eventually(
        lambda: [
            p for p in fake.posts_to(fake.dm(assistant)) if p.text.startswith("Booked for Erik:")
        ],
        what="booked",
    )
    [booked] = booked
    start = _start(chosen)
    assert f"{start.astimezone(BERLIN):%H:%M}" in booked.text
    # (Booked as of the wall clock: the pair's invites go in their next working hour.)
    sent = working_hour_after(datetime.now(UTC))
    assert sent < start
    await workspace.tick(sent)
    await eventually(
        lambda: texts(nudge.blocks).startswith("Your assistant Lena booked it: "), what="redrawn"
    )
    assert not values_of(nudge.blocks, TAP)
    for user, name in ((mentor, "Erik's assistant Lena"), (mentee, "Your assistant Lena")):
        post = await one_post(fake, fake.dm(user), f"{name} booked your next session")
        [file] = post.files
        assert "lena@example.com" not in _attendees(fake.uploads[file]), "hers alone names her"
    [own] = booked.files
    assert "lena@example.com" in _attendees(fake.uploads[own]), "she is an attendee of hers"

    # She moves it a week later, 10:00 Berlin: both get the updated invite.
    view = await open_form(workspace, assistant, booked, "session.move")
    day = (start + timedelta(days=7)).astimezone(BERLIN).date()
    status, ack = await workspace.submit(
        assistant, view, {"date": day.isoformat(), "time": "10:00", "minutes": "45"}
    )
    assert status == 200 and ack == {}, ack
    await eventually(
        lambda: [
            p
            for p in fake.posts_to(fake.dm(assistant))
            if p.text.startswith("Moved Erik's session:")
        ],
        what="moved",
    )
    moved = datetime(day.year, day.month, day.day, 10, tzinfo=BERLIN).astimezone(UTC)
    await workspace.tick(working_hour_after(sent))
    await one_post(fake, fake.dm(mentee), "Your assistant Lena moved your session")
    await one_post(fake, fake.dm(mentor), "Erik's assistant Lena moved your session")

    # It happens; the leader's card asks for his rating, fit and reflection. Each of those
    # buttons, pressed by the assistant, is refused.
    await workspace.tick(moved + timedelta(minutes=50))
    check = await one_post(fake, fake.dm(mentee), "How did your session")
    held = next(
        e["value"]
        for b in check.blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("session.held")
    )
    assert REFUSED in await _forged(workspace, assistant, booked, "session.held", held)
    await workspace.click(mentee, check, "session.held")
    await eventually(lambda: "pulse.answer" in actions_of(check.blocks), what="his card")
    tried = [
        (a, v) for a in ("pulse.answer", "reflection.write") for v in values_of(check.blocks, a)
    ]
    assert len(tried) == 5 + 3 + 1, tried  # a rating of 1-5, the fit question, his reflection
    for action, value in tried:
        shown = await _forged(workspace, assistant, booked, action, value)
        assert REFUSED in shown, (action, value, shown)
    assert "pulse.answer" in actions_of(check.blocks), "his card is untouched"
    assert not posts_with(fake, fake.dm(assistant), "What changed")
