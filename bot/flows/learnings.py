"""`learnings [words]`: the library of what people in a program chose to share - what
changed for them and what was done - newest first, searchable. Who reads what is decided in
bot.policy.library and applied by the store in the search itself."""

from __future__ import annotations

import logging

from bot.context import Context
from bot.domain import prompts
from bot.domain.messages import Message, Section, shorten
from bot.domain.model import Participant, Program
from bot.domain.ports import LearningEntry
from bot.policy.hours import zone
from bot.policy.library import library_scope, search_words
from bot.router import Request

log = logging.getLogger(__name__)

SHOWN = 5  # entries per answer; one more is asked for, to know whether there are more
QUOTED = 500  # characters of "what changed" shown (the reflection keeps it whole)
DONE_QUOTED = 200  # characters of each thing done
DONE_SHOWN = 3


async def learnings(ctx: Context, person: Participant, req: Request) -> Message:
    """The newest shared reflections `person` may read (those holding every word of
    `req.args`, when there are words), each with its program's objective as theme."""
    pairings = await ctx.pairings_of(person.id)
    programs = await ctx.tx.find(Program)
    owned = [p for p in programs if ctx.rules.is_owner(person.handle, p)]
    scope = library_scope(person, pairings, owned)
    if not scope:
        return Message(prompts.text("learnings.no_program"))
    words = search_words(req.args)
    found = await ctx.tx.learnings(scope, words, SHOWN + 1)
    log.info("learnings search words=%s found=%s", len(words), len(found))
    said = " ".join(words)
    if not found:
        key = "learnings.none_found" if words else "learnings.empty"
        return Message(prompts.text(key, words=said))
    by_id = {p.id: p for p in programs}
    authors = await ctx.people([e.author_id for e in found if e.author_id is not None])
    sections = tuple(
        _entry(ctx, person, entry, by_id[entry.program_id], authors.get(entry.author_id))
        for entry in found[:SHOWN]
    )
    header = "learnings.header_words" if words else "learnings.header"
    lines = [prompts.text(header, words=said)]
    if len(found) > SHOWN:
        lines.append(prompts.text("learnings.more", count=SHOWN))
    return Message("\n".join(lines), sections=sections)


def _entry(
    ctx: Context,
    reader: Participant,
    entry: LearningEntry,
    program: Program,
    author: Participant | None,
) -> Section:
    """One entry: the theme, what changed, what was done, and who (unless unnamed) and when."""
    lines = [prompts.text("learnings.changed", text=_quoted(entry.what_changed, QUOTED))]
    if entry.done:
        done = "; ".join(_quoted(text, DONE_QUOTED) for text in entry.done[:DONE_SHOWN])
        if len(entry.done) > DONE_SHOWN:
            done += " " + prompts.text("learnings.more_done", count=len(entry.done) - DONE_SHOWN)
        lines.append(prompts.text("learnings.done", text=done))
    # An unnamed entry (author_id None) never names anyone, owners included.
    who = author.first_name if author else prompts.text("learnings.someone", program=program.name)
    when = ""
    if entry.created_at is not None:
        local = entry.created_at.astimezone(zone(ctx.rules.tz(reader, program)))
        when = f"{local.day} {local:%b %Y}"
    lines.append(prompts.text("learnings.by", who=who, date=when).rstrip(", "))
    title = prompts.text("learnings.theme", objective=program.objective, program=program.name)
    return Section(title, lines=tuple(lines))


def _quoted(text: str, limit: int) -> str:
    """`text` on one line, shortened to about `limit` characters with a visible note."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return shorten(flat, limit) + " " + prompts.text("learnings.shortened")
