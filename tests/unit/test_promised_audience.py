"""Who can read a reflection is fixed when the person is asked (issue 25, item 4): an owner
making "shared with everyone" the default afterwards does not widen a prompt already sent,
whether the answer is typed or written in the form."""

from datetime import UTC, datetime

from bot.domain.model import Reflection
from tests.harness import ERIK, MINA, OWNER


async def _held_and_asked(h):
    program = await h.program("Digital Leaders", reflection_visibility="program")
    pairing = await h.active_pairing(program)
    await h.tick()
    await h.book(ERIK, pairing, "2026-03-03", "10:00")
    await h.tick(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))
    card = await h.click(ERIK, "session.held", 1)
    assert "(Your program owners will see your answer.)" in card.plain(), card.plain()
    await h.tick()
    changed = await h.command(OWNER, "program", "set Digital Leaders visibility=shared")
    assert "I don't know" not in changed.plain(), changed.plain()
    program = await h.engine.run(lambda ctx: ctx.program(pairing.program_id))
    assert program.reflection_visibility == "shared"
    return pairing


async def _saved(h):
    return await h.engine.run(lambda ctx: ctx.tx.find(Reflection))


async def test_a_typed_reply_keeps_the_audience_its_prompt_named(h):
    await _held_and_asked(h)
    reply = await h.say(ERIK, "My team avoids telling me bad news")
    assert "Your program owners can read it." in reply.text, reply.text
    [saved] = await _saved(h)
    assert (saved.visibility, saved.anonymous) == ("program", False)


async def test_the_form_starts_from_the_audience_the_prompt_named(h):
    await _held_and_asked(h)
    form = await h.click(MINA, "reflection.write", 1)
    [field] = [f for f in form.form.fields if f.id == "visibility"]
    assert field.initial == "program", field.initial
    assert "Your program owners will see your answer." in form.text
    await h.submit(MINA, "reflection.submit", 1, what_changed="Erik asked good questions")
    [saved] = await _saved(h)
    assert saved.visibility == "program"
