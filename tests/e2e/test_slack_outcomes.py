"""Slack end to end, outcomes (issue 16): objectives moved on with one tap from `me` and App
Home, the session pulse and the first-session fit question (a doubt reaches the owners only),
a "will do" followed through 30 days later with the mentor told, and the owners' figures in
`/mentoring status`. Everything goes through a real `mentorbot serve` with signed requests,
the fake Slack Web API and ticks at chosen moments."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from tests.e2e.conftest import pair_of_people
from tests.e2e.slack_support import OWNER, Workspace, eventually, texts
from tests.e2e.test_slack import start_program
from tests.e2e.test_slack_owner_tools import (
    accept_intro,
    next_weekday,
    one_post,
    open_form,
    posts_with,
    press,
    status_of,
)
from tests.fakes.slack_api import Posted

BERLIN = ZoneInfo("Europe/Berlin")
FIT_NOTE = "may need a hand"
# What the mentee plans in a reflection, and how they answer "Did it happen?" about each.
PLANS = (
    "Post a reel every Friday",
    "Ask the brand team for feedback",
    "Share the dashboard with my team",
    "Try a 15-second cut",
)
ANSWERS = ("Done", "Still on it", "Dropped", "Done")


# --- helpers ------------------------------------------------------------------------------------
def labels(blocks: list, action: str) -> list[str]:
    """The labels of the buttons with this action id, in order."""
    return [
        e["text"]["text"]
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"].split("#")[0] == action
    ]


def first_of(blocks: list, label: str) -> tuple[list, str, str]:
    """The blocks with the button labelled `label` moved to the front of its actions block
    (where `Workspace.click` presses it), that block's id and the button's action. The reply
    replaces the whole clicked block, so the order of the buttons in it does not change what
    the person ends up seeing."""
    for n, block in enumerate(blocks):
        if block.get("type") != "actions":
            continue
        found = [e for e in block["elements"] if e["text"]["text"] == label]
        if found:
            others = [e for e in block["elements"] if e is not found[0]]
            moved = {**block, "elements": [found[0], *others]}
            action = found[0]["action_id"].split("#")[0]
            return [*blocks[:n], moved, *blocks[n + 1 :]], block["block_id"], action
    raise AssertionError(f"no button {label!r} in: {texts(blocks)}")


async def tap(ws: Workspace, user: str, posted: Posted, label: str) -> None:
    """Press the button labelled `label` on a posted message."""
    blocks, block_id, action = first_of(posted.blocks, label)
    status, _ = await ws.click(user, replace(posted, blocks=blocks), action, block_prefix=block_id)
    assert status == 200


async def tap_home(ws: Workspace, user: str, label: str) -> None:
    """Press the button labelled `label` on the person's App Home."""
    blocks, block_id, action = first_of(ws.fake.homes[user]["blocks"], label)
    status, _ = await ws.click(user, None, action, block_prefix=block_id, home={"blocks": blocks})
    assert status == 200


async def open_home(ws: Workspace, user: str, containing: str) -> str:
    """The person opens the App Home tab; returns its text once it shows `containing`."""
    before = ws.fake.homes.get(user)
    event = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}
    assert await ws.event(event) == 200

    def shown() -> str:
        home = ws.fake.homes.get(user)
        body = texts(home["blocks"]) if home and home is not before else ""
        return body if containing in body else ""

    return await eventually(shown, what=f"{containing!r} on {user}'s Home")


def berlin(day: date, hour: int) -> datetime:
    return datetime.combine(day, clock(hour), BERLIN).astimezone(UTC)


def working_hour_after(moment: datetime) -> datetime:
    """The first whole hour at least a minute after `moment` that is inside the default
    working hours in Berlin (Monday to Friday, 09:00-18:00)."""
    local = (
        (moment + timedelta(hours=1)).astimezone(BERLIN).replace(minute=0, second=0, microsecond=0)
    )
    while local.weekday() >= 5 or not 9 <= local.hour < 18:
        local += timedelta(hours=1)
    return local.astimezone(UTC)


def evening_after(moment: datetime) -> datetime:
    """The first 20:00 in Berlin after `moment`: outside working hours, whatever the day."""
    local = moment.astimezone(BERLIN).replace(hour=20, minute=0, second=0, microsecond=0)
    return (local if local > moment else local + timedelta(days=1)).astimezone(UTC)


def morning_after(moment: datetime) -> datetime:
    """The first Monday-to-Friday 09:00 in Berlin after `moment`, when working hours open."""
    local = moment.astimezone(BERLIN).replace(hour=9, minute=0, second=0, microsecond=0)
    while local <= moment or local.weekday() >= 5:
        local += timedelta(days=1)
    return local.astimezone(UTC)


def new_posts(ws: Workspace, user: str, seen: int) -> list[str]:
    return [p.text for p in ws.fake.posts_to(ws.fake.dm(user))[seen:]]


# --- the whole arc ------------------------------------------------------------------------------
async def test_objectives_pulse_fit_and_a_followed_through_plan_reach_the_right_people(ws, fake):
    mentor, mentee = pair_of_people(fake)
    mentor_name, mentee_name = (fake.users[u]["real_name"] for u in (mentor, mentee))
    await start_program(ws, "Yield")

    # The owner proposes two objectives with the pair.
    proposed = await ws.command(
        OWNER,
        f"pair <@{mentor}|mina> <@{mentee}|erik> program=Yield Learn short video"
        " objectives: Post one reel; Read the brand guide",
    )
    assert "Proposed" in proposed["text"], proposed
    intro_at = next_weekday(datetime.now(UTC).date() + timedelta(days=3), 9)
    await ws.tick(intro_at)
    await accept_intro(ws, fake, mentor, mentee)

    # `me` lists them with one tap to move each on; the mentee starts the first.
    me = await ws.command(mentee, "me")
    assert (
        "Objectives:\n1. Post one reel (not started)\n2. Read the brand guide (not started)"
        in texts(me["blocks"])
    )
    assert labels(me["blocks"], "objective.state") == [
        "Started: Post one reel",
        "Started: Read the brand guide",
    ]
    assert labels(me["blocks"], "objectives.edit") == ["Edit objectives"]
    started = await press(ws, mentee, me["blocks"], "objective.state", "Started: Post one reel")
    # The answer replaces the `me` message with the view brought up to date.
    assert started["text"].startswith("Marked as started: Post one reel\n")
    assert "1. Post one reel (started)" in texts(started["blocks"])
    assert labels(started["blocks"], "objective.state")[0] == "Done: Post one reel"

    # The mentor sees that on App Home, adds a third objective there and marks the first done.
    home = await open_home(ws, mentor, "Objectives:")
    assert "1. Post one reel (started)\n2. Read the brand guide (not started)" in home
    assert labels(fake.homes[mentor]["blocks"], "objective.state") == [
        "Done: Post one reel",
        "Started: Read the brand guide",
    ]
    views = len(fake.views)
    await tap_home(ws, mentor, "Edit objectives")
    [form] = await eventually(lambda: fake.views[views:], what="objectives form")
    assert form["callback_id"] == "objectives.submit"
    fields = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
    assert list(fields) == ["objective_1", "objective_2", "objective_3"]
    assert fields["objective_1"].get("initial_value") == "Post one reel"
    values = {
        "objective_1": "Post one reel",
        "objective_2": "Read the brand guide",
        "objective_3": "Share the dashboard weekly",
    }
    status, ack = await ws.submit(mentor, form, values)
    assert status == 200 and ack == {}, ack
    await one_post(fake, fake.dm(mentor), "Objectives saved (3 of 3). Erik sees them too")
    await eventually(
        lambda: (
            "3. Share the dashboard weekly (not started)" in texts(fake.homes[mentor]["blocks"])
        ),
        what="Home shows the third objective",
    )
    assert "1. Post one reel (started)" in texts(fake.homes[mentor]["blocks"]), "state kept"
    await tap_home(ws, mentor, "Done: Post one reel")
    await one_post(fake, fake.dm(mentor), "Marked as done: Post one reel. Nice work.")
    await eventually(
        lambda: "1. Post one reel (done " in texts(fake.homes[mentor]["blocks"]),
        what="Home shows it done",
    )
    me = await ws.command(mentee, "me")
    assert "1. Post one reel (done " in texts(me["blocks"]), "the mentee sees it too"
    assert "Done: Post one reel" not in labels(me["blocks"], "objective.state")

    # A session, booked from `me` and held.
    form = await press(ws, mentee, me["blocks"], "session.schedule")
    day = next_weekday(intro_at.date() + timedelta(days=2), 0).date()
    _, ack = await ws.submit(
        mentee, form, {"date": day.isoformat(), "time": "10:00", "minutes": "45"}
    )
    assert ack == {}, ack
    start = berlin(day, 10)
    await ws.tick(start + timedelta(minutes=50))
    check = await one_post(fake, fake.dm(mentee), "How did your session")
    await ws.click(mentee, check, "session.held")
    await eventually(lambda: "noted as held" in texts(check.blocks), what="held")

    # Both are asked how useful it was, and (their first session) whether the pairing works.
    await ws.tick(start + timedelta(minutes=55))
    pulses = {
        u: await one_post(fake, fake.dm(u), "How useful was your session") for u in (mentor, mentee)
    }
    assert pulses[mentee].text.startswith("How useful was your session with Mina?")
    assert pulses[mentor].text.startswith("How useful was your session with Erik?")
    assert labels(pulses[mentee].blocks, "pulse.answer") == ["1", "2", "3", "4", "5"]
    fits = {
        u: await one_post(fake, fake.dm(u), "is this pairing working for you?")
        for u in (mentor, mentee)
    }
    assert fits[mentee].text.startswith(
        "Now that you've had a first session with Mina: is this pairing working for you?"
    )
    assert "Only the program owners see your answer, never Mina." in fits[mentee].text
    assert labels(fits[mentee].blocks, "pulse.answer") == ["Yes", "Not sure", "No"]

    await tap(ws, mentee, pulses[mentee], "4")
    await eventually(lambda: "Thanks - noted." in texts(pulses[mentee].blocks), what="rated")
    assert not labels(pulses[mentee].blocks, "pulse.answer"), "one tap, then the buttons go"
    await tap(ws, mentor, pulses[mentor], "5")
    await eventually(lambda: "Thanks - noted." in texts(pulses[mentor].blocks), what="rated")

    # The mentee's "No" goes to the owner, and only to the owner.
    seen = {u: len(fake.posts_to(fake.dm(u))) for u in (mentor, OWNER)}
    await tap(ws, mentee, fits[mentee], "No")
    await eventually(
        lambda: (
            "I've told the program owners, and only them - Mina won't hear about your answer."
            in texts(fits[mentee].blocks)
        ),
        what="fit answered",
    )
    await tap(ws, mentor, fits[mentor], "Yes")
    await eventually(lambda: "Glad to hear it." in texts(fits[mentor].blocks), what="fit yes")
    await ws.tick(start + timedelta(minutes=60))
    [note] = [t for t in new_posts(ws, OWNER, seen[OWNER]) if FIT_NOTE in t]
    assert note == (
        f'A pairing in Yield may need a hand: {mentee_name} answered "no" to "Is this pairing'
        f' working for you?" after the first session with {mentor_name}. {mentor_name} has not'
        " been told. A quiet word with each of them may help."
    )
    told_mentor = new_posts(ws, mentor, seen[mentor])
    assert not [t for t in told_mentor if FIT_NOTE in t or "answered" in t], told_mentor
    everything = [p.text + texts(p.blocks) for p in fake.posts_to(fake.dm(mentor))]
    assert not [t for t in everything if FIT_NOTE in t or "honest" in t], "nor in an update"

    # The mentee's reflection plans four things.
    prompt = await one_post(fake, fake.dm(mentee), "How did it go with Mina?")
    modal = await open_form(ws, mentee, prompt, "reflection.write")
    _, ack = await ws.submit(
        mentee,
        modal,
        {
            "what_changed": "Short clips hold attention",
            "will_do": "\n".join(PLANS),
            "visibility": "pair",
        },
    )
    assert ack == {}, ack
    await eventually(lambda: "Only you and Mina can read it." in texts(prompt.blocks), what="saved")
    saved_at = datetime.now(UTC)  # serve keeps the reflection at its own (real) time

    # Not asked before 30 days have passed...
    asked = "Did it happen?"
    await ws.tick(working_hour_after(saved_at + timedelta(days=28)))
    assert not posts_with(fake, fake.dm(mentee), asked)

    # ...nor once they have but outside working hours; then at 09:00, about each plan, and
    # only the author.
    evening = evening_after(saved_at + timedelta(days=30))
    await ws.tick(evening)
    assert not posts_with(fake, fake.dm(mentee), asked), "not in the evening"
    ask_at = morning_after(evening)
    await ws.tick(ask_at)
    questions = posts_with(fake, fake.dm(mentee), asked)
    assert [q.text for q in questions] == [f"You planned to: {p}\nDid it happen?" for p in PLANS]
    assert labels(questions[0].blocks, "followthrough.answer") == [
        "Done",
        "Still on it",
        "Dropped",
    ]
    assert not posts_with(fake, fake.dm(mentor), asked), "only the author is asked"

    # The mentor forging the mentee's Done (its value on a button in their own DM) is refused
    # and changes nothing.
    done_value = next(
        e["value"]
        for b in questions[0].blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Done"
    )
    own = fake.posts_to(fake.dm(mentor))[-1]
    forged = {
        "type": "actions",
        "block_id": "forged",
        "elements": [
            {
                "type": "button",
                "action_id": "followthrough.answer",
                "text": {"type": "plain_text", "text": "Done"},
                "value": done_value,
            }
        ],
    }
    forged_press = replace(own, blocks=[*own.blocks, forged])
    await ws.click(mentor, forged_press, "followthrough.answer", block_prefix="forged")
    await eventually(
        lambda: (
            "That belongs to someone else's pairing, so I've left it alone." in texts(own.blocks)
        ),
        what="forged press refused",
    )
    assert labels(questions[0].blocks, "followthrough.answer") == [
        "Done",
        "Still on it",
        "Dropped",
    ], "the mentee's question is untouched"

    # The mentee answers: two done (the mentor hears of each), one still on, one dropped.
    answers = {
        "Done": "Brilliant - marked as done. I'll let Mina know it came from your sessions.",
        "Still on it": "Got it - I'll ask again in 30 days.",
        "Dropped": "Fair enough - dropped. No more questions about it.",
    }
    for question, label in zip(questions, ANSWERS, strict=True):
        await tap(ws, mentee, question, label)
        await eventually(lambda q=question, a=answers[label]: a in texts(q.blocks), what=label)
        assert not labels(question.blocks, "followthrough.answer"), "one answer, then they go"
    seen = len(fake.posts_to(fake.dm(mentor)))
    await ws.tick(ask_at + timedelta(minutes=5))
    thanks = [t for t in new_posts(ws, mentor, seen) if "suggestions" in t]
    assert thanks == [
        f'Erik put one of your suggestions into practice: "{plan}".'
        " Thank you for making a difference."
        for plan, label in zip(PLANS, ANSWERS, strict=True)
        if label == "Done"
    ]

    # The owner's figures.
    status = await status_of(ws, "Yield")
    assert "*Objectives*\n3 set, 0 started, 1 done" in status, status
    assert (
        "*Follow-through*\n2 done and 1 dropped of 4 actions planned (4 asked about so far)"
        in status
    ), status
    assert "*Session pulse*\ntoo few answers for an average yet (2; it shows from 5)" in status, (
        status
    )
    assert "*Fit alerts open*\n1" in status, status
