"""Each person's private calendar feed: `calendar` gives its address, `calendar reset`
replaces it, and `mentorbot serve` answers it with the person's own sessions.

The address carries a random token (192 bits) whose SHA-256 digest is kept with the person;
nothing else leads to a feed, so a token that is wrong, replaced or belongs to someone
forgotten finds nothing.
A feed lists the sessions of the person's own pairings, from FEED_PAST ago on: each booking
as the event its invites described (a series as one repeating event, with its moved and
cancelled occurrences), so a subscribed calendar follows every change by itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from bot.calendar.ics import Occurrence, document
from bot.calendar.invites import attendees, description, event_of
from bot.context import Context
from bot.domain import prompts
from bot.domain.messages import Button, Message
from bot.domain.model import Pairing, Participant, Program, Session, SessionStatus
from bot.domain.outcomes import Objective
from bot.router import Request

# Raise it with any change to what a feed says or how, other than the bot's words (prompts/
# files count by themselves): a calendar holding an ETag from before then gets the new feed.
FEED_FORMAT = 1
FEED_PAST = timedelta(days=90)
CANCELLED_SHOWN = timedelta(days=30)  # a cancelled session stays in feeds this long after
MOST_EVENTS = 500  # events in one feed, the newest bookings first
CACHE_BYTES = 64 * 2**20  # feeds kept built, per process
TOKEN = re.compile(r"[0-9a-f]{48}")
PATH = "/calendar/"


def feed_path(token: str) -> str:
    return f"{PATH}{token}.ics"


def digest(token: str) -> str:
    """What is kept of a feed token: its SHA-256 (hex). A copy of the database leads to no
    feed."""
    return hashlib.sha256(token.encode()).hexdigest()


async def calendar_command(ctx: Context, person: Participant, req: Request) -> Message:
    """`calendar`: the person's feed address, made on first use; `calendar reset`: a new
    address, the old one and their Teams invite links stop working at once. Only the token's
    digest is kept, so an address, once given, cannot be given again: `calendar` then says
    where it is and how to get a new one. Without an address people can reach
    (config.public_url empty), feeds are off: no token is made and the answer says so."""
    args = req.args
    if not ctx.config.public_url:
        return Message(prompts.text("calendar.off"))
    word = args.strip().lower()
    if word not in ("", "reset"):
        return Message(prompts.text("calendar.usage"))
    if word == "" and person.calendar_token:
        return Message(prompts.text("calendar.given"))
    # Hex: nothing in it that a chat's markdown could take for formatting.
    token = secrets.token_hex(24)
    person.calendar_token = digest(token)
    fields: tuple[str, ...] = ("calendar_token",)
    if word == "reset":
        person.link_generation += 1
        fields += ("link_generation",)
    await ctx.tx.save(person, fields=fields)
    url = ctx.config.public_url.rstrip("/") + feed_path(token)
    webcal = "webcal://" + url.split("://", 1)[-1]
    key = "calendar.reset" if word == "reset" else "calendar.feed"
    # The addresses go in buttons: a long link in text runs past a chat's column.
    return Message(
        prompts.text(key),
        buttons=(
            Button(prompts.text("buttons.feed_link"), "link.feed", url=url),
            Button(prompts.text("buttons.feed_subscribe"), "link.webcal", url=webcal),
        ),
    )


@dataclass(frozen=True)
class Feed:
    """A feed as served: its iCalendar text, and its version (the HTTP ETag), which changes
    whenever anything the feed shows changes."""

    body: bytes
    etag: str


@dataclass
class FeedFacts:
    """Everything one person's feed is built from, read in one transaction. The sessions,
    the bulk of it, are read only when the feed must be built (`read_sessions`); until then
    `sessions_version` stands for them. `today` (UTC) places the windows, so a feed changes
    by itself at most once a day."""

    pairings: dict[int, Pairing]
    people: dict[int, Participant]
    programs: dict[int, Program]
    goals: dict[int, list[Objective]]
    sessions_version: tuple[int, int, int]
    today: date
    sessions: list[Session] = field(default_factory=list)

    @property
    def version(self) -> str:
        """A digest of what the feed shows and how: it differs when anything in the feed
        changed (its facts, the bot's words, FEED_FORMAT), and is the same on every replica
        running the same release."""
        people = [
            (p.id, p.display_name, p.user_id, p.email, p.forgotten_at)
            for p in sorted(self.people.values(), key=lambda p: p.id)
        ]
        # Of a pairing, only who and which program: a nudge or a figure written to it by a
        # tick changes nothing the feed shows.
        pairs = [(p.id, p.program_id, p.mentor_id, p.mentee_id) for p in self.pairings.values()]
        facts = (
            FEED_FORMAT,
            prompts.fingerprint(),
            self.today,
            sorted(pairs),
            sorted(self.programs.items()),
            sorted(self.goals.items()),
            people,
            self.sessions_version,
        )
        return hashlib.sha256(repr(facts).encode()).hexdigest()[:32]

    async def read_sessions(self, ctx: Context) -> None:
        if self.pairings:
            self.sessions = await ctx.tx.find(Session, pairing_id=list(self.pairings))

    @property
    def since(self) -> datetime:
        """Bookings whose last session is older than this are left out."""
        return datetime.combine(self.today, time(), UTC) - FEED_PAST

    @property
    def cancelled_since(self) -> datetime:
        """Cancelled sessions due before this are left out (a series' rule skips them)."""
        return datetime.combine(self.today, time(), UTC) - CANCELLED_SHOWN


async def feed_facts(ctx: Context, token: str) -> FeedFacts | None:
    """What the feed whose address carries `token` shows, or None (unknown, replaced or
    forgotten)."""
    if not TOKEN.fullmatch(token):
        return None
    found = await ctx.tx.find(Participant, calendar_token=digest(token))
    if not found or found[0].forgotten_at:
        return None
    person = found[0]
    pairings = {p.id: p for p in await ctx.pairings_of(person.id)}
    goals: dict[int, list[Objective]] = {i: [] for i in pairings}
    version = (0, 0, 0)
    if pairings:
        for goal in await ctx.tx.find(Objective, pairing_id=list(pairings)):
            goals[goal.pairing_id].append(goal)
        version = await ctx.tx.sessions_version(list(pairings))
    people = await ctx.people([i for p in pairings.values() for i in (p.mentor_id, p.mentee_id)])
    programs = {i: await ctx.program(i) for i in sorted({p.program_id for p in pairings.values()})}
    return FeedFacts(pairings, people, programs, goals, version, ctx.now.date())


class FeedCache:
    """The feeds built last, by their token's digest, each with the version of the facts it
    was built from: a calendar polling every few minutes is answered without building its
    feed again until something in it changed. At most `budget` bytes; the feed asked for
    least recently goes first."""

    def __init__(self, budget: int = CACHE_BYTES) -> None:
        self.budget = budget
        self._feeds: OrderedDict[str, Feed] = OrderedDict()
        self._size = 0

    def get(self, key: str, version: str) -> Feed | None:
        """The feed kept under `key`, if it was built from facts of this version."""
        found = self._feeds.get(key)
        if found is None or found.etag != version:
            return None
        self._feeds.move_to_end(key)
        return found

    async def build(self, key: str, facts: FeedFacts, now: datetime) -> Feed:
        """Build the feed (its sessions read) in a worker thread, and keep it: a big feed
        takes a few hundred ms to build, which the event loop must not wait for."""
        feed = Feed(await asyncio.to_thread(build, facts, now), facts.version)
        self._put(key, feed)
        return feed

    def clear(self) -> None:
        self._feeds.clear()
        self._size = 0

    def _put(self, key: str, feed: Feed) -> None:
        old = self._feeds.pop(key, None)
        self._size -= len(old.body) if old else 0
        self._feeds[key] = feed
        self._size += len(feed.body)
        while self._size > self.budget:
            _, gone = self._feeds.popitem(last=False)
            self._size -= len(gone.body)


def build(facts: FeedFacts, now: datetime) -> bytes:
    """The feed's iCalendar text: its bookings newest first (by their last session), as many
    as fit in MOST_EVENTS events."""
    by_uid: dict[str, list[Session]] = defaultdict(list)
    for session in facts.sessions:
        by_uid[session.uid].append(session)
    bookings: list[tuple[datetime, list[Occurrence]]] = []
    for rows in by_uid.values():
        rows.sort(key=lambda s: s.id)
        current = _current(rows)
        last = max(s.starts_at for s in current)
        if last < facts.since:
            continue
        events = _events(facts, facts.pairings[rows[0].pairing_id], rows, current)
        if events:
            bookings.append((last, events))
    bookings.sort(key=lambda booking: booking[0], reverse=True)
    kept: list[Occurrence] = []
    for _, events in bookings:
        if len(kept) + len(events) > MOST_EVENTS:
            break
        kept += events
    return document(kept, now, name=prompts.text("calendar.name")).encode("utf-8")


def _current(rows: list[Session]) -> list[Session]:
    """The latest row of each session of a booking (a move adds a row with the same uid)."""
    latest: dict[object, Session] = {}
    for row in rows:  # by id, so a later row replaces an earlier one
        latest[row.recurrence_id] = row
    return sorted(latest.values(), key=lambda s: s.recurrence_id or s.starts_at)


def _events(
    facts: FeedFacts, pairing: Pairing, rows: list[Session], current: list[Session]
) -> list[Occurrence]:
    """A booking's events: one session as it is now, or a series as its repeating event with
    each moved or cancelled occurrence. A cancellation due before `facts.cancelled_since` is
    left out (a series names it in EXDATE instead, so its rule does not bring it back)."""
    program = facts.programs[pairing.program_id]
    mentor, mentee = facts.people[pairing.mentor_id], facts.people[pairing.mentee_id]
    goals = facts.goals[pairing.id]
    people = attendees([mentee, mentor], rows)

    def old(row: Session) -> bool:
        return row.status == SessionStatus.CANCELLED and row.starts_at < facts.cancelled_since

    first = rows[0]
    if first.recurrence_id is None:  # one session: as it is now (a move may change its topic)
        row = current[-1]
        if old(row):
            return []
        summary, text = description(program, mentor, mentee, goals, row)
        cancelled = row.status == SessionStatus.CANCELLED
        return [event_of(row, summary, text, people, row.sequence, cancelled=cancelled)]
    if all(old(row) for row in current):
        return []
    summary, text = description(program, mentor, mentee, goals, first)
    originals: dict[object, Session] = {}
    for row in rows:
        originals.setdefault(row.recurrence_id, row)
    skipped = tuple(row.recurrence_id for row in current if old(row))
    events = [event_of(first, summary, text, people, 0, series=True, excluded=skipped)]
    for row in current:
        original = originals[row.recurrence_id]
        if old(row) or (row.id == original.id and row.status != SessionStatus.CANCELLED):
            continue  # left out, or as the series' rule has it
        cancelled = row.status == SessionStatus.CANCELLED
        events.append(event_of(row, summary, text, people, row.sequence, cancelled=cancelled))
    return events
