"""What a calendar feed holds (issue 25, item 10), built from its facts without a database:
bookings newest first up to MOST_EVENTS events, nothing that ended over FEED_PAST ago, and a
cancellation only for CANCELLED_SHOWN after its time (a series then names it in EXDATE, so
its rule does not bring it back); and the feed's version, which is what the cache and the
ETag go by."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from bot.calendar.feed import (
    CANCELLED_SHOWN,
    FEED_PAST,
    MOST_EVENTS,
    FeedCache,
    FeedFacts,
    build,
)
from bot.domain.model import Pairing, Participant, Program, Session, SessionStatus
from bot.domain.outcomes import Objective

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
MIDNIGHT = datetime(2026, 6, 1, tzinfo=UTC)


def _facts(sessions: list[Session]) -> FeedFacts:
    people = {
        1: Participant("console", "mina", "Mina Park", id=1),
        2: Participant("console", "erik", "Erik Lund", id=2),
    }
    return FeedFacts(
        pairings={7: Pairing(program_id=3, mentor_id=1, mentee_id=2, id=7)},
        people=people,
        programs={3: Program(name="Pilot", id=3)},
        goals={7: []},
        sessions_version=(len(sessions), 0, 0),
        today=NOW.date(),
        sessions=sessions,
    )


def _one(n: int, starts: datetime, **values) -> Session:
    return Session(7, starts, 45, uid=f"s{n}@mentorbot", id=n, **values)


def _events(facts: FeedFacts) -> list:
    return Calendar.from_ical(build(facts, NOW)).walk("VEVENT")


def test_a_feed_keeps_the_newest_bookings_up_to_its_cap():
    sessions = [_one(n, NOW + timedelta(hours=n)) for n in range(1, MOST_EVENTS + 51)]
    found = _events(_facts(sessions))
    assert len(found) == MOST_EVENTS
    kept = {str(e["UID"]) for e in found}
    assert f"s{MOST_EVENTS + 50}@mentorbot" in kept and "s50@mentorbot" not in kept
    assert "s51@mentorbot" in kept, "the 50 earliest go, no more"


def test_bookings_over_feed_past_ago_are_left_out():
    edge = MIDNIGHT - FEED_PAST
    sessions = [_one(1, edge - timedelta(hours=1)), _one(2, edge + timedelta(hours=1))]
    assert [str(e["UID"]) for e in _events(_facts(sessions))] == ["s2@mentorbot"]


def test_a_cancelled_session_stays_for_thirty_days_after_its_time():
    edge = MIDNIGHT - CANCELLED_SHOWN
    cancelled = SessionStatus.CANCELLED
    sessions = [
        _one(1, edge - timedelta(hours=1), status=cancelled, sequence=1),
        _one(2, edge + timedelta(hours=1), status=cancelled, sequence=1),
    ]
    [event] = _events(_facts(sessions))
    assert str(event["UID"]) == "s2@mentorbot" and event["STATUS"] == "CANCELLED"


def test_a_series_names_its_old_cancellations_in_exdate_and_keeps_recent_ones_as_events():
    first = MIDNIGHT - timedelta(days=56)
    series = dict(uid="series@mentorbot", repeat_days=14, repeat_count=5)
    rows = []
    for k in range(5):
        starts = first + timedelta(days=14 * k)
        rows.append(Session(7, starts, 45, number=k + 1, recurrence_id=starts, id=k + 1, **series))
    # The second (42 days ago) and the fourth (14 days ago) were cancelled: newer rows.
    for n, k in ((6, 1), (7, 3)):
        old = rows[k]
        rows.append(replace(old, id=n, status=SessionStatus.CANCELLED, sequence=1))
    found = _events(_facts(rows))
    master = next(e for e in found if "RRULE" in e)
    excluded = [d.dt for d in master["EXDATE"].dts]
    assert excluded == [first + timedelta(days=14)], "over 30 days ago: in EXDATE only"
    [recent] = [e for e in found if "RECURRENCE-ID" in e]
    assert recent["RECURRENCE-ID"].dt == first + timedelta(days=42)
    assert recent["STATUS"] == "CANCELLED"


def test_the_version_changes_with_what_the_feed_shows_and_not_with_a_pairs_nudges():
    facts = _facts([_one(1, NOW + timedelta(days=1))])
    version = facts.version
    nudged = replace(facts, pairings={7: replace(facts.pairings[7], snoozed_until=NOW)})
    assert nudged.version == version
    renamed = dict(facts.people)
    renamed[1] = replace(renamed[1], display_name="Mina Berg")
    assert replace(facts, people=renamed).version != version
    mailed = dict(facts.people)
    mailed[2] = replace(mailed[2], email="erik@example.com")
    assert replace(facts, people=mailed).version != version
    program = replace(facts.programs[3], name="Pilot 2")
    assert replace(facts, programs={3: program}).version != version
    goal = Objective(pairing_id=7, text="Ship it", id=1)
    assert replace(facts, goals={7: [goal]}).version != version
    assert replace(facts, sessions_version=(1, 1, 1)).version != version
    assert replace(facts, today=facts.today + timedelta(days=1)).version != version


async def test_the_cache_answers_only_the_version_it_built_and_keeps_to_its_budget():
    facts = _facts([_one(1, NOW + timedelta(days=1))])
    cache = FeedCache()
    feed = await cache.build("a", facts, NOW)
    assert cache.get("a", facts.version) is feed
    assert cache.get("a", "something else") is None and cache.get("b", facts.version) is None
    small = FeedCache(budget=len(feed.body) + 10)
    await small.build("a", facts, NOW)
    await small.build("b", facts, NOW)
    assert small.get("a", facts.version) is None, "the least recently asked goes first"
    assert small.get("b", facts.version) is not None
