"""Agenda before, did-it-happen after, and the reflection loop with its follow-ups."""

import re
from datetime import UTC, datetime, timedelta

from bot.context import EngineConfig
from bot.domain.model import FollowUp, Notification, Reflection, Session
from tests.harness import ERIK, MINA, OWNER, Harness

THU_10_BERLIN = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


async def _booked(harness, program=None):
    pairing = await harness.active_pairing(program)
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-05", "10:00")
    return pairing


async def _held(harness):
    """Erik says the session of Thursday happened; returns the pair and the card he got."""
    pairing = await _booked(harness)
    await harness.run_until(THU_10_BERLIN + timedelta(hours=1, minutes=1))
    card = await harness.click(ERIK, "session.held", 1)
    assert card.text == "Thanks for your session with Mina (Thu 5 Mar, 10:00)." and card.redraw
    await harness.tick()
    return pairing, card


def _ask(card, action):
    """The card's question answered with a button for `action`."""
    return next(a for a in card.asks if any(b.action == action for b in a.buttons))


def _agendas(harness, user):
    return [d for d in harness.inbox(user) if "Suggested agenda" in d.message.text]


async def test_agenda_arrives_a_day_before_with_at_least_three_items(harness):
    await _booked(harness)
    await harness.run_until(THU_10_BERLIN - timedelta(hours=24))
    assert not _agendas(harness, "erik")
    await harness.tick()
    [agenda] = _agendas(harness, "erik")
    assert agenda.at == THU_10_BERLIN - timedelta(hours=24)
    items = [
        line for line in agenda.message.text.splitlines() if line[:2] in ("1)", "2)", "3)", "4)")
    ]
    assert len(items) >= 3
    # Each item says how long it takes and who leads it; together they fill the 45 minutes.
    shares = [re.search(r" \((\d+) min, (Mina leads|Erik leads|together)\)$", i) for i in items]
    assert all(shares), items
    assert sum(int(m.group(1)) for m in shares) == 45
    assert agenda.message.text.startswith("Thu 5 Mar, 10:00, 45 min with Mina")
    assert len(_agendas(harness, "mina")) == 1


async def test_agenda_lead_time_is_configurable(store):
    harness = Harness(
        store, config=EngineConfig(owners=frozenset({OWNER.handle}), agenda_lead=timedelta(hours=2))
    )
    pairing = await harness.active_pairing()
    await harness.book(ERIK, pairing, "2026-03-05", "14:00")  # 13:00 UTC
    await harness.run_until(datetime(2026, 3, 5, 11, 0, tzinfo=UTC))
    assert not _agendas(harness, "erik")
    await harness.tick()
    assert [d.at for d in _agendas(harness, "erik")] == [datetime(2026, 3, 5, 11, 0, tzinfo=UTC)]


async def test_an_agenda_due_in_quiet_hours_comes_early_not_late(harness):
    pairing = await harness.active_pairing()
    await harness.book(ERIK, pairing, "2026-03-06", "09:00")  # a day before is Thu 09:00: fine
    await harness.book(ERIK, pairing, "2026-03-09", "09:00")  # Monday: a day before is Sunday
    await harness.run_until(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    [agenda] = _agendas(harness, "erik")
    assert agenda.at == datetime(2026, 3, 6, 16, 0, tzinfo=UTC)  # Friday 17:00 Berlin


async def test_agendas_vary_by_session_number_and_objective(harness):
    from bot.domain.model import Program
    from bot.policy.agenda import agenda_items

    digital = Program(name="a", objective="digital skills")
    inclusion = Program(name="b", objective="inclusion")
    first, second = (
        agenda_items(digital, 1, "Mina", "Erik", 45),
        agenda_items(digital, 2, "Mina", "Erik", 45),
    )
    assert [i.text for i in first] != [i.text for i in second]
    included = agenda_items(inclusion, 1, "Mina", "Erik", 45)
    assert [i.text for i in included] != [i.text for i in first]
    assert any("chooses" in item.text for item in included)
    assert all(len(agenda_items(digital, n, "M", "E", 45)) >= 3 for n in range(1, 9))


async def test_did_it_happen_is_asked_after_the_end_and_the_first_answer_counts(harness):
    await _booked(harness)
    await harness.tick(THU_10_BERLIN + timedelta(minutes=44))
    assert not any("How did your session" in t for t in harness.texts("erik"))
    await harness.tick(THU_10_BERLIN + timedelta(minutes=45))
    check = harness.last("erik", "session.held")
    assert [b.action for b in check.message.buttons] == [
        "session.held",
        "session.missed",
        "session.reschedule",
    ]
    await harness.click(MINA, "session.held", 1)
    again = await harness.click(ERIK, "session.missed", 1)
    assert "already recorded as held" in again.text
    [session] = await harness.engine.run(lambda ctx: ctx.tx.find(Session))
    assert session.status == "held"


async def test_missed_offers_a_new_time_without_blame(harness):
    await _booked(harness)
    await harness.run_until(THU_10_BERLIN + timedelta(hours=1))
    reply = await harness.click(ERIK, "session.missed", 1)
    assert reply.text == "Looks like this one didn't happen - want to pick a new time?"
    assert reply.buttons[0].action == "session.schedule"


async def test_reschedule_returns_the_booking_form(harness):
    await _booked(harness)
    await harness.run_until(THU_10_BERLIN + timedelta(hours=1))
    reply = await harness.click(ERIK, "session.reschedule", 1)
    assert reply.form is not None and reply.form.id == "session.schedule"
    assert [f.id for f in reply.form.fields] == [
        "date",
        "time",
        "minutes",
        "topic",
        "where",
        "repeat",
    ]
    again = await harness.click(MINA, "session.reschedule", 1)
    assert again.form is not None, "a second Reschedule (form closed unused) asks again"
    [session] = await harness.engine.run(lambda ctx: ctx.tx.find(Session))
    assert session.status == "cancelled"


async def test_executive_reply_in_dm_is_saved_as_reflection(harness):
    _, card = await _held(harness)
    prompt = _ask(card, "reflection.write").text
    assert prompt.startswith("What changed for you as a result? Just reply here with a line")
    assert "(Your program owners will see your answer.)" in prompt
    mentor_card = harness.last("mina", "reflection.write").message
    assert _ask(mentor_card, "reflection.write").text.startswith("What stood out for you?")
    reply = await harness.say(ERIK, "I now read completion rates, not views.")
    assert reply.text == (
        "Thanks - saved for your session with Mina. Your program owners can read it."
        " Not meant as your reflection? Tap Undo and nothing is kept."
    )
    assert "reflection.undo" in [b.action for b in reply.buttons]
    [saved] = await harness.engine.run(lambda ctx: ctx.tx.find(Reflection))
    assert saved.what_changed == "I now read completion rates, not views."
    assert saved.role == "mentee" and saved.visibility == "program"
    again = await harness.say(ERIK, "Another thought")
    assert "not expecting a reply" in again.text
    assert len(await harness.engine.run(lambda ctx: ctx.tx.find(Reflection))) == 1


async def test_reflection_reminder_once_after_two_days_then_silence(harness):
    await _held(harness)
    erik = await harness.person(ERIK)
    [card] = await harness.engine.run(
        lambda ctx: ctx.tx.find(Notification, kind="reflect", recipient_id=erik.id)
    )
    assert card.status == "sent", "the card in the answer to It happened counts as asked"
    asked = card.sent_at
    await harness.run_until(asked + timedelta(days=2) - timedelta(minutes=1))
    assert not any("only reminder" in t for t in harness.texts("erik"))
    await harness.run_until(asked + timedelta(days=6))
    reminders = [t for t in harness.texts("erik") if "only reminder" in t]
    assert len(reminders) == 1


async def test_form_reflection_lines_of_will_do_become_follow_ups(harness):
    await _held(harness)
    form = await harness.click(ERIK, "reflection.write", 1)
    assert [f.id for f in form.form.fields] == [
        "what_changed",
        "will_do",
        "visibility",
        "implemented",
    ]
    reply = await harness.submit(
        ERIK,
        "reflection.submit",
        1,
        what_changed="Saw our app as a teen does",
        will_do="Try one 15-second clip\n- Share dashboard link",
        visibility="pair",
    )
    assert reply.text == "Thanks - saved for your session with Mina. Only you and Mina can read it."
    followups = await harness.engine.run(lambda ctx: ctx.tx.find(FollowUp))
    assert [f.text for f in followups] == ["Try one 15-second clip", "Share dashboard link"]


async def test_a_private_reflection_stays_off_the_shared_agenda(harness):
    pairing, _ = await _held(harness)
    reply = await harness.submit(
        ERIK, "reflection.submit", 1, what_changed="x", will_do="SECRET plan", visibility="private"
    )
    assert reply.text == "Thanks - saved for your session with Mina. Only you can read it."
    await harness.book(ERIK, pairing, "2026-03-12", "10:00")
    await harness.run_until(datetime(2026, 3, 11, 9, 30, tzinfo=UTC))
    assert not any("SECRET" in d.message.text for d in harness.sender.delivered)
    # The plan is still an action of Erik's own: only he is asked about it later.
    [action] = await harness.engine.run(lambda ctx: ctx.tx.find(FollowUp))
    assert action.text == "SECRET plan" and action.asks == 1


async def test_empty_reflection_is_refused_on_the_field(harness):
    await _held(harness)
    reply = await harness.submit(
        ERIK, "reflection.submit", 1, what_changed="  ", visibility="program"
    )
    assert "what_changed" in reply.errors
    assert await harness.engine.run(lambda ctx: ctx.tx.find(Reflection)) == []


async def test_follow_ups_reach_the_next_agenda_and_done_thanks_the_mentor(harness):
    pairing, _ = await _held(harness)
    await harness.submit(
        ERIK, "reflection.submit", 1, what_changed="x", will_do="Try one clip", visibility="program"
    )
    await harness.book(ERIK, pairing, "2026-03-12", "10:00")
    await harness.run_until(datetime(2026, 3, 11, 9, 30, tzinfo=UTC))
    agenda = _agendas(harness, "erik")[-1].message.text
    assert "Still open from last time:\n- Try one clip" in agenda
    await harness.run_until(datetime(2026, 3, 12, 10, 0, tzinfo=UTC))
    card = await harness.click(ERIK, "session.held", 2)
    await harness.tick()
    planned = _ask(card, "followup.done")
    assert planned.text == "You planned: Try one clip"
    [done_button] = planned.buttons
    reply = await harness.click(ERIK, "followup.done", done_button.value)
    assert reply.redraw and "I'll let Mina know" in reply.text
    assert not any(b.action == "followup.done" for b in reply.every_button)
    again = await harness.click(ERIK, "followup.done", done_button.value)
    assert "already marked as done" in again.text
    # The thank-you waits up to two days for another message to Mina, then goes alone: on
    # Monday morning, as the two days end on a Saturday.
    await harness.run_until(datetime(2026, 3, 16, 9, 0, tzinfo=UTC))
    assert any("put one of your suggestions into practice" in t for t in harness.texts("mina"))
    status = await harness.command(OWNER, "status")
    assert "Suggestions implemented: 1" in status.plain()
