"""Slack end to end: a real `mentorbot serve` over HTTP with signed requests, a fake Slack Web
API on 127.0.0.1, and `mentorbot tick --now` moving time forward."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from tests.e2e.slack_support import (
    OWNER,
    actions_of,
    eventually,
    pair_of_people,
    propose,
    row_for,
    row_of,
    row_with,
    settle,
    start_program,
    texts,
    weekday_at,
)

TAP = "session.book_at"  # a time offered in a nudge


async def test_a_pair_goes_from_slash_command_to_a_stored_reflection(workspace, fake, serve):
    mentor, mentee = pair_of_people(fake)
    await start_program(workspace, "Cycle")
    proposed = await propose(
        workspace, "Cycle", mentor, mentee, "Learn <!channel> short video & reels"
    )
    assert "Proposed: Mina Park" in proposed["text"] and proposed["response_type"] == "ephemeral"

    # One intro in a group DM with both, Accept / Not for me for each of them.
    when = weekday_at(3, 9)
    assert "sent 1" in await workspace.tick(when)
    opened = [c.args["users"] for c in fake.calls_to("conversations.open")]
    assert ",".join([mentee, mentor]) in opened
    [intro] = fake.posts_to(fake.dm(mentor, mentee))
    assert "&lt;!channel&gt;" in intro.text and "<!channel>" not in intro.text, (
        "user text is escaped"
    )
    assert {b.get("block_id") for b in intro.blocks} >= {f"for.{mentee}", f"for.{mentor}"}

    # Buttons answer only the person they are for; a click updates the message in place.
    await workspace.click(mentor, intro, "pairing.accept", block_prefix=f"for.{mentee}")
    refused = await eventually(lambda: fake.responses, what="ephemeral refusal")
    assert f"for <@{mentee}>" in refused[-1]["text"]
    await workspace.click(mentee, intro, "pairing.accept", block_prefix=f"for.{mentee}")
    await eventually(lambda: f"for.{mentee}" not in str(intro.blocks), what="erik's buttons gone")
    assert f"for.{mentor}" in str(intro.blocks), "the mentor's buttons stay"
    await workspace.click(mentor, intro, "pairing.accept", block_prefix=f"for.{mentor}")
    await eventually(lambda: "both in" in texts(intro.blocks), what="pair active")
    # The consent buttons are gone; each yes is answered under its person's mention, the
    # second with the next step, booking (this is Mina's nudge to book), and the offer to set
    # objectives: the message's own row of buttons, last.
    left = actions_of(intro.blocks)
    assert not {"pairing.accept", "pairing.decline"} & set(left), left
    context = [texts([b]) for b in intro.blocks if b["type"] == "context"]
    assert "both in" in context[context.index(f"<@{mentor}>") + 1], context
    own = [b for b in intro.blocks if b["type"] == "actions"][-1]
    assert actions_of([own]) == [*[TAP] * 3, "session.schedule", "objectives.edit"], intro.blocks

    # The planner nudges only Erik, in his DM, with three times, Other time and Snooze; his question about
    # what he hopes for comes along with it.
    await workspace.tick(when + timedelta(minutes=5))
    [nudge] = [p for p in fake.posts_to(fake.dm(mentee)) if "Time to book" in p.text]
    assert not [p for p in fake.posts_to(fake.dm(mentor)) if "Time to book" in p.text]
    assert sorted(actions_of(nudge.blocks)) == [
        "checkin.answer",
        "pairing.snooze",
        *[TAP] * 3,  # three times that suit both (test_slack_one_tap.py books one)
        "session.schedule",  # Other time...
    ]
    assert row_with(nudge.blocks, "checkin.answer") != row_for(nudge.blocks, "Time to book"), (
        "each with its own row of buttons"
    )

    # Schedule opens a modal on Erik's clock; a 90-minute session is refused inside it, on
    # the right field.
    await workspace.click(mentee, nudge, "session.schedule")
    view = await eventually(lambda: fake.views, what="views.open")
    view = view[-1]
    assert "Times here are your time (Europe/Berlin)." in texts(view["blocks"])
    assert [b["element"]["type"] for b in view["blocks"] if b["type"] == "input"] == [
        "datepicker",
        "timepicker",
        "static_select",
        "plain_text_input",  # topic
        "plain_text_input",  # where
        "static_select",  # how many sessions
    ]
    day = weekday_at(10, 9).date()
    status, ack = await workspace.submit(
        mentee, view, {"date": day.isoformat(), "time": "10:00", "minutes": "90"}
    )
    assert status == 200 and ack["response_action"] == "errors"
    assert "30 to 60 minutes" in ack["errors"]["minutes"]
    status, ack = await workspace.submit(
        mentee, view, {"date": day.isoformat(), "time": "10:00", "minutes": "45", "topic": "Reels"}
    )
    assert status == 200 and ack == {}, ack
    # The answer, with Erik's calendar invite, is a DM of its own; the nudge keeps only its
    # question, so Schedule cannot be used twice.
    booked = await eventually(
        lambda: [p for p in fake.posts_to(fake.dm(mentee)) if p.text.startswith("Booked:")],
        what="booking answer",
    )
    [booked] = booked
    [invite] = booked.files
    assert fake.uploads[invite].startswith(b"BEGIN:VCALENDAR"), "the .ics comes with it"
    invite_actions = {"link.google", "link.outlook", "session.move", "session.cancel"}
    assert invite_actions <= set(actions_of(booked.blocks)), actions_of(booked.blocks)
    await eventually(lambda: "session.schedule" not in str(nudge.blocks), what="nudge updated")
    assert actions_of(nudge.blocks) == ["checkin.answer"]

    # Agenda the day before, then did-it-happen after the end, to Erik (he leads).
    start = weekday_at(10, 8)  # 10:00 Berlin in winter is 09:00 UTC; 08:00 UTC is before
    start = start.replace(year=day.year, month=day.month, day=day.day, hour=9)
    await workspace.tick(start - timedelta(hours=20))
    agenda = [p for p in fake.posts_to(fake.dm(mentee)) if "Suggested agenda" in p.text]
    assert agenda and "Topic: Reels" in agenda[0].text
    await workspace.tick(start + timedelta(minutes=50))
    check = next(p for p in fake.posts_to(fake.dm(mentee)) if "How did your session" in p.text)
    assert not [p for p in fake.posts_to(fake.dm(mentor)) if "How did your session" in p.text]

    # "It happened" turns the question into the post-session card, asking for his reflection.
    await workspace.click(mentee, check, "session.held")
    await eventually(
        lambda: "Thanks for your session with Mina" in texts(check.blocks), what="card"
    )
    assert {"pulse.answer", "reflection.write"} <= set(actions_of(check.blocks))
    assert "reflection.write" in actions_of(row_of(check.blocks, "What changed for you"))

    # Mina gets her card at the next tick; Erik answers his by a DM reply that Slack
    # delivers three times.
    await workspace.tick(start + timedelta(minutes=55))
    [card] = [
        p for p in fake.posts_to(fake.dm(mentor)) if "Thanks for your session with Erik" in p.text
    ]
    assert "reflection.write" in actions_of(row_of(card.blocks, "What stood out")), card.blocks
    for retry in range(3):
        assert (
            await workspace.dm(
                mentee, "I now read completion rates &amp; retention", "EvREFLECT", retry
            )
            == 200
        )
    await eventually(
        lambda: any("Thanks - saved" in p.text for p in fake.posts_to(fake.dm(mentee))),
        what="reflection saved reply",
    )
    await settle()
    saved = [p for p in fake.posts_to(fake.dm(mentee)) if "Thanks - saved" in p.text]
    assert len(saved) == 1, "Slack's retries are answered once"

    # Erik answered "did it happen?", so Mina is not asked it a day later.
    later = start + timedelta(days=1, minutes=55)
    while later.weekday() >= 5:  # (Mina's working day)
        later += timedelta(days=1)
    await workspace.tick(later)
    assert not [p for p in fake.posts_to(fake.dm(mentor)) if "How did your session" in p.text]

    # The owner's export holds the reflection once.
    reply = await workspace.command(OWNER, "export")
    assert "Preparing your export" in reply["text"]
    # (the pair's calendar invites were shared before it, each into its person's DM)
    to_owner = lambda: [s for s in fake.shared if s["channel_id"] == fake.dm(OWNER)]  # noqa: E731
    shared = await eventually(to_owner, what="file shared")
    assert shared[-1]["channel_id"] == fake.dm(OWNER)
    content = fake.uploads[shared[-1]["files"][0]["id"]].decode()
    rows = [r for r in csv.DictReader(io.StringIO(content)) if r["program"] == "Cycle"]
    reflections = [r for r in rows if "completion rates & retention" in r.get("what_changed", "")]
    assert len(reflections) == 1, rows
