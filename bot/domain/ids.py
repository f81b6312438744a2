"""Ids, handles and addresses that arrive from outside (buttons, forms, configuration, CSV
files, platforms' user details), read before anything is looked up or kept by them."""

from __future__ import annotations

# Ids are 32-bit integers in the database (INTEGER columns on PostgreSQL).
MAX_RECORD_ID = 2**31 - 1


def record_id(text: object) -> int | None:
    """The record id a button or form value names, or None when it names none: ASCII digits
    only ("²" is a digit to Python) and within the database's integer range."""
    text = str(text).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_RECORD_ID else None


def parse_handle(text: str) -> tuple[str, str]:
    """Split `platform:user_id` (the user id may itself contain colons, as Teams ids do)."""
    platform, sep, user_id = text.strip().partition(":")
    if not sep or not platform or not user_id:
        raise ValueError(f"{text!r} should look like platform:user_id, e.g. slack:U123.")
    if len(platform) > 20 or len(user_id) > 200:
        raise ValueError(f"{text[:40]!r}... is too long for a platform:user_id.")
    return platform.lower(), user_id


def email_address(value: object) -> str:
    """The e-mail address a platform reported, or "" for anything that cannot be one (calendar
    invites put it in ORGANIZER and ATTENDEE lines; the column holds 320 characters)."""
    text = value.strip() if isinstance(value, str) else ""
    local, at, domain = text.rpartition("@")
    if not (at and local and domain) or len(text) > 320 or any(c.isspace() for c in text):
        return ""
    return text
