"""Working hours: when a person may be messaged, in their own timezone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.clock import as_utc

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(
    r"^\s*(?P<days>[A-Za-z]{3}(?:\s*-\s*[A-Za-z]{3})?(?:\s*,\s*[A-Za-z]{3}(?:\s*-\s*[A-Za-z]{3})?)*)"
    r"\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)
DEFAULT_WORKING_HOURS = "Mon-Fri 09:00-18:00"
# How far back an early delivery (an agenda) may move to stay inside working hours.
_LATEST_BEFORE_END = timedelta(hours=1)


class InvalidWorkingHours(ValueError):
    """Raised for a working-hours text that cannot be read."""


def zone(name: str) -> ZoneInfo:
    """Return the IANA timezone `name`, or raise ValueError saying what is expected."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"Unknown timezone {name!r}: use an IANA name such as Europe/Berlin or UTC."
        ) from exc


@dataclass(frozen=True)
class WorkingHours:
    """Days of the week (0 = Monday) and a daily window in minutes since midnight."""

    days: frozenset[int]
    start_minute: int
    end_minute: int

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """Read a spec such as ``Mon-Fri 09:00-18:00`` or ``Mon,Wed-Sun 00:00-24:00``."""
        match = _SPEC.match(text or "")
        if not match:
            raise InvalidWorkingHours(
                f"Working hours {text!r} not understood: write them like 'Mon-Fri 09:00-18:00'."
            )
        days: set[int] = set()
        for part in match["days"].split(","):
            ends = [_day(name) for name in part.split("-")]
            first, last = ends[0], ends[-1]
            day = first
            days.add(day)
            while day != last:
                day = (day + 1) % 7
                days.add(day)
        start, end = _minute(match["start"]), _minute(match["end"])
        if not start < end <= 24 * 60:
            raise InvalidWorkingHours(
                f"Working hours {text!r}: the day must start before it ends, within 00:00-24:00."
            )
        return cls(frozenset(days), start, end)

    def span(self, day: date, tz: str) -> tuple[datetime, datetime]:
        """When the working day `day` opens and closes on the clock of `tz`, in UTC."""
        return as_utc(_at(day, self.start_minute, tz)), as_utc(_at(day, self.end_minute, tz))

    def window(self) -> str:
        """The daily window, e.g. "09:00-18:00"."""
        start, end = divmod(self.start_minute, 60), divmod(self.end_minute, 60)
        return f"{start[0]:02}:{start[1]:02}-{end[0]:02}:{end[1]:02}"

    def is_open(self, when: datetime, tz: str) -> bool:
        """True when `when` falls inside working hours in timezone `tz`."""
        local = as_utc(when).astimezone(zone(tz))
        minute = local.hour * 60 + local.minute
        return local.weekday() in self.days and self.start_minute <= minute < self.end_minute

    def next_open(self, when: datetime, tz: str) -> datetime:
        """The earliest moment at or after `when` inside working hours, in UTC."""
        if self.is_open(when, tz):
            return as_utc(when)
        local = as_utc(when).astimezone(zone(tz))
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            if day.weekday() not in self.days:
                continue
            opens = _at(day, self.start_minute, tz)
            closes = _at(day, self.end_minute, tz)
            if closes <= local:
                continue
            return as_utc(max(opens, local))
        raise InvalidWorkingHours("Working hours have no open day.")

    def last_open_before(self, when: datetime, tz: str) -> datetime | None:
        """A moment inside working hours shortly before `when` (within a week), or None."""
        if self.is_open(when, tz):
            return as_utc(when)
        local = as_utc(when).astimezone(zone(tz))
        for offset in range(8):
            day = (local - timedelta(days=offset)).date()
            if day.weekday() not in self.days:
                continue
            opens = _at(day, self.start_minute, tz)
            closes = _at(day, self.end_minute, tz)
            if opens >= local:
                continue
            candidate = min(closes - _LATEST_BEFORE_END, local)
            return as_utc(max(candidate, opens))
        return None


def _day(name: str) -> int:
    key = name.strip().lower()
    if key not in DAYS:
        raise InvalidWorkingHours(f"Unknown day {name!r}: use Mon, Tue, Wed, Thu, Fri, Sat, Sun.")
    return DAYS.index(key)


def _minute(text: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise InvalidWorkingHours(f"{text!r} is not a time of day.")
    return hours * 60 + minutes


def _at(day, minute: int, tz: str) -> datetime:
    """Local aware datetime for `minute` after midnight on `day` (24:00 is next midnight)."""
    midnight = datetime.combine(day, time(0), tzinfo=zone(tz))
    return (midnight + timedelta(minutes=minute)).astimezone(zone(tz))
