"""`match`: pairs proposed from a program's pool, each with the reason in a sentence, which
the owner confirms or changes; only then are both people asked, as for any pairing."""

from __future__ import annotations

import logging
import uuid

from bot.context import Context
from bot.domain import prompts
from bot.domain.ids import record_id
from bot.domain.messages import Button, Choice, Field, Form, FormErrors, Message, Refused
from bot.domain.model import Enrolment, Pairing, Participant, Program, Proposal, Role
from bot.flows.pairings import OPEN_STATUSES, pick_program, program_arg, propose_pairing
from bot.policy.matching import Candidate, Match, barrier, overlap, propose
from bot.router import Request

log = logging.getLogger(__name__)

DRAFT, CONFIRMED, REPLACED = "draft", "confirmed", "replaced"
# What fits in one form on every platform (Slack: 100 blocks and 100 options per select).
MAX_EDIT_MENTEES = 40
MAX_EDIT_MENTORS = 99
NONE = "none"


async def program_named(ctx: Context, req: Request) -> Program:
    """The program `match [program=]NAME` names, or the only one there is."""
    name, _ = program_arg(req.args)
    return await pick_program(ctx, name or req.args.strip() or None)


async def program_of_run(ctx: Context, req: Request) -> Program:
    """The program of the match whose proposals the value names (a run id)."""
    drafts = await ctx.tx.find(Proposal, run=req.value)
    if not drafts:
        raise Refused(prompts.text("general.unknown_item"))
    return await ctx.program(drafts[0].program_id)


async def match(ctx: Context, person: Participant, req: Request) -> Message:
    """Propose pairs for the free mentors and mentees of `req.program` (its owner's tool:
    the router checked)."""
    program = req.program
    mentors, mentees = await _pool(ctx, program)
    past = await _past(ctx, [c.id for c in mentors + mentees])
    matches, unmatched = propose(mentors, mentees, past)
    await _retire(ctx, await ctx.tx.find(Proposal, program_id=program.id, status=DRAFT))
    run = uuid.uuid4().hex[:12]
    await _drafts(ctx, program, run, matches)
    log.info(
        "match program=%s proposed=%s unmatched=%s", program.name, len(matches), len(unmatched)
    )
    lines = [prompts.text("match.header", program=program.name, count=len(matches))]
    lines += [
        prompts.text(
            "match.line", n=n, mentor=m.mentor.name, mentee=m.mentee.name, reason=reason(m)
        )
        for n, m in enumerate(matches, start=1)
    ]
    if unmatched:
        names = ", ".join(c.name for c in unmatched)
        lines.append(prompts.text("match.unmatched", names=names))
    if not matches:
        lines.append(prompts.text("match.nothing", mentors=len(mentors), mentees=len(mentees)))
        return Message("\n".join(lines))
    lines.append(prompts.text("match.next"))
    buttons = (
        Button(prompts.text("buttons.match_confirm"), "match.confirm", run, primary=True),
        Button(prompts.text("buttons.match_edit"), "match.edit", run),
    )
    return Message("\n".join(lines), buttons=buttons)


async def _drafts(ctx: Context, program: Program, run: str, matches: list[Match]) -> list[Proposal]:
    """Save the matches as draft proposals of `run`, each with its goal and reason."""
    return [
        await ctx.tx.add(
            Proposal(
                program_id=program.id,
                run=run,
                mentor_id=m.mentor.id,
                mentee_id=m.mentee.id,
                goal=goal(m),
                reason=reason(m),
                status=DRAFT,
                created_at=ctx.now,
            )
        )
        for m in matches
    ]


async def _retire(ctx: Context, drafts: list[Proposal]) -> None:
    for draft in drafts:
        draft.status = REPLACED
    await ctx.tx.save_many(drafts, ("status",))


def reason(found: Match) -> str:
    """Why these two, in one sentence; a pair the owner chose without common skills says so."""
    if not found.skills:
        return prompts.text("match.reason_owner")
    text = prompts.text(
        "match.reason",
        mentor=found.mentor.name,
        mentee=found.mentee.name,
        skills=_and(found.skills),
    )
    if found.interests:
        text = text[:-1] + prompts.text("match.reason_interests", interests=_and(found.interests))
    return text


def goal(found: Match) -> str:
    return prompts.text("match.goal", skills=_and(found.skills)) if found.skills else ""


def _and(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


async def _pool(ctx: Context, program: Program) -> tuple[list[Candidate], list[Candidate]]:
    """The program's enrolled mentors and mentees who are not in one of its open pairs."""
    enrolled = await ctx.tx.find(Enrolment, program_id=program.id, status="enrolled")
    busy = await ctx.tx.find(Pairing, program_id=program.id, status=list(OPEN_STATUSES))
    taken = {(p.mentor_id, Role.MENTOR) for p in busy} | {(p.mentee_id, Role.MENTEE) for p in busy}
    people = await ctx.people([e.participant_id for e in enrolled])
    mentors, mentees = [], []
    for e in sorted(enrolled, key=lambda e: e.id):
        person = people.get(e.participant_id)
        if person is None or person.forgotten_at or (e.participant_id, e.role) in taken:
            continue
        candidate = Candidate(
            id=person.id,
            name=person.first_name if person.display_name else person.label,
            teaches=tuple(e.teaches),
            learns=tuple(e.learns),
            interests=tuple(e.interests),
            manager_id=e.manager_id,
        )
        (mentors if e.role == Role.MENTOR else mentees).append(candidate)
    return mentors, mentees


async def _past(ctx: Context, ids: list[int]) -> set[frozenset[int]]:
    """Every pair of these people who were ever paired, in any program and state."""
    if not ids:
        return set()
    return {frozenset((p.mentor_id, p.mentee_id)) for p in await ctx.pairings_of(ids)}


async def confirm(ctx: Context, person: Participant, req: Request) -> Message:
    """Confirm every proposal of a match: each pair is proposed and both people asked."""
    program, run = req.program, req.value
    drafts = await ctx.tx.find(Proposal, run=run)
    waiting = [d for d in drafts if d.status == DRAFT]
    if not waiting:
        return Message(prompts.text("match.already"))
    return await _pair_up(ctx, program, waiting)


async def _pair_up(ctx: Context, program: Program, chosen: list[Proposal]) -> Message:
    """Propose each chosen pair unless something changed since (someone left, was paired,
    or asked to be forgotten); say how many went ahead and which did not."""
    mentors, mentees = await _pool(ctx, program)
    free = {(c.id, Role.MENTOR): c for c in mentors} | {(c.id, Role.MENTEE): c for c in mentees}
    past = await _past(ctx, [c.id for c in free.values()])
    made, dropped = 0, []
    for proposal in chosen:
        mentor = free.pop((proposal.mentor_id, Role.MENTOR), None)
        mentee = free.pop((proposal.mentee_id, Role.MENTEE), None)
        if mentor is None or mentee is None or barrier(mentor, mentee, past):
            proposal.status = REPLACED
            await ctx.tx.save(proposal, fields=("status",))
            names = [(await ctx.person(i)).label for i in (proposal.mentor_id, proposal.mentee_id)]
            dropped.append(" & ".join(names))
            continue
        await propose_pairing(
            ctx,
            program,
            await ctx.person(mentor.id),
            await ctx.person(mentee.id),
            proposal.goal,
            proposal.reason,
        )
        proposal.status = CONFIRMED
        await ctx.tx.save(proposal, fields=("status",))
        made += 1
    count = prompts.text("match.pair" if made == 1 else "match.pairs", count=made)
    text = prompts.text("match.confirmed", count=count, program=program.name)
    if dropped:
        text += " " + prompts.text("match.dropped", names="; ".join(dropped))
    return Message(text)


async def edit_form(ctx: Context, person: Participant, req: Request) -> Message:
    """A form with one choice per free mentee: the proposed mentor, another, or none."""
    program, run = req.program, req.value
    drafts = await ctx.tx.find(Proposal, run=run)
    if not any(d.status == DRAFT for d in drafts):
        return Message(prompts.text("match.already"))
    mentors, mentees = await _pool(ctx, program)
    if len(mentees) > MAX_EDIT_MENTEES or len(mentors) > MAX_EDIT_MENTORS:
        raise Refused(prompts.text("match.too_many", most=MAX_EDIT_MENTEES))
    return Message(prompts.text("match.edit_intro"), form=_form(run, drafts, mentors, mentees))


def _form(
    run: str, drafts: list[Proposal], mentors: list[Candidate], mentees: list[Candidate]
) -> Form:
    proposed = {d.mentee_id: d.mentor_id for d in drafts if d.status == DRAFT}
    choices = (
        Choice(NONE, prompts.text("match.no_pair")),
        *(
            Choice(
                str(m.id), prompts.text("match.choice", mentor=m.name, skills=", ".join(m.teaches))
            )
            for m in mentors
        ),
    )
    fields = tuple(
        Field(
            f"mentee.{e.id}",
            prompts.text("match.field", mentee=e.name, learns=", ".join(e.learns)),
            "choice",
            choices,
            initial=str(proposed.get(e.id, NONE)),
        )
        for e in mentees
    )
    return Form(
        id="match.edit",
        title=prompts.text("match.form_title"),
        fields=fields,
        submit_label=prompts.text("match.submit"),
        value=run,
    )


async def save_edit(ctx: Context, person: Participant, req: Request) -> Message | FormErrors:
    """Confirm the pairs as the owner left them in the form; refuse a mentor chosen twice,
    a manager pair or a repeat, on the field that has it."""
    program, run = req.program, req.value
    drafts = await ctx.tx.find(Proposal, run=run)
    values = req.values
    if not any(d.status == DRAFT for d in drafts):
        return Message(prompts.text("match.already"))
    mentors, mentees = await _pool(ctx, program)
    by_id = {m.id: m for m in mentors}
    past = await _past(ctx, [c.id for c in mentors + mentees])
    errors, chosen, used = {}, [], {}
    for mentee in mentees:
        field_id = f"mentee.{mentee.id}"
        picked = (values.get(field_id) or NONE).strip()
        if picked == NONE:
            continue
        mentor = by_id.get(record_id(picked) or 0)
        if mentor is None:
            errors[field_id] = prompts.text("match.gone")
        elif mentor.id in used:
            errors[field_id] = prompts.text(
                "match.twice", mentor=mentor.name, other=used[mentor.id]
            )
        elif why := barrier(mentor, mentee, past):
            errors[field_id] = prompts.text(f"match.barrier_{why}", mentor=mentor.name)
        else:
            used[mentor.id] = mentee.name
            chosen.append(overlap(mentor, mentee))
    if errors:
        return FormErrors(errors, _form(run, drafts, mentors, mentees))
    await _retire(ctx, [d for d in drafts if d.status == DRAFT])
    edited = await _drafts(ctx, program, run, chosen)
    if not edited:
        return Message(prompts.text("match.none_chosen"))
    return await _pair_up(ctx, program, edited)
