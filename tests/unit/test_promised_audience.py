"""Who can read a reflection is fixed when the person is asked (issue 25, item 4): an owner
making "shared with everyone" the default afterwards does not widen a prompt already sent,
whether the answer is typed or written in the form."""

from datetime import UTC, datetime

from bot.domain.model import Reflection
from tests.harness import ERIK, MINA, OWNER


async def _held_and_asked(harness):
    program = await harness.program("Digital Leaders", reflection_visibility="program")
    pairing = await harness.active_pairing(program)
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-03", "10:00")
    await harness.tick(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))
    card = await harness.click(ERIK, "session.held", 1)
    assert "(Your program owners will see your answer.)" in card.plain(), card.plain()
    await harness.tick()
    changed = await harness.command(OWNER, "program", "set Digital Leaders visibility=shared")
    assert "I don't know" not in changed.plain(), changed.plain()
    program = await harness.engine.run(lambda ctx: ctx.program(pairing.program_id))
    assert program.reflection_visibility == "shared"
    return pairing


async def _saved(harness):
    return await harness.engine.run(lambda ctx: ctx.tx.find(Reflection))


async def test_a_typed_reply_keeps_the_audience_its_prompt_named(harness):
    await _held_and_asked(harness)
    reply = await harness.say(ERIK, "My team avoids telling me bad news")
    assert "Your program owners can read it." in reply.text, reply.text
    [saved] = await _saved(harness)
    assert (saved.visibility, saved.anonymous) == ("program", False)


async def test_the_form_starts_from_the_audience_the_prompt_named(harness):
    await _held_and_asked(harness)
    form = await harness.click(MINA, "reflection.write", 1)
    [field] = [f for f in form.form.fields if f.id == "visibility"]
    assert field.initial == "program", field.initial
    assert "Your program owners will see your answer." in form.text
    await harness.submit(MINA, "reflection.submit", 1, what_changed="Erik asked good questions")
    [saved] = await _saved(harness)
    assert saved.visibility == "program"
