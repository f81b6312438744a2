"""Program check-ins: expectations when a pair starts, a check-in at the program's half-way
date and a survey at its end (1-5 plus a few words), each with one reminder."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta

from bot.context import Context
from bot.domain import prompts
from bot.domain.kinds import Kind, checkin_key, checkin_series, is_reminder
from bot.domain.messages import Button, Choice, Field, Form, FormErrors, Message
from bot.domain.model import (
    Later,
    Notification,
    NotificationStatus,
    Pairing,
    PairingStatus,
    Participant,
    Program,
    Stage,
)
from bot.domain.outcomes import CheckIn
from bot.policy.hours import zone
from bot.router import Request

log = logging.getLogger(__name__)

REMINDER_AFTER = timedelta(days=3)
# How long a check-in waits for another message to go with before it goes alone.
RIDE_WAIT = timedelta(days=7)
# A pair that was planned more than this after the half-way date has missed that check-in.
MIDPOINT_WINDOW = timedelta(days=7)
MAX_TEXT = 1000
RATED = (Stage.MIDPOINT, Stage.FINAL)


async def ask(
    ctx: Context, pairing: Pairing, program: Program, stage: str, nominal: datetime
) -> int:
    """Queue the stage's question to both people, and its one reminder; idempotent.

    While the pair is under way the question and its reminder can wait: each goes with the
    next message the person gets (a nudge, an agenda, an invite, "did it happen?") from its
    moment on, and alone only RIDE_WAIT later (bot.sending.delivery). The end-of-program
    survey goes at once: no other message follows it."""
    rides = stage != Stage.FINAL
    wait = RIDE_WAIT if rides else timedelta()
    created = 0
    for person_id in (pairing.mentee_id, pairing.mentor_id):
        person = await ctx.person(person_id)
        if person.forgotten_at:
            continue
        # (from when it may go along with another message, when it goes alone at the latest)
        question = (nominal, nominal + wait)
        reminder = (nominal + REMINDER_AFTER, nominal + wait + REMINDER_AFTER + wait)
        for kind, (rides_from, alone) in (
            (Kind.CHECKIN, question),
            (Kind.CHECKIN_REMINDER, reminder),
        ):
            payload: dict = {"stage": stage}
            if rides:
                payload["rides_from"] = rides_from.isoformat()
            created += await ctx.outbox.notify(
                kind,
                person,
                ctx.rules.deliverable(alone, person, program),
                checkin_key(pairing.id, stage, person.id, reminder=kind == Kind.CHECKIN_REMINDER),
                series=checkin_series(stage),
                pairing_id=pairing.id,
                payload=payload,
            )
    return created


def midpoint(program: Program) -> datetime | None:
    """The start of the program's half-way day, in its timezone; None without both dates."""
    if not (program.starts_on and program.ends_on):
        return None
    day = program.starts_on + (program.ends_on - program.starts_on) / 2
    return datetime.combine(day, time(), zone(program.timezone)).astimezone(UTC)


async def plan_midpoint(ctx: Context, pairing: Pairing, program: Program) -> datetime | None:
    """Ask the half-way check-in when its day has come; returns when to look again (the
    half-way moment) while it is still ahead."""
    mid = midpoint(program)
    if mid is None or pairing.activated_at is None:
        return None
    if ctx.now < mid:
        return mid
    if ctx.now < mid + MIDPOINT_WINDOW and pairing.activated_at <= mid:
        await ask(ctx, pairing, program, Stage.MIDPOINT, mid)
    return None


async def compose_question(
    ctx: Context, row: Notification, pairing: Pairing
) -> Message | Later | None:
    """The check-in question (or its reminder) for `row`, unless it no longer applies. A
    reminder due before its question went out (ticks stopped for days, then both came due at
    once) waits until REMINDER_AFTER past now."""
    stage = row.payload.get("stage", "")
    wanted = PairingStatus.COMPLETED if stage == Stage.FINAL else PairingStatus.ACTIVE
    if pairing.status != wanted or await _answered(ctx, pairing.id, row.recipient_id, stage):
        return None
    if is_reminder(row.kind):
        ready = await reminder_ready(ctx, checkin_key(pairing.id, stage, row.recipient_id))
        if ready is not True:
            return ready or None
    program = await ctx.program(pairing.program_id)
    other = await ctx.person(pairing.other(row.recipient_id))
    key = "checkin.reminder" if is_reminder(row.kind) else f"checkin.ask_{stage}"
    text = prompts.text(key, other=other.first_name, program=program.name)
    value = f"{pairing.id}:{stage}"
    label = prompts.text("buttons.checkin")
    return Message(text, buttons=(Button(label, "checkin.answer", value, primary=True),))


async def reminder_ready(ctx: Context, question_key: str) -> Later | bool:
    """Whether a reminder may go out: True once its question was sent REMINDER_AFTER ago,
    False when the question never went out, and Later while the question is still pending
    (as when ticks stopped for days and both came due at once) or was sent only lately (it
    went early, with another message)."""
    question = await ctx.tx.find(Notification, key=question_key)
    if question and question[0].status == NotificationStatus.PENDING:
        return Later(ctx.now + REMINDER_AFTER)
    if not question or question[0].status != NotificationStatus.SENT:
        return False
    sent = question[0].sent_at
    if sent is not None and ctx.now < sent + REMINDER_AFTER:
        return Later(sent + REMINDER_AFTER)
    return True


async def checkin_form(ctx: Context, person: Participant, req: Request) -> Message:
    """The form for one check-in: a 1-5 rating (half-way and at the end) and a few words.
    The router has checked that `person` is one of the pair."""
    pairing, stage = req.record, req.rest
    if stage not in set(Stage) or not await _asked(ctx, pairing, person, stage):
        return Message(prompts.text("general.unknown_item"))
    if await _answered(ctx, pairing.id, person.id, stage):
        return Message(prompts.text("checkin.already"))
    return Message(prompts.text("checkin.who_reads"), form=_form(stage, f"{pairing.id}:{stage}"))


async def _asked(ctx: Context, pairing: Pairing, person: Participant, stage: str) -> bool:
    """Whether this check-in's question went out to `person` (alone, along with another
    message, or in an answer): an answer to a question never asked is not taken."""
    key = checkin_key(pairing.id, stage, person.id)
    return bool(await ctx.tx.find(Notification, key=key, status=NotificationStatus.SENT))


def _form(stage: str, value: str) -> Form:
    fields = []
    if stage in RATED:
        choices = tuple(
            Choice(str(n), prompts.text(f"checkin.rating_{n}")) for n in range(5, 0, -1)
        )
        fields.append(Field("rating", prompts.text("checkin.rating_label"), "choice", choices))
    label = prompts.text(f"checkin.text_{stage}")
    fields.append(Field("text", label, "multiline", optional=stage in RATED, limit=MAX_TEXT))
    return Form(
        id="checkin.submit",
        title=prompts.text("checkin.form_title"),
        fields=tuple(fields),
        submit_label=prompts.text("checkin.submit"),
        value=value,
    )


async def save_checkin(ctx: Context, person: Participant, req: Request) -> Message | FormErrors:
    """Save one answer to a question `person` was asked; a second answer to the same
    check-in changes nothing."""
    pairing, stage, values = req.record, req.rest, req.values
    if stage not in set(Stage) or not await _asked(ctx, pairing, person, stage):
        return Message(prompts.text("general.unknown_item"))
    value = f"{pairing.id}:{stage}"
    text = " ".join((values.get("text") or "").split())
    rating = None
    errors = {}
    if len(text) > MAX_TEXT:
        errors["text"] = prompts.text(
            "checkin.too_long", limit=f"{MAX_TEXT:,}", length=f"{len(text):,}"
        )
    if stage in RATED:
        raw = (values.get("rating") or "").strip()
        if raw not in {"1", "2", "3", "4", "5"}:
            errors["rating"] = prompts.text("checkin.bad_rating")
        else:
            rating = int(raw)
    elif not text:
        errors["text"] = prompts.text("checkin.empty")
    if errors:
        return FormErrors(errors, _form(stage, value))
    if await _answered(ctx, pairing.id, person.id, stage):
        return Message(prompts.text("checkin.already"))
    await ctx.tx.add(
        CheckIn(
            pairing_id=pairing.id,
            participant_id=person.id,
            stage=stage,
            rating=rating,
            text=text,
            created_at=ctx.now,
        )
    )
    log.info("check-in saved pairing=%s stage=%s", pairing.id, stage)
    return Message(prompts.text("checkin.saved"))


async def open_checkins(ctx: Context, person: Participant) -> list[tuple[int, str]]:
    """The check-ins `person` was asked and has not answered: (pairing id, stage) each."""
    asked = await ctx.tx.find(
        Notification, recipient_id=person.id, kind=Kind.CHECKIN, status=NotificationStatus.SENT
    )
    found = []
    for row in asked:
        stage = row.payload.get("stage", "")
        if row.pairing_id is not None and not await _answered(
            ctx, row.pairing_id, person.id, stage
        ):
            found.append((row.pairing_id, stage))
    return found


async def _answered(ctx: Context, pairing_id: int, person_id: int, stage: str) -> bool:
    found = await ctx.tx.find(CheckIn, pairing_id=pairing_id, participant_id=person_id, stage=stage)
    return bool(found)
