"""Times a pair can book with one tap: inside both people's working hours (the program's
hours, each on their own clock), clear of either person's other sessions, at least a day
ahead (from the leader's next day, so the agenda the day before still holds), one per day on
different days, as close to when the next session is due as can be.

Both people of a pair are offered the same times (each shown on their own clock): the times
depend on the pair and the leader's date, never on who reads them or the hour they are
read. Pure: the caller reads the sessions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from bot.domain.clock import as_utc
from bot.policy.hours import WorkingHours, zone

OFFERED = 3  # times in a nudge
FRESH = 2  # times offered with a refusal (the tapped one no longer works)
TAP_AHEAD = timedelta(hours=1)  # a tapped time must still be at least this far off
STEP = timedelta(minutes=30)  # offered times start on the hour or the half hour (UTC)
# How long a round of nudges offers the times it began with: the mentor's nudge a day after
# the leader's, held back over a weekend by working hours, still shows the leader's times.
HOLD = timedelta(days=4)
SEARCH_DAYS = 28  # days looked at around the due date
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Pair:
    """What the offers for one pair depend on: the program's hours, both people's clocks
    (the leader's first: days are counted on it), the session's length and the spans
    either person is already booked for."""

    hours: WorkingHours
    zones: tuple[str, str]
    minutes: int
    busy: tuple[Span, ...] = ()

    @classmethod
    def of(
        cls, hours: WorkingHours, zones: tuple[str, str], minutes: int, busy: Iterable[Span]
    ) -> Pair:
        return cls(hours, zones, minutes, tuple(sorted(busy)))


def offer(
    pair: Pair,
    now: datetime,
    due: datetime | None,
    count: int = OFFERED,
    since: datetime | None = None,
) -> list[datetime]:
    """Up to `count` start times (UTC) for the pair, on different days of the leader's
    calendar, in time order: from the due day outward (later days first at equal
    distance), never before the leader's day after `since` (default: now).

    The days and times are chosen as of `since` and then those no longer bookable `now`
    are left out, so two people offered times from the same `since` see the same ones
    (less any that have gone)."""
    home = zone(pair.zones[0])
    first_day = as_utc(since or now).astimezone(home).date() + timedelta(days=1)
    earliest = datetime.combine(first_day, datetime.min.time(), tzinfo=home).astimezone(UTC)
    target = max(as_utc(due), earliest) if due is not None else earliest
    found: list[datetime] = []
    for day in _days_around(target.astimezone(home).date(), first_day):
        start = _first_free(pair, day, earliest)  # inside both people's hours, clear of both
        if start is not None and start >= as_utc(now) + TAP_AHEAD:
            found.append(start)
            if len(found) == count:
                break
    return sorted(found)


def since(round_base: datetime, now: datetime) -> datetime:
    """What a round of nudges offers its times as of: the round's start while it is fresh
    (the leader's nudge and the mentor's a day later offer the same times), else now (a
    reminder days later offers new ones)."""
    return round_base if round_base <= now < round_base + HOLD else now


def fits(pair: Pair, start: datetime, now: datetime) -> str:
    """Why `start` cannot be booked for the pair now ("" when it can): "past" (too soon or
    gone), "hours" (outside either person's working hours) or "busy" (it overlaps one of
    their other sessions)."""
    start = as_utc(start)
    end = start + timedelta(minutes=pair.minutes)
    if start < as_utc(now) + TAP_AHEAD:
        return "past"
    if not all(within_hours(pair.hours, tz, start, end) for tz in pair.zones):
        return "hours"
    if any(b_start < end and start < b_end for b_start, b_end in pair.busy):
        return "busy"
    return ""


def near(pair: Pair, wanted: datetime, now: datetime, count: int = FRESH) -> list[datetime]:
    """The `count` offers closest to `wanted` (the form's refused time): its day first."""
    return offer(pair, now, max(as_utc(wanted), as_utc(now)), count)


def _days_around(target: date, first: date) -> Iterable[date]:
    """The target day, then one day later, one earlier, two later, ... (none before `first`)."""
    yield target
    for distance in range(1, SEARCH_DAYS):
        yield target + timedelta(days=distance)
        earlier = target - timedelta(days=distance)
        if earlier >= first:
            yield earlier


def _first_free(pair: Pair, day: date, earliest: datetime) -> datetime | None:
    """The first step-aligned start on the leader's `day` (not before `earliest`) whose whole
    session lies inside both people's hours and clear of their sessions."""
    length = timedelta(minutes=pair.minutes)
    for span_start, span_end in _open_both(pair.hours, pair.zones, day):
        start = step_up(max(span_start, earliest))
        while start + length <= span_end:
            end = start + length
            clash = [b_end for b_start, b_end in pair.busy if b_start < end and start < b_end]
            if not clash:
                return start
            start = step_up(max(clash))
    return None


@lru_cache(maxsize=4096)
def _open_both(hours: WorkingHours, zones: tuple[str, ...], day: date) -> tuple[Span, ...]:
    """The spans (UTC) of the leader's `day` (on the first clock) inside everyone's working
    hours, each on their own clock (kept: a batch of nudges asks for the same few days on
    the same few clocks)."""
    home = zone(zones[0])
    day_start = datetime.combine(day, datetime.min.time(), tzinfo=home).astimezone(UTC)
    day_end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=home)
    spans = [(day_start, day_end.astimezone(UTC))]
    for tz in dict.fromkeys(zones):  # each clock once
        spans = _intersect(spans, _open_spans(hours, tz, day_start, day_end))
    return tuple(spans)


def _open_spans(hours: WorkingHours, tz: str, start: datetime, end: datetime) -> list[Span]:
    """The person's working spans (UTC) that overlap [start, end), from their own days."""
    here = zone(tz)
    day = start.astimezone(here).date() - timedelta(days=1)
    last = end.astimezone(here).date() + timedelta(days=1)
    spans = []
    while day <= last:
        if day.weekday() in hours.days:
            spans.append(hours.span(day, tz))
        day += timedelta(days=1)
    return spans


def _intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    found = []
    for a_start, a_end in a:
        for b_start, b_end in b:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start < end:
                found.append((start, end))
    return sorted(found)


def within_hours(hours: WorkingHours, tz: str, start: datetime, end: datetime) -> bool:
    """Whether [start, end) lies inside one of the person's working days, on their clock."""
    return any(s <= start and end <= e for s, e in _open_spans(hours, tz, start, end))


def step_up(moment: datetime) -> datetime:
    """`moment`, or the next start on the step after it."""
    moment = as_utc(moment)
    steps = -((_EPOCH - moment) // STEP)  # ceiling
    return _EPOCH + steps * STEP
