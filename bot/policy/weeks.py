"""A program's weeks: Monday to Sunday in the program's time zone, each known by its Monday,
from the week the program began to the week it ends (or the current one).

A week is closed once its last moment has passed (or the program ended within it); its
figures are then written once (`program_weeks`) and read from there ever after. The current
week is counted as it goes and shown as "so far".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.domain.model import Program
from bot.domain.ports import Week
from bot.policy.hours import zone

SHOWN = 12  # weeks in owners' charts
# Closed weeks the tick writes for a program at most in one go (a program that ran for
# years before its weeks were kept gets its last two years).
BACKFILL = 104


def program_end(program: Program) -> datetime:
    """The moment a program is over: midnight after its last day, in its own time zone."""
    assert program.ends_on is not None
    local = datetime.combine(program.ends_on + timedelta(days=1), time(), zone(program.timezone))
    return local.astimezone(UTC)


def _midnight(program: Program, day: date) -> datetime:
    return datetime.combine(day, time(), zone(program.timezone)).astimezone(UTC)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def first_monday(program: Program, now: datetime) -> date:
    """The Monday of the week the program began: its start date, or the day it was created."""
    if program.starts_on is not None:
        began = program.starts_on
    else:
        began = (program.created_at or now).astimezone(zone(program.timezone)).date()
    return _monday(began)


def week(program: Program, monday: date) -> Week:
    until = _midnight(program, monday + timedelta(days=7))
    if program.ends_on is not None:
        until = min(until, program_end(program))
    return Week(monday, _midnight(program, monday), until)


def weeks(program: Program, now: datetime, most: int = SHOWN) -> list[Week]:
    """The program's last `most` weeks up to the current one (or the one it ended in),
    oldest first; none before the week it began, nor before it began."""
    last = now
    if program.ends_on is not None:
        last = min(now, program_end(program) - timedelta(microseconds=1))
    current = _monday(last.astimezone(zone(program.timezone)).date())
    first = max(first_monday(program, now), current - timedelta(weeks=most - 1))
    count = (current - first).days // 7 + 1
    return [week(program, first + timedelta(weeks=n)) for n in range(max(0, count))]


def closed_weeks(program: Program, now: datetime) -> list[Week]:
    """The program's weeks that are closed by `now`, at most BACKFILL of the latest."""
    return [w for w in weeks(program, now, BACKFILL + 1) if w.closed(now)][-BACKFILL:]
