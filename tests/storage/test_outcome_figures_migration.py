"""Revisions 0009 and 0010 give the pairs they find their outcome figures and their questions
sent, as the store would keep them; revision 0012 counts the ratings asked again as the
post-session cards sent (each card asks the rating), and its downgrade as the pulse questions
sent on their own before."""

from alembic import command
from sqlalchemy import insert, select

from storage.pair_figures import FIGURES
from storage.tables import (
    followups,
    notifications,
    objectives,
    pairings,
    participants,
    programs,
    pulses,
    reflections,
    sessions,
)
from tests.harness import unit_of_work
from tests.storage.support import NOW, migration

# The figures revisions 0009 and 0010 added: all but sessions, reflections and the last held,
# and those of 0019 (tested below).
LATER = ("preps_sent", "heard_yes", "heard_partly", "heard_no")
OUTCOME_FIGURES = tuple(
    f.name
    for f in FIGURES
    if f.name not in ("held_count", "missed_count", "reflection_count", "last_held_at", *LATER)
)


async def test_the_migration_counts_the_outcomes_it_finds(store):
    async with store.engine.begin() as conn:
        await conn.run_sync(migration(command.downgrade, "0008"))
    try:
        async with store.engine.begin() as conn:  # only the columns revision 0008 has
            await _people_and_program(conn, (1, 2))
            pair = dict(program_id=1, goal="", why="", status="active")
            await conn.execute(
                insert(pairings),
                [{**pair, "id": i, "mentor_id": i, "mentee_id": 3 - i} for i in (1, 2)],
            )
            session = dict(pairing_id=1, starts_at=NOW, minutes=45, topic="", status="held")
            await conn.execute(
                insert(sessions), [{**session, "id": n, "number": n} for n in (1, 2)]
            )
            written = dict(role="mentee", what_changed="x", will_do="")
            await conn.execute(
                insert(reflections),
                [
                    {**written, "id": 1, "session_id": 1, "author_id": 2, "visibility": "program"},
                    {**written, "id": 2, "session_id": 2, "author_id": 2, "visibility": "private"},
                ],
            )
            actions = [  # (reflection, done, state, asks)
                (1, True, "done", 1),
                (1, False, "dropped", 2),
                (2, True, "done", 1),
                (1, True, "done", 0),
                (2, False, "open", 0),
            ]
            await conn.execute(
                insert(followups),
                [
                    dict(pairing_id=1, reflection_id=r, text="t", done=d, state=s, asks=a)
                    for r, d, s, a in actions
                ],
            )
            states = ("done", "started", "started", "not_started")
            await conn.execute(
                insert(objectives), [dict(pairing_id=1, text="o", state=s) for s in states]
            )
            answers = [("useful", 1, 1, "4"), ("useful", 1, 2, "2"), ("useful", 2, 1, "5")]
            answers += [("fit", 1, 1, "no"), ("fit", 1, 2, "not_sure"), ("fit", 2, 2, "yes")]
            await conn.execute(
                insert(pulses),
                [
                    dict(kind=k, pairing_id=1, session_id=s, participant_id=p, value=v)
                    for k, s, p, v in answers
                ],
            )
            sent = [  # (pairing, kind, series, status)
                (1, "followthrough", "followthrough:0", "sent"),
                (1, "followthrough", "followthrough:0", "sent"),
                (1, "followthrough", "followthrough:1", "sent"),  # a later round
                (1, "followthrough.reminder", "followthrough:0", "sent"),
                (1, "followthrough", "followthrough:0", "pending"),
                (1, "pulse", "pulse", "sent"),  # asked on its own: 0012 no longer counts it
                (1, "pulse", "pulse", "failed"),
                (1, "fit", "fit", "sent"),
                (1, "reflect", "session:1", "sent"),  # post-session cards: a rating asked each
                (1, "reflect", "session:1", "sent"),
                (1, "reflect", "session:2", "sent"),
                (1, "reflect", "session:2", "pending"),
                (1, "reflect.reminder", "session:1", "sent"),
                (1, "checkin", "checkin:expectations", "sent"),
                (1, "checkin", "checkin:expectations", "sent"),
                (1, "checkin.reminder", "checkin:expectations", "sent"),
                (1, "checkin", "checkin:final", "sent"),
                (1, "checkin", "checkin:final", "skipped"),
                (2, "agenda", "session:1", "sent"),
            ]
            await conn.execute(
                insert(notifications),
                [
                    dict(
                        key=f"k{n}",
                        kind=kind,
                        recipient_id=1,
                        due_at=NOW,
                        series=series,
                        pairing_id=pair,
                        payload={},
                        status=status,
                        attempts=1,
                        last_error="",
                    )
                    for n, (pair, kind, series, status) in enumerate(sent)
                ],
            )
    finally:
        async with store.engine.begin() as conn:
            await conn.run_sync(migration(command.upgrade, "head"))
    async with unit_of_work(store) as tx:
        found = select(*(pairings.c[name] for name in OUTCOME_FIGURES)).order_by(pairings.c.id)
        rows = [dict(row._mapping) for row in await tx.conn.execute(found)]
    assert rows[1] == dict.fromkeys(OUTCOME_FIGURES, 0)
    assert rows[0] == dict(
        objectives_not_started=1,
        objectives_started=2,
        objectives_done=1,
        followups_planned=3,
        followups_done=2,
        followups_dropped=1,
        implemented=3,
        implemented_shared=2,
        pulse_answers=3,
        pulse_sum=11,
        fit_doubts=2,
        followups_asked=2,
        pulse_asked=3,
        checkins_asked_expectations=2,
        checkins_asked_midpoint=0,
        checkins_asked_final=1,
    )


async def test_revision_0012_counts_ratings_asked_as_the_cards_sent_and_its_downgrade_as_pulses(
    store,
):
    async with store.engine.begin() as conn:
        await conn.run_sync(migration(command.downgrade, "0011"))
    try:
        async with store.engine.begin() as conn:
            await _people_and_program(conn, (1, 2, 3, 4))
            # Pair 1 met before the card asked the rating: a pulse row and a card each, its
            # figure the pulses. Pair 2 has one card sent, the other's still to go, and a
            # pulse row skipped (its card asked it); nothing counted yet.
            pairs = [(1, 1, 2, 2), (2, 3, 4, 0)]  # (id, mentor, mentee, pulse_asked)
            await conn.execute(
                insert(pairings),
                [
                    dict(
                        id=i,
                        program_id=1,
                        mentor_id=mentor,
                        mentee_id=mentee,
                        goal="",
                        why="",
                        status="active",
                        pulse_asked=asked,
                    )
                    for i, mentor, mentee, asked in pairs
                ],
            )
            session = dict(starts_at=NOW, minutes=45, topic="", status="held", number=1)
            await conn.execute(
                insert(sessions), [{**session, "id": i, "pairing_id": i} for i in (1, 2)]
            )
            rows = [  # (pairing, recipient, kind, series, status)
                (1, 1, "pulse", "pulse", "sent"),
                (1, 2, "pulse", "pulse", "sent"),
                (1, 1, "reflect", "session:1", "sent"),
                (1, 2, "reflect", "session:1", "sent"),
                (1, 2, "reflect.reminder", "session:1", "sent"),
                (2, 4, "reflect", "session:2", "sent"),
                (2, 3, "reflect", "session:2", "pending"),
                (2, 3, "pulse", "pulse", "skipped"),
            ]
            await conn.execute(
                insert(notifications),
                [
                    dict(
                        key=f"k{n}",
                        kind=kind,
                        recipient_id=person,
                        due_at=NOW,
                        series=series,
                        pairing_id=pair,
                        session_id=pair,
                        payload={},
                        status=status,
                        attempts=1,
                        last_error="",
                    )
                    for n, (pair, person, kind, series, status) in enumerate(rows)
                ],
            )
        async with store.engine.begin() as conn:
            await conn.run_sync(migration(command.upgrade, "0012"))
        assert await _ratings_asked(store) == [2, 1]
        async with store.engine.begin() as conn:
            await conn.run_sync(migration(command.downgrade, "0011"))
        assert await _ratings_asked(store) == [2, 0]
    finally:
        async with store.engine.begin() as conn:
            await conn.run_sync(migration(command.upgrade, "head"))


async def _people_and_program(conn, ids: tuple[int, ...]) -> None:
    """People with these ids and program 1, with only the columns every revision has."""
    people = [
        dict(id=i, platform="console", user_id=f"u{i}", display_name="", workspace="") for i in ids
    ]
    await conn.execute(insert(participants), [{**p, "reachable": True} for p in people])
    await conn.execute(
        insert(programs).values(
            id=1,
            name="P",
            objective="o",
            cadence_days=14,
            session_minutes=45,
            owners=[],
            agenda_set="",
            reflection_visibility="program",
            timezone="UTC",
        )
    )


async def _ratings_asked(store) -> list[int]:
    async with store.engine.begin() as conn:
        found = select(pairings.c.pulse_asked).order_by(pairings.c.id)
        return list((await conn.execute(found)).scalars())


async def test_revision_0019_counts_the_prep_notes_mentors_were_sent(store):
    async with store.engine.begin() as conn:
        await conn.run_sync(migration(command.downgrade, "0018"))
    try:
        async with store.engine.begin() as conn:
            await _people_and_program(conn, (1, 2))
            await conn.execute(
                insert(pairings).values(
                    id=1, program_id=1, mentor_id=1, mentee_id=2, goal="", why="", status="active"
                )
            )
            rows = [(1, "sent"), (2, "sent"), (1, "pending"), (1, "sent")]  # (recipient, status)
            await conn.execute(
                insert(notifications),
                [
                    dict(
                        key=f"k{n}",
                        kind="agenda" if n < 3 else "check",
                        recipient_id=person,
                        due_at=NOW,
                        series="session:1",
                        pairing_id=1,
                        payload={},
                        status=status,
                        attempts=1,
                        last_error="",
                    )
                    for n, (person, status) in enumerate(rows)
                ],
            )
        async with store.engine.begin() as conn:
            await conn.run_sync(migration(command.upgrade, "0019"))
            found = select(pairings.c.preps_sent, pairings.c.heard_no)
            assert (await conn.execute(found)).all() == [(1, 0)]  # the mentor's sent agenda
    finally:
        async with store.engine.begin() as conn:
            await conn.run_sync(migration(command.upgrade, "head"))
