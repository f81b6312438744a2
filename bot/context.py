"""What every flow works with: one unit of work (a transaction at a moment, with an identity
map of what it read), the rules at that moment (`ctx.rules`) and its outbox (`ctx.outbox`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from bot.domain.model import (
    Delegation,
    DelegationStatus,
    Pairing,
    Participant,
    Program,
    Session,
)
from bot.domain.ports import Tx
from bot.outbox.queue import Outbox
from bot.policy.rules import EngineConfig, Rules

R = TypeVar("R")


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
    _booked: dict[int, list[tuple[datetime, int]]] = field(default_factory=dict)
    _batch: set[int] = field(default_factory=set)  # the people of the pairings preloaded
    # Times offered to each pair (bot/flows/offers.py): both of a pair are offered the same.
    offered: dict[int, list[datetime]] = field(default_factory=dict)
    # Each leader's assistant (confirmed delegations), read once per unit of work.
    _assistants: dict[int, int] | None = None

    def __post_init__(self) -> None:
        self.rules = Rules(self.config, self.now)
        self.outbox = Outbox(self.tx, self.rules)

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
        """This unit of work added or changed the pairing's sessions: read them again (and
        what its people have booked)."""
        self._sessions.pop(pairing_id, None)
        self._booked.clear()
        self.offered.clear()

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
        people = [i for p in found.values() for i in (p.mentor_id, p.mentee_id)]
        self._batch.update(people)
        await self.people(people)
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

    async def booked(self, people: list[int]) -> list[tuple[datetime, int]]:
        """These people's scheduled sessions with anyone, still to end, as (start, minutes),
        each once. The first ask reads them for every person of the pairings preloaded too
        (a batch of nudges reads them in one statement, not one per nudge)."""
        missing = [i for i in people if i not in self._booked]
        if missing:
            ask = sorted(set(missing) | (self._batch - set(self._booked)))
            self._booked.update(await self.tx.booked(ask, self.now))
        return sorted({span for i in people for span in self._booked[i]})

    async def assistant_of(self, leader_id: int) -> int | None:
        """The id of the assistant who may book for this leader now (a confirmed delegation,
        bot/flows/delegation.py), or None. Every confirmed delegation is read at the first
        ask, in one statement (a batch of nudges and invites asks for many leaders)."""
        if self._assistants is None:
            found = await self.tx.find(Delegation, status=DelegationStatus.ACTIVE)
            self._assistants = {d.leader_id: d.assistant_id for d in found}
        return self._assistants.get(leader_id)

    def delegations_changed(self) -> None:
        """This unit of work changed a delegation: read them again at the next ask."""
        self._assistants = None

    def remember_person(self, person: Participant) -> None:
        """Hold a participant read or written some other way (bot.flows.people)."""
        self._people[person.id] = person

    async def finish(self) -> None:
        """The end of this unit of work's writes, before its commit: recount the figures of
        the pairs it touched, and when it queued messages that may go at once, tell the
        other replicas (at commit; the local one is told by the engine once committed)."""
        await self.tx.reports.recount()
        if self.outbox.due_now:
            await self.tx.queue.announce_due()
