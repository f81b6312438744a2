"""The read model owners' figures start from: each pairing keeps its own figures on its row
(one column each), declared once in FIGURES: what it counts among the pair's own rows, and
where a program's sum of it goes (`into`, a place in bot.domain.ports.ProgramFigures). The
columns (added to `pairings` here), the recount and the program's sums
(storage/status_figures.py) are all made from that declaration; a new figure is one
PairFigure and a migration adding its column (docs/architecture.md shows one).

A transaction notes the pairs whose sessions, reflections (their session or visibility),
follow-ups, objectives or pulses it writes or deletes, or whose questions counted in ASKED it
marks sent (delivery's release): the unit of work's change set, noted as it writes. Noting
recounts nothing: the unit of work recounts the pairs it touched itself (`Figures.recount`,
through `tx.reports.recount()`), before it commits (bot.context.Context.finish, delivery's
write-backs) and before it reads owners' figures after writing. A transaction that would
commit touched pairs not recounted is refused (`StaleFigures`), and so is a read of owners'
figures that would miss them: forgetting the recount is an error, never a wrong figure.
On PostgreSQL the pairing rows are locked first, in a statement of their own: the recount
that follows then starts after any other transaction that recounted the same pair has
committed, and sees its rows (a recount in the locking statement itself would read the rows
as they were before it waited, and lose the other's change). SQLite runs one writer at a
time.

Nothing else writes these columns, and the engine never reads them (`tables.COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Column, Integer, Select, and_, case, cast, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.kinds import Kind, checkin_series, followthrough_series
from bot.domain.model import FollowUp, Notification, NotificationStatus, Reflection, Session, Stage
from bot.domain.outcomes import Fit, FollowUpState, Heard, Objective, ObjectiveState, Pulse
from bot.domain.ports import ProgramFigures, StageFigures
from storage import definitions
from storage.tables import (
    TABLES,
    followups,
    notifications,
    objectives,
    pairings,
    pulses,
    reflections,
    sessions,
)
from storage.timestamps import UTCDateTime

# Writing these fields of a record can change its pair's figures (a record of these types
# has a pairing_id; a reflection's pair is found through its session and its follow-ups).
COUNTED: dict[type, frozenset[str]] = {
    Session: frozenset({"status", "starts_at", "pairing_id"}),
    FollowUp: frozenset({"pairing_id", "reflection_id", "done", "state", "asks"}),
    Objective: frozenset({"pairing_id", "state"}),
    Pulse: frozenset({"pairing_id", "kind", "value"}),
}
REFLECTION_COUNTED = frozenset({"session_id", "visibility"})
SENT = NotificationStatus.SENT.value
DOUBTS = (Fit.NO.value, Fit.NOT_SURE.value)  # fit answers that may need the owners
CHUNK = 5_000  # pairs recounted per statement (ids are bound one parameter each)


@dataclass(frozen=True)
class PairFigure:
    """One figure every pairing keeps: its column, what it counts among the pair's rows (a
    scalar subquery correlated to `pairings`), and where a program sums it (`into`, a dotted
    place in ProgramFigures such as "outcomes.followups_done" or "checkins.final.asked";
    "" when programs do not sum it). `asked` names the outbox rows (kind, series or None)
    a figure of questions sent counts, so that marking one sent recounts its pair."""

    name: str
    counts: Callable[[], Any]
    into: str = ""
    kind: Any = Integer
    asked: tuple[str, str | None] | None = None

    def column(self) -> Column:
        if self.kind is Integer:
            return Column(self.name, Integer, nullable=False, server_default="0")
        return Column(self.name, self.kind, nullable=True)


def _number(table: Any, *where: Any) -> Any:
    """How many of the pair's rows of `table` meet `where`."""
    own = table.c.pairing_id == pairings.c.id
    return select(func.count()).where(own, *where).scalar_subquery()


def _held(*where: Any) -> Any:
    return _number(sessions, sessions.c.status == "held", *where)


def _sent(kind: str, series: str | None) -> Callable[[], Any]:
    n = notifications
    mine = (n.c.kind == kind, n.c.status == SENT)
    return lambda: _number(n, *mine, *([] if series is None else [n.c.series == series]))


def _planned(*where: Any) -> Callable[[], Any]:
    return lambda: _number(followups, followups.c.asks > 0, *where)


def _reflections() -> Any:
    r, s = reflections, sessions
    mine = s.c.pairing_id == pairings.c.id
    return select(func.count()).select_from(r.join(s, r.c.session_id == s.c.id)).where(mine)


def _last_held() -> Any:
    s = sessions
    held = and_(s.c.pairing_id == pairings.c.id, s.c.status == "held")
    return select(func.max(s.c.starts_at)).where(held).scalar_subquery()


def _implemented_shared() -> Any:
    f, r = followups, reflections
    shared = select(r.c.id).where(r.c.id == f.c.reflection_id, r.c.visibility != "private")
    return _number(f, f.c.done.is_(True), shared.exists())


def _ratings(what: str) -> Any:
    u = pulses
    useful = (u.c.pairing_id == pairings.c.id, u.c.kind == "useful")
    if what == "answers":
        return _number(u, *useful[1:])
    rating = func.coalesce(func.sum(cast(u.c.value, Integer)), 0)  # digits 1-5 (flows.pulse)
    return select(rating).where(*useful).scalar_subquery()


def _preps() -> Any:
    n = notifications
    to_mentor = n.c.recipient_id == pairings.c.mentor_id
    return _number(n, n.c.kind == Kind.AGENDA.value, n.c.status == SENT, to_mentor)


def _asked(name: str, into: str, kind: str, series: str | None) -> PairFigure:
    return PairFigure(name, _sent(kind, series), into, asked=(kind, series))


FIGURES: tuple[PairFigure, ...] = (
    PairFigure("held_count", lambda: _held(), "sessions.held"),
    PairFigure(
        "missed_count", lambda: _number(sessions, sessions.c.status == "missed"), "sessions.missed"
    ),
    PairFigure("reflection_count", lambda: _reflections().scalar_subquery(), "reflections"),
    PairFigure("last_held_at", _last_held, kind=UTCDateTime()),
    *(
        PairFigure(
            f"objectives_{state}",
            (lambda state=state: _number(objectives, objectives.c.state == state)),
            f"outcomes.objectives.{state}",
        )
        for state in ObjectiveState
    ),
    PairFigure("followups_planned", _planned(), "outcomes.followups_planned"),
    PairFigure(
        "followups_done",
        _planned(followups.c.state == FollowUpState.DONE),
        "outcomes.followups_done",
    ),
    PairFigure(
        "followups_dropped",
        _planned(followups.c.state == FollowUpState.DROPPED),
        "outcomes.followups_dropped",
    ),
    PairFigure(
        "implemented", lambda: _number(followups, followups.c.done.is_(True)), "implemented"
    ),
    PairFigure("implemented_shared", _implemented_shared),  # read per mentor, not summed
    PairFigure("pulse_answers", lambda: _ratings("answers"), "outcomes.pulse_answers"),
    PairFigure("pulse_sum", lambda: _ratings("sum"), "outcomes.pulse_sum"),
    PairFigure(
        "fit_doubts",
        lambda: _number(pulses, pulses.c.kind == "fit", pulses.c.value.in_(DOUBTS)),
    ),  # programs count the pairs with any (definitions.doubted), not the answers
    *(
        PairFigure(
            f"heard_{answer}",
            (
                lambda answer=answer: _number(
                    pulses, pulses.c.kind == "heard", pulses.c.value == answer
                )
            ),
            f"outcomes.heard.{answer}",
        )
        for answer in Heard
    ),
    # Prep notes: the day-before message (an agenda row) that reached the mentor.
    PairFigure("preps_sent", _preps, "outcomes.preps_sent", asked=(Kind.AGENDA, None)),
    # Questions sent: the first ask of each follow-up, session ratings (each post-session
    # card asks one, flows/debrief.py), and check-ins by stage.
    _asked(
        "followups_asked", "outcomes.followups_asked", Kind.FOLLOWTHROUGH, followthrough_series(0)
    ),
    _asked("pulse_asked", "outcomes.pulse_asked", Kind.REFLECT, None),
    *(
        _asked(f"checkins_asked_{s}", f"checkins.{s}.asked", Kind.CHECKIN, checkin_series(s))
        for s in Stage
    ),
)
ASKED = {f.name: f.asked for f in FIGURES if f.asked is not None}
for _figure in FIGURES:  # the columns: one per figure, on every pairing
    pairings.append_column(_figure.column())


def recount(pairing_ids: list[int]):
    """The UPDATE that sets these pairings' figures from their own rows."""
    values = {f.name: f.counts() for f in FIGURES}
    return update(pairings).where(pairings.c.id.in_(pairing_ids)).values(**values)


def sums() -> list[Any]:
    """A program's sums of its pairs' figures (those with an `into`), each labelled by the
    figure's name, and the pairs that doubt their match (`fit_alerts`), for a select over
    pairings grouped as its caller likes; `add` puts a row of them in place."""
    p = pairings
    doubted = func.sum(case((definitions.doubted(), 1), else_=0)).label("fit_alerts")
    return [*(func.sum(p.c[f.name]).label(f.name) for f in FIGURES if f.into), doubted]


def add(figures: ProgramFigures, row: Mapping[str, Any]) -> None:
    """Add a row of `sums()`, read by name, to each figure's place in `figures`."""
    for f in FIGURES:
        if f.into:
            _put(figures, f.into.split("."), int(row[f.name] or 0))
    figures.outcomes.fit_alerts += int(row["fit_alerts"] or 0)


def _put(place: Any, path: list[str], number: int) -> None:
    """Add `number` at `path` below `place`: a field of a dataclass, or a key of a dict (a
    key only once it counts something, as a count grouped by it would)."""
    head, rest = path[0], path[1:]
    if isinstance(place, dict):
        if not number:
            return
        if not rest:
            place[head] = place.get(head, 0) + number
            return
        inner = place.get(head) or StageFigures()  # checkins by stage, the only such dict
        place[head] = replace(inner, **{rest[0]: getattr(inner, rest[0]) + number})
        return
    if rest:
        _put(getattr(place, head), rest, number)
    else:
        setattr(place, head, getattr(place, head) + number)


def program_of(session: Session) -> Any:
    """The value a new session's program_id is inserted with: its pairing's program."""
    return (
        select(pairings.c.program_id).where(pairings.c.id == session.pairing_id).scalar_subquery()
    )


def _counts(record: Any, fields: tuple[str, ...]) -> bool:
    """Whether writing these fields of a record (of a type with a pairing_id) can change its
    pair's figures: a COUNTED field, or an outbox row marked sent that ASKED counts."""
    kind = type(record)
    if kind is Notification:
        written = not fields or "status" in fields
        return (
            written
            and record.status == SENT
            and any(
                record.kind == kind and series in (None, record.series)
                for kind, series in ASKED.values()
            )
        )
    return kind in COUNTED and (not fields or bool(COUNTED[kind] & set(fields)))


class StaleFigures(RuntimeError):
    """A transaction touched pairs' rows and did not recount their figures."""


class Figures:
    """The pairs one transaction has touched (its change set), recounted by `recount`."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.pairing_ids: set[int] = set()
        self.session_ids: set[int] = set()  # of reflections written
        self.reflection_ids: set[int] = set()  # written: their follow-ups' pairs

    def wrote(self, records: Iterable[Any], fields: tuple[str, ...] = ()) -> None:
        """Note records added or saved (`fields`: the fields written, empty for all)."""
        for record in records:
            kind = type(record)
            if kind is Reflection:
                if not fields or REFLECTION_COUNTED & set(fields):
                    self.session_ids.add(record.session_id)
                    self.reflection_ids.add(record.id)
            elif _counts(record, fields):
                self.pairing_ids.add(record.pairing_id)

    async def deleting(self, record_type: type, rows: Select) -> None:
        """Note the pairs of the rows a delete is about to remove (`rows`: their ids)."""
        if record_type in COUNTED:
            table = TABLES[record_type]
            query = select(table.c.pairing_id).where(table.c.id.in_(rows))
            self.pairing_ids.update((await self.conn.execute(query)).scalars())
        elif record_type is Reflection:
            query = select(reflections.c.session_id).where(reflections.c.id.in_(rows))
            self.session_ids.update((await self.conn.execute(query)).scalars())

    @property
    def pending(self) -> bool:
        """Whether pairs were touched since the last recount."""
        return bool(self.pairing_ids or self.session_ids or self.reflection_ids)

    def check(self, doing: str) -> None:
        """Refuse `doing` while touched pairs wait for their recount."""
        if self.pending:
            raise StaleFigures(
                f"{doing} with pairs' figures not recounted: the unit of work that wrote "
                "their rows calls tx.reports.recount() first"
            )

    async def recount(self) -> None:
        """Recount the pairs touched since the last recount, from their own rows."""
        ids = set(self.pairing_ids)
        ids.update(await self._pairs(sessions.c.pairing_id, sessions.c.id, self.session_ids))
        f = followups
        ids.update(await self._pairs(f.c.pairing_id, f.c.reflection_id, self.reflection_ids))
        self.pairing_ids.clear()
        self.session_ids.clear()
        self.reflection_ids.clear()
        if not ids:
            return
        ordered = sorted(ids)
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            if self.conn.dialect.name == "postgresql":
                lock = select(pairings.c.id).where(pairings.c.id.in_(chunk)).order_by("id")
                await self.conn.execute(lock.with_for_update())
            await self.conn.execute(recount(chunk))

    async def _pairs(self, pairing_id, key, values: set[int]) -> set[int]:
        """The pairs of the rows whose `key` is one of `values`."""
        found: set[int] = set()
        ordered = sorted(values)
        for start in range(0, len(ordered), CHUNK):
            query = select(pairing_id).where(key.in_(ordered[start : start + CHUNK]))
            found.update((await self.conn.execute(query)).scalars())
        return found


async def refresh_all(conn: AsyncConnection) -> None:
    """Give every session its program and recount every pair: for rows written around the
    store (the benchmarks' bulk inserts), as migration 0008 did for the rows before it."""
    s = sessions
    program = select(pairings.c.program_id).where(pairings.c.id == s.c.pairing_id)
    missing = update(s).where(s.c.program_id.is_(None))
    await conn.execute(missing.values(program_id=program.scalar_subquery()))
    figures = Figures(conn)
    figures.pairing_ids.update((await conn.execute(select(pairings.c.id))).scalars())
    await figures.recount()
