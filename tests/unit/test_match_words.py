"""The words of matching (prompts match.*), as the owner and the pairs read them: the proposal
with each pair's reason, the Change pairs form and its refusals, the confirmation, and the
goal and reason in each intro. The platform tests (tests/e2e/test_*_owner_tools.py) check
how these are drawn, not what they say."""

from __future__ import annotations

from bot.domain.events import Mention
from bot.domain.messages import FormErrors, Message
from tests.harness import ERIK, MINA, OWNER, PRIYA, TOM

PROPOSAL = (
    "Proposed pairs for Pool (1):\n"
    "1. Mina mentors Erik. Mina can help with tiktok and analytics, which Erik wants to learn,"
    " and they share an interest in chess.\n"
    "No good match yet for: Tom (no free mentor teaches what they want to learn, or the only"
    " ones are their manager or a past partner).\n"
    "Nothing is sent until you confirm. Then both people in each pair are asked, and nothing"
    " starts without two yeses."
)


async def _pool(harness) -> Message:
    """Mina (tiktok, analytics; chess) and Priya (excel) mentor; Erik (tiktok, analytics;
    chess; managed by Priya) and Tom (tiktok) are mentees. Returns the owner's `match`."""
    await harness.program("Pool")
    for actor, role, manager, values in (
        (MINA, "mentor", None, {"teaches": "tiktok, analytics", "interests": "chess"}),
        (PRIYA, "mentor", None, {"teaches": "excel"}),
        (ERIK, "mentee", PRIYA, {"learns": "tiktok, analytics", "interests": "chess"}),
        (TOM, "mentee", None, {"learns": "tiktok"}),
    ):
        mentions = (Mention("@boss", manager),) if manager else ()
        reply = await harness.command(actor, "join", "@boss" if manager else "", mentions)
        value = reply.buttons[0].value
        await harness.submit(actor, "enrolment.submit", value, role=role, **values)
    return await harness.command(OWNER, "match")


async def test_the_proposal_gives_each_pair_its_reason_and_names_who_is_left_unmatched(harness):
    proposal = await _pool(harness)
    assert proposal.text == PROPOSAL
    assert [(b.label, b.action) for b in proposal.buttons] == [
        ("Confirm all", "match.confirm"),
        ("Change pairs", "match.edit"),
    ]


async def test_confirming_says_how_many_and_a_second_confirm_that_nothing_more_happens(harness):
    proposal = await _pool(harness)
    run = proposal.buttons[0].value
    done = await harness.click(OWNER, "match.confirm", run)
    assert done.text == "Confirmed in Pool: 1 pair. I've asked each person to accept."
    again = await harness.click(OWNER, "match.confirm", run)
    assert again.text == (
        "These proposals were already confirmed or replaced. Type match for fresh ones."
    )
    await harness.tick()
    [intro] = harness.texts("erik")
    assert (
        "Goal: learn tiktok and analytics. Why you two: Mina can help with tiktok and analytics,"
        " which Erik wants to learn, and they share an interest in chess. Sessions are short"
    ) in intro, intro
    rest = await harness.command(OWNER, "match")
    assert rest.text == (
        "Proposed pairs for Pool (0):\n"
        "No good match yet for: Tom (no free mentor teaches what they want to learn, or the only"
        " ones are their manager or a past partner).\n"
        "Nothing to propose (free mentors: 1, free mentees: 1). Ask people to type join, or"
        " import a CSV."
    )
    assert not rest.buttons


async def test_change_pairs_names_each_choice_and_says_why_a_pick_is_refused(harness):
    proposal = await _pool(harness)
    run = proposal.buttons[0].value
    form = await harness.click(OWNER, "match.edit", run)
    assert form.text == (
        "Pick a mentor for each mentee, or no pair for now. Managers and past partners are refused."
    )
    assert (form.form.title, form.form.submit_label) == ("Change pairs", "Confirm pairs")
    erik, tom = form.form.fields
    assert (erik.label, tom.label) == (
        "Erik (wants to learn tiktok, analytics)",
        "Tom (wants to learn tiktok)",
    )
    assert [c.label for c in erik.choices] == [
        "No pair for now",
        "Mina - teaches tiktok, analytics",
        "Priya - teaches excel",
    ]
    mina, priya = (c.value for c in erik.choices[1:])

    twice = await harness.submit(OWNER, "match.edit", run, **{erik.id: mina, tom.id: mina})
    assert isinstance(twice, FormErrors)
    assert twice.errors == {tom.id: "Mina is already chosen for Erik - pick someone else."}
    manager = await harness.submit(OWNER, "match.edit", run, **{erik.id: priya, tom.id: mina})
    assert isinstance(manager, FormErrors)
    assert manager.errors == {
        erik.id: "Priya and this mentee are manager and report - pick someone else."
    }
    nobody = await harness.submit(OWNER, "match.edit", run, **{erik.id: "none", tom.id: "none"})
    assert nobody.text == "No pairs were chosen, so nothing was sent."

    proposal = await harness.command(OWNER, "match")
    run = proposal.buttons[0].value
    done = await harness.submit(OWNER, "match.edit", run, **{erik.id: mina, tom.id: priya})
    assert done.text == "Confirmed in Pool: 2 pairs. I've asked each person to accept."
    await harness.tick()  # (Priya, in London, is at work: Tom, in New York, not yet)
    [intro] = harness.texts("priya")
    assert "Goal: -. Why you two: Chosen by the program owner. You choose" in intro, intro
