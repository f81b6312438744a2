"""Booking from a nudge with one tap: three times inside both people's hours, the same for
both, each on their own clock; one tap books it as the form does; the first tap wins; a
time that no longer fits, or was never offered, books nothing and comes with two that do."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.model import Session, SessionStatus
from tests.harness import ERIK, MINA, MONDAY, PRIYA, TOM, Harness

TAP = "session.book_at"


def _times(message) -> list:
    return [b for b in message.every_button if b.action == TAP]


def _start(button) -> datetime:
    return datetime.strptime(button.value.partition(":")[2], "%Y%m%dT%H%MZ").replace(tzinfo=UTC)


async def _sessions(harness: Harness, pairing) -> list[Session]:
    return await harness.engine.run(lambda ctx: ctx.tx.find(Session, pairing_id=pairing.id))


async def test_the_nudge_offers_three_times_in_both_peoples_hours_each_on_their_own_clock(
    harness,
):
    program = await harness.program()
    pairing = await harness.pairing(program, mentor=TOM, mentee=PRIYA)  # New York, London
    await harness.click(TOM, "pairing.accept", pairing.id)
    answer = await harness.click(PRIYA, "pairing.accept", pairing.id)  # her nudge: the answer
    offered = _times(answer)
    assert len(offered) == 3
    assert (
        "Times that suit you both, on your clock (Europe/London) - one tap books it." in answer.text
    )
    assert [b.action for b in answer.buttons][3] == "session.schedule"  # Other time...
    starts = [_start(b) for b in offered]
    days = {s.astimezone(ZoneInfo("Europe/London")).date() for s in starts}
    assert len(days) == 3 and min(starts) > MONDAY + timedelta(hours=15)  # from Tuesday
    for start in starts:
        for tz in ("Europe/London", "America/New_York"):  # the program's 09:00-18:00, each
            local = start.astimezone(ZoneInfo(tz))
            end = local + timedelta(minutes=program.session_minutes)
            assert local.weekday() < 5 and local.hour >= 9 and (end.hour, end.minute) <= (18, 0)
    label = f"{starts[0].astimezone(ZoneInfo('Europe/London')):%a} "
    assert offered[0].label.startswith(label) and offered[0].label.endswith(":00")

    await harness.run_until(MONDAY + timedelta(days=1, hours=6))  # Tom's nudge, a day later
    to_tom = harness.last("tom", TAP)
    for_tom = [_start(b) for b in _times(to_tom.message)]
    still = [s for s in starts if s >= to_tom.at + timedelta(hours=1)]
    assert 0 < len(still) < 3, "his nudge comes as the first time offered begins"
    assert for_tom[: len(still)] == still and len(for_tom) == 3, "the same times, less gone"
    ny = for_tom[0].astimezone(ZoneInfo("America/New_York"))
    assert _times(to_tom.message)[0].label == f"{ny:%a} {ny.day} {ny:%b}, {ny:%H:%M}"
    assert "(America/New_York)" in to_tom.message.text


async def test_one_tap_books_it_with_invites_and_the_partners_tap_is_told_which_stands(
    harness,
):
    pairing = await harness.active_pairing()  # Erik's first nudge is his answer
    await harness.tick(MONDAY + timedelta(days=1))
    to_mina = harness.last("mina", TAP)
    first, other = _times(to_mina.message)[:2]
    booked = await harness.click(MINA, TAP, first.value)
    assert booked.text.startswith("Booked: ")
    assert booked.file is not None  # her calendar invite, as from the form
    [session] = await _sessions(harness, pairing)
    assert (session.starts_at, session.status) == (_start(first), SessionStatus.SCHEDULED)
    assert session.minutes == 45 and session.scheduled_by is not None
    await harness.tick()
    assert harness.inbox("erik", "Mina booked your next session"), "Erik gets his invite"

    late = await harness.click(ERIK, TAP, other.value)  # his tap, on the nudge he had
    assert late.text.startswith("Mina just booked your next session")
    assert "Nothing changed" in late.text
    again = await harness.click(MINA, TAP, other.value)
    assert again.text.startswith("You already booked your next session")
    same = await harness.click(ERIK, TAP, first.value)
    assert "already booked" in same.text
    assert len(await _sessions(harness, pairing)) == 1


async def test_a_time_that_no_longer_fits_or_was_never_offered_books_nothing(harness):
    pairing = await harness.active_pairing()
    await harness.tick(MONDAY + timedelta(days=1))
    value = str(pairing.id)
    tries = {
        "20260302T0500Z": "That time is too close now to book",  # the past
        "20260310T0300Z": "outside working hours for one of you",  # 04:00 in Berlin
        "20260314T1000Z": "outside working hours for one of you",  # a Saturday
        "20260310T1010Z": "I can't book that time",  # not on the half hour: never offered
        "tomorrow": "I can't book that time",
        "99991231T2359Z": "I can't book that time",  # beyond any date arithmetic
        "00010101T0000Z": "That time is too close now to book",
        "20270310T1000Z": "I can't book that time",  # beyond the booking horizon
        "20261310T1000Z": "I can't book that time",
    }
    for when, said in tries.items():
        answer = await harness.click(MINA, TAP, f"{value}:{when}")
        assert said in answer.text, (when, answer.text)
        fresh = _times(answer)
        assert len(fresh) == 2, when
        assert answer.buttons[-1].action == "session.schedule"
    assert await _sessions(harness, pairing) == []


async def test_a_time_either_person_has_taken_since_is_refused_with_two_free_ones(harness):
    program = await harness.program()
    pairing = await harness.active_pairing(program)  # Mina and Erik
    other = await harness.active_pairing(program, mentor=MINA, mentee=PRIYA)
    await harness.tick(MONDAY + timedelta(days=1))
    offered = _times(harness.last("mina", TAP).message)
    offered = [b for b in offered if b.value.startswith(f"{pairing.id}:")]
    taken = _start(offered[0])
    local = taken.astimezone(ZoneInfo("Europe/London"))
    await harness.book(PRIYA, other, f"{local:%Y-%m-%d}", f"{local:%H:%M}")  # Mina, with Priya
    answer = await harness.click(ERIK, TAP, offered[0].value)
    assert "One of you has another session then" in answer.text
    assert taken not in [_start(b) for b in _times(answer)]
    assert await _sessions(harness, pairing) == []
    booked = await harness.click(ERIK, TAP, _times(answer)[0].value)
    assert booked.text.startswith("Booked: ")


async def test_another_pairs_time_is_not_yours(harness):
    program = await harness.program()
    await harness.active_pairing(program)
    theirs = await harness.active_pairing(program, mentor=TOM, mentee=PRIYA)
    answer = await harness.click(ERIK, TAP, f"{theirs.id}:20260310T1000Z")
    assert "someone else's pairing" in answer.text
    assert await _sessions(harness, theirs) == []


async def test_the_card_after_a_held_session_offers_times_around_when_the_next_is_due(harness):
    await harness.held_session()  # Tue 3 March; the next is due a cadence (14 days) later
    card = harness.last("mina", "reflection.write").message
    offered = [_start(b) for b in _times(card)]
    assert len(offered) == 3
    days = sorted(s.astimezone(ZoneInfo("Europe/Berlin")).day for s in offered)
    assert days == [16, 17, 18], "the due day (Tue 17 March) and either side"
    assert "session.schedule" in {b.action for b in card.every_button}  # Other time...


async def test_the_mentors_nudge_held_over_a_weekend_offers_the_leaders_times(store):
    """Tom (New York) completes the pair on Friday evening with his times in the answer;
    Mina's nudge, due a day later, waits for Monday 09:00 in Berlin: the same three times."""
    friday = datetime(2026, 3, 6, 21, 0, tzinfo=UTC)  # 16:00 in New York, 22:00 in Berlin
    harness = Harness(store, start=friday)
    program = await harness.program()
    pairing = await harness.pairing(program, mentor=MINA, mentee=TOM)
    await harness.click(MINA, "pairing.accept", pairing.id)
    answer = await harness.click(TOM, "pairing.accept", pairing.id)
    his = [_start(b) for b in _times(answer)]
    await harness.run_until(datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
    to_mina = harness.last("mina", TAP)
    assert to_mina.at == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin
    assert [_start(b) for b in _times(to_mina.message)] == his
    assert his[0].date() == to_mina.at.date(), "Monday's time has not gone: it stays"


async def test_the_partners_nudge_is_drawn_again_in_place_once_one_books(harness):
    pairing = await harness.active_pairing()  # Erik's first nudge is his answer
    await harness.tick(MONDAY + timedelta(days=1))
    to_mina = harness.last("mina", TAP)
    checkin = [b for b in to_mina.message.every_button if b.action == "checkin.answer"]
    assert checkin, "her check-in rode along"
    seen = len(harness.inbox("mina"))
    booked = await harness.book(ERIK, pairing, "2026-03-05", "10:00")  # with the form
    assert booked.text.startswith("Booked: ")
    await harness.tick()
    shown = harness.sender.as_shown(to_mina)
    assert shown is not to_mina.message, "her nudge was drawn again"
    assert shown.text == (
        "Erik booked it: Thu 5 Mar, 10:00, 45 min."
        " The calendar invite comes in a message of its own."
    )
    assert not _times(shown), "its times are gone"
    assert [b for b in shown.every_button if b.action == "checkin.answer"] == checkin, "it stays"
    new = harness.inbox("mina")[seen:]
    assert [d.message.invite is not None for d in new] == [True], "only her invite is new"
    await harness.tick(MONDAY + timedelta(days=1, hours=2))
    assert len(harness.sender.redrawn) == 1, "drawn once"
