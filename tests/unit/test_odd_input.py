"""Odd values in buttons, forms and text get a plain answer, never an error: ids that are not
ASCII digits or do not fit the database, NUL characters PostgreSQL cannot store, and e-mail
addresses that cannot be ones."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot import routes
from bot.domain.ids import record_id
from bot.domain.model import Reflection
from bot.flows.people import person_for
from storage.store import make_engine
from tests.harness import ERIK

ODD_IDS = ("²", "١٢", "99999999999999999999", "2147483648", "-1", "1e3", "", "1:²", "²:1")


async def test_an_e_mail_address_a_platform_reports_is_kept_only_when_it_can_be_one(harness):
    odd = ("", "not an address", "mina park@example.com", "@example.com", "mina@", "a@" + "b" * 320)
    for n, given in enumerate(("mina.park@example.com", *odd)):
        actor = replace(ERIK, user_id=f"erik{n}", email=given)
        person = await harness.engine.run(lambda ctx, actor=actor: person_for(ctx, actor))
        assert person.email == (given if n == 0 else ""), given


def test_record_ids_are_ascii_digits_within_the_database_integer():
    assert [record_id(v) for v in ("1", " 42 ", "2147483647")] == [1, 42, 2147483647]
    assert [record_id(v) for v in ODD_IDS] == [None] * len(ODD_IDS)


@pytest.mark.parametrize("action", sorted(routes.ACTIONS))
async def test_a_button_with_an_odd_id_is_answered_plainly(harness, action):
    await harness.active_pairing()
    for value in ODD_IDS:
        reply = await harness.click(ERIK, action, value)  # an exception here fails the test
        assert "went wrong" not in reply.text, (action, value, reply.text)


@pytest.mark.parametrize("form_id", sorted(routes.FORMS))
async def test_a_form_with_an_odd_id_is_answered_plainly(harness, form_id):
    await harness.active_pairing()
    for value in ODD_IDS:
        reply = await harness.submit(ERIK, form_id, value, **{"mentee.²": "²", "text": "x"})
        assert "went wrong" not in reply.text, (form_id, value, reply.text)


async def test_nul_characters_are_dropped_before_anything_is_stored(harness):
    await harness.held_session()
    reply = await harness.say(ERIK, "Meetings\x00 got shorter")
    assert reply.text.startswith("Thanks - saved")
    [saved] = await harness.engine.run(lambda ctx: ctx.tx.find(Reflection))
    assert saved.what_changed == "Meetings got shorter"


def test_database_errors_do_not_carry_statement_parameters():
    engine = make_engine("sqlite+aiosqlite:///:memory:")
    assert engine.sync_engine.hide_parameters
