"""Issue 16 in the engine: objectives, follow-through of "will do" lines, the session pulse,
the first-session fit question and the owners' new figures."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from bot.domain.events import Actor, Mention
from bot.domain.model import FollowUp, Reflection
from bot.domain.outcomes import Objective, Pulse
from tests.harness import ERIK, MINA, OWNER, PRIYA, TOM

APRIL_2 = datetime(2026, 4, 2, 12, 0, tzinfo=UTC)  # 30 days after the reflection below


async def _objectives(h) -> list[Objective]:
    return await h.engine.run(lambda ctx: ctx.tx.find(Objective))


async def _reflect(
    h, visibility="pair", will_do="Try one 15-second clip\nShare the dashboard", program=None
):
    pairing = await h.held_session(await h.active_pairing(program))
    reply = await h.submit(
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


async def test_an_owner_proposes_objectives_with_the_pair_and_either_person_moves_them_on(h):
    await h.program()
    mentions = (Mention("@mina", MINA), Mention("@erik", ERIK))
    reply = await h.command(
        OWNER,
        "pair",
        "@mina @erik Video. objectives: run a clip test; read the brand guide",
        mentions,
    )
    assert "proposed" in reply.text.lower(), reply.text
    found = await _objectives(h)
    assert [(o.text, o.state) for o in found] == [
        ("run a clip test", "not_started"),
        ("read the brand guide", "not_started"),
    ]
    pairing_id = found[0].pairing_id
    await h.click(MINA, "pairing.accept", pairing_id)
    await h.click(ERIK, "pairing.accept", pairing_id)
    me = await h.command(ERIK, "me")
    plain = me.plain()
    assert "1. run a clip test (not started)" in plain
    assert [b.label for b in me.buttons if b.action == "objective.state"] == [
        "Started: run a clip test",
        "Started: read the brand guide",
    ]
    started = next(b for b in me.buttons if b.action == "objective.state")
    tapped = await h.click(MINA, "objective.state", started.value)
    # From `me` the view comes back up to date, its other buttons still there.
    assert tapped.text.startswith("Marked as started: run a clip test\n\n")
    assert "1. run a clip test (started)" in tapped.plain()
    assert [b.label for b in tapped.buttons][:2] == ["Schedule with Erik", "Done: run a clip test"]
    done = await h.click(ERIK, "objective.state", f"{found[0].id}:done")
    assert done.text.startswith("Marked as done")
    first = (await _objectives(h))[0]
    assert first.state == "done" and first.done_on == h.clock.now().date()
    assert "run a clip test (done " in (await h.command(MINA, "me")).plain()
    # Someone outside the pair sees none of it.
    await h.active_pairing(await h.program("Other"), mentor=PRIYA, mentee=TOM)
    assert "clip test" not in (await h.command(PRIYA, "me")).plain()


async def test_a_fourth_or_too_long_objective_is_refused_with_the_reason(h):
    program = await h.program()
    mentions = (Mention("@mina", MINA), Mention("@erik", ERIK))
    four = await h.command(OWNER, "pair", "@mina @erik Video objectives: a; b; c; d", mentions)
    assert "at most 3 objectives (4 given)" in four.text
    long = await h.command(OWNER, "pair", "@mina @erik Video objectives: " + "x" * 201, mentions)
    assert "at most 200 characters and this one has 201" in long.text
    assert await _objectives(h) == []
    pairing = await h.active_pairing(program)
    refused = await h.submit(
        ERIK, "objectives.submit", pairing.id, objective_1="ok", objective_2="y" * 201
    )
    assert "at most 200 characters" in refused.errors["objective_2"]
    extra = await h.submit(ERIK, "objectives.submit", pairing.id, objective_4="one more")
    assert "at most 3 objectives" in extra.errors["objective_4"]
    assert await _objectives(h) == []


async def test_the_mentor_marks_progress_from_the_reflection_prompt_and_keeps_its_form(h):
    pairing = await h.active_pairing()
    await h.submit(ERIK, "objectives.submit", pairing.id, objective_1="Post one reel")
    await h.held_session(pairing)
    prompt = h.last("mina", "reflection.write").message
    [tap] = [b for b in prompt.buttons if b.action == "objective.state"]
    assert tap.label == "Started: Post one reel"
    reply = await h.click(MINA, "objective.state", tap.value)
    assert reply.text == "Marked as started: Post one reel"
    assert [(b.action, b.value) for b in reply.buttons] == [("reflection.write", "1")]
    erik_prompt = h.last("erik", "reflection.write").message
    assert not [b for b in erik_prompt.buttons if b.action == "objective.state"]


async def test_the_mentee_sets_objectives_on_accepting_and_they_appear_in_the_agenda(h):
    program = await h.program()
    pairing = await h.pairing(program)
    await h.click(MINA, "pairing.accept", pairing.id)
    reply = await h.click(ERIK, "pairing.accept", pairing.id)
    assert "one to three objectives" in reply.text
    [edit] = [b for b in reply.buttons if b.action == "objectives.edit"]
    form = (await h.click(ERIK, "objectives.edit", edit.value)).form
    assert [f.id for f in form.fields] == ["objective_1", "objective_2", "objective_3"]
    saved = await h.submit(ERIK, "objectives.submit", pairing.id, objective_1="Post one reel")
    assert saved.text.startswith("Objectives saved (1 of 3). Mina sees them too")
    await h.tick()
    await h.book(ERIK, pairing, "2026-03-03", "10:00")
    await h.tick(datetime(2026, 3, 3, 8, 30, tzinfo=UTC))
    agenda = h.last("mina").message.text
    assert "Objectives:\n1. Post one reel (not started)" in agenda
    # Editing keeps an unchanged objective's state and drops a blanked one.
    [objective] = await _objectives(h)
    await h.click(MINA, "objective.state", f"{objective.id}:started")
    await h.submit(
        MINA, "objectives.submit", pairing.id, objective_1="Post one reel", objective_2="B"
    )
    assert [(o.text, o.state) for o in await _objectives(h)] == [
        ("Post one reel", "started"),
        ("B", "not_started"),
    ]


# --- follow-through -----------------------------------------------------------------------


async def test_a_will_do_is_asked_about_after_30_days_and_done_tells_the_mentor(h):
    await _reflect(h)
    await h.tick(APRIL_2)
    asked = h.inbox("erik", "Did it happen?")
    assert [d.message.text for d in asked] == [
        "You planned to: Try one 15-second clip\nDid it happen?",
        "You planned to: Share the dashboard\nDid it happen?",
    ]
    assert asked[0].at == APRIL_2
    assert not h.inbox("mina", "Did it happen?")
    buttons = asked[0].message.buttons
    assert [b.label for b in buttons] == ["Done", "Still on it", "Dropped"]
    done = await h.click(ERIK, "followthrough.answer", buttons[0].value)
    assert done.text == "Brilliant - marked as done. I'll let Mina know it came from your sessions."
    assert (await h.click(ERIK, "followthrough.answer", buttons[0].value)).text.startswith(
        "Thanks - you've already answered"
    )
    # Nobody else may answer Erik's question; Mina is thanked for the one done.
    forged = await h.click(MINA, "followthrough.answer", asked[1].message.buttons[0].value)
    assert forged.text == "That belongs to someone else's pairing, so I've left it alone."
    await h.tick()
    assert any("Try one 15-second clip" in t for t in h.texts("mina"))
    # One reminder for the unanswered one, three days later, then silence.
    await h.tick(datetime(2026, 4, 6, 12, 0, tzinfo=UTC))
    reminders = h.inbox("erik", "only reminder")
    assert [d.message.text for d in reminders] == [
        "A quick one about your plan: Share the dashboard\nDid it happen? This is the only reminder."
    ]
    await h.tick(datetime(2026, 5, 20, 10, 0, tzinfo=UTC))
    assert len(h.inbox("erik", "Share the dashboard")) == 2


async def test_still_on_it_asks_again_at_most_twice(h):
    program = await h.program()
    await h.command(OWNER, "program", "set Digital Leaders followup=7")
    await _reflect(h, will_do="Try one 15-second clip", program=program)
    replies = []
    for day in (10, 17, 24):  # the reflection was saved on 3 March: a week later, each time
        await h.tick(datetime(2026, 3, day, 12, 0, tzinfo=UTC))
        asked = h.inbox("erik", "Did it happen?")
        assert len(asked) == len(replies) + 1, [d.message.text for d in asked]
        reply = await h.click(ERIK, "followthrough.answer", asked[-1].message.buttons[1].value)
        replies.append(reply.text)
    assert replies == [
        "Got it - I'll ask again in 7 days.",
        "Got it - I'll ask again in 7 days.",
        "Got it. I won't ask about this one again - good luck with it.",
    ]
    await h.tick(datetime(2026, 5, 1, 12, 0, tzinfo=UTC))
    assert len(h.inbox("erik", "15-second clip")) == 3
    [action] = await h.engine.run(lambda ctx: ctx.tx.find(FollowUp))
    assert (action.state, action.asks) == ("still", 3)


async def test_dropped_ends_the_questions_and_a_private_plan_is_the_authors_alone(h):
    await _reflect(h, visibility="private", will_do="SECRET plan")
    await h.tick(APRIL_2)
    [asked] = h.inbox("erik", "Did it happen?")
    dropped = await h.click(ERIK, "followthrough.answer", asked.message.buttons[2].value)
    assert dropped.text == "Fair enough - dropped. No more questions about it."
    await h.tick(datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    assert len(h.inbox("erik", "SECRET")) == 1
    assert not any("SECRET" in t for who in ("mina", "olivia") for t in h.texts(who))


async def test_a_private_plan_done_does_not_tell_the_mentor(h):
    await _reflect(h, visibility="private", will_do="SECRET plan")
    await h.tick(APRIL_2)
    [asked] = h.inbox("erik", "Did it happen?")
    done = await h.click(ERIK, "followthrough.answer", asked.message.buttons[0].value)
    assert done.text == "Brilliant - marked as done."
    await h.tick()
    assert not any("SECRET" in t for t in h.texts("mina"))


async def test_followup_days_is_checked(h):
    await h.program()
    for bad in ("5", "91", "soon"):
        reply = await h.command(OWNER, "program", f"set Digital Leaders followup={bad}")
        assert "7 to 90" in reply.text


# --- pulse and fit ------------------------------------------------------------------------


async def test_both_rate_the_session_and_a_no_fit_reaches_the_owners_only(h):
    pairing = await h.held_session()
    for who in ("erik", "mina"):
        [pulse] = h.inbox(who, "How useful was your session")
        assert [b.label for b in pulse.message.buttons] == ["1", "2", "3", "4", "5"]
    rate = h.inbox("erik", "How useful")[0].message.buttons[3]
    assert (await h.click(ERIK, "pulse.answer", rate.value)).text == "Thanks - noted."
    assert (await h.click(ERIK, "pulse.answer", rate.value)).text.startswith("You've already rated")
    fit = [d for d in h.inbox("erik") if d.message.text.startswith("Now that you've had")]
    assert [b.label for b in fit[-1].message.buttons] == ["Yes", "Not sure", "No"]
    no = fit[-1].message.buttons[2]
    reply = await h.click(ERIK, "pulse.answer", no.value)
    assert "only them - Mina won't hear" in reply.text
    await h.tick()
    [note] = h.inbox("olivia", "Is this pairing working")
    assert 'Erik Lund answered "no"' in note.message.text
    assert not any("answered" in t for t in h.texts("mina"))
    stored = await h.engine.run(lambda ctx: ctx.tx.find(Pulse))
    assert sorted((p.kind, p.value) for p in stored) == [("fit", "no"), ("useful", "4")]
    # A second held session brings a pulse again, not the fit question.
    await h.book(MINA, pairing, "2026-03-17", "10:00")
    await h.tick(datetime(2026, 3, 17, 11, 0, tzinfo=UTC))
    await h.click(MINA, "session.held", 2)
    await h.tick()
    assert len([d for d in h.inbox("mina") if d.message.text.startswith("Now that")]) == 1
    assert len(h.inbox("mina", "How useful")) == 2


async def test_owner_status_shows_the_new_figures(h):
    pairing = await h.held_session()
    await h.submit(ERIK, "objectives.submit", pairing.id, objective_1="A", objective_2="B")
    [first, _] = await _objectives(h)
    await h.click(ERIK, "objective.state", f"{first.id}:started")
    for who, actor in (("erik", ERIK), ("mina", MINA)):
        await h.click(actor, "pulse.answer", h.inbox(who, "How useful")[0].message.buttons[4].value)
    fit = [d for d in h.inbox("mina") if d.message.text.startswith("Now that")][-1]
    await h.click(MINA, "pulse.answer", fit.message.buttons[1].value)
    await h.submit(ERIK, "reflection.submit", 1, what_changed="x", will_do="Plan A\nPlan B")
    await h.tick(APRIL_2)
    for asked, answer in zip(h.inbox("erik", "Did it happen?"), (0, 2), strict=True):
        await h.click(ERIK, "followthrough.answer", asked.message.buttons[answer].value)
    facts = dict((await h.command(OWNER, "status")).sections[0].facts)
    assert facts["Objectives"] == "2 set, 1 started, 0 done"
    assert (
        facts["Follow-through"]
        == "1 done and 1 dropped of 2 actions planned (2 asked about so far)"
    )
    assert facts["Session pulse"] == "too few answers for an average yet (2; it shows from 5)"
    assert facts["Fit alerts open"] == "1"


async def test_the_export_has_the_figures_and_only_shared_plans(h):
    pairing = await _reflect(h, visibility="pair", will_do="Pair-only plan")
    await h.submit(MINA, "reflection.submit", 1, what_changed="x", will_do="Open plan")
    await h.submit(MINA, "objectives.submit", pairing.id, objective_1="Post one reel")
    await h.tick(APRIL_2)
    reply = await h.command(OWNER, "export")
    rows = list(csv.DictReader(io.StringIO(reply.file.content)))
    assert "Pair-only plan" not in reply.file.content
    assert {r["actions"] for r in rows if r["reflection_author"] == "Mina Park"} == {
        "open: Open plan"
    }
    assert {r["objectives"] for r in rows if r["session_start"]} == {
        "1. Post one reel (not started)"
    }
    figures = {r["figure"]: r["value"] for r in rows if r["figure"]}
    assert figures["objectives"] == "1" and figures["actions_planned"] == "2"
    assert figures["actions_asked"] == "2" and figures["pulse_average"] == ""
    # Nobody but an owner exports.
    assert (await h.command(ERIK, "export")).file is None


async def test_a_question_due_at_the_weekend_waits_for_monday_morning(h):
    program = await h.program()
    await h.command(OWNER, "program", "set Digital Leaders followup=32")  # Sat 4 April
    await _reflect(h, will_do="Try one clip", program=program)
    await h.tick(datetime(2026, 4, 4, 12, 0, tzinfo=UTC))
    assert not h.inbox("erik", "Did it happen?")
    await h.tick(datetime(2026, 4, 6, 7, 0, tzinfo=UTC))  # 09:00 in Berlin
    [asked] = h.inbox("erik", "Did it happen?")
    assert asked.at == datetime(2026, 4, 6, 7, 0, tzinfo=UTC)


async def test_a_private_plan_done_is_counted_but_never_names_the_mentor(h):
    program = await h.program()
    for n in range(4):  # five mentors in all: enough for names to be shown
        mentor = Actor("console", f"m{n}", f"Mentor{n} Vale", timezone="UTC")
        mentee = Actor("console", f"e{n}", f"Mentee{n} Vale", timezone="UTC")
        await h.pairing(program, mentor, mentee)
    await _reflect(h, visibility="private", will_do="SECRET plan", program=program)
    await h.tick(APRIL_2)
    [asked] = h.inbox("erik", "Did it happen?")
    await h.click(ERIK, "followthrough.answer", asked.message.buttons[0].value)
    status = (await h.command(OWNER, "status")).plain()
    assert "1 done and 0 dropped of 1 actions planned" in status
    assert "Mina Park (" not in status and "Mentors are named here once" not in status
    # The same plan shared with the pair names her.
    [reflection] = [r for r in await h.engine.run(lambda ctx: ctx.tx.find(Reflection)) if r.will_do]
    await h.click(ERIK, "reflection.visibility", f"{reflection.id}:pair")
    assert "Mina Park (1)" in (await h.command(OWNER, "status")).plain()
