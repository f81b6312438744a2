"""Reading the calendar files the bot sends as a calendar program would: each .ics is parsed
with icalendar and its events expanded with recurring_ical_events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import recurring_ical_events
from icalendar import Calendar, Event

from adapters.console.sender import Delivered

# Wide enough for every session a test books (the clock starts in March 2026).
WINDOW = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Ics:
    """One calendar file: its METHOD, its VEVENTs as written, and what they expand to."""

    calendar: Calendar
    delivered: Delivered | None = None

    @property
    def method(self) -> str:
        return str(self.calendar.get("method", ""))

    @property
    def events(self) -> list[Event]:
        return list(self.calendar.walk("VEVENT"))

    @property
    def event(self) -> Event:
        """The file's only VEVENT (fails when there are more or none)."""
        [event] = self.events
        return event

    @property
    def key(self) -> tuple[str, int, str]:
        """(uid, sequence, method): what may reach a person only once."""
        return str(self.event["uid"]), int(self.event["sequence"]), self.method

    def occurrences(self) -> list[Event]:
        """Every occurrence, series expanded, in time order (recurring_ical_events)."""
        found = recurring_ical_events.of(self.calendar).between(*WINDOW)
        return sorted(found, key=lambda e: e.start)

    def starts(self) -> list[datetime]:
        return [utc(e.start) for e in self.occurrences()]


def parse(text: str, delivered: Delivered | None = None) -> Ics:
    calendar = Calendar.from_ical(text)
    assert calendar.get("version") == "2.0"
    return Ics(calendar, delivered)


def invites(harness, user_id: str, method: str = "") -> list[Ics]:
    """The calendar files delivered to `user_id` so far (of this METHOD, when given); each
    must say the same method in its MIME type, its METHOD line and its Invite."""
    found = []
    for item in harness.inbox(user_id):
        file = item.message.file
        if file is None or not file.name.endswith(".ics"):
            continue
        ics = parse(file.content, item)
        assert file.mime == f"text/calendar; method={ics.method}"
        assert item.message.invite is not None and item.message.invite.method == ics.method
        if not method or ics.method == method:
            found.append(ics)
    return found


def mailto(event: Event, name: str) -> list[str]:
    """The addresses of an ORGANIZER or ATTENDEE property ([] when absent)."""
    value = event.get(name)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return sorted(str(v) for v in values)
