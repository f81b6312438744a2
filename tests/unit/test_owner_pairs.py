"""Owners act on a pair from status or the digest: "Message both" and "Pause" on each pair at
risk and each pair doubting its match; only the owners of that pair's program may."""

from datetime import timedelta

from bot.domain.model import Pairing, PairingStatus
from tests.harness import ERIK, MINA, OWNER, PRIYA, TOM, Actor

OMAR = Actor("console", "omar", "Omar Haddad", timezone="UTC")  # owns the other program only


def _ask(status, pair: str):
    [found] = [a for s in status.sections for a in s.asks if a.text.startswith(pair)]
    return found


async def test_a_pair_at_risk_comes_with_message_both_and_pause(harness):
    program = await harness.program(cadence_days=7)
    pairing = await harness.active_pairing(program)
    harness.clock.set(harness.clock.now() + timedelta(days=15))
    status = await harness.command(OWNER, "status")
    ask = _ask(status, "Erik Lund & Mina Park")
    assert ask.text == "Erik Lund & Mina Park: at risk"
    assert [(b.label, b.action, b.value) for b in ask.buttons] == [
        ("Message both", "owner.message", str(pairing.id)),
        ("Pause", "owner.pause", str(pairing.id)),
    ]

    form = (await harness.click(OWNER, "owner.message", pairing.id)).form
    assert form.id == "owner.message" and form.value == str(pairing.id)
    empty = await harness.submit(OWNER, "owner.message", pairing.id, note="   ")
    assert "nothing to send" in empty.errors["note"]
    long = await harness.submit(OWNER, "owner.message", pairing.id, note="x" * 501)
    assert "at most 500 characters" in long.errors["note"]
    sent = await harness.submit(OWNER, "owner.message", pairing.id, note="Shall we talk *Friday*?")
    assert sent.text == "Sent to Erik Lund & Mina Park. They'll see it from me, with your name."
    await harness.tick()
    for who in ("erik", "mina"):
        [note] = harness.inbox(who, "A note from Olivia Grant")
        words = note.message.plain()
        assert (
            "A note from Olivia Grant, who runs Digital Leaders:\nShall we talk *Friday*?" in words
        )

    paused = await harness.click(OWNER, "owner.pause", pairing.id)
    assert paused.text.startswith("Paused Erik Lund & Mina Park.")
    stored = await harness.engine.run(lambda ctx: ctx.tx.get(Pairing, pairing.id))
    assert stored.status == PairingStatus.PAUSED
    await harness.tick()
    for who in ("erik", "mina"):
        assert harness.inbox(who, "Olivia, who runs Digital Leaders, paused your pairing")
    again = await harness.click(OWNER, "owner.pause", pairing.id)
    assert again.text == "Erik Lund & Mina Park is paused, so there is nothing to pause."


async def test_only_the_owners_of_the_pairs_program_may_act_on_it(harness):
    ours = await harness.program(cadence_days=7)
    theirs = await harness.program("Inclusion", owners=[OMAR.handle])
    pairing = await harness.active_pairing(ours)
    other = await harness.active_pairing(theirs, mentor=PRIYA, mentee=TOM)
    # Omar owns a program, but not this pair's; the pair's own people own none.
    for actor in (OMAR, ERIK, MINA):
        for action in ("owner.message", "owner.pause"):
            reply = await harness.click(actor, action, pairing.id)
            assert reply.text.startswith("Sorry, only program owners can do that."), actor
        reply = await harness.submit(actor, "owner.message", pairing.id, note="hello")
        assert reply.text.startswith("Sorry, only program owners can do that."), actor
    # Omar may act on his own program's pair; forged and unknown ids find nothing.
    assert (await harness.click(OMAR, "owner.pause", other.id)).text.startswith("Paused")
    for forged in ("999", "abc", "", f"{pairing.id}999"):
        reply = await harness.click(OMAR, "owner.pause", forged)
        assert "Sorry, only program owners" not in reply.text and "Paused" not in reply.text
    stored = await harness.engine.run(lambda ctx: ctx.tx.get(Pairing, pairing.id))
    assert stored.status == PairingStatus.ACTIVE
    await harness.tick()
    assert not harness.inbox("erik", "A note from") and not harness.inbox("erik", "paused")


async def test_a_pair_doubting_its_match_comes_with_the_same_buttons(harness):
    pairing = await harness.held_session()
    await harness.engine.run(lambda ctx: _doubt(ctx, pairing))
    status = await harness.command(OWNER, "status")
    ask = _ask(status, "Erik Lund & Mina Park")
    assert ask.text.endswith("one of them said the match may not be working")
    assert [b.action for b in ask.buttons] == ["owner.message", "owner.pause"]


async def _doubt(ctx, pairing):
    from bot.domain.model import Session
    from bot.domain.outcomes import Pulse

    [session] = await ctx.tx.find(Session, pairing_id=pairing.id)
    await ctx.tx.add(Pulse("fit", pairing.id, session.id, pairing.mentor_id, "no"))
