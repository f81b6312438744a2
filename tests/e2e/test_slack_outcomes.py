"""Slack end to end, outcomes (issue 16): objectives moved on with one tap from `me`, App Home
and the post-session card, the card's 1-5 rating and first-session fit question (a doubt
reaches the owners only), a "will do" followed through 30 days later with the mentor told,
and the owners' figures in `/mentoring status`. Everything goes through a real `mentorbot
serve` with signed requests, the fake Slack Web API and ticks at chosen moments."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.domain import prompts
from tests.e2e.slack_support import (
    OWNER,
    Workspace,
    accept_intro,
    berlin,
    evening_after,
    eventually,
    morning_after,
    next_weekday,
    one_post,
    open_form,
    pair_of_people,
    posts_with,
    press,
    row_for,
    start_program,
    status_of,
    texts,
    working_hour_after,
)
from tests.fakes.slack_api import Posted

FIT_NOTE = "may need a hand"
FIGURES = ("objectives", "followthrough", "pulse", "fit_alerts")  # keys of status.label
# What the mentee plans in a reflection, and how they answer "Did it happen?" about each.
PLANS = (
    "Post a reel every Friday",
    "Ask the brand team for feedback",
    "Share the dashboard with my team",
    "Try a 15-second cut",
)
ANSWERS = ("Done", "Still on it", "Dropped", "Done")


# --- helpers ------------------------------------------------------------------------------------
def labels(blocks: list, action: str, question: str = "") -> list[str]:
    """The labels of the buttons with this action id, in order (only those answering the
    part of the message holding `question`, when given)."""
    row = row_for(blocks, question) if question else ""
    return [
        e["text"]["text"]
        for b in blocks
        if b.get("type") == "actions" and b.get("block_id", "").startswith(row)
        for e in b["elements"]
        if e["action_id"].split("#")[0] == action
    ]


def button(blocks: list, label: str, question: str = "") -> tuple[str, str]:
    """The block id and action of the button labelled `label` (answering the part of the
    message holding `question`, when given)."""
    row = row_for(blocks, question) if question else ""
    for block in blocks:
        if block.get("type") != "actions" or not block.get("block_id", "").startswith(row):
            continue
        for element in block["elements"]:
            if element.get("text", {}).get("text") == label:
                return block["block_id"], element["action_id"].split("#")[0]
    raise AssertionError(f"no button {label!r} for {question!r} in: {texts(blocks)}")


async def tap(
    workspace: Workspace, user: str, posted: Posted, label: str, question: str = ""
) -> None:
    """Press the button labelled `label` on a posted message (the one answering the part
    holding `question`, when given)."""
    block_id, action = button(posted.blocks, label, question)
    status, _ = await workspace.click(user, posted, action, block_prefix=block_id, label=label)
    assert status == 200


async def tap_home(workspace: Workspace, user: str, label: str, question: str = "") -> None:
    """Press the button labelled `label` on the person's App Home."""
    home = workspace.fake.homes[user]
    block_id, action = button(home["blocks"], label, question)
    status, _ = await workspace.click(
        user, None, action, block_prefix=block_id, label=label, home=home
    )
    assert status == 200


async def open_home(workspace: Workspace, user: str, containing: str) -> str:
    """The person opens the App Home tab; returns its text once it shows `containing`."""
    before = workspace.fake.homes.get(user)
    event = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}
    assert await workspace.event(event) == 200

    def shown() -> str:
        home = workspace.fake.homes.get(user)
        body = texts(home["blocks"]) if home and home is not before else ""
        return body if containing in body else ""

    return await eventually(shown, what=f"{containing!r} on {user}'s Home")


def figure(status: str, label: str) -> str:
    """The value of the owner's status field `label` (a field is its label in bold, then its
    value on the next line)."""
    lines = status.split("\n")
    return lines[lines.index(f"*{label}*") + 1]


def numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def new_posts(workspace: Workspace, user: str, seen: int) -> list[str]:
    return [p.text for p in workspace.fake.posts_to(workspace.fake.dm(user))[seen:]]


# --- the whole arc ------------------------------------------------------------------------------
async def test_objectives_the_session_card_and_a_followed_through_plan_reach_the_right_people(
    workspace, fake
):
    mentor, mentee = pair_of_people(fake)
    mentor_name, mentee_name = (fake.users[u]["real_name"] for u in (mentor, mentee))
    await start_program(workspace, "Yield")

    # The owner proposes two objectives with the pair.
    proposed = await workspace.command(
        OWNER,
        f"pair <@{mentor}|mina> <@{mentee}|erik> program=Yield Learn short video"
        " objectives: Post one reel; Read the brand guide",
    )
    assert "Proposed" in proposed["text"], proposed
    intro_at = next_weekday(datetime.now(UTC).date() + timedelta(days=3), 9)
    await workspace.tick(intro_at)
    await accept_intro(workspace, fake, mentor, mentee)

    # `me` quotes each objective whole with one tap to move it on; the mentee starts the first.
    me = await workspace.command(mentee, "me")
    assert (
        "Objectives:\n1. Post one reel (not started)\n2. Read the brand guide (not started)"
        in texts(me["blocks"])
    )
    for objective in ("Post one reel", "Read the brand guide"):
        question = f"Objective: {objective} (not started)"
        assert labels(me["blocks"], "objective.state", question) == ["Mark started"]
    assert labels(me["blocks"], "objectives.edit") == ["Edit objectives"]
    started = await press(
        workspace,
        mentee,
        me["blocks"],
        "objective.state",
        "Mark started",
        "Objective: Post one reel",
    )
    # The answer replaces the `me` message with the view brought up to date.
    assert started["text"].startswith("Marked as started: Post one reel\n")
    assert "1. Post one reel (started)" in texts(started["blocks"])
    assert "Objective: Post one reel (started)" in texts(started["blocks"]), "still offered"

    # The mentor sees that on App Home, adds a third objective there and marks the first done.
    home = await open_home(workspace, mentor, "Objectives:")
    assert "1. Post one reel (started)\n2. Read the brand guide (not started)" in home
    home_blocks = fake.homes[mentor]["blocks"]
    assert labels(home_blocks, "objective.state", "Objective: Post one reel (started)") == [
        "Mark done"
    ]
    question = "Objective: Read the brand guide (not started)"
    assert labels(home_blocks, "objective.state", question) == ["Mark started"]
    views = len(fake.views)
    await tap_home(workspace, mentor, "Edit objectives")
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
    status, ack = await workspace.submit(mentor, form, values)
    assert status == 200 and ack == {}, ack
    await one_post(fake, fake.dm(mentor), "Objectives saved (3 of 3)")
    await eventually(
        lambda: (
            "3. Share the dashboard weekly (not started)" in texts(fake.homes[mentor]["blocks"])
        ),
        what="Home shows the third objective",
    )
    assert "1. Post one reel (started)" in texts(fake.homes[mentor]["blocks"]), "state kept"
    await tap_home(workspace, mentor, "Mark done", "Objective: Post one reel")
    await one_post(fake, fake.dm(mentor), "Marked as done: Post one reel. Nice work.")
    await eventually(
        lambda: "1. Post one reel (done " in texts(fake.homes[mentor]["blocks"]),
        what="Home shows it done",
    )
    me = await workspace.command(mentee, "me")
    assert "1. Post one reel (done " in texts(me["blocks"]), "the mentee sees it too"
    assert "Objective: Post one reel" not in texts(me["blocks"]), "done: nothing to move on"
    assert labels(me["blocks"], "objective.state") == ["Mark started", "Mark started"]

    # A session, booked from `me` and held: "It happened" turns the question into the
    # mentee's card.
    form = await press(workspace, mentee, me["blocks"], "session.schedule")
    day = next_weekday(intro_at.date() + timedelta(days=2), 0).date()
    _, ack = await workspace.submit(
        mentee, form, {"date": day.isoformat(), "time": "10:00", "minutes": "45"}
    )
    assert ack == {}, ack
    start = berlin(day, 10)
    await workspace.tick(start + timedelta(minutes=50))
    check = await one_post(fake, fake.dm(mentee), "How did your session")
    await workspace.click(mentee, check, "session.held")
    await eventually(
        lambda: "Thanks for your session with Mina" in texts(check.blocks), what="held"
    )

    # The mentor's card comes at the next tick. Each card asks for a 1-5 rating and (their
    # first session) whether the pairing works; the mentor's also moves objectives on.
    await workspace.tick(start + timedelta(minutes=55))
    cards = {
        mentee: check,
        mentor: await one_post(fake, fake.dm(mentor), "Thanks for your session with"),
    }
    assert cards[mentor].text.startswith("Thanks for your session with Erik (")
    rate = "How was it?"  # the rating's question (its words: tests/unit/test_outcomes.py)
    for user, other in ((mentee, "Mina"), (mentor, "Erik")):
        shown = texts(cards[user].blocks)
        assert labels(cards[user].blocks, "pulse.answer", rate) == ["1", "2", "3", "4", "5"]
        fit = (
            "Is this pairing working for you?"
            f" Only the program owners see this answer, never {other}."
        )
        assert labels(cards[user].blocks, "pulse.answer", fit) == ["Yes", "Not sure", "No"]
        assert shown.index(rate) < shown.index(fit)
    mentor_card = texts(cards[mentor].blocks)
    assert "Objective: Post one reel" not in mentor_card, "done: nothing to move on"
    for objective in ("Read the brand guide", "Share the dashboard weekly"):
        question = f"Objective: {objective} (not started)"
        assert labels(cards[mentor].blocks, "objective.state", question) == ["Mark started"]
    assert "Objective:" not in texts(cards[mentee].blocks), "objectives are the mentor's part"

    # A rating is one tap; the card is drawn again with the rest still asked.
    await tap(workspace, mentee, cards[mentee], "4", rate)
    await eventually(lambda: "You rated it 4 of 5" in texts(cards[mentee].blocks), what="rated")
    assert rate not in texts(cards[mentee].blocks), "one tap, then the question goes"
    assert labels(cards[mentee].blocks, "pulse.answer") == ["Yes", "Not sure", "No"]
    await tap(workspace, mentor, cards[mentor], "5", rate)
    await eventually(lambda: "You rated it 5 of 5" in texts(cards[mentor].blocks), what="rated")
    await tap(workspace, mentor, cards[mentor], "Mark started", "Objective: Read the brand guide")
    await eventually(
        lambda: "Marked as started: Read the brand guide" in texts(cards[mentor].blocks),
        what="objective started from the card",
    )
    question = "Objective: Read the brand guide (started)"
    assert labels(cards[mentor].blocks, "objective.state", question) == ["Mark done"]
    assert "You rated it 5 of 5" in texts(cards[mentor].blocks), "still said"

    # The mentee's "No" goes to the owner, and only to the owner.
    seen = {u: len(fake.posts_to(fake.dm(u))) for u in (mentor, OWNER)}
    await tap(workspace, mentee, cards[mentee], "No", "Is this pairing working for you?")
    await eventually(
        lambda: (
            "I've told the program owners, and only them - Mina won't hear about your answer."
            in texts(cards[mentee].blocks)
        ),
        what="fit answered",
    )
    # The thanks comes first, right under the card's heading, then what was answered.
    shown = texts(cards[mentee].blocks)
    assert shown.startswith("Thanks for your session with Mina (")
    assert (
        shown.index("Thanks for being honest.")
        < shown.index("You rated it 4 of 5")
        < shown.index("(Mina is never told)")
    )
    assert not labels(cards[mentee].blocks, "pulse.answer"), "rated and answered"
    await tap(workspace, mentor, cards[mentor], "Yes", "Is this pairing working for you?")
    await eventually(lambda: "(Erik is never told)" in texts(cards[mentor].blocks), what="fit yes")
    await workspace.tick(start + timedelta(minutes=60))
    # (Whatever else the owner is due at that tick, such as a Monday's digest, comes along in
    # the same message, after the note's own text.)
    [note] = [p for p in fake.posts_to(fake.dm(OWNER))[seen[OWNER] :] if FIT_NOTE in p.text]
    # The note is its message's first block, naming both (its words:
    # tests/unit/test_fit_words.py).
    first = note.blocks[0]
    assert first["type"] == "section" and FIT_NOTE in first["text"]["text"], note.blocks
    assert mentee_name in first["text"]["text"] and mentor_name in first["text"]["text"]
    told_mentor = new_posts(workspace, mentor, seen[mentor])
    assert not [t for t in told_mentor if FIT_NOTE in t or "answered" in t], told_mentor
    everything = [p.text + texts(p.blocks) for p in fake.posts_to(fake.dm(mentor))]
    assert not [t for t in everything if FIT_NOTE in t or "honest" in t], "nor in an update"

    # The mentee's reflection, written from the card, plans four things.
    modal = await open_form(workspace, mentee, cards[mentee], "reflection.write")
    _, ack = await workspace.submit(
        mentee,
        modal,
        {
            "what_changed": "Short clips hold attention",
            "will_do": "\n".join(PLANS),
            "visibility": "pair",
        },
    )
    assert ack == {}, ack
    await eventually(lambda: "Thanks - saved" in texts(cards[mentee].blocks), what="saved")
    saved_at = datetime.now(UTC)  # serve keeps the reflection at its own (real) time

    # Not asked before 30 days have passed...
    asked = "Did it happen?"
    await workspace.tick(working_hour_after(saved_at + timedelta(days=28)))
    assert not posts_with(fake, fake.dm(mentee), asked)

    # ...nor once they have but outside working hours; then at 09:00, about each plan, and
    # only the author.
    evening = evening_after(saved_at + timedelta(days=30))
    await workspace.tick(evening)
    assert not posts_with(fake, fake.dm(mentee), asked), "not in the evening"
    ask_at = morning_after(evening)
    await workspace.tick(ask_at)
    # One message asks about every plan (what comes due together goes as one), each plan
    # quoted with its own row of answers.
    [question] = posts_with(fake, fake.dm(mentee), asked)
    shown = texts(question.blocks)
    said = [shown.index(f"You planned to: {plan}\nDid it happen?") for plan in PLANS]
    assert said == sorted(said), shown
    for plan in PLANS:
        assert labels(question.blocks, "followthrough.answer", f"You planned to: {plan}") == [
            "Done",
            "Still on it",
            "Dropped",
        ]
    assert not posts_with(fake, fake.dm(mentor), asked), "only the author is asked"

    # The mentor forging the mentee's Done (its value on a button in their own DM) is refused
    # and changes nothing.
    row = row_for(question.blocks, f"You planned to: {PLANS[0]}")
    done_value = next(
        e["value"]
        for b in question.blocks
        if b.get("block_id") == row
        for e in b["elements"]
        if e["text"]["text"] == "Done"
    )
    untouched = list(question.blocks)
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
    await workspace.click(mentor, forged_press, "followthrough.answer", block_prefix="forged")
    await eventually(
        lambda: "someone else's pairing" in texts(own.blocks), what="forged press refused"
    )
    assert question.blocks == untouched, "the mentee's question is untouched"

    # The mentee answers: two done (the mentor hears of each), one still on, one dropped.
    # Each answer takes the place of its row; the other plans are still asked. (The answers'
    # words: tests/unit/test_outcomes.py; here, a few of them tell which one was drawn.)
    answers = {"Done": "Brilliant", "Still on it": "ask again in 30 days", "Dropped": "Fair enough"}
    for n, (plan, label) in enumerate(zip(PLANS, ANSWERS, strict=True)):
        await tap(workspace, mentee, question, label, f"You planned to: {plan}")
        left = 3 * (len(PLANS) - n - 1)
        await eventually(
            lambda left=left: len(labels(question.blocks, "followthrough.answer")) == left,
            what=f"{label} for {plan}",
        )
        assert answers[label] in texts(question.blocks)
    assert texts(question.blocks).count(answers["Done"]) == 2
    seen = len(fake.posts_to(fake.dm(mentor)))
    await workspace.tick(ask_at + timedelta(minutes=5))
    # (serve took the answers at its own, real, time: by the tick's clock the thanks have
    # waited their two days for a message to go along with, so they go, as one message.)
    # (Their words: tests/unit/test_recognition_words.py; here, which plans are quoted.)
    [thanks] = [t for t in new_posts(workspace, mentor, seen) if any(f'"{p}"' in t for p in PLANS)]
    for plan, label in zip(PLANS, ANSWERS, strict=True):
        assert (f'"{plan}"' in thanks) == (label == "Done"), thanks

    # The owner's figures, each a field: its label in bold over its value. (How a figure is
    # said: tests/unit/test_outcomes.py; here, its numbers.)
    status = await status_of(workspace, "Yield")
    shown = {k: figure(status, prompts.text(f"status.label.{k}")) for k in FIGURES}
    assert numbers(shown["objectives"]) == [3, 1, 1], status  # set, started, done
    # 2 done and 1 dropped of 4 planned, 4 asked about; 2 ratings, an average shown from 5.
    assert numbers(shown["followthrough"]) == [2, 1, 4, 4], status
    assert numbers(shown["pulse"]) == [2, 5], status
    assert shown["fit_alerts"] == "1", status
