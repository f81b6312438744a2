"""Objectives keep who wrote them and who last moved them on; forget-me empties the text a
person wrote, wherever it stands, and the partner keeps "an objective was removed"."""

from __future__ import annotations

import pytest

from bot.domain.outcomes import Objective
from bot.router import Mention
from tests.harness import ERIK, MINA, OWNER

# forget-me's erasure is part of the storage contract: on both databases.
pytestmark = pytest.mark.both_databases


async def _objectives(harness) -> dict[str, Objective]:
    """The pair's objectives by the text they had when the test wrote them (by id order)."""
    found = await harness.engine.run(lambda ctx: ctx.tx.find(Objective))
    return {o.text: o for o in sorted(found, key=lambda o: o.id)}


async def _written(harness) -> tuple[Objective, Objective, Objective]:
    """Olivia proposes Mina and Erik with one objective; Erik adds one and Mina another; Mina
    moves Erik's on. Returns (Olivia's, Erik's, Mina's)."""
    await harness.program()
    mentions = (Mention("@mina", MINA), Mention("@erik", ERIK))
    await harness.command(OWNER, "pair", "@mina @erik Video. objectives: run a clip test", mentions)
    pairing_id = next(iter((await _objectives(harness)).values())).pairing_id
    for person in (MINA, ERIK):
        await harness.click(person, "pairing.accept", pairing_id)
    await harness.submit(
        ERIK,
        "objectives.submit",
        pairing_id,
        objective_1="run a clip test",
        objective_2="rehearse my town hall with Mina",
    )
    mine = (await _objectives(harness))["rehearse my town hall with Mina"]
    await harness.click(MINA, "objective.state", f"{mine.id}:started")
    await harness.submit(
        MINA,
        "objectives.submit",
        pairing_id,
        objective_1="run a clip test",
        objective_2="rehearse my town hall with Mina",
        objective_3="read the brand guide",
    )
    found = await _objectives(harness)
    return (
        found["run a clip test"],
        found["rehearse my town hall with Mina"],
        found["read the brand guide"],
    )


async def test_each_objective_keeps_who_wrote_it_and_who_last_moved_it_on(harness):
    owners, eriks, minas = await _written(harness)
    olivia, erik, mina = [await harness.person(p) for p in (OWNER, ERIK, MINA)]
    assert (owners.written_by, owners.edited_by) == (olivia.id, None)
    assert (eriks.written_by, eriks.edited_by, eriks.state) == (erik.id, mina.id, "started")
    assert (minas.written_by, minas.edited_by) == (mina.id, None)


async def test_forget_me_empties_the_objectives_the_person_wrote_and_the_partner_sees_one_removed(
    harness,
):
    owners, eriks, minas = await _written(harness)
    erik = await harness.person(ERIK)
    await harness.click(ERIK, "privacy.forget", erik.id)

    found = {o.id: o for o in (await _objectives(harness)).values()}
    assert found[eriks.id].text == ""
    assert found[eriks.id].state == "started"  # the figures still count it
    assert found[owners.id].text == "run a clip test"
    assert found[minas.id].text == "read the brand guide"
    shown = (await harness.command(MINA, "me")).plain()
    assert "2. an objective was removed (started)" in shown
    assert "town hall" not in shown
    assert "1. run a clip test (not started)" in shown
    # A button Mina still has for it finds nothing to move on.
    stale = await harness.click(MINA, "objective.state", f"{eriks.id}:done")
    assert stale.text.startswith("I couldn't find that any more")


async def test_an_owner_who_is_forgotten_takes_the_objectives_they_proposed_with_them(harness):
    owners, eriks, _ = await _written(harness)
    olivia = await harness.person(OWNER)
    await harness.click(OWNER, "privacy.forget", olivia.id)

    found = {o.id: o for o in (await _objectives(harness)).values()}
    assert found[owners.id].text == ""
    assert found[eriks.id].text == "rehearse my town hall with Mina"
    me = await harness.command(ERIK, "me")
    assert "1. an objective was removed (not started)" in me.plain()
    # Only what is left to move on is offered.
    assert [a.text for a in me.asks] == [
        "Objective: rehearse my town hall with Mina (started)",
        "Objective: read the brand guide (not started)",
    ]
