"""What every flow works with: one unit of work (a transaction at a moment, with an identity
map of what it read), the rules at that moment (`ctx.rules`) and its outbox (`ctx.outbox`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.domain.events import Actor
from bot.domain.ids import email_address, parse_handle
from bot.domain.model import Pairing, Participant, Program, Session
from bot.domain.ports import Tx
from bot.outbox.queue import Outbox
from bot.policy.hours import zone
from bot.policy.rules import EngineConfig, Rules

log = logging.getLogger(__name__)
R = TypeVar("R")
MAX_NAME = 200
# How often at most a person's contact is noted (Participant.contacted_at).
CONTACT_EVERY = timedelta(minutes=1)


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

    def __post_init__(self) -> None:
        self.rules = Rules(self.config, self.now)
        self.outbox = Outbox(self.tx, self.rules, self.person_by_handle)

    async def get(self, kind: type[R], record_id: int, *, lock: bool = False) -> R | None:
        """A record by id through the identity map. A locked read (for a change) refreshes
        what this unit of work already holds, in place: a cached read and a locked one
        never disagree, whoever read first."""
        cache = self._cache(kind)
        if cache is None:
            return await self.tx.get(kind, record_id, lock=lock)
        if not lock and cache.get(record_id) is not None:
            return cache[record_id]
        found = await self.tx.get(kind, record_id, lock=lock)
        held = cache.get(record_id)
        if held is not None and found is not None:
            vars(held).update(vars(found))
            found = held
        if found is not None or kind is Pairing:
            cache[record_id] = found
        return found

    def _cache(self, kind: type) -> dict | None:
        return {Program: self._programs, Participant: self._people, Pairing: self._pairings}.get(
            kind
        )

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
        """A pairing for reading (cached for this unit of work); flows that change one read it
        with `get(Pairing, id, lock=True)`, which refreshes this one too."""
        if pairing_id not in self._pairings:
            self._pairings[pairing_id] = await self.tx.get(Pairing, pairing_id)
        return self._pairings[pairing_id]

    async def sessions(self, pairing_id: int) -> list[Session]:
        """A pairing's sessions, for reading (cached for this unit of work)."""
        if pairing_id not in self._sessions:
            self._sessions[pairing_id] = await self.tx.find(Session, pairing_id=pairing_id)
        return self._sessions[pairing_id]

    def sessions_changed(self, pairing_id: int) -> None:
        """This unit of work added or changed the pairing's sessions: read them again."""
        self._sessions.pop(pairing_id, None)

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
        person = await self._stored(actor)
        if person is None:
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
        changed = _refresh(person, actor, self.now, contact)
        if changed:
            await self.tx.save(person, fields=tuple(sorted(changed)))
        if "contacted_at" in changed:
            # After the save above, which waits for a tick marking them unreachable to
            # commit: the invitation that tick failed is then seen here and queued again.
            await self.outbox.retry_intros(person)
        self._people[person.id] = person
        return person

    async def known_person(self, actor: Actor) -> Participant | None:
        """The participant behind `actor` when nothing about them needs writing (they are
        stored, their details are current and their contact was noted within
        CONTACT_EVERY); None when `person_for(actor, contact=True)` must run instead."""
        actor = _usable(actor)
        person = await self._stored(actor)
        if person is None or _refresh(replace(person), actor, self.now, contact=True):
            return None
        self._people[person.id] = person
        return person

    async def _stored(self, actor: Actor) -> Participant | None:
        found = await self.tx.find(Participant, platform=actor.platform, user_id=actor.user_id)
        return found[0] if found else None

    async def person_by_handle(self, handle: str) -> Participant:
        platform, user_id = parse_handle(handle)
        return await self.person_for(Actor(platform=platform, user_id=user_id))


def _usable(actor: Actor) -> Actor:
    """The actor with a tidy name that fits (none when it is only whitespace) and only a
    timezone we can use (else none: the program's applies)."""
    timezone = actor.timezone if actor.timezone and _known_zone(actor.timezone) else None
    name = " ".join(actor.display_name.split())[:MAX_NAME]  # only whitespace: no name
    return replace(actor, display_name=name, timezone=timezone)


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
        # noted since shortly before its batch; see bot.outbox.delivery).
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
