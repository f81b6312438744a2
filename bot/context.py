"""What every flow works with: the transaction, the time, the configuration and small lookups."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from bot import copy
from bot.events import Actor
from bot.hours import DEFAULT_WORKING_HOURS, WorkingHours, zone
from bot.ids import email_address, parse_handle
from bot.model import Notification, Pairing, Participant, Program, Session
from bot.outbox.kinds import Kind
from bot.ports import Tx

log = logging.getLogger(__name__)
MAX_NAME = 200
# How often at most a person's contact is noted (Participant.contacted_at).
CONTACT_EVERY = timedelta(minutes=1)


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
        public_url: the address of `mentorbot serve` that people's calendars can reach.
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
    # Where people reach `mentorbot serve` (calendar feed links), without a trailing slash.
    public_url: str = "http://127.0.0.1:3978"


@dataclass
class Context:
    """One unit of work: a transaction at a moment in time, with cached lookups."""

    tx: Tx
    now: datetime
    config: EngineConfig
    _programs: dict[int, Program] = field(default_factory=dict)
    _people: dict[int, Participant] = field(default_factory=dict)
    _pairings: dict[int, Pairing | None] = field(default_factory=dict)
    _sessions: dict[int, list[Session]] = field(default_factory=dict)
    # Set when this unit of work queued a message that may go at once (see Engine.handle).
    due_now: bool = False

    async def program(self, program_id: int) -> Program:
        if program_id not in self._programs:
            found = await self.tx.get(Program, program_id)
            if found is None:
                raise LookupError(f"program {program_id} not found")
            self._programs[program_id] = found
        return self._programs[program_id]

    async def person(self, participant_id: int) -> Participant:
        if participant_id not in self._people:
            found = await self.tx.get(Participant, participant_id)
            if found is None:
                raise LookupError(f"participant {participant_id} not found")
            self._people[participant_id] = found
        return self._people[participant_id]

    async def pairing(self, pairing_id: int) -> Pairing | None:
        """A pairing for reading (cached for this unit of work); flows that change one lock it
        with `tx.get(..., lock=True)` instead."""
        if pairing_id not in self._pairings:
            self._pairings[pairing_id] = await self.tx.get(Pairing, pairing_id)
        return self._pairings[pairing_id]

    async def sessions(self, pairing_id: int) -> list[Session]:
        """A pairing's sessions, for reading (cached for this unit of work)."""
        if pairing_id not in self._sessions:
            self._sessions[pairing_id] = await self.tx.find(Session, pairing_id=pairing_id)
        return self._sessions[pairing_id]

    async def preload(self, pairing_ids: list[int]) -> None:
        """Read these pairings, their people, programs and sessions in a few queries."""
        wanted = sorted({i for i in pairing_ids if i not in self._pairings})
        if not wanted:
            return
        found = {p.id: p for p in await self.tx.find(Pairing, id=wanted)}
        for pairing_id in wanted:
            self._pairings[pairing_id] = found.get(pairing_id)
            self._sessions[pairing_id] = []
        for session in await self.tx.find(Session, pairing_id=wanted):
            self._sessions[session.pairing_id].append(session)
        await self.people([i for p in found.values() for i in (p.mentor_id, p.mentee_id)])
        programs = sorted({p.program_id for p in found.values()} - set(self._programs))
        for program in await self.tx.find(Program, id=programs) if programs else []:
            self._programs[program.id] = program

    async def pairings_of(self, people: int | list[int], **where: Any) -> list[Pairing]:
        """The pairings these people are in, as mentor or as mentee (by id, once each);
        `where` narrows them as for `Tx.find`."""
        ids = people if isinstance(people, list) else [people]
        found = await self.tx.find(Pairing, mentor_id=ids, **where)
        found += await self.tx.find(Pairing, mentee_id=ids, **where)
        return sorted({p.id: p for p in found}.values(), key=lambda p: p.id)

    def remember(self, pairings: list[Pairing]) -> None:
        """Cache pairings loaded some other way (the planner's claim)."""
        for pairing in pairings:
            self._pairings[pairing.id] = pairing

    async def replan(self, pairing: Pairing) -> None:
        """The pair's state changed: have the planner look at it at the next tick."""
        pairing.plan_at = None
        await self.tx.replan([pairing.id])

    async def people(self, ids: list[int]) -> dict[int, Participant]:
        """Load many participants at once (one query) and cache them."""
        missing = sorted({i for i in ids if i not in self._people})
        if missing:
            for found in await self.tx.find(Participant, id=missing):
                self._people[found.id] = found
        return {i: self._people[i] for i in ids if i in self._people}

    async def person_for(self, actor: Actor, *, contact: bool = False) -> Participant:
        """The participant behind `actor`, created on first contact; keeps name and zone fresh.

        A timezone the platform reports that we cannot use is ignored (the program's applies).
        `contact` means the person reached us themselves (not a mention): their address is
        then the freshest we have, and `contacted_at` is noted (at most once a minute, so a
        busy person costs one write a minute). Noting it also makes them reachable again and
        sends once more the pairing invitations that could not reach them.
        """
        actor = _usable(actor)
        found = await self.tx.find(Participant, platform=actor.platform, user_id=actor.user_id)
        if not found:
            person = await self.tx.add(
                Participant(
                    platform=actor.platform,
                    user_id=actor.user_id,
                    display_name=actor.display_name,
                    workspace=actor.workspace,
                    timezone=actor.timezone,
                    address=actor.address,
                    email=email_address(actor.email),
                    created_at=self.now,
                    contacted_at=self.now if contact else None,
                )
            )
            self._people[person.id] = person
            return person
        person = found[0]
        changed = _refresh(person, actor, self.now, contact)
        if changed:
            await self.tx.save(person, fields=tuple(sorted(changed)))
        if "contacted_at" in changed:
            # After the save above, which waits for a tick marking them unreachable to
            # commit: the invitation that tick failed is then seen here and queued again.
            await self._retry_invitations(person)
        self._people[person.id] = person
        return person

    async def known_person(self, actor: Actor) -> Participant | None:
        """The participant behind `actor` when nothing about them needs writing (they are
        stored, their details are current and their contact was noted within
        CONTACT_EVERY); None when `person_for(actor, contact=True)` must run instead."""
        actor = _usable(actor)
        found = await self.tx.find(Participant, platform=actor.platform, user_id=actor.user_id)
        if not found or _refresh(replace(found[0]), actor, self.now, contact=True):
            return None
        self._people[found[0].id] = found[0]
        return found[0]

    async def _retry_invitations(self, person: Participant) -> None:
        """Queue again the pairing invitations that failed to reach `person` (they are
        skipped at send time if the pairing has moved on). Only rows still failed are
        touched: one sent meanwhile by a tick is never queued twice."""
        if await self.tx.requeue_failed(person.id, Kind.INTRO, self.now):
            self.due_now = True

    async def person_by_handle(self, handle: str) -> Participant:
        platform, user_id = parse_handle(handle)
        return await self.person_for(Actor(platform=platform, user_id=user_id))

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

    def owners_of(self, program: Program) -> list[str]:
        return list(program.owners) or sorted(self.config.owners)

    def is_owner(self, handle: str, program: Program | None = None) -> bool:
        """Owners of `program` and configured owners may run owner commands."""
        if handle in self.config.owners:
            return True
        return program is not None and handle in program.owners

    async def notify(
        self,
        kind: Kind,
        recipient: Participant,
        due: datetime,
        key: str,
        *,
        series: str = "",
        pairing_id: int | None = None,
        session_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> bool:
        """Queue one outbound message; a key that already exists is left alone (idempotent).
        A kind that is not in the registry (bot.outbox.kinds) fails here, not when sent."""
        created = await self.tx.add_notification(
            Notification(
                key=key,
                kind=Kind(kind).value,
                recipient_id=recipient.id,
                due_at=due,
                series=series,
                pairing_id=pairing_id,
                session_id=session_id,
                payload=payload or {},
                created_at=self.now,
            )
        )
        self.due_now |= created and due <= self.now
        return created

    async def note(
        self, recipient: Participant, key: str, text: str, program: Program | None, **ids: Any
    ) -> bool:
        """Queue a plain informational message for the recipient's next working moment."""
        due = self.deliverable(self.now, recipient, program)
        return await self.notify(Kind.NOTE, recipient, due, key, payload={"text": text}, **ids)


def _usable(actor: Actor) -> Actor:
    """The actor with a name that fits and only a timezone we can use (else none: the
    program's applies)."""
    timezone = actor.timezone if actor.timezone and _known_zone(actor.timezone) else None
    return replace(actor, display_name=actor.display_name[:MAX_NAME], timezone=timezone)


def _refresh(person: Participant, actor: Actor, now: datetime, contact: bool) -> set[str]:
    """Bring `person` up to date with what `actor` says of them; the fields changed.

    `contact` means the person reached us themselves (not a mention): their address is
    then the freshest we have, and `contacted_at` is noted (at most once per CONTACT_EVERY,
    so a busy person costs one write a minute). Noting it also makes them reachable again.
    """
    changed = set()
    if actor.display_name and actor.display_name != person.display_name:
        person.display_name = actor.display_name
        changed.add("display_name")
    if actor.timezone and actor.timezone != person.timezone:
        person.timezone = actor.timezone
        changed.add("timezone")
    if actor.workspace and actor.workspace != person.workspace:
        person.workspace = actor.workspace
        changed.add("workspace")
    email = email_address(actor.email)
    if email and email != person.email:
        person.email = email
        changed.add("email")
    fresher = contact or person.address is None
    if actor.address and fresher and actor.address != person.address:
        person.address = actor.address
        changed.add("address")
    noted = person.contacted_at
    in_touch = contact and (noted is None or noted <= now - CONTACT_EVERY)
    if in_touch or (contact and not person.reachable):
        # Reachable is written whenever contact is noted, not only when we read False:
        # a tick may be marking them unreachable at this moment (delivery spares people
        # noted since shortly before its batch; see bot.delivery).
        person.reachable, person.contacted_at = True, now
        changed |= {"reachable", "contacted_at"}
    return changed


def _known_zone(name: str) -> bool:
    try:
        zone(name)
    except (ValueError, OSError):  # OSError: "Europe" is a folder, or the name is too long
        log.warning("ignoring unknown timezone %r", name)
        return False
    return True


def visibility_note(visibility: str, other: str, *, past: bool = False) -> str:
    """Who will (or can) read a reflection, in words for its author."""
    section = "reflect.visibility_past" if past else "reflect.visibility"
    return copy.text(f"{section}.{visibility}", other=other)
