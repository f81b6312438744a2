"""A mentor's recognition reaches their manager with the suggestion's words only when its
author shared them with everyone in the program under their name (issue 25, item 3), and the
mentor's own thanks does not quote a reflection shared without its author's name (item 5)."""

from datetime import timedelta

import pytest

from bot.domain.events import Mention
from tests.harness import ERIK, MINA, OWNER, TOM


async def _implemented(harness, visibility: str) -> tuple[str, str]:
    """Erik names "Weekly video" as put into practice, in a reflection of `visibility`;
    returns what Tom (Mina's manager) and Mina were sent."""
    program = await harness.program(recognition="manager")
    reply = await harness.command(MINA, "join", "@tom", (Mention("@tom", TOM),))
    await harness.submit(
        MINA, "enrolment.submit", reply.buttons[0].value, role="mentor", teaches="tiktok"
    )
    await harness.held_session(await harness.active_pairing(program))
    await harness.submit(
        ERIK,
        "reflection.submit",
        1,
        what_changed="Posting",
        implemented="Weekly video",
        visibility=visibility,
    )
    await harness.run_until(harness.clock.now() + timedelta(days=3))
    boss = "\n".join(harness.texts("tom"))
    mina = "\n".join(t for t in harness.texts("mina") if "into practice" in t)
    assert "put into practice" in boss and "into practice" in mina, (boss, mina)
    return boss, mina


@pytest.mark.parametrize(
    ("visibility", "manager_reads_it", "mentor_reads_it"),
    [
        ("program", False, True),  # owners and the partner: not the manager
        ("shared_anonymous", False, False),  # everyone, without the author's name
        ("shared", True, True),  # everyone, with the author's name
    ],
)
async def test_the_suggestions_words_go_only_as_far_as_their_author_shared_them(
    harness, visibility, manager_reads_it, mentor_reads_it
):
    boss, mina = await _implemented(harness, visibility)
    assert ("Weekly video" in boss) == manager_reads_it, boss
    assert ("Weekly video" in mina) == mentor_reads_it, mina
    assert "Erik" not in boss


async def test_owners_see_which_manager_each_mentor_named(harness):
    """The manager named on joining is told of recognition: owners see it in status, so a
    wrong name is caught before anything is sent."""
    program = await harness.program(recognition="manager")
    reply = await harness.command(MINA, "join", "@tom", (Mention("@tom", TOM),))
    await harness.submit(
        MINA, "enrolment.submit", reply.buttons[0].value, role="mentor", teaches="tiktok"
    )
    status = await harness.command(OWNER, "status")
    shown = status.plain()
    assert "Managers told when a mentor's suggestion is put into practice" in shown, shown
    assert "Mina Park -> Tom Becker" in shown
    await harness.command(OWNER, "program", f"set {program.name} recognition=mentor")
    assert "Mina Park -> Tom Becker" not in (await harness.command(OWNER, "status")).plain()
