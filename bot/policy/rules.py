"""The engine's settings, and the rules they make at one moment: timezones, working hours,
when a message may go, how a time reads, who owns what."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.domain.model import Participant, Program
from bot.policy.hours import DEFAULT_WORKING_HOURS, WorkingHours, zone


@dataclass(frozen=True)
class EngineConfig:
    """Settings the engine needs, read once at start-up by the composition root.

    Args:
        owners: `platform:user_id` handles allowed to run owner commands everywhere.
        timezone: fallback timezone when neither the person nor the program has one.
        working_hours: the default window in which people may be messaged.
        agenda_lead: how long before a session its agenda is sent.
        group_platforms: platforms where the bot can talk to both people of a pair in one
            chat (Slack group DMs); their intros go to the pair together.
        public_url: the address of `mentorbot serve` that people's calendars can reach;
            "" when there is none (serve off loopback without MENTORBOT_PUBLIC_URL), which
            turns calendar feeds off.
    """

    owners: frozenset[str] = frozenset()
    timezone: str = "UTC"
    working_hours: WorkingHours = field(
        default_factory=lambda: WorkingHours.parse(DEFAULT_WORKING_HOURS)
    )
    agenda_lead: timedelta = timedelta(hours=24)
    booking_horizon: timedelta = timedelta(days=366)
    snooze: timedelta = timedelta(days=7)
    nudge_reminder_after: timedelta = timedelta(days=3)
    reflection_reminder_after: timedelta = timedelta(days=2)
    group_platforms: frozenset[str] = frozenset()
    # Where people reach `mentorbot serve` (calendar feed links), without a trailing slash;
    # "": nowhere, so no feed links.
    public_url: str = "http://127.0.0.1:3978"


@dataclass(frozen=True)
class Rules:
    """The configuration applied at `now` (a unit of work's moment)."""

    config: EngineConfig
    now: datetime

    def tz(self, person: Participant, program: Program | None = None) -> str:
        """The person's timezone, else the program's, else the configured default."""
        return person.timezone or (program.timezone if program else None) or self.config.timezone

    def hours(self, program: Program | None) -> WorkingHours:
        if program and program.working_hours:
            return WorkingHours.parse(program.working_hours)
        return self.config.working_hours

    def deliverable(
        self, nominal: datetime, person: Participant, program: Program | None
    ) -> datetime:
        """The first moment at or after `nominal` (and now) inside the person's working hours."""
        return self.hours(program).next_open(max(nominal, self.now), self.tz(person, program))

    def when(self, moment: datetime, person: Participant, program: Program | None = None) -> str:
        """A short local rendering of `moment` for `person`, e.g. 'Wed 5 Mar, 10:00'."""
        local = moment.astimezone(zone(self.tz(person, program)))
        return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"

    def when_both(
        self, moment: datetime, me: Participant, other: Participant, program: Program | None
    ) -> tuple[str, str]:
        """`moment` for `me` with my zone named, and for `other` when their clock differs
        ("" otherwise): ('Thu 5 Mar, 10:00 (Europe/Berlin)', '09:00').

        Naming the zone leaves no doubt about which 10:00 is meant."""
        mine, theirs = self.tz(me, program), self.tz(other, program)
        local = moment.astimezone(zone(mine))
        there = moment.astimezone(zone(theirs))
        when = f"{self.when(moment, me, program)} ({mine})"
        if there.replace(tzinfo=None) == local.replace(tzinfo=None):
            return when, ""
        day = "" if there.date() == local.date() else f"{there:%a} "
        return when, f"{day}{there:%H:%M}"

    def today(self, person: Participant, program: Program | None = None) -> date:
        """The date it is now where the person is."""
        return self.now.astimezone(zone(self.tz(person, program))).date()

    def owners_of(self, program: Program) -> list[str]:
        return list(program.owners) or sorted(self.config.owners)

    def is_owner(self, handle: str, program: Program | None = None) -> bool:
        """Owners of `program` and configured owners may run owner commands."""
        if handle in self.config.owners:
            return True
        return program is not None and handle in program.owners
