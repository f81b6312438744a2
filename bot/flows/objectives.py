"""A pair's learning objectives: one to three, each not started, started or done (with the
date). Proposed by an owner in `pair` (or `match`), by either person once both accepted,
and moved on with one tap from `me`, App Home, agendas and the mentor's reflection prompt."""

from __future__ import annotations

import logging
import re

from bot.context import Context
from bot.domain import prompts
from bot.domain.messages import Ask, Button, Field, Form, FormErrors, Message, Refused, shorten
from bot.domain.model import Pairing, PairingStatus, Participant
from bot.domain.outcomes import Objective, ObjectiveState
from bot.router import Request

log = logging.getLogger(__name__)

MAX_OBJECTIVES = 3
MAX_CHARS = 200
# Characters of an objective shown in a button (the objective is kept whole).
QUOTED = 200  # characters of an objective quoted in an ask (the form takes no more)
NEXT = {
    ObjectiveState.NOT_STARTED: ObjectiveState.STARTED,
    ObjectiveState.STARTED: ObjectiveState.DONE,
}
FIELDS = tuple(f"objective_{n}" for n in range(1, MAX_OBJECTIVES + 1))  # the form's inputs
_MARKER = re.compile(r"\bobjectives?\s*:", re.IGNORECASE)
# A pair's own changes to its objectives: once both have said yes, until the pairing is over
# (an owner may give objectives with the proposal: flows.pairings).
LIVE = (PairingStatus.ACTIVE, PairingStatus.PAUSED)


def split_goal(text: str) -> tuple[str, list[str]]:
    """A `pair` goal with "objectives: a; b; c" at its end, as (goal, objectives); raises
    Refused, naming the reason, for more than three or one that is too long."""
    found = _MARKER.search(text)
    if not found:
        return text, []
    items = [" ".join(part.split()) for part in text[found.end() :].split(";")]
    items = [item for item in items if item]
    problem = check(items)
    if problem:
        raise Refused(problem)
    return text[: found.start()].strip(), items


def check(items: list[str]) -> str:
    """Why these objectives cannot be kept (empty when they can)."""
    if len(items) > MAX_OBJECTIVES:
        return prompts.text("objectives.too_many", most=MAX_OBJECTIVES, count=len(items))
    for item in items:
        if len(item) > MAX_CHARS:
            return prompts.text("objectives.too_long", limit=MAX_CHARS, length=len(item))
    return ""


async def add_objectives(
    ctx: Context, pairing: Pairing, items: list[str], by: Participant | None
) -> None:
    """Keep `items` as the pair's new objectives, written by `by` (none from a roster file)."""
    author = by.id if by else None
    for item in items:
        await ctx.tx.add(
            Objective(pairing_id=pairing.id, text=item, created_at=ctx.now, written_by=author)
        )


async def objectives_of(ctx: Context, pairing_ids: list[int]) -> dict[int, list[Objective]]:
    found: dict[int, list[Objective]] = {i: [] for i in pairing_ids}
    for objective in await ctx.tx.find(Objective, pairing_id=pairing_ids):
        found[objective.pairing_id].append(objective)
    return found


def lines(objectives: list[Objective]) -> list[str]:
    """One line per objective with where it stands, for `me`, App Home and agendas (one
    whose author was forgotten is said to be removed)."""
    shown = []
    for n, objective in enumerate(objectives, start=1):
        state = prompts.text(f"objectives.state.{objective.state}")
        if objective.done_on:
            state = prompts.text("objectives.done_on", day=f"{objective.done_on:%-d %b}")
        shown.append(f"{n}. {objective.text or prompts.text('objectives.removed')} ({state})")
    return shown


def edit_button(objectives: list[Objective], pairing_id: int) -> Button:
    """Set the pair's objectives, or edit those it has."""
    label = prompts.text("objectives.button_edit" if objectives else "objectives.button_new")
    return Button(label, "objectives.edit", str(pairing_id))


def asks(objectives: list[Objective], *, origin: str = "") -> list[Ask]:
    """Each objective not yet done, quoted whole with a short button to move it on (started,
    then done). `origin` says where they are shown ("me", or "s<session id>" on the
    post-session card), so that the answer can show that view again."""
    suffix = f":{origin}" if origin else ""
    return [
        Ask(
            prompts.text(
                "objectives.ask",
                text=shorten(o.text, QUOTED),
                state=prompts.text(f"objectives.state.{o.state}"),
            ),
            (
                Button(
                    prompts.text(f"buttons.mark_{NEXT[o.state]}"),
                    "objective.state",
                    f"{o.id}:{NEXT[o.state]}{suffix}",
                ),
            ),
        )
        for o in objectives
        if o.state in NEXT and o.text
    ]


async def move_on(
    ctx: Context, person: Participant, objective: Objective, pairing: Pairing, state: str
) -> Message:
    """Set an objective's state (the router has checked that `person` is one of the pair)."""
    if state not in set(ObjectiveState) or not objective.text:  # emptied: its author left
        return Message(prompts.text("general.unknown_item"))
    if pairing.status not in LIVE:
        return Message(_closed(pairing))
    if objective.state == state:
        return Message(
            prompts.text("objectives.already", state=prompts.text(f"objectives.state.{state}"))
        )
    objective.state = state
    program = await ctx.program(pairing.program_id)
    done = state == ObjectiveState.DONE
    objective.done_on = ctx.rules.today(person, program) if done else None
    objective.updated_at, objective.edited_by = ctx.now, person.id
    await ctx.tx.save(objective, fields=("state", "done_on", "updated_at", "edited_by"))
    log.info("objective %s pairing=%s", state, pairing.id)
    key = "objectives.moved_done" if state == ObjectiveState.DONE else "objectives.moved"
    return Message(prompts.text(key, text=objective.text))


async def edit_form(ctx: Context, person: Participant, req: Request) -> Message:
    pairing = req.record
    if pairing.status not in LIVE:
        return Message(_closed(pairing))
    found = (await objectives_of(ctx, [pairing.id]))[pairing.id]
    return Message(prompts.text("objectives.form_intro"), form=_form(pairing, found))


def _closed(pairing: Pairing) -> str:
    """Why the pair cannot change its objectives now: not both in yet, or over."""
    key = "objectives.not_yet" if pairing.status == PairingStatus.PROPOSED else "objectives.closed"
    return prompts.text(key)


def _form(pairing: Pairing, found: list[Objective]) -> Form:
    fields = tuple(
        Field(
            field_id,
            prompts.text("objectives.field", n=n),
            optional=True,
            initial=found[n - 1].text if n <= len(found) else "",
            limit=MAX_CHARS,
        )
        for n, field_id in enumerate(FIELDS, start=1)
    )
    return Form(
        id="objectives.submit",
        title=prompts.text("objectives.form_title"),
        fields=fields,
        submit_label=prompts.text("objectives.submit"),
        value=str(pairing.id),
    )


async def save_form(ctx: Context, person: Participant, req: Request) -> Message | FormErrors:
    """Keep the objectives as written: a changed text is a new objective (not started), an
    unchanged one keeps its state, and a blanked one is removed."""
    pairing, values = req.record, req.values
    if pairing.status not in LIVE:
        return Message(_closed(pairing))
    found = (await objectives_of(ctx, [pairing.id]))[pairing.id]
    wanted = {}
    errors = {}
    for field_id in FIELDS:
        text = " ".join((values.get(field_id) or "").split())
        problem = check([text]) if text else ""
        if problem:
            errors[field_id] = problem
        elif text:
            wanted[field_id] = text
    extra = [k for k in values if k.startswith("objective_") and k not in FIELDS]
    if extra:
        errors[extra[0]] = prompts.text("objectives.too_many_form", most=MAX_OBJECTIVES)
    if errors:
        return FormErrors(errors, _form(pairing, found))
    keep = {o.text: o for o in found}
    texts = list(dict.fromkeys(wanted.values()))
    gone = [o.id for o in found if o.text not in texts]
    if gone:
        await ctx.tx.delete(Objective, id=gone)
    await add_objectives(ctx, pairing, [t for t in texts if t not in keep], person)
    other = await ctx.person(pairing.other(person.id))
    if not texts:
        return Message(prompts.text("objectives.cleared"))
    return Message(prompts.text("objectives.saved", count=len(texts), other=other.first_name))
