"""Reflections after a held session: the form, saving one (with the follow-ups it plans),
changing who can read it, and taking it back."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.context import Context
from bot.domain import prompts
from bot.domain.kinds import Kind, session_key
from bot.domain.messages import Button, Choice, Field, Form, FormErrors, Message, Select
from bot.domain.model import (
    FollowUp,
    Notification,
    NotificationStatus,
    Pairing,
    Participant,
    Reflection,
    Role,
    Session,
    SessionStatus,
    Visibility,
)
from bot.flows.followups import plan_asks, recognise
from bot.policy.visibility import CHOICES, choice_of, parse_choice, visibility_note
from bot.router import Request

log = logging.getLogger(__name__)

# The most a reflection (each of its two texts) keeps; longer ones are refused, never cut.
MAX_REFLECTION_CHARS = 20_000
MAX_IMPLEMENTED_CHARS = 1000
REPLY_WINDOW = timedelta(days=14)
# The payload key of a reflection prompt's row that keeps who the person was told would read
# the answer (the program's default when they were asked).
PROMISED = "visibility"


async def pending_reflection(ctx: Context, person: Participant) -> Session | None:
    """The latest held session this person was asked about and has not yet reflected on."""
    asked = [
        row
        for row in await ctx.tx.find(
            Notification, recipient_id=person.id, kind=Kind.REFLECT, status=NotificationStatus.SENT
        )
        # After the one reminder the prompt lapses: a later message is not a reflection.
        if row.sent_at and ctx.now - row.sent_at <= REPLY_WINDOW
    ]
    if not asked:
        return None
    session_ids = [row.session_id for row in asked if row.session_id is not None]
    answered = {
        r.session_id
        for r in await ctx.tx.find(Reflection, session_id=session_ids, author_id=person.id)
    }
    waiting = [
        s
        for s in await ctx.tx.find(Session, id=[i for i in session_ids if i not in answered])
        if s.status == SessionStatus.HELD
    ]
    return max(waiting, key=lambda s: s.starts_at) if waiting else None


class PromptInFlight(Exception):
    """A reflection prompt to this person is on its way right now (claimed, its send not yet
    written back): a reply may be answering it, so look again in a moment."""


async def prompt_in_flight(ctx: Context, person: Participant) -> bool:
    """Whether a reflection prompt to `person` is being sent by some worker just now."""
    rows = await ctx.tx.find(
        Notification,
        recipient_id=person.id,
        kind=[Kind.REFLECT, Kind.REFLECT_REMINDER],
        status=NotificationStatus.PENDING,
    )
    return any(r.lease_owner and r.lease_expires_at and r.lease_expires_at > ctx.now for r in rows)


async def promised(ctx: Context, person: Participant, session: Session, program) -> str:
    """Who `person` was told would read their reflection on `session` when they were asked
    (kept on the prompt's row); the program's default only for a prompt from before that was
    kept. A later change of the default never widens what was asked."""
    key = session_key(Kind.REFLECT, session.id, person.id)
    rows = await ctx.tx.find(Notification, key=key)
    kept = rows[0].payload.get(PROMISED) if rows else None
    return kept if isinstance(kept, str) and parse_choice(kept) else program.reflection_visibility


async def reflection_form(ctx: Context, person: Participant, req: Request) -> Message:
    """ "Write a reflection" under a held session: the form."""
    return await _form(ctx, person, req.record)


async def submit(ctx: Context, person: Participant, req: Request) -> Message | FormErrors:
    """The reflection form, sent."""
    values = req.values
    return await save_reflection(
        ctx,
        person,
        req.record,
        values.get("what_changed", ""),
        values.get("will_do", ""),
        values.get("visibility"),
        values.get("implemented", ""),
    )


async def _form(ctx: Context, person: Participant, session: Session) -> Message:
    pairing = await ctx.get(Pairing, session.pairing_id)
    if pairing is None:
        return Message(prompts.text("general.unknown_item"))
    program = await ctx.program(pairing.program_id)
    default = await promised(ctx, person, session, program)
    other = await ctx.person(pairing.other(person.id))
    choices = tuple(
        Choice(c, prompts.text(f"reflect.visibility_choice.{c}", other=other.first_name))
        for c in CHOICES
    )
    implemented = ()
    if pairing.role_of(person.id) == Role.MENTEE:
        label = prompts.text("reflect.implemented", other=other.first_name)
        implemented = (
            Field("implemented", label, kind="text", optional=True, limit=MAX_IMPLEMENTED_CHARS),
        )
    form = Form(
        id="reflection.submit",
        title=prompts.text("reflect.form_title"),
        value=str(session.id),
        submit_label=prompts.text("reflect.submit"),
        fields=(
            Field(
                "what_changed",
                prompts.text("reflect.what_changed"),
                kind="multiline",
                limit=MAX_REFLECTION_CHARS,
            ),
            Field(
                "will_do",
                prompts.text("reflect.will_do"),
                kind="multiline",
                optional=True,
                limit=MAX_REFLECTION_CHARS,
            ),
            Field(
                "visibility",
                prompts.text("reflect.visibility_label"),
                kind="choice",
                choices=choices,
                initial=default,
            ),
            *implemented,
        ),
    )
    return Message(text=visibility_note(default, other.first_name), form=form)


async def save_reflection(
    ctx: Context,
    person: Participant,
    session: Session,
    what_changed: str,
    will_do: str = "",
    visibility: str | None = None,
    implemented: str = "",
    *,
    typed: bool = False,
) -> Message | FormErrors:
    """Save the person's reflection on `session`; each line of `will_do` becomes a follow-up,
    and a mentee naming a suggestion they implemented gets the mentor recognised.

    Text longer than the limits is refused whole (nothing is saved). `typed` means the text
    came as a plain reply rather than from the form: the confirmation then offers Undo, in
    case it was not meant as a reflection. `person` is one of the pair: the router checked
    the form's session, and a typed reply answers the person's own pending prompt.
    """
    pairing = await ctx.get(Pairing, session.pairing_id)
    if pairing is None:
        return Message(prompts.text("general.unknown_item"))
    if session.status != SessionStatus.HELD:
        return Message(prompts.text("general.unknown_item"))
    program = await ctx.program(pairing.program_id)
    chosen = parse_choice(visibility or await promised(ctx, person, session, program))
    what_changed, will_do = what_changed.strip(), will_do.strip()
    done = " ".join(implemented.split())
    errors = {}
    if not what_changed:
        errors["what_changed"] = prompts.text("reflect.empty")
    for field_id, text, limit in (
        ("what_changed", what_changed, MAX_REFLECTION_CHARS),
        ("will_do", will_do, MAX_REFLECTION_CHARS),
        ("implemented", done, MAX_IMPLEMENTED_CHARS),
    ):
        if len(text) > limit:
            key = "reflect.too_long" if typed else "reflect.too_long_field"
            errors[field_id] = prompts.text(key, limit=f"{limit:,}", length=f"{len(text):,}")
    if chosen is None:
        errors["visibility"] = prompts.text("reflect.bad_visibility")
    if errors and typed:
        return Message(" ".join(errors.values()))
    if errors:
        return FormErrors(errors, (await _form(ctx, person, session)).form)
    if await ctx.tx.find(Reflection, session_id=session.id, author_id=person.id):
        return Message(prompts.text("reflect.already"))
    visibility, anonymous = chosen  # not None: refused above
    reflection = await ctx.tx.add(
        Reflection(
            session_id=session.id,
            author_id=person.id,
            role=pairing.role_of(person.id) or Role.MENTEE,
            what_changed=what_changed,
            will_do=will_do,
            visibility=visibility,
            created_at=ctx.now,
            anonymous=anonymous,
        )
    )
    # Each line is an action its author is asked about later; those of a private reflection
    # stay off the pair's agendas (open_followups) and are asked of the author alone.
    actions = [
        await ctx.tx.add(
            FollowUp(
                pairing_id=pairing.id,
                reflection_id=reflection.id,
                text=line.strip(" -*\t"),
                created_at=ctx.now,
            )
        )
        for line in will_do.splitlines()
        if line.strip(" -*\t")
    ]
    await plan_asks(ctx, pairing, program, person, actions)
    log.info("reflection saved session=%s role=%s", session.id, reflection.role)
    other = await ctx.person(pairing.other(person.id))
    if done and reflection.role == Role.MENTEE:
        followup = await ctx.tx.add(
            FollowUp(
                pairing_id=pairing.id,
                reflection_id=reflection.id,
                text=done,
                done=True,
                created_at=ctx.now,
                done_at=ctx.now,
            )
        )
        await recognise(ctx, pairing, followup)
    note = visibility_note(visibility, other.first_name, past=True, anonymous=anonymous)
    text = prompts.text("reflect.saved", other=other.first_name, visibility_past=note)
    if done and visibility == Visibility.PRIVATE:
        text += " " + prompts.text("reflect.private_no_thanks", other=other.first_name)
    buttons: tuple[Button, ...] = ()
    if typed:
        text += " " + prompts.text("reflect.undo_hint")
        buttons = (Button(prompts.text("buttons.undo"), "reflection.undo", str(reflection.id)),)
    return Message(text, buttons=buttons, select=_visibility_choice(reflection, other))


async def undo_reflection(ctx: Context, person: Participant, req: Request) -> Message:
    """Take back a reflection its author just saved (a typed reply not meant as one): its
    words are erased from the database's files as forget-me erases them, and its prompt is
    open again. One whose follow-ups were already acted on stays (the router has checked
    that `person` wrote it)."""
    reflection = req.record
    followups = await ctx.tx.find(FollowUp, reflection_id=reflection.id)
    if any(f.done for f in followups):
        return Message(prompts.text("reflect.undo_too_late"))
    await ctx.tx.delete(FollowUp, reflection_id=reflection.id)
    await ctx.tx.delete(Reflection, id=reflection.id)
    # Not meant as a reflection: its words leave the database files too, as forget-me's do.
    ctx.tx.erase_freed_space()
    log.info("reflection withdrawn session=%s", reflection.session_id)
    return Message(prompts.text("reflect.undone"))


def _visibility_choice(reflection: Reflection, other: Participant) -> Select:
    """Who can read the reflection, as one choice (its current one chosen)."""
    return Select(
        prompts.text("reflect.visibility_label"),
        "reflection.visibility",
        tuple(
            Choice(
                f"{reflection.id}:{c}",
                prompts.text(f"reflect.visibility_choice.{c}", other=other.first_name),
            )
            for c in CHOICES
        ),
        initial=f"{reflection.id}:{choice_of(reflection.visibility, reflection.anonymous)}",
        submit_label=prompts.text("buttons.change"),
    )


async def change_visibility(ctx: Context, person: Participant, req: Request) -> Message:
    """The author (checked by the router) changes who can read their reflection, and whether
    it carries their name when shared with the program (`choice`, one of CHOICES)."""
    reflection, pairing, choice = req.record, req.pairing, req.rest
    chosen = parse_choice(choice)
    if pairing is None or chosen is None:
        return Message(prompts.text("general.unknown_item"))
    reflection.visibility, reflection.anonymous = chosen
    await ctx.tx.save(reflection, fields=("visibility", "anonymous"))
    other = await ctx.person(pairing.other(person.id))
    note = visibility_note(chosen[0], other.first_name, past=True, anonymous=chosen[1])
    return Message(prompts.text("reflect.visibility_changed", visibility_past=note))
