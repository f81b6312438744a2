"""Joining a program's pool in chat (a profile: role, skills to teach and learn, interests,
manager) and leaving it; pool files are read by bot.data.pool_file."""

from __future__ import annotations

import logging

from bot.context import Context
from bot.domain import prompts
from bot.domain.ids import record_id
from bot.domain.messages import Button, Choice, Field, Form, FormErrors, Message, Refused
from bot.domain.model import Enrolment, Participant, Program, Role
from bot.flows.pairings import OPEN_STATUSES, pick_program, program_arg
from bot.flows.people import person_for
from bot.policy.matching import skills
from bot.policy.weeks import program_end
from bot.router import Request

log = logging.getLogger(__name__)

# "joining": someone typed `join @manager` and has not sent the profile form yet; the
# manager is kept here rather than in the button, where anyone could change it.
ENROLLED, LEFT, JOINING = "enrolled", "left", "joining"


async def open_programs(ctx: Context) -> list[Program]:
    """Programs people can still join (not past their end date), by name."""
    programs = [
        p for p in await ctx.tx.find(Program) if not (p.ends_on and ctx.now >= program_end(p))
    ]
    return sorted(programs, key=lambda p: p.name.lower())


async def join(ctx: Context, person: Participant, req: Request) -> Message:
    """`join [program=NAME] [@manager]`: a button that opens the profile form, one per
    program when several are open. A mentioned person is remembered as the manager.

    Any other words refuse it with the usage: typed text such as "Join Priya for the next
    demo" is not a request to change one's manager."""
    args, mentions = req.args, req.mentions
    name, rest = program_arg(args)
    for mention in mentions:
        rest = rest.replace(mention.token, " ")
    if rest.strip():
        raise Refused(prompts.text("enrol.join_usage"))
    programs = await open_programs(ctx)
    if not programs:
        raise Refused(prompts.text("enrol.no_program"))
    if name:
        programs = [await pick_program(ctx, name, programs)]
    offered = programs[:5]
    if mentions:
        boss = await person_for(ctx, mentions[0].actor)
        if boss.id == person.id:
            raise Refused(prompts.text("enrol.self_manager"))
        for program in offered:
            await _remember_manager(ctx, program, person, boss)
    buttons = tuple(
        Button(
            prompts.text("buttons.join", program=p.name),
            "enrolment.form",
            str(p.id),
            primary=len(programs) == 1,
        )
        for p in offered
    )
    text = prompts.text("enrol.intro")
    if len(programs) > len(buttons):
        rest = ", ".join(p.name for p in programs[len(buttons) :])
        text += " " + prompts.text("enrol.more_programs", programs=rest)
    return Message(text, buttons=buttons)


async def _remember_manager(
    ctx: Context, program: Program, person: Participant, manager: Participant
) -> None:
    found = await ctx.tx.find(Enrolment, program_id=program.id, participant_id=person.id)
    if found:
        found[0].manager_id = manager.id
        await ctx.tx.save(found[0], fields=("manager_id",))
        return
    await ctx.tx.add(
        Enrolment(
            program_id=program.id,
            participant_id=person.id,
            role="",
            manager_id=manager.id,
            status=JOINING,
            created_at=ctx.now,
        )
    )


async def enrolment_form(ctx: Context, person: Participant, req: Request) -> Message:
    """The profile form, filled with what the person said before."""
    value = req.value
    program = await _open_program(ctx, value)
    if isinstance(program, Message):
        return program
    found = await ctx.tx.find(Enrolment, program_id=program.id, participant_id=person.id)
    before = found[0] if found else None
    if before and before.manager_id:
        boss = await ctx.person(before.manager_id)
        intro = prompts.text("enrol.manager_known", manager=boss.label)
    else:
        intro = prompts.text("enrol.manager_unknown")
    return Message(intro, form=_form(program, str(program.id), before))


def _form(program: Program, value: str, before: Enrolment | None) -> Form:
    roles = (
        Choice(Role.MENTOR, prompts.text("enrol.role_mentor")),
        Choice(Role.MENTEE, prompts.text("enrol.role_mentee")),
    )
    return Form(
        id="enrolment.submit",
        title=prompts.text("enrol.form_title"),
        value=value,
        submit_label=prompts.text("enrol.submit"),
        fields=(
            Field(
                "role",
                prompts.text("enrol.role", program=program.name),
                "choice",
                roles,
                initial=before.role if before else "",
            ),
            Field(
                "teaches",
                prompts.text("enrol.teaches"),
                optional=True,
                initial=", ".join(before.teaches) if before else "",
            ),
            Field(
                "learns",
                prompts.text("enrol.learns"),
                optional=True,
                initial=", ".join(before.learns) if before else "",
            ),
            Field(
                "interests",
                prompts.text("enrol.interests"),
                optional=True,
                initial=", ".join(before.interests) if before else "",
            ),
        ),
    )


async def save_enrolment(ctx: Context, person: Participant, req: Request) -> Message | FormErrors:
    """Save (or update) the person's profile in the program's pool."""
    value, values = req.value, req.values
    program = await _open_program(ctx, value)
    if isinstance(program, Message):
        return program
    role = (values.get("role") or "").strip()
    profile = {k: list(skills(values.get(k) or "")) for k in ("teaches", "learns", "interests")}
    errors = {}
    if role not in (Role.MENTOR, Role.MENTEE):
        errors["role"] = prompts.text("enrol.bad_role")
    elif role == Role.MENTOR and not profile["teaches"]:
        errors["teaches"] = prompts.text("enrol.need_teaches")
    elif role == Role.MENTEE and not profile["learns"]:
        errors["learns"] = prompts.text("enrol.need_learns")
    if errors:
        found = await ctx.tx.find(Enrolment, program_id=program.id, participant_id=person.id)
        return FormErrors(errors, _form(program, value, found[0] if found else None))
    await enrol(ctx, program, person, role, profile, None)
    return Message(prompts.text(f"enrol.saved_{role}", program=program.name))


async def enrol(
    ctx: Context,
    program: Program,
    person: Participant,
    role: str,
    profile: dict[str, list[str]],
    manager: Participant | None,
) -> Enrolment:
    """Create or update the person's profile in `program`; a manager given is kept."""
    found = await ctx.tx.find(Enrolment, program_id=program.id, participant_id=person.id)
    if found:
        enrolment = found[0]
        enrolment.role, enrolment.status = role, ENROLLED
        enrolment.teaches, enrolment.learns = profile["teaches"], profile["learns"]
        enrolment.interests = profile["interests"]
        if manager is not None:
            enrolment.manager_id = manager.id
        await ctx.tx.save(enrolment)
        return enrolment
    log.info("enrolled program=%s role=%s", program.name, role)
    return await ctx.tx.add(
        Enrolment(
            program_id=program.id,
            participant_id=person.id,
            role=role,
            teaches=profile["teaches"],
            learns=profile["learns"],
            interests=profile["interests"],
            manager_id=manager.id if manager else None,
            status=ENROLLED,
            created_at=ctx.now,
        )
    )


async def _open_program(ctx: Context, value: str) -> Program | Message:
    """The program a Join button or form names (its value starts with the program id), if
    it can still be joined; else the message saying why not."""
    raw_id = value.partition(":")[0]  # buttons sent before this release also named a manager
    program = await ctx.get(Program, found) if (found := record_id(raw_id)) else None
    if program is None:
        return Message(prompts.text("general.unknown_item"))
    if program.ends_on and ctx.now >= program_end(program):
        return Message(prompts.text("enrol.program_over", program=program.name))
    return program


async def leave(ctx: Context, person: Participant, req: Request) -> Message:
    """Step out of the pool of every program (or the one named): nobody is matched with
    the person any more. Pairs already running go on until ended. Any other words refuse it
    with the usage: "Leave more room for questions" leaves nothing."""
    args = req.args
    name, rest = program_arg(args)
    if rest.strip():
        raise Refused(prompts.text("enrol.leave_usage"))
    mine = await ctx.tx.find(Enrolment, participant_id=person.id, status=ENROLLED)
    if name:
        program = await pick_program(ctx, name)
        mine = [e for e in mine if e.program_id == program.id]
    if not mine:
        return Message(prompts.text("enrol.not_enrolled"))
    for enrolment in mine:
        enrolment.status = LEFT
        await ctx.tx.save(enrolment, fields=("status",))
    names = ", ".join(sorted([(await ctx.program(e.program_id)).name for e in mine]))
    text = prompts.text("enrol.left", programs=names)
    running = await ctx.pairings_of(person.id, status=list(OPEN_STATUSES))
    if running:
        text += " " + prompts.text("enrol.pairs_go_on")
    return Message(text)
