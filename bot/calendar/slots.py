"""The booking form: its fields, and what a filled-in form asks for (or why it cannot be)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from bot.calendar.ics import local_dates
from bot.context import Context
from bot.domain import prompts
from bot.domain.messages import Choice, Field, Form
from bot.domain.model import (
    SESSION_MINUTES_MAX,
    SESSION_MINUTES_MIN,
    SESSION_MINUTES_OFFERED,
    Pairing,
    Participant,
    Program,
    Session,
)
from bot.policy.hours import zone

MAX_TOPIC = 200  # characters (the sessions.topic column)
MAX_WHERE = 200  # characters of a place or video link (the column holds 300)
MAX_SERIES = 6  # sessions booked at once at the program's cadence
# A plain room name: letters and digits of any script, spaces and everyday punctuation.
ROOM = re.compile(r"[\w .,#'&()/+:@-]+")
# Text that starts like a link ("mailto:", "javascript:", "tel:+1..."): only https is taken.
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?![\s\d])")


def schedule_form(
    ctx: Context,
    person: Participant,
    pairing: Pairing,
    program: Program,
    minutes: int = 0,
    moving: Session | None = None,
    due: datetime | None = None,
) -> Form:
    """The booking form: date, start time in the person's timezone, 30/45/60, optional topic
    and place, and how many sessions to book at the program's cadence. `moving` makes it
    the form that moves that session, filled in with its values; `due` (when the next
    session is due by the cadence) fills in the date."""
    minutes = (moving.minutes if moving else 0) or minutes or program.session_minutes
    tz = ctx.rules.tz(person, program)
    local = moving.starts_at.astimezone(zone(tz)) if moving else None
    day = _day(local) or (_day(due.astimezone(zone(tz))) if due and due > ctx.now else "")
    fields = [
        Field("date", prompts.text("schedule.date"), kind="date", initial=day),
        Field("time", prompts.text("schedule.time", timezone=tz), kind="time", initial=_hm(local)),
        Field(
            "minutes",
            prompts.text("schedule.minutes"),
            kind="choice",
            choices=tuple(
                Choice(str(m), prompts.text("schedule.minutes_choice", minutes=m))
                for m in SESSION_MINUTES_OFFERED
            ),
            initial=str(minutes if minutes in SESSION_MINUTES_OFFERED else 45),
        ),
        Field(
            "topic",
            prompts.text("schedule.topic"),
            optional=True,
            limit=MAX_TOPIC,
            initial=moving.topic if moving else "",
        ),
        Field(
            "where",
            prompts.text("schedule.where"),
            optional=True,
            limit=MAX_WHERE,
            initial=moving.location if moving else "",
        ),
    ]
    if moving is None:
        fields.append(
            Field(
                "repeat",
                prompts.text("schedule.repeat", days=program.cadence_days),
                kind="choice",
                choices=tuple(
                    Choice(
                        str(n), prompts.text(f"schedule.repeat_{'one' if n == 1 else 'many'}", n=n)
                    )
                    for n in range(1, MAX_SERIES + 1)
                ),
                initial="1",
            )
        )
    return Form(
        id="session.move" if moving else "session.schedule",
        title=prompts.text("schedule.move_title" if moving else "schedule.form_title"),
        value=str(moving.id if moving else pairing.id),
        submit_label=prompts.text("schedule.move_submit" if moving else "schedule.submit"),
        fields=tuple(fields),
    )


def _day(local: datetime | None) -> str:
    return local.date().isoformat() if local else ""


def _hm(local: datetime | None) -> str:
    return f"{local:%H:%M}" if local else ""


@dataclass(frozen=True)
class Slot:
    """What a filled-in booking form asks for: one start per session (UTC), and the rest."""

    starts: tuple[datetime, ...]
    minutes: int
    topic: str
    where: str
    tzid: str


def read_slot(
    ctx: Context, person: Participant, program: Program, values: dict[str, str], count: int = 0
) -> Slot | dict[str, str]:
    """The slot the form's values ask for, or the message for each field to change.
    `count` is the number of sessions (0: read it from the form's repeat field)."""
    tz = ctx.rules.tz(person, program)
    errors: dict[str, str] = {}
    day = _parse(values.get("date", ""), date.fromisoformat)
    at = _parse(values.get("time", ""), _clock_time)
    minutes = _parse(values.get("minutes", ""), int)
    topic = " ".join(values.get("topic", "").split())
    where, where_error = check_where(values.get("where", ""))
    count = count or (_parse(values.get("repeat", "") or "1", int) or 0)
    if len(topic) > MAX_TOPIC:
        errors["topic"] = prompts.text("schedule.long_topic", limit=MAX_TOPIC, length=len(topic))
    if where_error:
        errors["where"] = where_error
    if not 1 <= count <= MAX_SERIES:
        errors["repeat"] = prompts.text("schedule.bad_repeat", most=MAX_SERIES)
    if day is None:
        errors["date"] = prompts.text("schedule.bad_date")
    if at is None:
        errors["time"] = prompts.text("schedule.bad_time")
    if minutes is None or not SESSION_MINUTES_MIN <= minutes <= SESSION_MINUTES_MAX:
        errors["minutes"] = prompts.text("schedule.bad_minutes")
    if errors or day is None or at is None or minutes is None:
        return errors
    first = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone(tz))
    starts = local_dates(first, program.cadence_days, count)
    if first <= ctx.now:
        return {"date": prompts.text("schedule.past")}
    for n, start in enumerate(starts):
        field = "date" if n == 0 else "repeat"
        local = start.astimezone(zone(tz))
        if program.ends_on and local.date() > program.ends_on:
            key = "schedule.after_program" if n == 0 else "schedule.series_after_program"
            return {field: prompts.text(key, day=program.ends_on.isoformat(), n=n + 1)}
        if start - ctx.now > ctx.config.booking_horizon:
            return {field: prompts.text("schedule.too_far")}
        if local.replace(tzinfo=None) != (first + timedelta(days=program.cadence_days * n)).replace(
            tzinfo=None
        ):
            key = "schedule.clock_change" if n == 0 else "schedule.series_clock_change"
            return {"time" if n == 0 else field: prompts.text(key, day=local.date().isoformat())}
    return Slot(tuple(starts), minutes, topic, where, tz)


def check_where(text: str) -> tuple[str, str]:
    """A session's place as given, and "" - or "" and why it cannot be used: a plain room
    name (letters, digits, spaces and everyday punctuation) or an https link."""
    where = " ".join(text.split())
    if not where:
        return "", ""
    if len(where) > MAX_WHERE:
        return "", prompts.text("schedule.long_where", limit=MAX_WHERE, length=len(where))
    if "://" in where or where.lower().startswith("www.") or SCHEME.match(where):
        parts = urlsplit(where)
        if parts.scheme != "https" or not parts.hostname or " " in where:
            return "", prompts.text("schedule.bad_link")
        if any(c in where for c in '<>"\\{}|^`'):
            return "", prompts.text("schedule.bad_link")
        return where, ""
    if not ROOM.fullmatch(where):
        return "", prompts.text("schedule.bad_where")
    return where, ""


def _parse(text: str, parse):
    try:
        return parse(text.strip())
    except (ValueError, TypeError, AttributeError):
        return None


def _clock_time(text: str) -> time:
    """Read 9:30, 09:30 or 09:30:00 as a time of day."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    return time(*(int(p) for p in parts))
