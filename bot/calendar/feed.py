"""Each person's private calendar feed: `calendar` gives its address, `calendar reset`
replaces it, and `mentorbot serve` answers it with the person's own sessions.

The address carries a random token (192 bits) kept with the person; nothing else leads to
a feed, so a token that is wrong, replaced or belongs to someone forgotten finds nothing.
A feed lists the sessions of the person's own pairings, from FEED_PAST ago on: each booking
as the event its invites described (a series as one repeating event, with its moved and
cancelled occurrences), so a subscribed calendar follows every change by itself.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from datetime import timedelta

from bot.calendar.ics import Occurrence, document
from bot.calendar.invites import describe, event_of, who
from bot.context import Context
from bot.domain import copy
from bot.domain.messages import Button, Message
from bot.domain.model import Participant, Session, SessionStatus

FEED_PAST = timedelta(days=90)
TOKEN = re.compile(r"[0-9a-f]{48}")
PATH = "/calendar/"


def feed_path(token: str) -> str:
    return f"{PATH}{token}.ics"


async def calendar_command(ctx: Context, person: Participant, args: str) -> Message:
    """`calendar`: the person's feed address (made on first use); `calendar reset`: a new
    address, the old one stops working at once."""
    word = args.strip().lower()
    if word not in ("", "reset"):
        return Message(copy.text("calendar.usage"))
    fresh = word == "reset" or not person.calendar_token
    if fresh:
        # Hex: nothing in it that a chat's markdown could take for formatting.
        person.calendar_token = secrets.token_hex(24)
        await ctx.tx.save(person, fields=("calendar_token",))
    url = ctx.config.public_url.rstrip("/") + feed_path(person.calendar_token or "")
    webcal = "webcal://" + url.split("://", 1)[-1]
    key = "calendar.reset" if word == "reset" else "calendar.feed"
    # The addresses go in buttons: a long link in text runs past a chat's column.
    return Message(
        copy.text(key),
        buttons=(
            Button(copy.text("buttons.feed_link"), "link.feed", url=url),
            Button(copy.text("buttons.feed_subscribe"), "link.webcal", url=webcal),
        ),
    )


async def feed_for(ctx: Context, token: str) -> str | None:
    """The feed whose address carries `token`, or None (unknown, replaced or forgotten)."""
    if not TOKEN.fullmatch(token):
        return None
    found = await ctx.tx.find(Participant, calendar_token=token)
    if not found or found[0].forgotten_at:
        return None
    person = found[0]
    pairings = {p.id: p for p in await ctx.pairings_of(person.id)}
    sessions = await ctx.tx.find(Session, pairing_id=list(pairings)) if pairings else []
    by_uid: dict[str, list[Session]] = defaultdict(list)
    for session in sessions:
        by_uid[session.uid].append(session)
    events: list[Occurrence] = []
    for rows in by_uid.values():
        rows.sort(key=lambda s: s.id)
        current = _current(rows)
        if max(s.starts_at for s in current) < ctx.now - FEED_PAST:
            continue
        events += await _events(ctx, pairings[rows[0].pairing_id], rows, current)
    return document(events, ctx.now, name=copy.text("calendar.name"))


def _current(rows: list[Session]) -> list[Session]:
    """The latest row of each session of a booking (a move adds a row with the same uid)."""
    latest: dict[object, Session] = {}
    for row in rows:  # by id, so a later row replaces an earlier one
        latest[row.recurrence_id] = row
    return sorted(latest.values(), key=lambda s: s.recurrence_id or s.starts_at)


async def _events(ctx, pairing, rows: list[Session], current: list[Session]) -> list[Occurrence]:
    first = rows[0]
    if first.recurrence_id is None:  # one session: as it is now (a move may change its topic)
        row = current[-1]
        summary, description = await describe(ctx, pairing, row)
        people = await who(ctx, pairing, row)
        return [
            event_of(
                row,
                summary,
                description,
                people,
                row.sequence,
                cancelled=row.status == SessionStatus.CANCELLED,
            )
        ]
    summary, description = await describe(ctx, pairing, first)
    people = await who(ctx, pairing, first)
    originals = {}
    for row in rows:
        originals.setdefault(row.recurrence_id, row)
    events = [event_of(first, summary, description, people, 0, series=True)]
    for row in current:
        original = originals[row.recurrence_id]
        if row.id == original.id and row.status != SessionStatus.CANCELLED:
            continue  # as the series' rule has it
        cancelled = row.status == SessionStatus.CANCELLED
        events.append(
            event_of(row, summary, description, people, row.sequence, cancelled=cancelled)
        )
    return events
