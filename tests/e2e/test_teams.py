"""Teams end to end: a real `mentorbot serve` receiving activities at /api/messages, a fake Bot
Connector on 127.0.0.1 as their serviceUrl, and `mentorbot tick --now` moving time forward."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

import aiohttp

from tests.e2e.slack_support import eventually, weekday_at
from tests.e2e.teams_support import (
    CHOICE,
    OWN_BUTTONS,
    OWNER,
    activity_text,
    button,
    export_rows,
    inputs,
    start_program,
    teams_pair,
    text_of,
    tick,
    titles,
)
from tests.fakes.card_schema import problems


async def test_a_pair_goes_from_the_pair_command_to_a_stored_reflection(tenant, connector):
    mentor, mentee = teams_pair(tenant)
    await tenant.install(OWNER)
    welcome = await tenant.latest(OWNER, "I'm mentorbot")
    assert "Hi Olivia" in activity_text(welcome.latest), "the name comes from GET members/{id}"
    assert connector.calls_of("member", ok_only=True), "the name was looked up"
    await start_program(tenant, "Cycle")

    # `pair` with two <at> mentions, as Teams sends them.
    await tenant.say(OWNER, "pair {} {} program=Cycle Learn short video & reels", (mentor, mentee))
    proposed = await tenant.latest(OWNER, "Proposed:")
    assert "Mina Park" in activity_text(proposed.latest)
    assert proposed.reply_to, "a typed command is answered as a reply to it"

    # Neither has written to the bot yet: the intro opens a 1:1 chat with each.
    when = weekday_at(3, 9)
    assert "sent 2" in await tick(tenant, when)
    created = {c.body["members"][0]["id"] for c in connector.calls_of("create", ok_only=True)}
    assert {mentor, mentee} <= created
    intro = await tenant.latest(mentee, "Accept")
    assert "short video & reels" in activity_text(intro.latest)

    # Action.Submit: the card is replaced (PUT) so it cannot be clicked again.
    await tenant.submit(mentee, intro, "Accept")
    await eventually(lambda: intro.updates, what="intro card updated")
    assert "Accept" not in str(intro.latest.get("attachments")), "no buttons left"

    # Action.Execute: the updated card comes back in the invoke response.
    mentor_intro = await tenant.latest(mentor, "Accept")
    status, answer = await tenant.execute(mentor, mentor_intro, "Accept")
    assert status == 200 and answer["statusCode"] == 200, answer
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    card = answer["value"]
    assert problems(card) == [], "the invoke answer is a valid card too"
    body = card["body"]
    own = next(n for n, b in enumerate(body) if b.get("id") == OWN_BUTTONS)
    assert "both in" in body[own - 1]["text"], "the answer, drawn above the card's own buttons"
    # The consent buttons are gone; what is left is booking the first session (this answer
    # is the mentor's nudge) and the offer to set objectives.
    rows = [b["actions"] for b in card["body"] if b.get("type") == "ActionSet"]
    shown = [a["title"] for a in rows[0]]
    assert shown[3:] == ["Other time...", "Set objectives"], "under its text"
    assert [a["data"]["mb.a"] for a in rows[0][:3]] == ["session.book_at"] * 3, "three times"
    asked = [a.get("data", {}).get("mb.a") for row in rows for a in row]
    assert "checkin.answer" in asked, "and the check-in with it"

    # The mentee is nudged with three times and Other time (the mentor is not: they had
    # theirs in the answer); Other time shows the booking form inline in the same card.
    await tick(tenant, when + timedelta(minutes=5))
    nudge = await tenant.latest(mentee, "Time to book your first session")
    assert "Time to book" not in tenant.texts(mentor), "the mentor's nudge was the answer"
    await tenant.submit(mentee, nudge, "Other time...")
    await eventually(lambda: inputs(nudge), what="form inline in the nudge card")
    fields = inputs(nudge)
    assert [f["type"] for f in fields.values()] == [
        "Input.Date",
        "Input.Time",
        "Input.ChoiceSet",
        "Input.Text",  # topic
        "Input.Text",  # where
        "Input.ChoiceSet",  # how many sessions
    ]
    assert [c["value"] for c in fields["minutes"]["choices"]] == ["30", "45", "60"]

    # 90 minutes and a past date are refused with the reason, and the form comes back.
    day = weekday_at(10, 9).date()
    updates = len(nudge.updates)
    await tenant.submit(
        mentee, nudge, "Book it", {"date": day.isoformat(), "time": "10:00", "minutes": "90"}
    )
    await eventually(lambda: len(nudge.updates) > updates, what="refusal")
    assert "30 to 60 minutes" in activity_text(nudge.latest)
    assert inputs(nudge)["date"].get("value") == day.isoformat(), "what was typed is kept"
    updates = len(nudge.updates)
    await tenant.submit(
        mentee, nudge, "Book it", {"date": "2020-01-06", "time": "10:00", "minutes": "45"}
    )
    await eventually(lambda: len(nudge.updates) > updates, what="past date refused")
    assert "already passed" in activity_text(nudge.latest)

    # A good booking; the same card submitted again is answered, not booked twice.
    good = {"date": day.isoformat(), "time": "10:00", "minutes": "45", "topic": "Reels"}
    await tenant.submit(mentee, nudge, "Book it", good)
    await eventually(lambda: "Booked:" in activity_text(nudge.latest), what="booked")
    assert not inputs(nudge), "the form is gone once booked"
    assert button(nudge, "Add to calendar (.ics)")["type"] == "Action.OpenUrl", "in the answer"
    assert {"Reschedule", "Cancel session"} <= set(titles(nudge)), titles(nudge)
    stale = {**nudge.updates[-2]}  # a client still showing the form submits it again
    resubmit = tenant.activity(
        mentee, value={**button_data(stale, "Book it"), **good}, replyToId=nudge.id, text=""
    )
    assert (await tenant.post(resubmit))[0] == 200
    await eventually(lambda: "already booked" in activity_text(nudge.latest), what="2nd submit")
    mentor_chat = tenant.texts(mentor)
    assert mentor_chat.count("booked your next session") == 0, "notes go out on the tick"
    await tick(tenant, when + timedelta(minutes=10))
    assert tenant.texts(mentor).count("booked your next session") == 1, "one booking, one note"

    # Agenda the day before, then did-it-happen after the end, to the mentee only (Held by
    # Action.Submit): the card becomes the post-session card, asking for a line.
    start = weekday_at(10, 9).replace(year=day.year, month=day.month, day=day.day)
    await tick(tenant, start - timedelta(hours=20))
    agenda = await tenant.latest(mentee, "Suggested agenda")
    assert "Topic: Reels" in activity_text(agenda.latest)
    await tick(tenant, start + timedelta(minutes=50))
    check = await tenant.latest(mentee, "How did your session")
    assert "How did your session" not in tenant.texts(mentor), "the mentor is asked a day later"
    await tenant.submit(mentee, check, "It happened")
    await eventually(
        lambda: "Thanks for your session with Mina" in activity_text(check.latest), what="held"
    )
    assert titles(check, "What changed for you") == ["Write more"], text_of(check)
    assert "Mark done" not in activity_text(check.latest), "nothing was planned yet"

    # The mentor gets one card of their own at the next tick.
    await tick(tenant, start + timedelta(minutes=55))
    [card] = [
        s
        for s in tenant.fake.sent_to(tenant.chat(mentor))
        if "Thanks for your session with" in activity_text(s.latest)
    ]
    assert text_of(card).startswith("Thanks for your session with Erik"), text_of(card)
    assert titles(card, "What stood out") == ["Write more"], text_of(card)

    # The reflection, typed in reply to the card; Teams delivers it twice.
    reply = tenant.activity(mentee, text="I now read completion rates &amp; retention")
    for _ in range(2):
        assert (await tenant.post(reply))[0] == 200
    saved = await tenant.latest(mentee, "Thanks - saved")
    await asyncio.sleep(0.5)
    assert tenant.texts(mentee).count("Thanks - saved") == 1, "a redelivery is answered once"
    # Who can read it is one choice (a ChoiceSet and its Change button), beside Undo. (The
    # menu's words: tests/unit/test_visibility_words.py.)
    menu = inputs(saved)[CHOICE]
    assert menu["type"] == "Input.ChoiceSet" and menu["style"] == "compact", menu
    choices = {c["value"].split(":", 1)[1]: c for c in menu["choices"]}
    assert list(choices) == ["program", "pair", "private", "shared", "shared_anonymous"]
    assert all("Mina" in choices[c]["title"] for c in ("program", "pair")), "by name"
    assert menu["value"] == choices["program"]["value"], "the program's default"
    assert [a["title"] for a in tenant.fake.cards(saved)[0]["actions"]] == ["Change", "Undo"]

    # The owner's export: a time-limited link that serve answers with the CSV.
    await tenant.say(OWNER, "export Cycle")
    ready = await tenant.latest(OWNER, "export is ready")
    link = button(ready, "Download CSV")
    assert link["type"] == "Action.OpenUrl" and "/teams/exports/" in link["url"]
    async with aiohttp.ClientSession() as session, session.get(link["url"]) as resp:
        assert resp.status == 200 and "attachment" in resp.headers["Content-Disposition"]
        content = await resp.text()
    rows = [r for r in csv.DictReader(io.StringIO(content)) if r["program"] == "Cycle"]
    shown = [r for r in rows if "completion rates & retention" in r.get("what_changed", "")]
    assert len(shown) == 1, rows
    async with aiohttp.ClientSession() as session, session.get(link["url"] + "x") as resp:
        assert resp.status == 403 and "not valid" in await resp.text()

    # The mentee makes the reflection theirs alone: the owners' next export leaves it out.
    await tenant.choose(mentee, saved, choices["private"]["title"], "Change")
    await eventually(lambda: CHOICE not in inputs(saved), what="chosen: the menu gives way")
    assert not await export_rows(tenant, "Cycle", "completion rates"), "private now"


def button_data(activity: dict, title: str) -> dict:
    for attachment in activity.get("attachments", []):
        for action in attachment["content"].get("actions", []):
            if action["title"] == title:
                return action["data"]
    raise AssertionError(f"no {title} in {activity}")
