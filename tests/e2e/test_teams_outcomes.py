"""Teams end to end, outcomes (issue 16): objectives moved on with one tap from `me`, the
session pulse and the first-session fit question (a doubt reaches the owners only), a "will
do" followed through 30 days later with the mentor told, and the owners' figures in `status`.
Everything goes through a real `mentorbot serve` (activities POSTed to /api/messages, a fake
Bot Connector as their serviceUrl) and ticks at chosen moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import teams_pair
from tests.e2e.teams_support import OWNER, Tenant, activity_text, inputs
from tests.e2e.test_slack_outcomes import evening_after, morning_after, working_hour_after
from tests.e2e.test_teams import start_program, tick
from tests.e2e.test_teams_owner_tools import book_and_hold, weekday_after
from tests.fakes.bot_connector import FakeConnector, Sent

FIT_NOTE = "may need a hand"
ASKED = "Did it happen?"
# What the mentee plans in a reflection, and how they answer "Did it happen?" about each.
PLANS = (
    "Post a reel every Friday",
    "Ask the brand team for feedback",
    "Share the dashboard with my team",
    "Try a 15-second cut",
)
ANSWERS = ("Done", "Still on it", "Dropped", "Done")


# --- helpers ------------------------------------------------------------------------------------
def text_of(sent: Sent) -> str:
    """What the card (as it stands now) says, buttons included."""
    return activity_text(sent.latest).strip()


def titles(sent: Sent, starting: str = "") -> list[str]:
    """The titles of the card's buttons (those starting with `starting`), in order."""
    return [
        action["title"]
        for card in FakeConnector.cards(sent)
        for action in card.get("actions", [])
        if action["title"].startswith(starting)
    ]


def facts(sent: Sent) -> dict[str, str]:
    """Every fact of the card's FactSets, by title."""
    return {
        fact["title"]: fact["value"]
        for card in FakeConnector.cards(sent)
        for block in card.get("body", [])
        if block.get("type") == "FactSet"
        for fact in block["facts"]
    }


def chat_since(tenant: Tenant, user: str, seen: int) -> list[str]:
    """The texts of what the person's chat got after the first `seen` activities."""
    return [activity_text(s.latest) for s in tenant.fake.sent_to(tenant.chat(user))[seen:]]


def sent_count(tenant: Tenant, user: str) -> int:
    return len(tenant.fake.sent_to(tenant.chat(user)))


def every(tenant: Tenant, user: str, containing: str) -> list[Sent]:
    return [
        s for s in tenant.fake.sent_to(tenant.chat(user)) if containing in activity_text(s.latest)
    ]


# --- the whole arc ------------------------------------------------------------------------------
async def test_objectives_pulse_fit_and_a_followed_through_plan_reach_the_right_people(tenant):
    mentor, mentee = teams_pair(tenant)
    mentor_name, mentee_name = tenant.names[mentor], tenant.names[mentee]
    await start_program(tenant, "Yield")

    # The owner proposes two objectives with the pair.
    await tenant.say(
        OWNER,
        "pair {} {} program=Yield Learn short video objectives: Post one reel; Read the brand"
        " guide",
        (mentor, mentee),
    )
    await tenant.latest(OWNER, "Proposed:")
    intro_at = weekday_after(datetime.now(UTC), 3, 9)
    await tick(tenant, intro_at)
    for user in (mentee, mentor):
        await tenant.submit(user, await tenant.latest(user, "Accept"), "Accept")
    await tenant.latest(mentor, "both in")

    # `me` lists them with one tap to move each on; the mentee starts the first.
    await tenant.say(mentee, "me")
    me = await tenant.latest(mentee, "Objectives:")
    assert "Objectives:\n1. Post one reel (not started)\n2. Read the brand guide (not started)" in (
        text_of(me)
    ), text_of(me)
    assert titles(me, "Started:") == ["Started: Post one reel", "Started: Read the brand guide"]
    assert "Edit objectives" in titles(me)
    await tenant.submit(mentee, me, "Started: Post one reel")
    assert "Marked as started: Post one reel" in text_of(me), text_of(me)
    # The card comes back as the view brought up to date, ready for the next tap.
    assert "1. Post one reel (started)" in text_of(me), text_of(me)
    assert titles(me, "Done:") == ["Done: Post one reel"]

    # The mentor sees that in `me`, adds a third objective in the form, and marks one done.
    await tenant.say(mentor, "me")
    me = await tenant.latest(mentor, "Objectives:")
    assert "1. Post one reel (started)\n2. Read the brand guide (not started)" in text_of(me)
    assert titles(me, "Done:") + titles(me, "Started:") == [
        "Done: Post one reel",
        "Started: Read the brand guide",
    ]
    await tenant.submit(mentor, me, "Edit objectives")
    form = inputs(me)
    assert list(form) == ["objective_1", "objective_2", "objective_3"], form
    assert form["objective_1"].get("value") == "Post one reel"
    await tenant.submit(
        mentor,
        me,
        "Save",
        {
            "objective_1": "Post one reel",
            "objective_2": "Read the brand guide",
            "objective_3": "Share the dashboard weekly",
        },
    )
    assert "Objectives saved (3 of 3). Erik sees them too" in text_of(me), text_of(me)
    await tenant.say(mentor, "me")
    me = await tenant.latest(mentor, "3. Share the dashboard weekly (not started)")
    assert "1. Post one reel (started)" in text_of(me), "an unchanged objective keeps its state"
    await tenant.submit(mentor, me, "Done: Post one reel")
    assert "Marked as done: Post one reel. Nice work." in text_of(me), text_of(me)
    await tenant.say(mentee, "me")
    me = await tenant.latest(mentee, "Share the dashboard weekly")
    assert "1. Post one reel (done " in text_of(me), "the mentee sees it too"
    assert "Done: Post one reel" not in titles(me)

    # A session, booked from `me` and held.
    start = await book_and_hold(tenant, mentee, weekday_after(intro_at, 2, 9).date())

    # Both are asked how useful it was, and (their first session) whether the pairing works.
    await tick(tenant, start + timedelta(minutes=55))
    pulses = {u: await tenant.latest(u, "How useful was your session") for u in (mentor, mentee)}
    assert text_of(pulses[mentee]).startswith("How useful was your session with Mina?")
    assert text_of(pulses[mentor]).startswith("How useful was your session with Erik?")
    assert titles(pulses[mentee]) == ["1", "2", "3", "4", "5"]
    fits = {u: await tenant.latest(u, "is this pairing working for you?") for u in (mentor, mentee)}
    assert text_of(fits[mentee]).startswith(
        "Now that you've had a first session with Mina: is this pairing working for you?"
    )
    assert titles(fits[mentee]) == ["Yes", "Not sure", "No"]

    await tenant.submit(mentee, pulses[mentee], "4")
    assert "Thanks - noted." in text_of(pulses[mentee]) and not titles(pulses[mentee])
    await tenant.submit(mentor, pulses[mentor], "5")
    assert "Thanks - noted." in text_of(pulses[mentor])

    # The mentee's "No" goes to the owner, and only to the owner.
    seen = {u: sent_count(tenant, u) for u in (mentor, OWNER)}
    await tenant.submit(mentee, fits[mentee], "No")
    assert (
        "I've told the program owners, and only them - Mina won't hear about your answer."
        in text_of(fits[mentee])
    ), text_of(fits[mentee])
    await tenant.submit(mentor, fits[mentor], "Yes")
    assert "Glad to hear it." in text_of(fits[mentor])
    await tick(tenant, start + timedelta(minutes=60))
    [note] = [t for t in chat_since(tenant, OWNER, seen[OWNER]) if FIT_NOTE in t]
    assert note == (
        f'A pairing in Yield may need a hand: {mentee_name} answered "no" to "Is this pairing'
        f' working for you?" after the first session with {mentor_name}. {mentor_name} has not'
        " been told. A quiet word with each of them may help."
    )
    told_mentor = chat_since(tenant, mentor, seen[mentor])
    assert not [t for t in told_mentor if FIT_NOTE in t or "answered" in t], told_mentor
    everything = tenant.texts(mentor)
    assert FIT_NOTE not in everything and "honest" not in everything, "nor in an update"

    # The mentee's reflection plans four things.
    prompt = await tenant.latest(mentee, "what changed for you")
    await tenant.submit(mentee, prompt, "Write more")
    reflection = {
        "what_changed": "Short clips hold attention",
        "will_do": "\n".join(PLANS),
        "visibility": "pair",
    }
    await tenant.submit(mentee, prompt, "Save", reflection)
    assert "Thanks - saved" in text_of(prompt), text_of(prompt)
    saved_at = datetime.now(UTC)  # serve keeps the reflection at its own (real) time

    # Not asked before 30 days have passed...
    await tick(tenant, working_hour_after(saved_at + timedelta(days=28)))
    assert not every(tenant, mentee, ASKED)

    # ...nor once they have but outside working hours; then at 09:00, about each plan, and
    # only the author.
    evening = evening_after(saved_at + timedelta(days=30))
    await tick(tenant, evening)
    assert not every(tenant, mentee, ASKED), "not in the evening"
    ask_at = morning_after(evening)
    await tick(tenant, ask_at)
    questions = every(tenant, mentee, ASKED)
    assert [text_of(q) for q in questions] == [
        f"You planned to: {plan}\nDid it happen?\nDone\nStill on it\nDropped" for plan in PLANS
    ]
    assert not every(tenant, mentor, ASKED), "only the author is asked"

    # The mentor sending the mentee's Done is refused and changes nothing.
    updates = len(questions[0].updates)
    mentor_seen = sent_count(tenant, mentor)
    await tenant.submit(mentor, questions[0], "Done")
    refused = await tenant.latest(mentor, "That belongs to someone else's pairing")
    assert refused in tenant.fake.sent_to(tenant.chat(mentor))[mentor_seen:]
    assert len(questions[0].updates) == updates, "the mentee's card is untouched"

    # The mentee answers: two done (the mentor hears of each), one still on, one dropped.
    answers = {
        "Done": "Brilliant - marked as done. I'll let Mina know it came from your sessions.",
        "Still on it": "Got it - I'll ask again in 30 days.",
        "Dropped": "Fair enough - dropped. No more questions about it.",
    }
    for question, label in zip(questions, ANSWERS, strict=True):
        await tenant.submit(mentee, question, label)
        assert answers[label] in text_of(question), text_of(question)
        assert not titles(question), "one answer, then the buttons go"
    seen = sent_count(tenant, mentor)
    await tick(tenant, ask_at + timedelta(minutes=5))
    thanks = [t for t in chat_since(tenant, mentor, seen) if "suggestions" in t]
    assert thanks == [
        f'Erik put one of your suggestions into practice: "{plan}".'
        " Thank you for making a difference."
        for plan, label in zip(PLANS, ANSWERS, strict=True)
        if label == "Done"
    ]

    # The owner's figures.
    await tenant.say(OWNER, "status Yield")
    status = facts(await tenant.latest(OWNER, "Yield - "))
    assert status["Objectives"] == "3 set, 0 started, 1 done", status
    assert (
        status["Follow-through"]
        == "2 done and 1 dropped of 4 actions planned (4 asked about so far)"
    ), status
    assert status["Session pulse"] == "too few answers for an average yet (2; it shows from 5)", (
        status
    )
    assert status["Fit alerts open"] == "1", status
