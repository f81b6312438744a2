"""Consent: both accept before anything happens; a decline is quiet and owners see it."""

from bot.domain.model import Pairing, PairingStatus
from tests.harness import ERIK, MINA, OWNER, PRIYA


async def _get(h, pairing_id) -> Pairing:
    return await h.engine.run(lambda ctx: ctx.tx.get(Pairing, pairing_id))


async def test_intro_reaches_both_people_with_accept_and_decline(h):
    pairing = await h.pairing(await h.program())
    result = await h.tick()
    assert result.sent == 2
    for user in ("mina", "erik"):
        intro = h.last(user, "pairing.accept")
        assert "Why you two" in intro.message.text
        assert [b.action for b in intro.message.buttons] == ["pairing.accept", "pairing.decline"]
        assert all(b.value == str(pairing.id) for b in intro.message.buttons)


async def test_pairing_becomes_active_only_when_both_accept(h):
    pairing = await h.pairing(await h.program())
    reply = await h.click(MINA, "pairing.accept", pairing.id)
    assert "as soon as Erik says yes" in reply.text
    assert (await _get(h, pairing.id)).status == PairingStatus.PROPOSED
    await h.tick()
    assert not h.inbox("erik") or all("book" not in d.message.text for d in h.inbox("erik")), (
        "no nudge before both said yes"
    )
    await h.click(ERIK, "pairing.accept", pairing.id)
    stored = await _get(h, pairing.id)
    assert stored.status == PairingStatus.ACTIVE
    assert stored.activated_at == h.clock.now()


async def test_second_click_is_answered_not_counted_twice(h):
    pairing = await h.active_pairing()
    again = await h.click(ERIK, "pairing.accept", pairing.id)
    assert "both in" in again.text
    assert (await _get(h, pairing.id)).status == PairingStatus.ACTIVE


async def test_decline_tells_the_other_person_and_the_owner(h):
    pairing = await h.pairing(await h.program())
    await h.tick()
    reply = await h.click(ERIK, "pairing.decline", pairing.id)
    assert "Nobody will ask you why" in reply.text
    assert (await _get(h, pairing.id)).status == PairingStatus.DECLINED
    await h.tick()
    assert any("won't go ahead" in t for t in h.texts("mina"))
    assert any("Erik Lund said no" in t for t in h.texts("olivia"))
    status = await h.command(OWNER, "status")
    assert "Declined: Erik Lund (Mina Park)" in status.plain()


async def test_someone_outside_the_pairing_cannot_accept_for_it(h):
    pairing = await h.pairing(await h.program())
    reply = await h.click(PRIYA, "pairing.accept", pairing.id)
    assert "someone else's pairing" in reply.text
    assert (await _get(h, pairing.id)).mentor_consent is None


async def test_a_retried_event_is_handled_once(h):
    from bot.domain.events import ActionClicked

    pairing = await h.pairing(await h.program())
    event = ActionClicked(
        "console", "same-id", MINA, action="pairing.accept", value=str(pairing.id)
    )
    assert await h.engine.handle(event) is not None
    assert await h.engine.handle(event) is None


async def test_on_a_platform_with_group_chats_the_intro_is_one_shared_message(store):
    from bot.context import EngineConfig
    from tests.harness import Harness

    config = EngineConfig(owners=frozenset({OWNER.handle}), group_platforms=frozenset({"console"}))
    h = Harness(store, config)
    pairing = await h.pairing(await h.program())
    assert (await h.tick()).sent == 1
    intro = h.last("erik", "pairing.accept").message
    assert not h.inbox("mina"), "one message, addressed to the mentee with the mentor alongside"
    assert intro.audience == (MINA.handle,)
    assert "Hi Erik and Mina" in intro.text
    assert [(b.action, b.for_person) for b in intro.buttons] == [
        ("pairing.accept", ERIK.handle),
        ("pairing.decline", ERIK.handle),
        ("pairing.accept", MINA.handle),
        ("pairing.decline", MINA.handle),
    ]
    await h.click(MINA, "pairing.accept", pairing.id)
    await h.click(ERIK, "pairing.accept", pairing.id)
    assert (await _get(h, pairing.id)).status == PairingStatus.ACTIVE
