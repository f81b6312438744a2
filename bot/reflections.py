"""Reflections after a held session, the follow-ups they create, and marking those done."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot import copy
from bot.context import Context, visibility_note
from bot.messages import Button, Choice, Field, Form, FormErrors, Message
from bot.model import (
    Enrolment,
    FollowUp,
    Notification,
    NotificationStatus,
    Pairing,
    Participant,
    Recognition,
    Reflection,
    Role,
    Session,
    SessionStatus,
    Visibility,
)

log = logging.getLogger(__name__)

MAX_REFLECTION_CHARS = 3000
REPLY_WINDOW = timedelta(days=14)


async def pending_reflection(ctx: Context, person: Participant) -> Session | None:
    """The latest held session this person was asked about and has not yet reflected on."""
    asked = [
        row
        for row in await ctx.tx.find(
            Notification, recipient_id=person.id, kind="reflect", status=NotificationStatus.SENT
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


async def reflection_form(ctx: Context, person: Participant, session: Session) -> Message:
    pairing = await ctx.tx.get(Pairing, session.pairing_id)
    if pairing is None or pairing.role_of(person.id) is None:
        return Message(copy.text("general.not_yours"))
    program = await ctx.program(pairing.program_id)
    other = await ctx.person(pairing.other(person.id))
    choices = tuple(
        Choice(v.value, copy.text(f"reflect.visibility_choice.{v.value}", other=other.first_name))
        for v in (Visibility.PROGRAM, Visibility.PAIR, Visibility.PRIVATE)
    )
    implemented = ()
    if pairing.role_of(person.id) == Role.MENTEE:
        label = copy.text("reflect.implemented", other=other.first_name)
        implemented = (Field("implemented", label, kind="text", optional=True),)
    form = Form(
        id="reflection.submit",
        title=copy.text("reflect.form_title"),
        value=str(session.id),
        submit_label=copy.text("reflect.submit"),
        fields=(
            Field("what_changed", copy.text("reflect.what_changed"), kind="multiline"),
            Field("will_do", copy.text("reflect.will_do"), kind="multiline", optional=True),
            Field(
                "visibility",
                copy.text("reflect.visibility_label"),
                kind="choice",
                choices=choices,
                initial=program.reflection_visibility,
            ),
            *implemented,
        ),
    )
    return Message(text=visibility_note(program.reflection_visibility, other.first_name), form=form)


async def save_reflection(
    ctx: Context,
    person: Participant,
    session: Session,
    what_changed: str,
    will_do: str = "",
    visibility: str | None = None,
    implemented: str = "",
) -> Message | FormErrors:
    """Save the person's reflection on `session`; each line of `will_do` becomes a follow-up,
    and a mentee naming a suggestion they implemented gets the mentor recognised."""
    pairing = await ctx.tx.get(Pairing, session.pairing_id)
    if pairing is None or pairing.role_of(person.id) is None:
        return Message(copy.text("general.not_yours"))
    if session.status != SessionStatus.HELD:
        return Message(copy.text("general.unknown_item"))
    program = await ctx.program(pairing.program_id)
    visibility = visibility or program.reflection_visibility
    what_changed = what_changed.strip()[:MAX_REFLECTION_CHARS]
    errors = {}
    if not what_changed:
        errors["what_changed"] = copy.text("reflect.empty")
    if visibility not in set(Visibility):
        errors["visibility"] = "Choose program, pair or private."
    if errors:
        return FormErrors(errors, (await reflection_form(ctx, person, session)).form)
    if await ctx.tx.find(Reflection, session_id=session.id, author_id=person.id):
        return Message(copy.text("reflect.already"))
    reflection = await ctx.tx.add(
        Reflection(
            session_id=session.id,
            author_id=person.id,
            role=pairing.role_of(person.id) or Role.MENTEE,
            what_changed=what_changed,
            will_do=will_do.strip()[:MAX_REFLECTION_CHARS],
            visibility=visibility,
            created_at=ctx.now,
        )
    )
    # Follow-ups appear on the pair's agendas, so a private reflection creates none.
    plans = will_do.splitlines() if visibility != Visibility.PRIVATE else []
    for line in plans:
        if line.strip(" -*\t"):
            await ctx.tx.add(
                FollowUp(
                    pairing_id=pairing.id,
                    reflection_id=reflection.id,
                    text=line.strip(" -*\t")[:300],
                    created_at=ctx.now,
                )
            )
    log.info("reflection saved session=%s role=%s", session.id, reflection.role)
    other = await ctx.person(pairing.other(person.id))
    done = " ".join(implemented.split())[:300]
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
        await recognise(ctx, pairing, followup, reflection)
    text = copy.text(
        "reflect.saved",
        other=other.first_name,
        visibility_past=visibility_note(visibility, other.first_name, past=True),
    )
    return Message(text, buttons=_visibility_buttons(reflection, other))


def _visibility_buttons(reflection: Reflection, other: Participant) -> tuple[Button, ...]:
    """One tap to share the reflection more narrowly (or widely) than it was saved."""
    return tuple(
        Button(
            copy.text(f"reflect.visibility_choice.{v.value}", other=other.first_name),
            "reflection.visibility",
            f"{reflection.id}:{v.value}",
        )
        for v in (Visibility.PROGRAM, Visibility.PAIR, Visibility.PRIVATE)
        if v != reflection.visibility
    )


async def change_visibility(ctx: Context, person: Participant, value: str) -> Message:
    """The author changes who can read their reflection."""
    raw_id, _, visibility = value.partition(":")
    reflection = await ctx.tx.get(Reflection, int(raw_id)) if raw_id.isdigit() else None
    if reflection is None or visibility not in set(Visibility):
        return Message(copy.text("general.unknown_item"))
    if reflection.author_id != person.id:
        return Message(copy.text("general.not_yours"))
    session = await ctx.tx.get(Session, reflection.session_id)
    pairing = await ctx.tx.get(Pairing, session.pairing_id) if session else None
    if pairing is None:
        return Message(copy.text("general.unknown_item"))
    reflection.visibility = visibility
    await ctx.tx.save(reflection, fields=("visibility",))
    other = await ctx.person(pairing.other(person.id))
    note = visibility_note(visibility, other.first_name, past=True)
    return Message(copy.text("reflect.visibility_changed", visibility_past=note))


async def mark_followup_done(ctx: Context, person: Participant, followup: FollowUp) -> Message:
    """The mentee reports a suggestion as implemented; the mentor is thanked."""
    pairing = await ctx.tx.get(Pairing, followup.pairing_id)
    source = await ctx.tx.get(Reflection, followup.reflection_id)
    if pairing is None or source is None or source.author_id != person.id:
        return Message(copy.text("general.not_yours"))
    if followup.done:
        return Message(copy.text("followup.already"))
    followup.done, followup.done_at = True, ctx.now
    await ctx.tx.save(followup)
    if pairing.role_of(person.id) != Role.MENTEE:
        return Message(copy.text("followup.done_own"))
    mentor = await ctx.person(pairing.mentor_id)
    await recognise(ctx, pairing, followup, source)
    return Message(copy.text("followup.done", other=mentor.first_name))


async def recognise(ctx: Context, pairing: Pairing, followup: FollowUp, source: Reflection) -> None:
    """Thank the mentor for a suggestion the mentee implemented; where the program says so,
    tell the mentor's manager too - with the suggestion's words only when the mentee shared
    the reflection with the program, and never the mentee's name."""
    program = await ctx.program(pairing.program_id)
    mentor, mentee = await ctx.person(pairing.mentor_id), await ctx.person(pairing.mentee_id)
    await ctx.note(
        mentor,
        f"followup:{followup.id}:thanks",
        copy.text("followup.thanks_mentor", other=mentee.first_name, text=followup.text),
        program,
        pairing_id=pairing.id,
    )
    if program.recognition != Recognition.MANAGER:
        return
    profile = await ctx.tx.find(Enrolment, program_id=program.id, participant_id=mentor.id)
    if not profile or profile[0].manager_id is None:
        return
    manager = await ctx.person(profile[0].manager_id)
    shared = source.visibility == Visibility.PROGRAM
    key = "followup.manager_text" if shared else "followup.manager"
    text = copy.text(key, mentor=mentor.first_name, program=program.name, text=followup.text)
    await ctx.note(manager, f"followup:{followup.id}:manager", text, program, pairing_id=pairing.id)
