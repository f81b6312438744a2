"""One way in for every button, form and command: a Route per name, one handler signature,
and the id a value carries parsed, loaded and checked here, before any flow runs.

Values are never trusted: a button's value names a record by id (or "<id>:<more>"); the
record is loaded with a lock, and a route that is for the pair it belongs to (Who.MEMBER), for
the author of a reflection (Who.AUTHOR) or for the person themselves (Who.SELF) answers "not
yours" to anyone else. A booking route (Who.BOOKER) also takes the assistant the pair's
leader named (bot/flows/delegation.py), acting for the leader (`Request.acting_for`); a
delegation's own question is answered by its assistant alone (Who.ASSISTANT). An owners'
tool (Who.OWNER) names its program through the route's `program` finder, or is about a
record (a pair) whose program it is; the router loads it and answers "only owners" to
anyone who does not own it, so no flow checks ownership again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from bot.context import Context
from bot.domain import prompts
from bot.domain.events import Event, Mention
from bot.domain.ids import record_id
from bot.domain.messages import FormErrors, Message, Refused
from bot.domain.model import FollowUp, Pairing, Participant, Program, Reflection, Session
from bot.domain.outcomes import Objective

Reply = Message | FormErrors


class Who(StrEnum):
    """Who may use a route on the record its value names."""

    ANYONE = "anyone"  # anyone who writes to the bot (what they see is their own)
    OWNER = "owner"  # an owner of the program the route's finder names (or of any, if none)
    MEMBER = "member"  # the mentor or mentee of the pair the record belongs to
    AUTHOR = "author"  # the author of the reflection named (or of a follow-up's reflection)
    SELF = "self"  # the value is the acting person's own id (forget-me)
    # A member, or the assistant the pair's leader named (book, move, cancel: nothing else).
    BOOKER = "booker"
    ASSISTANT = "assistant"  # the assistant a delegation names


@dataclass(frozen=True)
class Request:
    """What a handler gets besides the context and the person acting."""

    event: Event
    name: str = ""  # the action, form or command, e.g. "pairing.accept" or "pause"
    value: str = ""  # as sent, for routes that load nothing
    record: Any = None  # what the value names, loaded (locked) and checked
    pairing: Pairing | None = None  # the pair the record belongs to
    rest: str = ""  # what follows "<id>:" in a two-part value
    values: Mapping[str, str] = field(default_factory=dict)  # a form's inputs
    args: str = ""  # a command's words after its name
    mentions: tuple[Mention, ...] = ()
    program: Program | None = None  # an owners' tool's program, its ownership checked
    # Who.BOOKER: the leader an assistant acts for (None when one of the pair acts).
    acting_for: Participant | None = None

    def member(self, person: Participant) -> Participant:
        """The one of the pair this request is for: the person acting, or the leader their
        assistant acts for."""
        return self.acting_for or person


Handler = Callable[[Context, Participant, Request], Awaitable[Reply]]
# Names the program an owners' tool works on (from the value or the command's words), or
# None for a tool that names none (the router then asks for ownership of any program).
ProgramFinder = Callable[[Context, Request], Awaitable[Program | None]]


@dataclass(frozen=True)
class Route:
    """One action, form or command.

    Args:
        handler: `(ctx, person, request) -> reply`.
        loads: the record type the value names by id; None takes the value as it is.
        who: who may use it on that record (see Who).
        program: for Who.OWNER, names the program the tool works on.
        reads_only: a command that writes nothing (run in a read-only transaction).
    """

    handler: Handler
    loads: type | None = None
    who: Who = Who.ANYONE
    program: ProgramFinder | None = None
    reads_only: bool = False


async def route(
    ctx: Context,
    person: Participant,
    found: Route,
    event: Event,
    name: str,
    value: str,
    **more: Any,
) -> Reply:
    """Parse and check `value` for `found`, then run its handler."""
    if found.who == Who.OWNER:
        await owner_check(ctx, person)  # before any program is named to them
    if found.who == Who.OWNER and found.loads is None:
        request = Request(event, name, value, **more)
        program = await found.program(ctx, request) if found.program else None
        if program is not None:
            await owner_check(ctx, person, program)
        return await found.handler(ctx, person, replace(request, program=program))
    if found.loads is None:
        if found.who == Who.SELF and value != str(person.id):
            return not_yours()
        return await found.handler(ctx, person, Request(event, name, value, **more))
    raw_id, _, rest = value.partition(":")
    key = record_id(raw_id)
    record = await ctx.get(found.loads, key, lock=True) if key else None
    if record is None:
        return unknown()
    pairing = await _pairing_of(ctx, record)
    program = None
    if found.who == Who.OWNER:  # a tool on one pair: its program is the pair's
        if pairing is None:
            return unknown()
        program = await ctx.program(pairing.program_id)
        await owner_check(ctx, person, program)
    if found.who == Who.MEMBER and (pairing is None or pairing.role_of(person.id) is None):
        return not_yours()
    acting_for = None
    if found.who == Who.BOOKER and (pairing is None or pairing.role_of(person.id) is None):
        if pairing is None or await ctx.assistant_of(pairing.mentee_id) != person.id:
            return not_yours()
        acting_for = await ctx.person(pairing.mentee_id)
    if found.who == Who.ASSISTANT and getattr(record, "assistant_id", None) != person.id:
        return not_yours()
    if found.who == Who.AUTHOR and await _author_of(ctx, record) != person.id:
        return not_yours()
    request = Request(
        event, name, value, record, pairing, rest, program=program, acting_for=acting_for, **more
    )
    return await found.handler(ctx, person, request)


async def owned_programs(ctx: Context, person: Participant) -> list[Program]:
    """The programs `person` owns (every one, for an owner named in the configuration), by
    name."""
    programs = await ctx.tx.find(Program)
    mine = [p for p in programs if ctx.rules.is_owner(person.handle, p)]
    return sorted(mine, key=lambda p: p.name.lower())


async def owner_check(ctx: Context, person: Participant, program: Program | None = None) -> None:
    """Refused ("only owners") unless `person` owns `program` or, with none, owns some
    program or is an owner by configuration."""
    if program is not None:
        mine = ctx.rules.is_owner(person.handle, program)
    else:
        mine = ctx.rules.is_owner(person.handle) or bool(await owned_programs(ctx, person))
    if not mine:
        raise Refused(prompts.text("general.not_owner"))


async def _pairing_of(ctx: Context, record: Any) -> Pairing | None:
    """The pair a record belongs to, locked (a Pairing is its own)."""
    if isinstance(record, Pairing):
        return record
    if isinstance(record, Reflection):
        record = await ctx.get(Session, record.session_id)
        if record is None:
            return None
    if isinstance(record, Session | FollowUp | Objective):
        return await ctx.get(Pairing, record.pairing_id, lock=True)
    return None


async def _author_of(ctx: Context, record: Any) -> int | None:
    """Who wrote a reflection, or the reflection a follow-up (an action) came from."""
    if isinstance(record, FollowUp):
        record = await ctx.get(Reflection, record.reflection_id)
    return record.author_id if isinstance(record, Reflection) else None


def unknown() -> Message:
    return Message(prompts.text("general.unknown_item"))


def not_yours() -> Message:
    return Message(prompts.text("general.not_yours"))
