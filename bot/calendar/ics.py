"""Sessions as calendar events: iCalendar objects (RFC 5545, with RFC 5546 methods) built
with the icalendar library, and the web links that add one event to a calendar.

Times are written with the booker's zone (TZID plus its VTIMEZONE), so a series repeats at
the same local time across daylight-saving changes, as the sessions themselves do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote, urlencode

from icalendar import Calendar, Event, Timezone, vCalAddress, vRecur, vText

from bot.policy.hours import zone

PRODID = "-//mentorbot//Mentoring sessions//EN"
REQUEST, CANCEL = "REQUEST", "CANCEL"


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str


@dataclass(frozen=True)
class Occurrence:
    """One VEVENT: a session (or the first of a series, with its `rule`) as calendars see it.

    `recurrence_id` names the occurrence of a series this event changes or cancels."""

    uid: str
    sequence: int
    starts_at: datetime
    minutes: int
    tzid: str
    summary: str
    description: str = ""
    location: str = ""
    cancelled: bool = False
    recurrence_id: datetime | None = None
    repeat_days: int = 0
    repeat_count: int = 0
    excluded: tuple[datetime, ...] = ()  # occurrences the rule skips (EXDATE)
    organizer: Attendee | None = None
    attendees: tuple[Attendee, ...] = ()

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)

    @property
    def rule(self) -> str:
        """The series' RRULE value, e.g. FREQ=WEEKLY;COUNT=3;INTERVAL=2 ("" for one session)."""
        if self.repeat_count < 2 or self.repeat_days < 1:
            return ""
        return vRecur(_rule(self.repeat_days, self.repeat_count)).to_ical().decode()


def _rule(days: int, count: int) -> dict:
    if days % 7 == 0:
        return {"freq": "WEEKLY", "interval": days // 7, "count": count}
    return {"freq": "DAILY", "interval": days, "count": count}


def document(events: list[Occurrence], stamp: datetime, method: str = "", name: str = "") -> str:
    """An iCalendar object with these events: an invite (`method` REQUEST or CANCEL) or a
    feed (no method). Every zone used gets its VTIMEZONE, over the years the events span."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    if events:  # each zone's VTIMEZONE, over the years the events fall in
        first = min(e.starts_at for e in events).year
        last = max(_last_start(e) for e in events).year
        for tzid in sorted({e.tzid for e in events} - {"UTC"}):
            calendar.add_component(_vtimezone(tzid, first, last))
    for occurrence in events:
        calendar.add_component(_event(occurrence, stamp))
    return calendar.to_ical().decode("utf-8")


@lru_cache(maxsize=256)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """A zone's VTIMEZONE over whole years (made once: it is the slow part of an invite)."""
    return Timezone.from_tzid(
        tzid, first_date=date(first_year, 1, 1), last_date=date(last_year, 12, 31)
    )


def _last_start(occurrence: Occurrence) -> datetime:
    return occurrence.starts_at + timedelta(
        days=occurrence.repeat_days * max(occurrence.repeat_count - 1, 0)
    )


def _event(occurrence: Occurrence, stamp: datetime) -> Event:
    tz = zone(occurrence.tzid)
    event = Event()
    event.add("uid", occurrence.uid)
    event.add("sequence", occurrence.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", occurrence.starts_at.astimezone(tz))
    event.add("dtend", occurrence.ends_at.astimezone(tz))
    if occurrence.recurrence_id is not None:
        event.add("recurrence-id", occurrence.recurrence_id.astimezone(tz))
    elif occurrence.rule:
        event.add("rrule", _rule(occurrence.repeat_days, occurrence.repeat_count))
        if occurrence.excluded:
            event.add("exdate", [moment.astimezone(tz) for moment in occurrence.excluded])
    event.add("summary", occurrence.summary)
    if occurrence.description:
        event.add("description", occurrence.description)
    if occurrence.location:
        event.add("location", occurrence.location)
    event.add("status", "CANCELLED" if occurrence.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if occurrence.organizer is not None:
        event.add("organizer", _address(occurrence.organizer))
    for person in occurrence.attendees:
        address = _address(person)
        address.params["ROLE"] = "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = "NEEDS-ACTION"
        address.params["CUTYPE"] = "INDIVIDUAL"
        event.add("attendee", address)
    return event


def _address(person: Attendee) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = vText(person.name)
    return address


# --- links that add an event to a calendar ------------------------------------------------------
# Characters of the description a link carries: the .ics has it whole, and buttons take
# addresses of a few thousand characters at most.
LINK_DETAILS = 500


def _details(occurrence: Occurrence) -> str:
    text = occurrence.description
    return text if len(text) <= LINK_DETAILS else text[: LINK_DETAILS - 1].rstrip() + "…"


def _query(params: dict[str, str]) -> str:
    return urlencode({k: v for k, v in params.items() if v}, quote_via=quote)


def _utc(moment: datetime, fmt: str = "%Y%m%dT%H%M%SZ") -> str:
    return moment.astimezone(UTC).strftime(fmt)


def google_link(occurrence: Occurrence) -> str:
    """Google Calendar's "add event" template, with the series' rule when there is one."""
    params = {
        "action": "TEMPLATE",
        "text": occurrence.summary,
        "dates": f"{_utc(occurrence.starts_at)}/{_utc(occurrence.ends_at)}",
        "details": _details(occurrence),
        "location": occurrence.location,
        "ctz": occurrence.tzid,
        "recur": f"RRULE:{occurrence.rule}" if occurrence.rule else "",
    }
    return f"https://calendar.google.com/calendar/render?{_query(params)}"


def outlook_link(occurrence: Occurrence) -> str:
    """Outlook on the web's compose-event link (one occurrence: it takes no rule)."""
    params = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": occurrence.summary,
        "startdt": _utc(occurrence.starts_at, "%Y-%m-%dT%H:%M:%SZ"),
        "enddt": _utc(occurrence.ends_at, "%Y-%m-%dT%H:%M:%SZ"),
        "body": _details(occurrence),
        "location": occurrence.location,
    }
    return f"https://outlook.office.com/calendar/0/deeplink/compose?{_query(params)}"


def teams_meeting_link(occurrence: Occurrence) -> str:
    """Teams' "new meeting" deep link: subject, attendees, start and end filled in, so the
    meeting (with its video call) is one click away."""
    attendees = ",".join(a.email for a in occurrence.attendees if a.email)
    params = {
        "subject": occurrence.summary,
        "startTime": _utc(occurrence.starts_at, "%Y-%m-%dT%H:%M:%SZ"),
        "endTime": _utc(occurrence.ends_at, "%Y-%m-%dT%H:%M:%SZ"),
        "content": _details(occurrence),
        "attendees": attendees,
    }
    return f"https://teams.microsoft.com/l/meeting/new?{_query(params)}"


def local_dates(first: datetime, days: int, count: int) -> list[datetime]:
    """The starts of a series: the same wall-clock time in `first`'s zone every `days` days
    (so across a clock change the UTC time moves and the local time does not)."""
    wall = first.replace(tzinfo=None)
    return [
        (wall + timedelta(days=days * n)).replace(tzinfo=first.tzinfo).astimezone(UTC)
        for n in range(count)
    ]
