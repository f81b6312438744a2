"""Teams end to end, outcomes (issue 16, one card after a session since issue 24):
objectives moved on with one tap from `me` and from the mentor's post-session card, the
session rating and the first-session fit question on that card (a doubt reaches the owners
only), a "will do" followed through 30 days later with the mentor told, and the owners'
figures in `status`. Everything goes through a real `mentorbot serve` (activities POSTed to
/api/messages, a fake Bot Connector as their serviceUrl) and ticks at chosen moments."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.domain import prompts
from tests.e2e.slack_support import evening_after, morning_after, working_hour_after
from tests.e2e.teams_support import (
    OWN_BUTTONS,
    OWNER,
    Tenant,
    activity_text,
    asks,
    book_and_hold,
    inputs,
    runs,
    start_program,
    teams_pair,
    text_of,
    tick,
    titles,
    weekday_after,
)
from tests.fakes.bot_connector import FakeConnector, Sent

FIT_NOTE = "may need a hand"
FIGURES = ("objectives", "followthrough", "pulse", "fit_alerts")  # keys of status.label
ASKED = "Did it happen?"
RATE = "How was it?"  # the rating's question (its words: tests/unit/test_outcomes.py)
FIT = "Is this pairing working for you?"
# What the mentee plans in a reflection, and how they answer "Did it happen?" about each.
PLANS = (
    "Post a reel every Friday",
    "Ask the brand team for feedback",
    "Share the dashboard with my team",
    "Try a 15-second cut",
)
ANSWERS = ("Done", "Still on it", "Dropped", "Done")
OPTIONS = ["Done", "Still on it", "Dropped"]


# --- helpers ------------------------------------------------------------------------------------
def facts(sent: Sent) -> dict[str, str]:
    """Every fact of the card's FactSets, by title."""
    return {
        fact["title"]: fact["value"]
        for card in FakeConnector.cards(sent)
        for block in card.get("body", [])
        if block.get("type") == "FactSet"
        for fact in block["facts"]
    }


def numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def begin(questions: list[str], *beginnings: str) -> bool:
    """Whether the questions are, in order, ones beginning with these words."""
    return len(questions) == len(beginnings) and all(
        q.startswith(b) for q, b in zip(questions, beginnings, strict=True)
    )


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

    # `me` lists them, each quoted whole with one tap to move it on; the mentee starts the
    # first.
    await tenant.say(mentee, "me")
    me = await tenant.latest(mentee, "Objectives:")
    assert "Objectives:\n1. Post one reel (not started)\n2. Read the brand guide (not started)" in (
        text_of(me)
    ), text_of(me)
    assert asks(me) == [
        "Objective: Post one reel (not started)",
        "Objective: Read the brand guide (not started)",
    ], asks(me)
    assert titles(me, "Post one reel") == titles(me, "Read the brand guide") == ["Mark started"]
    assert "Edit objectives" in titles(me)
    await tenant.submit(mentee, me, "Mark started", under="Post one reel")
    assert "Marked as started: Post one reel" in text_of(me), text_of(me)
    # The card comes back as the view brought up to date, ready for the next tap.
    assert "1. Post one reel (started)" in text_of(me), text_of(me)
    assert titles(me, "Objective: Post one reel (started)") == ["Mark done"], text_of(me)

    # The mentor sees that in `me`, adds a third objective in the form, and marks one done.
    await tenant.say(mentor, "me")
    me = await tenant.latest(mentor, "Objectives:")
    assert "1. Post one reel (started)\n2. Read the brand guide (not started)" in text_of(me)
    assert [(ask, titles(me, ask)) for ask in asks(me)] == [
        ("Objective: Post one reel (started)", ["Mark done"]),
        ("Objective: Read the brand guide (not started)", ["Mark started"]),
    ], text_of(me)
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
    assert "Objectives saved (3 of 3)" in text_of(me), text_of(me)
    await tenant.say(mentor, "me")
    me = await tenant.latest(mentor, "3. Share the dashboard weekly (not started)")
    assert "1. Post one reel (started)" in text_of(me), "an unchanged objective keeps its state"
    await tenant.submit(mentor, me, "Mark done", under="Post one reel")
    assert "Marked as done: Post one reel. Nice work." in text_of(me), text_of(me)
    await tenant.say(mentee, "me")
    me = await tenant.latest(mentee, "Share the dashboard weekly")
    assert "1. Post one reel (done " in text_of(me), "the mentee sees it too"
    assert not [ask for ask in asks(me) if "Post one reel" in ask], "nothing left to move on"

    # A session, booked from `me` and held: the mentee's "It happened" comes back as their
    # post-session card; the mentor gets one card of their own at the next tick.
    start, card = await book_and_hold(tenant, mentee, weekday_after(intro_at, 2, 9).date())
    cards = {mentee: card}
    seen = sent_count(tenant, mentor)
    await tick(tenant, start + timedelta(minutes=55))
    [cards[mentor]] = every(tenant, mentor, "Thanks for your session with")
    assert cards[mentor] in tenant.fake.sent_to(tenant.chat(mentor))[seen:], "one new card"
    assert text_of(cards[mentee]).startswith("Thanks for your session with Mina (")
    assert text_of(cards[mentor]).startswith("Thanks for your session with Erik (")
    assert not every(tenant, mentee, "How useful was your session"), "no separate rating"

    # Both rate the session and (their first session) say whether the pairing works; each
    # card asks for a reflection, the mentor's moves the objectives not done on, and each
    # offers to book the next session.
    fit = {
        mentee: f"{FIT} Only the program owners see this answer, never Mina.",
        mentor: f"{FIT} Only the program owners see this answer, never Erik.",
    }
    # (The rating's and the reflection's words: tests/unit/test_outcomes.py and
    # test_sessions_cycle.py; here, which question is drawn where.)
    assert begin(asks(cards[mentee])[:3], RATE, fit[mentee], "What changed for you"), asks(
        cards[mentee]
    )
    # Under it, what the card it replaced still asked: the check-in that went along with
    # "did it happen?" stays usable (Teams draws a card again whole after a click).
    assert asks(cards[mentee])[3].startswith("The next session is due around")
    assert runs(cards[mentee], asks(cards[mentee])[4]) == ["checkin.answer"], asks(cards[mentee])
    assert titles(cards[mentee], asks(cards[mentee])[4]) == ["Answer (1 min)"]
    assert begin(
        asks(cards[mentor])[:-1],
        RATE,
        fit[mentor],
        "Did Erik listen to what you brought?",  # the mentor's alone (issue 29)
        "What stood out for you",
        "Objective: Read the brand guide (not started)",
        "Objective: Share the dashboard weekly (not started)",
    ), asks(cards[mentor])
    for card in cards.values():
        assert titles(card, RATE) == ["1", "2", "3", "4", "5"]
        assert titles(card, FIT) == ["Yes", "Not sure", "No"]
        assert titles(card, "What") == ["Write more"]
        [book] = [a for a in asks(card) if a.startswith("The next session is due around ")]
        assert ". Book it now, while this one is fresh?" in book, asks(card)
        assert runs(card, "The next session is due") == [
            *["session.book_at"] * 3,
            "session.schedule",
        ]

    # A rating redraws the card: the answer as a line, the rest still asked.
    await tenant.submit(mentee, cards[mentee], "4", under=RATE)
    assert "You rated it 4 of 5" in text_of(cards[mentee]), text_of(cards[mentee])
    rated = asks(cards[mentee])
    assert not [a for a in rated if a.startswith(RATE)] and fit[mentee] in rated, rated
    await tenant.submit(mentor, cards[mentor], "5", under=RATE)
    assert "You rated it 5 of 5" in text_of(cards[mentor])

    # The mentee's "No" goes to the owner, and only to the owner.
    seen = {u: sent_count(tenant, u) for u in (mentor, OWNER)}
    await tenant.submit(mentee, cards[mentee], "No", under=FIT)
    header, thanks = text_of(cards[mentee]).split("\n")[:2]
    assert header.startswith("Thanks for your session with Mina ("), text_of(cards[mentee])
    assert thanks.startswith(  # at the card's top
        "Thanks for being honest. I've told the program owners, and only them - Mina won't hear"
        " about your answer."
    ), text_of(cards[mentee])
    assert "(Mina is never told)" in text_of(cards[mentee]), text_of(cards[mentee])
    assert asks(cards[mentee])[0].startswith("What changed for you"), "the rest is still asked"
    await tenant.submit(mentor, cards[mentor], "Yes", under=FIT)
    assert "(Erik is never told)" in text_of(cards[mentor]), text_of(cards[mentor])
    assert "I've told the program owners" not in text_of(cards[mentor])
    await tick(tenant, start + timedelta(minutes=60))
    [note] = [t for t in chat_since(tenant, OWNER, seen[OWNER]) if FIT_NOTE in t]
    # One part of its message (the owner's weekly digest may carry it along), naming both.
    # (Its words: tests/unit/test_fit_words.py.)
    [line] = [line for line in note.split("\n") if FIT_NOTE in line]
    assert mentee_name in line and mentor_name in line, note
    told_mentor = chat_since(tenant, mentor, seen[mentor])
    assert not [t for t in told_mentor if FIT_NOTE in t or "answered" in t], told_mentor
    everything = tenant.texts(mentor)
    assert FIT_NOTE not in everything and "honest" not in everything, "nor in an update"

    # The mentor starts an objective from the card, which is drawn again.
    await tenant.submit(mentor, cards[mentor], "Mark started", under="Read the brand guide")
    assert "Marked as started: Read the brand guide" in text_of(cards[mentor])
    moved = asks(cards[mentor])
    assert "Objective: Read the brand guide (started)" in moved, moved
    assert titles(cards[mentor], "Read the brand guide") == ["Mark done"]

    # The mentee's reflection, from the card, plans four things.
    card = cards[mentee]
    await tenant.submit(mentee, card, "Write more")
    reflection = {
        "what_changed": "Short clips hold attention",
        "will_do": "\n".join(PLANS),
        "visibility": "pair",
    }
    await tenant.submit(mentee, card, "Save", reflection)
    assert "Thanks - saved" in text_of(card), text_of(card)
    saved_at = datetime.now(UTC)  # serve keeps the reflection at its own (real) time

    # Not asked before 30 days have passed...
    await tick(tenant, working_hour_after(saved_at + timedelta(days=28)))
    assert not every(tenant, mentee, ASKED)

    # ...nor once they have but outside working hours; then at 09:00, about each plan in one
    # message (one question each), and only the author.
    evening = evening_after(saved_at + timedelta(days=30))
    await tick(tenant, evening)
    assert not every(tenant, mentee, ASKED), "not in the evening"
    ask_at = morning_after(evening)
    await tick(tenant, ask_at)
    [questions] = every(tenant, mentee, ASKED)
    # The first question is the message's own text, with the card's own buttons; the others
    # go along with it, each with its row of buttons.
    first, *others = PLANS
    assert text_of(questions).startswith(f"You planned to: {first}\n{ASKED}"), text_of(questions)
    [card] = FakeConnector.cards(questions)
    [own] = [b for b in card["body"] if b.get("id") == OWN_BUTTONS]  # under its own text
    assert [a["title"] for a in own["actions"]] == OPTIONS
    # (A reminder to book may come along too, depending on the hour the test runs at.)
    planned = [a for a in asks(questions) if a.startswith("You planned to: ")]
    assert planned == [f"You planned to: {plan}\n{ASKED}" for plan in others]
    assert all(titles(questions, plan) == OPTIONS for plan in others), text_of(questions)
    assert not every(tenant, mentor, ASKED), "only the author is asked"

    # The mentor sending the mentee's Done is refused and changes nothing.
    updates = len(questions.updates)
    mentor_seen = sent_count(tenant, mentor)
    await tenant.submit(mentor, questions, "Done")
    refused = await tenant.latest(mentor, "That belongs to someone else's pairing")
    assert refused in tenant.fake.sent_to(tenant.chat(mentor))[mentor_seen:]
    assert len(questions.updates) == updates, "the mentee's card is untouched"

    # The mentee answers each in that message: two done (the mentor hears of each), one still
    # on, one dropped. An answer takes its question's buttons away and leaves the others.
    # (The answers' words: tests/unit/test_outcomes.py; here, a few of them tell which one.)
    answers = {"Done": "Brilliant", "Still on it": "ask again in 30 days", "Dropped": "Fair enough"}
    for n, (plan, label) in enumerate(zip(PLANS, ANSWERS, strict=True)):
        # The first question is the message's own text: its buttons are the card's own.
        await tenant.submit(mentee, questions, label, under=plan if n else "")
        assert answers[label] in text_of(questions), text_of(questions)
        assert not titles(questions, plan), "one answer, then the buttons go"
        for later in PLANS[n + 1 :]:
            assert titles(questions, later) == OPTIONS, (f"{later!r} is open", text_of(questions))
    assert not set(titles(questions)) & set(OPTIONS), "all four answered"
    seen = sent_count(tenant, mentor)
    await tick(tenant, ask_at + timedelta(minutes=5))
    # (a thank-you goes along with the mentor's next message for up to two days, then alone)
    await tick(tenant, working_hour_after(ask_at + timedelta(days=2)))
    # Each done plan quoted in a thank-you line of its own, naming Erik (their words:
    # tests/unit/test_recognition_words.py).
    thanks = [
        line
        for text in chat_since(tenant, mentor, seen)
        for line in text.split("\n")
        if any(f'"{plan}"' in line for plan in PLANS)
    ]
    done = [plan for plan, label in zip(PLANS, ANSWERS, strict=True) if label == "Done"]
    assert [plan for line in thanks for plan in PLANS if f'"{plan}"' in line] == done, thanks
    assert all("Erik" in line for line in thanks), thanks

    # The owner's figures, each a fact of the card's FactSet, titled by its label. (How a
    # figure is said: tests/unit/test_outcomes.py; here, its numbers.)
    await tenant.say(OWNER, "status Yield")
    status = facts(await tenant.latest(OWNER, "Yield - "))
    shown = {k: status[prompts.text(f"status.label.{k}")] for k in FIGURES}
    assert numbers(shown["objectives"]) == [3, 1, 1], status  # set, started, done
    # 2 done and 1 dropped of 4 planned, 4 asked about; 2 ratings, an average shown from 5.
    assert numbers(shown["followthrough"]) == [2, 1, 4, 4], status
    assert numbers(shown["pulse"]) == [2, 5], status
    assert shown["fit_alerts"] == "1", status
