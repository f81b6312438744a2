"""The owners' text commands (status, pair, program, export) and help; bot.routes lists
every command, the same grammar on every platform."""

from __future__ import annotations

import re
from datetime import date

from bot.context import Context
from bot.domain import prompts
from bot.domain.messages import Message, Refused
from bot.domain.model import Participant, Program
from bot.flows.pairings import (
    create_program,
    pick_program,
    program_arg,
    propose_pairing,
    update_program,
)
from bot.flows.people import person_for
from bot.flows.status import my_status, program_status
from bot.router import Request, owned_programs

_SETTING = re.compile(
    r"\b(cadence|minutes|starts|ends|visibility|recognition|followup)=(\S+)", re.IGNORECASE
)


async def help_text(ctx: Context, person: Participant, req: Request) -> Message:
    return Message(prompts.text("general.help"))


async def status(ctx: Context, person: Participant, req: Request) -> Message:
    """An owner's programs (or the one named), else the person's own pairs."""
    args = req.args.strip()
    owned = await owned_programs(ctx, person)
    if args:
        owned = [p for p in owned if p.name.lower() == args.lower()]
    if not owned:
        return await my_status(ctx, person)
    sections = [(await program_status(ctx, p)).section() for p in owned]
    return Message("", sections=tuple(sections))


async def program_named(ctx: Context, req: Request) -> Program:
    """The program a `pair` command names with program=NAME, or the only one there is; a
    command that names fewer than two people gets the usage first."""
    if len(req.mentions) < 2:
        raise Refused(prompts.text("commands.pair_usage"))
    return await pick_program(ctx, program_arg(req.args)[0])


async def pair(ctx: Context, person: Participant, req: Request) -> Message:
    """`pair @mentor @mentee [program=NAME] goal`: propose a pairing in `req.program` (its
    owner's tool: the router checked)."""
    program, (_, args) = req.program, program_arg(req.args)
    first, second, *others = req.mentions
    # The goal is what follows the second mention; other mentions stay, as plain names.
    rest = args.split(second.token, 1)[1] if second.token in args else ""
    for mention in others:
        rest = rest.replace(
            mention.token, "@" + (mention.actor.display_name or mention.actor.user_id)
        )
    goal = " ".join(rest.split())
    mentor = await person_for(ctx, first.actor)
    mentee = await person_for(ctx, second.actor)
    await propose_pairing(ctx, program, mentor, mentee, goal, by=person)
    return Message(
        prompts.text(
            "commands.pair_proposed",
            mentor=mentor.display_name or mentor.user_id,
            mentee=mentee.display_name or mentee.user_id,
            program=program.name,
        )
    )


def _program_words(args: str) -> tuple[str, str, dict[str, str]]:
    """`create|set NAME settings` as (action, name, settings); Refused with the usage when
    it is neither."""
    words = args.split(None, 1)
    action = words[0].lower() if words else ""
    if action not in ("create", "set") or len(words) < 2:
        raise Refused(prompts.text("commands.program_usage"))
    settings = {k.lower(): v for k, v in _SETTING.findall(words[1])}
    return action, " ".join(_SETTING.sub("", words[1]).split()), settings


async def program_to_set(ctx: Context, req: Request) -> Program | None:
    """The program `program set NAME ...` changes; None for `program create`. A setting
    that is wrong is refused first, whichever program it names."""
    action, name, settings = _program_words(req.args)
    _settings(settings)
    return await pick_program(ctx, name) if action == "set" else None


async def program(ctx: Context, person: Participant, req: Request) -> Message:
    """`program create NAME [settings]` or `program set NAME settings`, where settings are
    cadence=DAYS minutes=30|45|60 starts=DATE ends=DATE visibility=program|pair|private
    recognition=mentor|manager. An owners' tool: the router checked that `person` owns
    the program set (`req.program`), or some program, or is an owner by configuration."""
    action, name, settings = _program_words(req.args)
    values = _settings(settings)
    if action == "set" and req.program is not None:
        if not values:
            raise Refused(prompts.text("commands.program_usage"))
        await update_program(ctx, req.program, values)
        return Message(prompts.text("commands.program_set", program=req.program.name))
    owners = sorted(set(ctx.config.owners) | {person.handle})
    program = await create_program(ctx, name, owners=owners, **values)
    return Message(
        prompts.text(
            "commands.program_created",
            program=program.name,
            cadence=program.cadence_days,
            minutes=program.session_minutes,
        )
    )


def _settings(raw: dict[str, str]) -> dict:
    """Typed settings as create_program's arguments; Refused says what a bad one should be."""
    values: dict = {}
    try:
        if "cadence" in raw:
            values["cadence_days"] = int(raw["cadence"])
    except ValueError:
        raise Refused(prompts.text("commands.bad_cadence")) from None
    try:
        if "minutes" in raw:
            values["session_minutes"] = int(raw["minutes"])
    except ValueError:
        raise Refused(prompts.text("schedule.bad_minutes")) from None
    if values.get("session_minutes", 45) not in (30, 45, 60):
        raise Refused(prompts.text("schedule.bad_minutes"))
    for key, argument in (("starts", "starts_on"), ("ends", "ends_on")):
        if key in raw:
            try:
                values[argument] = date.fromisoformat(raw[key])
            except ValueError:
                raise Refused(prompts.text("schedule.bad_date")) from None
    if "visibility" in raw:
        values["reflection_visibility"] = raw["visibility"].lower()
    if "recognition" in raw:
        values["recognition"] = raw["recognition"].lower()
    if "followup" in raw:
        if not raw["followup"].isdigit():
            raise Refused(prompts.text("commands.bad_followup"))
        values["followup_days"] = int(raw["followup"])
    return values
