"""Who can read a reflection, in words for its author."""

from __future__ import annotations

from bot.domain import copy


def visibility_note(visibility: str, other: str, *, past: bool = False) -> str:
    """Who will (or can) read a reflection, in words for its author."""
    section = "reflect.visibility_past" if past else "reflect.visibility"
    return copy.text(f"{section}.{visibility}", other=other)
