"""Render neutral messages as plain text, with buttons as [Label] and forms as field lists."""

from __future__ import annotations

from bot.messages import Form, Message


def render(message: Message) -> str:
    """The message as text a terminal can show."""
    lines = [message.plain()]
    if message.buttons:
        lines.append(" ".join(f"[{b.label}]" for b in message.buttons))
    if message.form:
        lines.append(render_form(message.form))
    if message.file:
        lines.append(f"(file: {message.file.name}, {len(message.file.content)} bytes)")
    return "\n".join(lines)


def render_form(form: Form) -> str:
    fields = ", ".join(
        f"{f.label}{' (optional)' if f.optional else ''}"
        + (f" [{'/'.join(c.label for c in f.choices)}]" if f.choices else "")
        for f in form.fields
    )
    return f"<form {form.title}: {fields}>"
