"""Typed replies while a reflection prompt waits: commands run, other text is the reflection
(with Undo), and long texts are kept whole up to the limit or refused with the reason."""

from __future__ import annotations

from adapters.teams import inbound as teams_inbound
from bot.domain.events import Actor, Mention, MessageReceived
from bot.domain.messages import FormErrors
from bot.domain.model import (
    Enrolment,
    FollowUp,
    Pairing,
    Reflection,
    Session,
)
from bot.domain.outcomes import CheckIn
from bot.flows.reflections import MAX_REFLECTION_CHARS
from tests.harness import ERIK, MINA, OWNER, PRIYA, TOM


async def _reflections(harness) -> list[Reflection]:
    return await harness.engine.run(lambda ctx: ctx.tx.find(Reflection))


async def test_a_typed_command_runs_while_a_reflection_is_pending(harness):
    program = await harness.program()
    pairing = await harness.active_pairing(program, mentor=OWNER, mentee=ERIK)
    await harness.held_session(pairing)
    # The program owner mentors Erik and is asked to reflect; a typed `pair` is a command.
    mentions = (
        Mention("@priya", Actor("console", "priya", "Priya Shah")),
        Mention("@tom", Actor("console", "tom", "Tom Becker")),
    )
    reply = await harness.engine.handle(
        MessageReceived(
            "console", "typed-pair", OWNER, text="pair @priya @tom learn TikTok", mentions=mentions
        )
    )
    assert reply.text.startswith("Proposed: Priya Shah mentors Tom Becker"), reply.text
    assert "still waiting" in reply.text
    assert any(b.action == "reflection.write" for b in reply.buttons)
    assert await _reflections(harness) == []
    pairs = await harness.engine.run(lambda ctx: ctx.tx.find(Pairing))
    assert {(p.mentor_id, p.mentee_id) for p in pairs} >= {
        ((await harness.person(PRIYA)).id, (await harness.person(TOM)).id)
    }


async def test_text_starting_with_a_command_word_runs_it_and_offers_the_reflection_once(harness):
    await harness.held_session()
    reply = await harness.say(ERIK, "Status meetings can be half as long.")
    assert reply.text.startswith("Your pairs:")
    assert [b.action for b in reply.buttons].count("reflection.write") == 1
    assert await _reflections(harness) == []


async def test_other_text_is_the_reflection_and_can_be_undone(harness):
    await harness.held_session()
    saved = await harness.say(ERIK, "Meetings got shorter.")
    assert saved.text.startswith("Thanks - saved for your session with Mina.")
    undo = next(b for b in saved.buttons if b.action == "reflection.undo")
    [reflection] = await _reflections(harness)
    assert reflection.what_changed == "Meetings got shorter."

    # Mina cannot take Erik's reflection back.
    refused = await harness.click(MINA, "reflection.undo", undo.value)
    assert "someone else" in refused.text
    assert len(await _reflections(harness)) == 1

    done = await harness.click(ERIK, "reflection.undo", undo.value)
    assert "nothing of it is kept" in done.text
    assert await _reflections(harness) == []
    again = await harness.say(ERIK, "We agreed to test one short video.")
    assert again.text.startswith("Thanks - saved")
    [kept] = await _reflections(harness)
    assert kept.what_changed == "We agreed to test one short video."


async def test_a_reflection_from_the_form_offers_no_undo(harness):
    await harness.held_session()
    reply = await harness.submit(ERIK, "reflection.submit", 1, what_changed="Shorter meetings.")
    assert reply.text.startswith("Thanks - saved")
    assert not any(b.action == "reflection.undo" for b in reply.buttons)


async def test_a_long_reflection_is_kept_whole_up_to_the_limit(harness):
    await harness.held_session()
    long_text = ("A sentence about what changed. " * 700)[: MAX_REFLECTION_CHARS - 1] + "."
    assert len(long_text) == MAX_REFLECTION_CHARS
    plan = "Ask the brand team for the raw numbers of " + "every campaign, " * 40 + "then compare."
    reply = await harness.submit(
        ERIK, "reflection.submit", 1, what_changed=long_text, will_do=plan, visibility="pair"
    )
    assert reply.text.startswith("Thanks - saved")
    [saved] = await _reflections(harness)
    assert saved.what_changed == long_text
    [followup] = await harness.engine.run(lambda ctx: ctx.tx.find(FollowUp))
    assert followup.text == plan  # a long plan is kept whole, not cut to 300 characters


async def test_a_reflection_over_the_limit_is_refused_whole_with_the_limit_named(harness):
    await harness.held_session()
    too_long = "x" * (MAX_REFLECTION_CHARS + 1)
    typed = await harness.say(ERIK, too_long)
    assert "at most 20,000" in typed.text and "nothing was saved" in typed.text
    assert await _reflections(harness) == []

    form = await harness.submit(
        ERIK, "reflection.submit", 1, what_changed="Fine.", will_do="y" * (MAX_REFLECTION_CHARS + 1)
    )
    assert isinstance(form, FormErrors)
    assert "at most 20,000" in form.errors["will_do"]
    assert await _reflections(harness) == []
    assert await harness.engine.run(lambda ctx: ctx.tx.find(FollowUp)) == []


async def test_a_long_topic_or_check_in_answer_is_refused_not_cut(harness):
    pairing = await harness.pairing(await harness.program())
    await harness.click(MINA, "pairing.accept", pairing.id)
    accepted = await harness.click(ERIK, "pairing.accept", pairing.id)
    # Erik completes the consent, and is asked the expectations check-in in that answer.
    checkin = next(b for b in accepted.every_button if b.action == "checkin.answer")
    topic = "A topic that goes on " * 12
    booked = await harness.submit(
        ERIK,
        "session.schedule",
        pairing.id,
        date="2026-03-05",
        time="10:00",
        minutes="45",
        topic=topic,
    )
    assert isinstance(booked, FormErrors) and "at most 200" in booked.errors["topic"]
    assert await harness.engine.run(lambda ctx: ctx.tx.find(Session)) == []
    answer = await harness.submit(ERIK, "checkin.submit", checkin.value, text="hope " * 300)
    assert isinstance(answer, FormErrors) and "at most 1,000" in answer.errors["text"]
    assert await harness.engine.run(lambda ctx: ctx.tx.find(CheckIn)) == []


def test_teams_keeps_a_long_typed_message_whole_for_the_engine_to_judge():
    typed = "word " * 8000  # 40,000 characters, more than a reflection holds
    activity = {"text": typed, "recipient": {"id": "bot"}, "entities": []}
    assert teams_inbound.text(activity) == typed.strip()


def test_teams_text_cleanup_keeps_mention_tokens_as_sent_on_a_large_message():
    tokens = "".join(f"<at>a{i}</at>" for i in range(60_000))  # about 700 KB
    escaped = "<at>O&#39;Brien</at> &lt;b&gt; and &amp;"
    activity = {"text": tokens + "<b>" * 50_000 + escaped, "recipient": {"id": "bot"}}
    cleaned = teams_inbound.text(activity)
    assert cleaned.startswith("<at>a0</at><at>a1</at>") and "<b> and &" in cleaned
    assert "<at>O&#39;Brien</at>" in cleaned, "mention tokens stay as the entities have them"


async def test_a_reflection_starting_with_leave_or_join_changes_no_enrolment(harness):
    program = await harness.program()
    joined = await harness.command(ERIK, "join", "@tom", (Mention("@tom", TOM),))
    await harness.submit(
        ERIK, "enrolment.submit", joined.buttons[0].value, role="mentee", learns="ai"
    )
    await harness.held_session(await harness.active_pairing(program))

    left = await harness.say(ERIK, "Leave more room for questions next time; it worked.")
    assert "Nothing changed" in left.text and "still waiting" in left.text
    typed = MessageReceived(
        "console",
        "typed-join",
        ERIK,
        text="Join @priya for the next demo",
        mentions=(Mention("@priya", PRIYA),),
    )
    rejoined = await harness.engine.handle(typed)
    assert "Nothing changed" in rejoined.text

    erik, tom = await harness.person(ERIK), await harness.person(TOM)
    [profile] = await harness.engine.run(lambda ctx: ctx.tx.find(Enrolment, participant_id=erik.id))
    assert profile.status == "enrolled" and profile.manager_id == tom.id
    assert await _reflections(harness) == []
    saved = await harness.say(ERIK, "More room for questions worked.")
    assert saved.text.startswith("Thanks - saved")
