"""The interfaces the engine needs from the outside: a store and a way to send messages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol, TypeVar

from bot.domain.messages import Message
from bot.domain.model import Notification, Pairing, Participant

R = TypeVar("R")


@dataclass(frozen=True)
class PairFigures:
    """One pairing as owner status names it: its state, and when it last met and meets next."""

    id: int
    status: str
    mentor_id: int
    mentee_id: int
    activated_at: datetime | None
    escalated_at: datetime | None
    declined_by: int | None
    last_held: datetime | None
    upcoming: datetime | None

    def other(self, participant_id: int) -> int:
        return self.mentee_id if participant_id == self.mentor_id else self.mentor_id


@dataclass(frozen=True)
class Cutoffs:
    """The moments owner status counts a program by (bot.policy.cadence.cutoffs builds them):
    `now`, and the program's cadence, by which the
    store tells the pairs meeting regularly and those at risk (storage/definitions.py)."""

    now: datetime
    cadence: timedelta
    doubted: int = 0  # pairs doubting their match to name (the first, by id)


@dataclass(frozen=True)
class StageFigures:
    """One check-in stage of a program: people asked, answers, and the ratings given."""

    asked: int = 0
    answered: int = 0
    rated: int = 0
    rating_sum: int = 0


@dataclass
class OutcomeFigures:
    """What a program's pairs made of their sessions: objectives by state; actions planned
    in reflections (done, dropped) and first questions about them sent; session pulse
    answers against questions sent; pairs still going (active or paused) about which
    someone answered "no" or "not sure" to the first-session fit question; prep notes sent
    to mentors, and the mentors' "were you heard?" answers.
    """

    objectives: dict[str, int] = field(default_factory=dict)
    followups_planned: int = 0
    followups_asked: int = 0
    followups_done: int = 0
    followups_dropped: int = 0
    pulse_asked: int = 0
    pulse_answers: int = 0
    pulse_sum: int = 0
    fit_alerts: int = 0
    preps_sent: int = 0  # prep notes that reached mentors (their day-before message)
    heard: dict[str, int] = field(default_factory=dict)  # "were you heard?" answers by value
    heard_mentors: int = 0  # the mentors who gave them


@dataclass
class ProgramFigures:
    """What owner status needs about a program, counted by the store, so status costs about
    the same for ten pairs or ten thousand (see Cutoffs for the dates it is counted by).

    `pairs` counts pairings by status; `active` and `regular` the active ones and those
    meeting regularly. `at_risk` lists the pairs at risk (the cadence policy says why),
    `declined` the declined pairs whose decliner is known, `doubted` the pairs one of whom
    said the match may not be working, each by id (what each means:
    storage/definitions.py). `sessions` counts sessions that were not cancelled by status,
    with "unconfirmed" for scheduled ones that have started. `unreachable` lists people of
    proposed or active pairs we cannot reach. `checkins` is by stage; `top_mentors` the
    (mentor id, suggestions implemented) of the three mentors with most (from reflections
    that are not private), and `mentors` how many mentors the program has had; `outcomes`
    what the pairs made of their sessions.
    """

    pairs: dict[str, int] = field(default_factory=dict)
    active: int = 0
    regular: int = 0
    at_risk: list[PairFigures] = field(default_factory=list)
    declined: list[PairFigures] = field(default_factory=list)
    doubted: list[PairFigures] = field(default_factory=list)

    sessions: dict[str, int] = field(default_factory=dict)
    reflections: int = 0
    implemented: int = 0
    failed: int = 0
    last_error: str = ""
    unreachable: list[int] = field(default_factory=list)
    checkins: dict[str, StageFigures] = field(default_factory=dict)
    top_mentors: list[tuple[int, int]] = field(default_factory=list)
    mentors: int = 0
    outcomes: OutcomeFigures = field(default_factory=OutcomeFigures)


@dataclass(frozen=True)
class Week:
    """One week of a program (bot.policy.weeks makes them): its Monday in the program's time
    zone, and the moments (UTC) it runs from and until (the next Monday's midnight, or the
    program's end when that comes first)."""

    monday: date
    start: datetime
    until: datetime

    def closed(self, now: datetime) -> bool:
        return now >= self.until

    def label(self) -> str:
        """Its Monday, short: "9 Mar"."""
        return f"{self.monday.day} {self.monday:%b}"


@dataclass(frozen=True)
class WeekFigures:
    """One week's figures (storage/definitions.py says what each means): a closed week's
    as of its end, written once; the current week's as of now ("so far")."""

    week: Week
    closed: bool
    held: int = 0
    missed: int = 0
    unconfirmed: int = 0
    booked: int = 0
    active: int = 0
    regular: int = 0
    at_risk: int = 0

    @property
    def quiet(self) -> bool:
        """Nothing happened in it: no session started or was booked."""
        return not (self.held or self.missed or self.unconfirmed or self.booked)


@dataclass
class WeeklyFigures:
    """A program week by week, oldest first, and its funnel: the program's pairs proposed,
    accepted, with a first session held and with a reflection written."""

    weeks: list[WeekFigures] = field(default_factory=list)
    funnel: tuple[int, int, int, int] = (0, 0, 0, 0)

    def series(self, name: str) -> list[int]:
        return [getattr(w, name) for w in self.weeks]


@dataclass(frozen=True)
class Change:
    """Something a leader changed (storage/definitions.py, `changed`): what a reflection of
    theirs said, or a follow-up of it they marked done (`done`), at `at`."""

    author_id: int
    text: str
    at: datetime
    done: bool = False


@dataclass(frozen=True)
class LibraryScope:
    """What one person may read in the learnings library (bot.policy.library decides it):
    reflections shared with the program in the programs of `shared`, and those visible to
    program owners in the programs of `owned`. Empty: nothing at all."""

    shared: frozenset[int] = frozenset()
    owned: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.shared or self.owned)


@dataclass(frozen=True)
class LearningEntry:
    """One reflection found in the learnings library. `author_id` is None when it was shared
    without the author's name; `done` holds the texts of its follow-ups marked done."""

    id: int
    program_id: int
    what_changed: str
    author_id: int | None
    created_at: datetime | None
    done: tuple[str, ...] = ()


class TxQueue(Protocol):
    """A transaction's outbox and inbox statements (`Tx.queue`): rows queued, claimed,
    leased and released; event ids seen; the planner's claims."""

    async def first_seen(self, platform: str, event_id: str) -> bool:
        """Remember an inbound event id; False when it was seen before (a platform retry)."""

    async def prune_seen(self, older_than: timedelta, limit: int) -> int:
        """Forget up to `limit` of the oldest event ids remembered longer ago than
        `older_than` by the store's own wall clock; returns how many."""

    async def add_notification(self, notification: Notification) -> bool:
        """Insert unless a row with the same key exists; True when inserted."""

    async def announce_due(self) -> None:
        """Once this transaction commits, tell every process listening (`Store.listen`) that
        rows are due now; a store that cannot reach other processes does nothing."""

    async def claim_due(
        self, now: datetime, worker: str, lease: timedelta, limit: int, platforms: list[str]
    ) -> list[Notification]:
        """Lease up to `limit` pending notifications due by `now` for these platforms."""

    async def claim_planning(self, now: datetime, limit: int) -> list[Pairing]:
        """Up to `limit` active pairings the planner should look at by `now` (never looked
        at, or woken since), locked until commit; those locked by another planner are
        skipped."""

    async def replan(self, pairing_ids: list[int]) -> None:
        """Have the planner look at these pairings at the next tick (their state changed)."""

    async def lease(self, ids: list[int], worker: str, now: datetime, lease: timedelta) -> set[int]:
        """Lease to `worker` those of these notifications that are pending and leased to
        nobody (or whose lease has expired), whether due or not; returns their ids."""

    async def still_claimed(self, ids: list[int], worker: str) -> list[Notification]:
        """The notifications among `ids` that are still pending and leased to `worker`, as
        they are now (oldest due first); the others changed since they were claimed."""

    async def release(self, claimed: list[Notification], worker: str) -> set[int]:
        """Save what delivery changed on claimed notifications and drop their leases, only
        for rows still pending and leased to `worker` (checked under the row locks); returns
        their ids. The others are left as they are now: taken over after the lease expired,
        or changed meanwhile (skipped by forget-me, re-queued)."""

    async def requeue_failed(self, recipient_id: int, kind: str, due: datetime) -> int:
        """Make the recipient's failed notifications of `kind` pending again, due at `due`
        with no attempts, in one conditional statement (rows no longer failed are left
        alone); returns how many."""

    async def mark_unreachable(self, participant_ids: list[int], quiet_since: datetime) -> set[int]:
        """Mark unreachable those of these people who have not reached us since
        `quiet_since` (by `Participant.contacted_at`); returns the ids marked."""


class TxReports(Protocol):
    """A transaction's reads for owners (`Tx.reports`), and the recount of the pairs' figures
    its writes touched. A read, and the commit, refuse touched pairs not recounted."""

    async def recount(self) -> None:
        """Recount the figures of the pairs this transaction's writes touched since the last
        recount (their sessions, reflections, follow-ups, objectives, pulses, questions
        asked). The unit of work calls it before it commits (bot.context.Context.finish)
        and before it reads owners' figures after writing."""

    async def program_figures(self, program_id: int, cutoffs: Cutoffs) -> ProgramFigures:
        """One program's figures for owner status as of `cutoffs.now` (see ProgramFigures)."""

    async def weekly_figures(
        self, program_id: int, weeks: list[Week], cadence: timedelta, now: datetime
    ) -> WeeklyFigures:
        """The program's figures for these weeks: closed ones as written when they closed
        (counted now, as of their end, when not written yet), the current one as of now."""

    async def changes(
        self, program_id: int, start: datetime, until: datetime, limit: int
    ) -> list[Change]:
        """Up to `limit` things the program's leaders changed between `start` and `until`,
        newest first: reflections owners may read under the author's name, and follow-ups
        of such reflections marked done. Nothing of people who asked to be forgotten."""

    async def close_weeks(self, program_id: int, weeks: list[Week], cadence: timedelta) -> int:
        """Write the figures of those of these closed weeks not written yet, each as of its
        end; a week written once is never written again. Returns how many were written."""


class Tx(Protocol):
    """One store transaction: everything in it is committed together or not at all. The
    records are read and written on it; `queue` and `reports` are its other parts."""

    queue: TxQueue
    reports: TxReports

    async def add(self, record: R) -> R:
        """Insert `record`, fill its `id` (and `created_at` when unset) and return it."""

    async def save(self, record: Any, fields: tuple[str, ...] = ()) -> None:
        """Write the named fields (default: every field) of an already stored record."""

    async def save_many(self, records: list[Any], fields: tuple[str, ...]) -> None:
        """Write the named fields of many stored records of one type at once."""

    async def get(self, kind: type[R], record_id: int, *, lock: bool = False) -> R | None:
        """The record of type `kind` with this id, or None; `lock` holds it until commit."""

    async def find(self, record_type: type[R], /, **where: Any) -> list[R]:
        """Records whose fields equal the given values (a list means any of them), by id."""

    async def delete(self, record_type: type, /, **where: Any) -> int:
        """Delete the records whose fields equal the given values; returns how many."""

    def erase_freed_space(self) -> None:
        """Once this transaction commits, leave none of the text it deleted or overwrote in
        the database's files (forget-me). SQLite: the write-ahead log is emptied into the
        file, whose freed space is zeroed; PostgreSQL leaves old row versions to VACUUM."""

    async def learnings(
        self, scope: LibraryScope, words: list[str], limit: int
    ) -> list[LearningEntry]:
        """Up to `limit` reflections `scope` may read whose texts hold every one of `words`
        (each a run of letters and digits; none: any), newest first. Reflections of people
        who asked to be forgotten are never among them."""

    async def sessions_version(self, pairing_ids: list[int]) -> tuple[int, int, int]:
        """How many sessions these pairs have, the sum of their ids and the sum of their
        revisions: one of the three differs whenever a session was added, changed or
        deleted (calendar feeds are built again only then)."""

    async def booked(
        self, people: list[int], after: datetime
    ) -> dict[int, list[tuple[datetime, int]]]:
        """Each of these people's scheduled sessions with anyone that end after `after`, as
        (start, minutes) by person, in a statement or two (the times a nudge offers go around
        them)."""


class Store(Protocol):
    """Opens transactions on the persistent store."""

    def transaction(self) -> AbstractAsyncContextManager[Tx]: ...

    def reading(self) -> AbstractAsyncContextManager[Tx]:
        """A transaction for reading only: it takes no write lock, and writes fail in it."""

    async def ping(self) -> None:
        """Read from the store; raises when it does not answer. Takes no write lock."""

    async def version(self) -> Any:
        """A value that differs whenever a write was committed since, by any process, or
        None when the store cannot tell (then nothing may be kept on it)."""

    async def listen(self, wake: Callable[[], None]) -> Callable[[], Awaitable[None]] | None:
        """Call `wake` whenever any process announces due rows (`Tx.announce_due`); returns
        how to stop listening, or None when this store cannot listen (SQLite)."""


class Sender(Protocol):
    """Delivers a neutral message to one person on one platform.

    A sender that waits for its turn (pacing below a platform's rate limits) may also have
    `stop()`: from then on a send still waiting raises NotSent instead of posting, and a post
    already under way finishes. The engine calls it when the process is asked to stop.
    """

    async def send(self, recipient: Participant, message: Message) -> dict[str, Any] | None:
        """Send now; raise DeliveryError when the platform refuses, NotSent when the sender
        was stopped before the platform had it. May return what it learned about reaching the
        recipient (a conversation id) to keep in their address, and under SENT_AS the
        platform's id of the message, kept on the outbox rows it carried (a platform that
        redraws a whole message after a click finds what else it still asks by it)."""


SENT_AS = "sent_as"


class NotSent(Exception):
    """The sender stopped before the platform had the message: nothing went out, and it
    counts as no attempt (the row is handed back for the next worker)."""


class DeliveryError(Exception):
    """A send that did not go through.

    Args:
        reason: what the platform said, shown to owners when the send finally fails.
        retry_after: seconds the platform asked us to wait, when it said.
        permanent: True when retrying cannot help (blocked bot, unknown user).
    """

    def __init__(
        self, reason: str, *, retry_after: float | None = None, permanent: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent
