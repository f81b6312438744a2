"""What an owner can do about one pair from status or the digest (a pair at risk, or one
where someone said the match may not be working): message both, through the bot, or pause
it. The router has checked that the person owns the pair's program."""

from __future__ import annotations

from bot.context import Context
from bot.domain import prompts
from bot.domain.kinds import Note, note_key
from bot.domain.messages import Ask, Button, Field, Form, FormErrors, Message
from bot.domain.model import Pairing, PairingStatus, Participant
from bot.flows import lifecycle
from bot.router import Request

MOST = 500  # characters in an owner's note


def act_on(pairing_id: int, pair: str, why: str, active: bool) -> Ask:
    """A pair to act on, as a line with its buttons (Pause only while it is active)."""
    buttons = [Button(prompts.text("buttons.message_both"), "owner.message", str(pairing_id))]
    if active:
        buttons.append(Button(prompts.text("buttons.pause_pair"), "owner.pause", str(pairing_id)))
    return Ask(prompts.text("owner_pair.line", pair=pair, why=why), tuple(buttons))


async def _pair(ctx: Context, pairing: Pairing) -> tuple[Participant, Participant, str]:
    mentor, mentee = await ctx.person(pairing.mentor_id), await ctx.person(pairing.mentee_id)
    return (
        mentor,
        mentee,
        prompts.text("status.chart.pair", mentee=mentee.label, mentor=mentor.label),
    )


async def message_form(ctx: Context, person: Participant, req: Request) -> Message:
    """The form for a short note to both people of the pair."""
    _, _, pair = await _pair(ctx, req.pairing)
    field = Field("note", prompts.text("owner_pair.field", pair=pair), "multiline", limit=MOST)
    form = Form(
        "owner.message",
        prompts.text("owner_pair.title"),
        (field,),
        prompts.text("owner_pair.submit"),
        str(req.pairing.id),
    )
    return Message(prompts.text("owner_pair.intro", pair=pair), form=form)


async def send_message(ctx: Context, person: Participant, req: Request) -> Message | FormErrors:
    """Send the owner's note to both people of the pair, under the owner's name."""
    pairing, program = req.pairing, req.program
    text = req.values.get("note", "").strip()
    if not text:
        return FormErrors({"note": prompts.text("owner_pair.empty")})
    if len(text) > MOST:
        return FormErrors(
            {"note": prompts.text("owner_pair.too_long", most=MOST, length=len(text))}
        )
    mentor, mentee, pair = await _pair(ctx, pairing)
    note = prompts.text("owner_pair.note", owner=person.label, program=program.name, text=text)
    stamp = f"{ctx.now:%Y%m%dT%H%M%S}"
    for told in (mentor, mentee):
        key = note_key(Note.OWNER, pairing.id, told.id, person.id, stamp)
        await ctx.outbox.note(told, key, note, program, pairing_id=pairing.id)
    return Message(prompts.text("owner_pair.sent", pair=pair))


async def pause(ctx: Context, person: Participant, req: Request) -> Message:
    """An owner pauses a pair from status or the digest; both are told who paused it."""
    pairing, program = req.pairing, req.program
    mentor, mentee, pair = await _pair(ctx, pairing)
    if pairing.status != PairingStatus.ACTIVE:
        return Message(prompts.text("owner_pair.not_active", pair=pair, status=pairing.status))
    await lifecycle.pause_pair(ctx, pairing, person)
    for told in (mentor, mentee):
        other = mentee if told is mentor else mentor
        text = prompts.text(
            "owner_pair.paused_note",
            owner=person.first_name,
            other=other.first_name,
            program=program.name,
        )
        await ctx.outbox.note(
            told, lifecycle.paused_key(ctx, pairing, told), text, program, pairing_id=pairing.id
        )
    return Message(prompts.text("owner_pair.paused", pair=pair))
