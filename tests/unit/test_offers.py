"""The times a pair is offered to book with one tap (bot/policy/offers.py)."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.policy.hours import WorkingHours
from bot.policy.offers import Pair, fits, near, offer

HOURS = WorkingHours.parse("Mon-Fri 09:00-18:00")
LA, LISBON, TOKYO = "America/Los_Angeles", "Europe/Lisbon", "Asia/Tokyo"
THURSDAY = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)


def _local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


def _inside(moment: datetime, minutes: int, tz: str) -> bool:
    start, end = _local(moment, tz), _local(moment + timedelta(minutes=minutes), tz)
    return (
        start.weekday() < 5
        and start.date() == end.date()
        and (start.hour, start.minute) >= (9, 0)
        and (end.hour, end.minute) <= (18, 0)
    )


def test_three_times_on_three_days_inside_both_peoples_hours_near_the_due_day():
    pair = Pair.of(HOURS, (LA, LISBON), 45, [])
    due = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)  # Wednesday
    times = offer(pair, THURSDAY, due)
    assert len(times) == 3
    assert len({_local(t, LA).date() for t in times}) == 3
    assert all(_inside(t, 45, LA) and _inside(t, 45, LISBON) for t in times)
    assert [_local(t, LA).day for t in times] == [17, 18, 19]  # the due day, then either side
    # LA opens at 09:00 (16:00 in Lisbon, until Europe moves its clocks on 29 March).
    assert {(_local(t, LA).hour, _local(t, LISBON).hour) for t in times} == {(9, 16)}


def test_never_before_the_leaders_next_day_even_when_the_session_is_overdue():
    pair = Pair.of(HOURS, (LISBON, LISBON), 30, [])
    late = THURSDAY.replace(hour=22)  # the times are the same all day long
    assert offer(pair, THURSDAY, THURSDAY - timedelta(days=10)) == offer(pair, late, None)
    times = offer(pair, THURSDAY, THURSDAY - timedelta(days=10))
    assert _local(times[0], LISBON) == datetime(2026, 3, 6, 9, 0, tzinfo=ZoneInfo(LISBON))
    assert [_local(t, LISBON).day for t in times] == [6, 9, 10]  # Friday, Monday, Tuesday


def test_clear_of_either_persons_other_sessions():
    friday = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    busy = [
        (friday + timedelta(minutes=30 * i), friday + timedelta(minutes=30 * i + 20))
        for i in range(18)
    ]
    pair = Pair.of(HOURS, (LISBON, LISBON), 45, busy)
    times = offer(pair, THURSDAY, friday)
    assert all(not (s < t + timedelta(minutes=45) and t < e) for t in times for s, e in busy)
    assert _local(times[0], LISBON).date() != friday.date()  # Friday is full


def test_no_overlap_of_working_hours_offers_nothing():
    pair = Pair.of(WorkingHours.parse("Mon-Fri 09:00-12:00"), (LA, TOKYO), 45, [])
    assert offer(pair, THURSDAY, None) == []


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 3, 4, 12, 0, tzinfo=UTC),  # before the US change (8 March)
        datetime(2026, 3, 26, 12, 0, tzinfo=UTC),  # before the EU change (29 March)
    ],
)
def test_a_time_offered_before_a_clock_change_is_inside_both_days_after_it(now):
    pair = Pair.of(HOURS, (LA, LISBON), 60, [])
    times = offer(pair, now, now + timedelta(days=4), count=3)
    change = (
        datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
        if now.day < 8
        else datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    )
    assert any(t > change for t in times), times
    for t in times:
        assert _inside(t, 60, LA) and _inside(t, 60, LISBON), (t, _local(t, LA), _local(t, LISBON))
        assert fits(pair, t, now) == ""


def test_a_forged_or_stale_time_is_refused_with_its_reason():
    friday = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    pair = Pair.of(HOURS, (LISBON, LISBON), 45, [(friday, friday + timedelta(minutes=45))])
    assert fits(pair, THURSDAY - timedelta(hours=1), THURSDAY) == "past"
    assert fits(pair, THURSDAY + timedelta(minutes=20), THURSDAY) == "past"
    assert (
        fits(pair, datetime(2026, 3, 6, 17, 30, tzinfo=UTC), THURSDAY) == "hours"
    )  # runs past 18:00
    assert fits(pair, datetime(2026, 3, 7, 10, 0, tzinfo=UTC), THURSDAY) == "hours"  # Saturday
    assert fits(pair, friday + timedelta(minutes=30), THURSDAY) == "busy"
    assert fits(pair, friday + timedelta(minutes=45), THURSDAY) == ""


def test_the_nearest_two_to_a_refused_time_start_on_its_day():
    pair = Pair.of(HOURS, (LA, LISBON), 45, [])
    wanted = datetime(2026, 3, 17, 1, 0, tzinfo=UTC)  # 18:00 in LA on the 16th: after hours
    times = near(pair, wanted, THURSDAY)
    assert len(times) == 2
    assert all(_inside(t, 45, LA) and _inside(t, 45, LISBON) for t in times)
    assert _local(times[0], LA).day in (16, 17)


def test_random_pairs_always_get_times_that_fit():
    rng = random.Random(7)
    zones = [LA, LISBON, "Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"]
    for _ in range(200):
        now = THURSDAY + timedelta(minutes=rng.randrange(0, 60 * 24 * 40))
        busy = []
        for _ in range(rng.randrange(0, 30)):
            start = now + timedelta(minutes=30 * rng.randrange(0, 48 * 20))
            busy.append((start, start + timedelta(minutes=rng.choice((30, 45, 60)))))
        pair = Pair.of(
            HOURS, (rng.choice(zones), rng.choice(zones)), rng.choice((30, 45, 60)), busy
        )
        times = offer(pair, now, now + timedelta(days=rng.randrange(-5, 20)))
        assert times == sorted(times)
        for t in times:
            assert fits(pair, t, now) == "", (pair.zones, t)
            assert _local(t, pair.zones[0]).date() > _local(now, pair.zones[0]).date()
