"""The words of joining and leaving a program's pool (prompts enrol.*), as the person reads
them: the answer to `join`, the profile form with its hint about the manager, its refusals,
the confirmation, and `leave`. The platform tests (tests/e2e/test_*_owner_tools.py) check
how these are drawn, not what they say."""

from __future__ import annotations

from bot.domain.events import Mention
from bot.domain.messages import FormErrors
from tests.harness import ERIK, MINA, TOM

INTRO = (
    "Tell me a little about yourself and I'll suggest a partner to your program owner. Nobody"
    " is paired without saying yes first."
)
SAVED = (
    "You're in the Pool pool as a {role}. Your program owner will suggest a partner, and you'll"
    " be asked before anything starts; the program's learnings open to you then. Type leave to"
    " step out."
)


async def test_join_offers_each_open_program_and_its_form_names_the_manager(harness):
    await harness.program("Pool")
    await harness.program("Craft")
    offered = await harness.command(ERIK, "join", "@tom", (Mention("@tom", TOM),))
    assert offered.text == INTRO
    assert [(b.label, b.action) for b in offered.buttons] == [
        ("Join Craft", "enrolment.form"),
        ("Join Pool", "enrolment.form"),
    ]
    pool = offered.buttons[1].value
    form = await harness.click(ERIK, "enrolment.form", pool)
    assert form.text == "Your manager: Tom Becker - you won't be paired with them."
    assert form.form.title == "Join the pool"
    assert [f.label for f in form.form.fields] == [
        "How would you like to take part in Pool?",
        "What can you teach? (comma-separated, e.g. TikTok, analytics)",
        "What would you like to learn? (comma-separated)",
        "Interests (comma-separated)",
    ]
    assert [c.label for c in form.form.fields[0].choices] == [
        "Mentor - share what I see from where I work",
        "Mentee - learn from a colleague's view",
    ]
    without = await harness.click(MINA, "enrolment.form", pool)
    assert without.text == (
        "Tip: type join @your-manager to make sure you're never paired with your own manager."
    )


async def test_the_form_says_what_each_role_must_name_then_confirms_the_role(harness):
    await harness.program("Pool")
    value = (await harness.command(ERIK, "join")).buttons[0].value
    mentee = await harness.submit(ERIK, "enrolment.submit", value, role="mentee", learns=" ")
    assert isinstance(mentee, FormErrors)
    assert mentee.errors == {"learns": "Mentees: name at least one thing you'd like to learn."}
    mentor = await harness.submit(MINA, "enrolment.submit", value, role="mentor", teaches=" ")
    assert isinstance(mentor, FormErrors)
    assert mentor.errors == {"teaches": "Mentors: name at least one thing you can teach."}
    saved = await harness.submit(ERIK, "enrolment.submit", value, role="mentee", learns="tiktok")
    assert saved.text == SAVED.format(role="mentee")
    saved = await harness.submit(MINA, "enrolment.submit", value, role="mentor", teaches="tiktok")
    assert saved.text == SAVED.format(role="mentor")


async def test_leave_names_the_pools_left_and_a_second_leave_that_there_is_none(harness):
    await harness.program("Pool")
    value = (await harness.command(ERIK, "join")).buttons[0].value
    await harness.submit(ERIK, "enrolment.submit", value, role="mentee", learns="tiktok")
    left = await harness.command(ERIK, "leave")
    assert left.text == "You've left the pool of Pool; nobody will be matched with you."
    again = await harness.command(ERIK, "leave")
    assert again.text == "You're not in any program's pool, so there's nothing to leave."
