"""Render neutral messages as plain text, with buttons as [Label] and forms as field lists."""

from __future__ import annotations

from bot.domain.messages import Form, Invite, Message
from bot.policy.hours import zone


def render(message: Message) -> str:
    """The message as text a terminal can show."""
    head = [message.text] if message.text else []
    for ask in message.asks:  # each question, then its buttons
        head.append(ask.text)
        if ask.buttons:
            head.append(" ".join(f"[{b.label}]" for b in ask.buttons))
    lines = [
        "\n\n".join(
            p for p in ["\n".join(head), *(s.plain(buttons=True) for s in message.sections)] if p
        )
    ]
    if message.select:
        options = "/".join(c.label for c in message.select.options)
        lines.append(f"<choose {message.select.label}: {options}>")
    if message.buttons:
        lines.append(" ".join(f"[{b.label}]" for b in message.buttons))
    if message.form:
        lines.append(render_form(message.form))
    if message.invite:
        lines.append(invite_line(message.invite))
    elif message.file:
        lines.append(f"(file: {message.file.name}, {len(message.file.content)} bytes)")
    return "\n".join(lines)


def invite_line(invite: Invite) -> str:
    """One line per .ics: its method, uid, sequence and time (in the booker's zone)."""
    event = invite.event
    local = event.starts_at.astimezone(zone(event.tzid))
    when = f"{local:%Y-%m-%d %H:%M} {event.tzid}, {event.minutes} min"
    extra = f", repeats {event.rule}" if event.rule else ""
    if invite.events > 1:
        extra += f", {invite.events} sessions"
    return f"(calendar {invite.method} uid={event.uid} sequence={event.sequence} {when}{extra})"


def render_form(form: Form) -> str:
    fields = ", ".join(
        f"{f.label}{' (optional)' if f.optional else ''}"
        + (f" [{'/'.join(c.label for c in f.choices)}]" if f.choices else "")
        for f in form.fields
    )
    return f"<form {form.title}: {fields}>"
