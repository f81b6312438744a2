"""Issue 16 in the engine: objectives, follow-through of "will do" lines, the session pulse,
the first-session fit question and the owners' new figures."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from bot.domain.events import Actor, Mention
from bot.domain.messages import Ask, Message
from bot.domain.model import FollowUp, Notification, Reflection
from bot.domain.outcomes import Objective, Pulse
from tests.harness import ERIK, MINA, OWNER, PRIYA, TOM

APRIL_2 = datetime(2026, 4, 2, 12, 0, tzinfo=UTC)  # 30 days after the reflection below
HEADER = (
    "Thanks for your session with {other} (Tue 3 Mar, 10:00)."  # the post-session card's first line
)
RATE = "How was it? One tap: 1 = not much, 5 = very useful."
FIT = "Is this pairing working for you?"


async def _objectives(harness) -> list[Objective]:
    return await harness.engine.run(lambda ctx: ctx.tx.find(Objective))


async def _held(harness, pairing=None) -> tuple:
    """The harness's held session (Tue 3 March, 10:00 Berlin), keeping the post-session card
    Erik gets as the answer to his "It happened": (pairing, Erik's card)."""
    pairing = pairing or await harness.active_pairing()
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-03", "10:00")
    await harness.tick(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))
    card = await harness.click(ERIK, "session.held", 1)
    await harness.tick()
    return pairing, card


def _ask(card: Message, starting: str) -> Ask:
    [found] = [a for a in card.asks if a.text.startswith(starting)]
    return found


def _questions(harness, user_id: str, containing: str = "Did it happen?") -> list[tuple]:
    """Every question sent to `user_id` whose text has `containing`, as (when, Ask): a
    message's own text and buttons, or one of the questions it carried along."""
    found = []
    for delivered in harness.inbox(user_id):
        message = delivered.message
        for ask in (Ask(message.text, message.buttons), *message.asks):
            if containing in ask.text:
                found.append((delivered.at, ask))
    return found


async def _reflect(
    harness, visibility="pair", will_do="Try one 15-second clip\nShare the dashboard", program=None
):
    pairing = await harness.held_session(await harness.active_pairing(program))
    reply = await harness.submit(
        ERIK,
        "reflection.submit",
        1,
        what_changed="Short video works",
        will_do=will_do,
        visibility=visibility,
    )
    assert reply.text.startswith("Thanks - saved"), reply.text
    return pairing


# --- objectives ---------------------------------------------------------------------------


async def test_an_owner_proposes_objectives_with_the_pair_and_either_person_moves_them_on(harness):
    await harness.program()
    mentions = (Mention("@mina", MINA), Mention("@erik", ERIK))
    reply = await harness.command(
        OWNER,
        "pair",
        "@mina @erik Video. objectives: run a clip test; read the brand guide",
        mentions,
    )
    assert "proposed" in reply.text.lower(), reply.text
    found = await _objectives(harness)
    assert [(o.text, o.state) for o in found] == [
        ("run a clip test", "not_started"),
        ("read the brand guide", "not_started"),
    ]
    pairing_id = found[0].pairing_id
    await harness.click(MINA, "pairing.accept", pairing_id)
    await harness.click(ERIK, "pairing.accept", pairing_id)
    me = await harness.command(ERIK, "me")
    assert "1. run a clip test (not started)" in me.plain()
    # Each objective is quoted whole on a line of its own, moved on with one short button.
    assert [(a.text, [b.label for b in a.buttons]) for a in me.asks] == [
        ("Objective: run a clip test (not started)", ["Mark started"]),
        ("Objective: read the brand guide (not started)", ["Mark started"]),
    ]
    assert not [b for b in me.buttons if b.action == "objective.state"]
    started = me.asks[0].buttons[0]
    tapped = await harness.click(MINA, "objective.state", started.value)
    # From `me` the view comes back up to date, with everything it offers still there.
    assert tapped.text.startswith("Marked as started: run a clip test\n\n")
    assert "1. run a clip test (started)" in tapped.plain()
    assert [(a.text, [b.label for b in a.buttons]) for a in tapped.asks] == [
        ("Objective: run a clip test (started)", ["Mark done"]),
        ("Objective: read the brand guide (not started)", ["Mark started"]),
    ]
    assert [b.label for b in tapped.buttons][:1] == ["Schedule with Erik"]
    fresh = await harness.command(MINA, "me")
    assert (tapped.asks, tapped.buttons, tapped.sections) == (
        fresh.asks,
        fresh.buttons,
        fresh.sections,
    )
    done = await harness.click(ERIK, "objective.state", f"{found[0].id}:done")
    assert done.text.startswith("Marked as done")
    first = (await _objectives(harness))[0]
    assert first.state == "done" and first.done_on == harness.clock.now().date()
    assert "run a clip test (done " in (await harness.command(MINA, "me")).plain()
    # Someone outside the pair sees none of it.
    await harness.active_pairing(await harness.program("Other"), mentor=PRIYA, mentee=TOM)
    assert "clip test" not in (await harness.command(PRIYA, "me")).plain()


async def test_a_fourth_or_too_long_objective_is_refused_with_the_reason(harness):
    program = await harness.program()
    mentions = (Mention("@mina", MINA), Mention("@erik", ERIK))
    four = await harness.command(
        OWNER, "pair", "@mina @erik Video objectives: a; b; c; d", mentions
    )
    assert "at most 3 objectives (4 given)" in four.text
    long = await harness.command(
        OWNER, "pair", "@mina @erik Video objectives: " + "x" * 201, mentions
    )
    assert "at most 200 characters and this one has 201" in long.text
    assert await _objectives(harness) == []
    pairing = await harness.active_pairing(program)
    refused = await harness.submit(
        ERIK, "objectives.submit", pairing.id, objective_1="ok", objective_2="y" * 201
    )
    assert "at most 200 characters" in refused.errors["objective_2"]
    extra = await harness.submit(ERIK, "objectives.submit", pairing.id, objective_4="one more")
    assert "at most 3 objectives" in extra.errors["objective_4"]
    assert await _objectives(harness) == []


async def test_the_mentor_marks_progress_from_the_post_session_card_and_the_rest_stays_asked(
    harness,
):
    pairing = await harness.active_pairing()
    await harness.submit(ERIK, "objectives.submit", pairing.id, objective_1="Post one reel")
    _, erik_card = await _held(harness, pairing)
    card = harness.last("mina", "objective.state").message
    objective = _ask(card, "Objective:")
    assert objective.text == "Objective: Post one reel (not started)"
    [tap] = objective.buttons
    assert tap.label == "Mark started"
    reply = await harness.click(MINA, "objective.state", tap.value)
    # The card comes back in place: the move is a line, the objective one step on, the rest
    # (rating, fit, reflection, next session) still asked.
    assert reply.redraw
    assert reply.text == HEADER.format(other="Erik") + "\nMarked as started: Post one reel"
    moved = _ask(reply, "Objective:")
    assert moved.text == "Objective: Post one reel (started)"
    assert [b.label for b in moved.buttons] == ["Mark done"]
    assert [a.text for a in reply.asks if a is not moved] == [
        a.text for a in card.asks if a is not objective
    ]
    assert ("reflection.write", "1") in [(b.action, b.value) for b in reply.every_button]
    # The mentee's card has no objectives to move on.
    assert erik_card.asks
    assert not [b for b in erik_card.every_button if b.action == "objective.state"]


async def test_the_mentee_sets_objectives_on_accepting_and_they_appear_in_the_agenda(harness):
    program = await harness.program()
    pairing = await harness.pairing(program)
    await harness.click(MINA, "pairing.accept", pairing.id)
    reply = await harness.click(ERIK, "pairing.accept", pairing.id)
    assert "one to three objectives" in reply.text
    [edit] = [b for b in reply.buttons if b.action == "objectives.edit"]
    form = (await harness.click(ERIK, "objectives.edit", edit.value)).form
    assert [f.id for f in form.fields] == ["objective_1", "objective_2", "objective_3"]
    saved = await harness.submit(ERIK, "objectives.submit", pairing.id, objective_1="Post one reel")
    assert saved.text.startswith("Objectives saved (1 of 3). Mina sees them too")
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-03", "10:00")
    await harness.tick(datetime(2026, 3, 3, 8, 30, tzinfo=UTC))
    [agenda] = harness.inbox("mina", "Suggested agenda:")
    assert "Objectives:\n1. Post one reel (not started)" in agenda.message.plain()
    # Editing keeps an unchanged objective's state and drops a blanked one.
    [objective] = await _objectives(harness)
    await harness.click(MINA, "objective.state", f"{objective.id}:started")
    await harness.submit(
        MINA, "objectives.submit", pairing.id, objective_1="Post one reel", objective_2="B"
    )
    assert [(o.text, o.state) for o in await _objectives(harness)] == [
        ("Post one reel", "started"),
        ("B", "not_started"),
    ]


# --- follow-through -----------------------------------------------------------------------


async def test_a_will_do_is_asked_about_after_30_days_and_done_tells_the_mentor(harness):
    await _reflect(harness)
    await harness.tick(APRIL_2)
    asked = _questions(harness, "erik")
    assert [ask.text for _, ask in asked] == [
        "You planned to: Try one 15-second clip\nDid it happen?",
        "You planned to: Share the dashboard\nDid it happen?",
    ]
    assert [at for at, _ in asked] == [APRIL_2, APRIL_2]
    assert not _questions(harness, "mina")
    buttons = asked[0][1].buttons
    assert [b.label for b in buttons] == ["Done", "Still on it", "Dropped"]
    done = await harness.click(ERIK, "followthrough.answer", buttons[0].value)
    assert done.text == "Brilliant - marked as done. I'll let Mina know it came from your sessions."
    assert (await harness.click(ERIK, "followthrough.answer", buttons[0].value)).text.startswith(
        "Thanks - you've already answered"
    )
    # Nobody else may answer Erik's question. Mina is thanked for the one done: not at once
    # (a thank-you waits up to two days to go with her next message), then on its own.
    forged = await harness.click(MINA, "followthrough.answer", asked[1][1].buttons[0].value)
    assert forged.text == "That belongs to someone else's pairing, so I've left it alone."
    await harness.tick()
    assert not any("Try one 15-second clip" in t for t in harness.texts("mina"))
    # One reminder for the unanswered one, three days later, then silence.
    await harness.tick(datetime(2026, 4, 6, 12, 0, tzinfo=UTC))
    assert any("Try one 15-second clip" in t for t in harness.texts("mina"))
    reminders = _questions(harness, "erik", "only reminder")
    assert [ask.text for _, ask in reminders] == [
        "A quick one about your plan: Share the dashboard\nDid it happen? This is the only reminder."
    ]
    await harness.tick(datetime(2026, 5, 20, 10, 0, tzinfo=UTC))
    assert len(_questions(harness, "erik", "Share the dashboard")) == 2


async def test_still_on_it_asks_again_at_most_twice(harness):
    program = await harness.program()
    await harness.command(OWNER, "program", "set Digital Leaders followup=7")
    await _reflect(harness, will_do="Try one 15-second clip", program=program)
    replies = []
    for day in (10, 17, 24):  # the reflection was saved on 3 March: a week later, each time
        await harness.tick(datetime(2026, 3, day, 12, 0, tzinfo=UTC))
        asked = _questions(harness, "erik")
        assert len(asked) == len(replies) + 1, [ask.text for _, ask in asked]
        [_, still, _] = asked[-1][1].buttons
        reply = await harness.click(ERIK, "followthrough.answer", still.value)
        replies.append(reply.text)
    assert replies == [
        "Got it - I'll ask again in 7 days.",
        "Got it - I'll ask again in 7 days.",
        "Got it. I won't ask about this one again - good luck with it.",
    ]
    await harness.tick(datetime(2026, 5, 1, 12, 0, tzinfo=UTC))
    assert len(_questions(harness, "erik", "15-second clip")) == 3
    [action] = await harness.engine.run(lambda ctx: ctx.tx.find(FollowUp))
    assert (action.state, action.asks) == ("still", 3)


async def test_dropped_ends_the_questions_and_a_private_plan_is_the_authors_alone(harness):
    await _reflect(harness, visibility="private", will_do="SECRET plan")
    await harness.tick(APRIL_2)
    [(_, asked)] = _questions(harness, "erik")
    dropped = await harness.click(ERIK, "followthrough.answer", asked.buttons[2].value)
    assert dropped.text == "Fair enough - dropped. No more questions about it."
    await harness.tick(datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    assert len(_questions(harness, "erik", "SECRET")) == 1
    assert not any("SECRET" in t for who in ("mina", "olivia") for t in harness.texts(who))


async def test_a_private_plan_done_does_not_tell_the_mentor(harness):
    await _reflect(harness, visibility="private", will_do="SECRET plan")
    await harness.tick(APRIL_2)
    [(_, asked)] = _questions(harness, "erik")
    done = await harness.click(ERIK, "followthrough.answer", asked.buttons[0].value)
    assert done.text == "Brilliant - marked as done."
    await harness.tick(datetime(2026, 4, 6, 12, 0, tzinfo=UTC))  # past any wait for a thank-you
    assert not any("SECRET" in t for t in harness.texts("mina"))


async def test_followup_days_is_checked(harness):
    await harness.program()
    for bad in ("5", "91", "soon"):
        reply = await harness.command(OWNER, "program", f"set Digital Leaders followup={bad}")
        assert "7 to 90" in reply.text


# --- pulse and fit ------------------------------------------------------------------------


async def test_both_rate_the_session_and_a_no_fit_reaches_the_owners_only(harness):
    pairing, erik_card = await _held(harness)
    mina_card = harness.last("mina", "pulse.answer").message
    for card, other in ((erik_card, "Mina"), (mina_card, "Erik")):
        assert card.redraw and card.text == HEADER.format(other=other)
        assert [b.label for b in _ask(card, RATE).buttons] == ["1", "2", "3", "4", "5"]
        assert [b.label for b in _ask(card, FIT).buttons] == ["Yes", "Not sure", "No"]
    # The rating and the fit are asked on the card only, no longer as messages of their own.
    queued = await harness.engine.run(lambda ctx: ctx.tx.find(Notification, kind=["pulse", "fit"]))
    assert queued == []
    rate = _ask(erik_card, RATE).buttons[3]
    rated = await harness.click(ERIK, "pulse.answer", rate.value)
    assert rated.redraw
    assert rated.text == HEADER.format(other="Mina") + "\nYou rated it 4 of 5 - thanks."
    assert not [a for a in rated.asks if a.text == RATE]
    again = await harness.click(ERIK, "pulse.answer", rate.value)
    assert "You've already rated that session" in again.text
    no = _ask(rated, FIT).buttons[2]
    reply = await harness.click(ERIK, "pulse.answer", no.value)
    # Its thanks comes first on the card, the fit no longer asked.
    header, thanks, *_ = reply.text.split("\n")
    assert header == HEADER.format(other="Mina")
    assert "only them - Mina won't hear" in thanks
    assert "Noted how the pairing is going for you (Mina is never told)." in reply.text
    assert not [a for a in reply.asks if a.text.startswith(FIT)]
    await harness.tick()
    [note] = harness.inbox("olivia", "Is this pairing working")
    assert 'Erik Lund answered "no"' in note.message.text
    assert not any("answered" in t for t in harness.texts("mina"))
    stored = await harness.engine.run(lambda ctx: ctx.tx.find(Pulse))
    assert sorted((p.kind, p.value) for p in stored) == [("fit", "no"), ("useful", "4")]
    # A second held session brings a rating again, not the fit question: on the card of the
    # one who says it happened, and on the other's.
    await harness.book(MINA, pairing, "2026-03-17", "10:00")
    await harness.tick(datetime(2026, 3, 17, 11, 0, tzinfo=UTC))
    second = await harness.click(MINA, "session.held", 2)
    await harness.tick()
    erik_second = harness.last("erik", "pulse.answer").message
    for card in (second, erik_second):
        assert [b.value for b in _ask(card, RATE).buttons] == [f"2:useful:{n}" for n in "12345"]
        assert not [a for a in card.asks if a.text.startswith(FIT)]


async def test_owner_status_shows_the_new_figures(harness):
    pairing, erik_card = await _held(harness)
    await harness.submit(ERIK, "objectives.submit", pairing.id, objective_1="A", objective_2="B")
    [first, _] = await _objectives(harness)
    await harness.click(ERIK, "objective.state", f"{first.id}:started")
    mina_card = harness.last("mina", "pulse.answer").message
    for actor, card in ((ERIK, erik_card), (MINA, mina_card)):
        await harness.click(actor, "pulse.answer", _ask(card, RATE).buttons[4].value)
    await harness.click(MINA, "pulse.answer", _ask(mina_card, FIT).buttons[1].value)
    await harness.submit(ERIK, "reflection.submit", 1, what_changed="x", will_do="Plan A\nPlan B")
    await harness.tick(APRIL_2)
    for (_, asked), answer in zip(_questions(harness, "erik"), (0, 2), strict=True):
        await harness.click(ERIK, "followthrough.answer", asked.buttons[answer].value)
    facts = dict((await harness.command(OWNER, "status")).sections[0].facts)
    assert facts["Objectives"] == "2 set, 1 started, 0 done"
    assert facts["Follow-ups"] == "1 done and 1 dropped of 2 planned (2 asked about so far)"
    assert facts["Session ratings"] == "too few answers for an average yet (2; it shows from 5)"
    assert facts["Pairs who said the match may not be working"] == "1"


async def test_the_export_has_the_figures_and_only_shared_plans(harness):
    pairing = await _reflect(harness, visibility="pair", will_do="Pair-only plan")
    await harness.submit(MINA, "reflection.submit", 1, what_changed="x", will_do="Open plan")
    await harness.submit(MINA, "objectives.submit", pairing.id, objective_1="Post one reel")
    await harness.tick(APRIL_2)
    reply = await harness.command(OWNER, "export")
    rows = list(csv.DictReader(io.StringIO(reply.file.content)))
    assert "Pair-only plan" not in reply.file.content
    assert {r["followups"] for r in rows if r["reflection_author"] == "Mina Park"} == {
        "open: Open plan"
    }
    assert {r["objectives"] for r in rows if r["session_start"]} == {
        "1. Post one reel (not started)"
    }
    figures = {r["figure"]: r["value"] for r in rows if r["figure"]}
    assert figures["objectives"] == "1" and figures["followups_planned"] == "2"
    assert figures["followups_asked"] == "2" and figures["pulse_average"] == ""
    # A rating asked on each person's card, the one shown in the answer to It happened too.
    assert figures["pulse_asked"] == "2"
    # Nobody but an owner exports.
    assert (await harness.command(ERIK, "export")).file is None


async def test_a_question_due_at_the_weekend_waits_for_monday_morning(harness):
    program = await harness.program()
    await harness.command(OWNER, "program", "set Digital Leaders followup=32")  # Sat 4 April
    await _reflect(harness, will_do="Try one clip", program=program)
    await harness.tick(datetime(2026, 4, 4, 12, 0, tzinfo=UTC))
    assert not harness.inbox("erik", "Did it happen?")
    await harness.tick(datetime(2026, 4, 6, 7, 0, tzinfo=UTC))  # 09:00 in Berlin
    [asked] = harness.inbox("erik", "Did it happen?")
    assert asked.at == datetime(2026, 4, 6, 7, 0, tzinfo=UTC)


async def test_a_private_plan_done_is_counted_but_never_names_the_mentor(harness):
    program = await harness.program()
    for n in range(4):  # five mentors in all: enough for names to be shown
        mentor = Actor("console", f"m{n}", f"Mentor{n} Vale", timezone="UTC")
        mentee = Actor("console", f"e{n}", f"Mentee{n} Vale", timezone="UTC")
        await harness.pairing(program, mentor, mentee)
    await _reflect(harness, visibility="private", will_do="SECRET plan", program=program)
    await harness.tick(APRIL_2)
    [(_, asked)] = _questions(harness, "erik")
    await harness.click(ERIK, "followthrough.answer", asked.buttons[0].value)
    status = (await harness.command(OWNER, "status")).plain()
    assert "1 done and 0 dropped of 1 planned" in status
    assert "Mina Park (" not in status and "Mentors are named here once" not in status
    # The same plan shared with the pair names her.
    [reflection] = [
        r for r in await harness.engine.run(lambda ctx: ctx.tx.find(Reflection)) if r.will_do
    ]
    await harness.click(ERIK, "reflection.visibility", f"{reflection.id}:pair")
    assert "Mina Park (1)" in (await harness.command(OWNER, "status")).plain()
