"""Consent: both accept before anything happens; a decline is quiet and owners see it."""

from bot.domain.model import Pairing, PairingStatus
from tests.harness import ERIK, MINA, OWNER, PRIYA


async def _get(harness, pairing_id) -> Pairing:
    return await harness.engine.run(lambda ctx: ctx.tx.get(Pairing, pairing_id))


async def test_intro_reaches_both_people_with_accept_and_decline(harness):
    pairing = await harness.pairing(await harness.program())
    result = await harness.tick()
    assert result.sent == 2
    for user in ("mina", "erik"):
        intro = harness.last(user, "pairing.accept")
        assert "Why you two" in intro.message.text
        assert [b.action for b in intro.message.buttons] == ["pairing.accept", "pairing.decline"]
        assert all(b.value == str(pairing.id) for b in intro.message.buttons)


async def test_pairing_becomes_active_only_when_both_accept(harness):
    pairing = await harness.pairing(await harness.program())
    reply = await harness.click(MINA, "pairing.accept", pairing.id)
    assert "as soon as Erik says yes" in reply.text
    assert (await _get(harness, pairing.id)).status == PairingStatus.PROPOSED
    await harness.tick()
    assert not harness.inbox("erik") or all(
        "book" not in d.message.text for d in harness.inbox("erik")
    ), "no nudge before both said yes"
    await harness.click(ERIK, "pairing.accept", pairing.id)
    stored = await _get(harness, pairing.id)
    assert stored.status == PairingStatus.ACTIVE
    assert stored.activated_at == harness.clock.now()


async def test_second_click_is_answered_not_counted_twice(harness):
    pairing = await harness.active_pairing()
    again = await harness.click(ERIK, "pairing.accept", pairing.id)
    assert "both in" in again.text
    assert (await _get(harness, pairing.id)).status == PairingStatus.ACTIVE


async def test_decline_tells_the_other_person_and_the_owner(harness):
    pairing = await harness.pairing(await harness.program())
    await harness.tick()
    reply = await harness.click(ERIK, "pairing.decline", pairing.id)
    assert "Nobody will ask you why" in reply.text
    assert (await _get(harness, pairing.id)).status == PairingStatus.DECLINED
    await harness.tick()
    assert any("won't go ahead" in t for t in harness.texts("mina"))
    assert any("Erik Lund said no" in t for t in harness.texts("olivia"))
    status = await harness.command(OWNER, "status")
    assert "Declined: Erik Lund (Mina Park)" in status.plain()


async def test_someone_outside_the_pairing_cannot_accept_for_it(harness):
    pairing = await harness.pairing(await harness.program())
    reply = await harness.click(PRIYA, "pairing.accept", pairing.id)
    assert "someone else's pairing" in reply.text
    assert (await _get(harness, pairing.id)).mentor_consent is None


async def test_a_retried_event_is_handled_once(harness):
    from bot.domain.events import ActionClicked

    pairing = await harness.pairing(await harness.program())
    event = ActionClicked(
        "console", "same-id", MINA, action="pairing.accept", value=str(pairing.id)
    )
    assert await harness.engine.handle(event) is not None
    assert await harness.engine.handle(event) is None


async def test_on_a_platform_with_group_chats_the_intro_is_one_shared_message(store):
    from bot.context import EngineConfig
    from tests.harness import Harness

    config = EngineConfig(owners=frozenset({OWNER.handle}), group_platforms=frozenset({"console"}))
    harness = Harness(store, config)
    pairing = await harness.pairing(await harness.program())
    assert (await harness.tick()).sent == 1
    intro = harness.last("erik", "pairing.accept").message
    assert not harness.inbox("mina"), (
        "one message, addressed to the mentee with the mentor alongside"
    )
    assert intro.audience == (MINA.handle,)
    assert "Hi Erik and Mina" in intro.text
    assert [(b.action, b.for_person) for b in intro.buttons] == [
        ("pairing.accept", ERIK.handle),
        ("pairing.decline", ERIK.handle),
        ("pairing.accept", MINA.handle),
        ("pairing.decline", MINA.handle),
    ]
    await harness.click(MINA, "pairing.accept", pairing.id)
    await harness.click(ERIK, "pairing.accept", pairing.id)
    assert (await _get(harness, pairing.id)).status == PairingStatus.ACTIVE
