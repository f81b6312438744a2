"""Who can read a reflection: the choices its author has, and the words that tell them."""

from __future__ import annotations

from bot.domain import prompts
from bot.domain.model import Visibility

# The fifth choice: shared with the program, without the author's name (Reflection.anonymous).
ANONYMOUS = "shared_anonymous"
# The order the form and the buttons offer them in.
CHOICES = (Visibility.PROGRAM, Visibility.PAIR, Visibility.PRIVATE, Visibility.SHARED, ANONYMOUS)


def parse_choice(choice: str | None) -> tuple[str, bool] | None:
    """The (visibility, anonymous) a choice stands for; None for anything else. Only a
    reflection shared with the program can be anonymous."""
    if choice == ANONYMOUS:
        return Visibility.SHARED, True
    if choice in set(Visibility):
        return str(choice), False
    return None


def choice_of(visibility: str, anonymous: bool = False) -> str:
    """The choice that stands for a reflection's visibility and anonymity."""
    return ANONYMOUS if anonymous and visibility == Visibility.SHARED else visibility


def visibility_note(
    visibility: str, other: str, *, past: bool = False, anonymous: bool = False
) -> str:
    """Who will (or can) read a reflection, in words for its author."""
    section = "reflect.visibility_past" if past else "reflect.visibility"
    return prompts.text(f"{section}.{choice_of(visibility, anonymous)}", other=other)
