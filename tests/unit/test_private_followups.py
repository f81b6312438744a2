"""A reflection made private (or written private) keeps its plans and suggestions to its
author: no agenda, `me`, App Home (the same view), prompt or recognition note shows them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.harness import ERIK, MINA

PLAN = "Call the brand team about the raw numbers"


async def _held_with_plan(harness, visibility: str = "pair", **more: str):
    pairing = await harness.held_session()
    saved = await harness.submit(
        ERIK,
        "reflection.submit",
        1,
        what_changed="Posting weekly",
        will_do=PLAN,
        visibility=visibility,
        **more,
    )
    return pairing, saved


def _visibility_button(reply, visibility: str):
    """The option of the who-can-read-it choice (a Select) for `visibility`."""
    assert reply.select.action == "reflection.visibility"
    return next(o for o in reply.select.options if o.value.endswith(f":{visibility}"))


def _everything_shown(harness, user: str) -> str:
    return "\n".join(d.message.plain() + str(d.message.every_button) for d in harness.inbox(user))


async def test_making_a_reflection_private_takes_its_plans_off_agendas_and_prompts(harness):
    pairing, saved = await _held_with_plan(harness)
    await harness.book(ERIK, pairing, "2026-03-12", "10:00")
    await harness.run_until(datetime(2026, 3, 11, 9, 30, tzinfo=UTC))
    assert PLAN in _everything_shown(harness, "mina"), "shared with the pair, it is on the agenda"

    made_private = await harness.click(
        ERIK, "reflection.visibility", _visibility_button(saved, "private").value
    )
    assert "Only you can read it" in made_private.text
    shown_before = {u: len(harness.inbox(u)) for u in ("mina", "erik")}
    await harness.book(MINA, pairing, "2026-03-19", "10:00")  # replaces the booking of the 12th
    await harness.run_until(datetime(2026, 3, 19, 10, 0, tzinfo=UTC))
    await harness.click(ERIK, "session.held", 3)
    await harness.run_until(harness.clock.now() + timedelta(hours=6))
    for user in ("mina", "erik"):
        later = harness.inbox(user)[shown_before[user] :]
        assert later, f"{user} got the new agenda and prompts"
        assert not any(PLAN[:30] in d.message.plain() + str(d.message.every_button) for d in later)
        me = await harness.say(ERIK if user == "erik" else MINA, "me")
        assert PLAN[:30] not in me.plain() + str(me.every_button)


async def test_a_private_reflection_thanks_nobody_with_its_words(harness):
    _, saved = await _held_with_plan(harness, "private", implemented="Weekly video")
    assert "isn't told" in saved.text
    await harness.run_until(harness.clock.now() + timedelta(hours=12))
    assert "Weekly video" not in _everything_shown(harness, "mina")


async def test_recognition_queued_before_the_reflection_became_private_is_not_sent(harness):
    _, saved = await _held_with_plan(harness, "pair", implemented="Weekly video")
    # The thanks waits in the outbox; Erik narrows the reflection before it goes out.
    await harness.click(ERIK, "reflection.visibility", _visibility_button(saved, "private").value)
    await harness.run_until(harness.clock.now() + timedelta(hours=12))
    assert "Weekly video" not in _everything_shown(harness, "mina")
    assert "put one of your suggestions into practice" not in _everything_shown(harness, "mina")
