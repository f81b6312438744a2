"""Who reads what in the learnings library, and what a search is allowed to ask for.

The rule, in one place: a person reads the reflections shared with the program in each
program they are in for real (a pairing of it, whether proposed, active, paused or ended),
and the owners of a program also read the ones left to its owners. A place in the pool
(`join`) is not enough: anyone can join, so joining opens nothing until an owner pairs
them. Nobody reads a private or pair-only reflection here, their own included, and someone
forgotten reads nothing. The store applies the scope in its query (storage/learnings.py),
so a visibility changed or a person forgotten a moment ago counts at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.domain.model import Pairing, PairingStatus, Participant, Program
from bot.domain.ports import LibraryScope

# Pairings whose two people belong to the program's library: an owner has paired them (a
# declined proposal does not count).
TAKING_PART = frozenset(
    {
        PairingStatus.PROPOSED,
        PairingStatus.ACTIVE,
        PairingStatus.PAUSED,
        PairingStatus.COMPLETED,
        PairingStatus.ENDED,
    }
)
# A search uses at most this many words of at most this many characters: enough to find
# anything, and a bound on what one query costs.
MAX_WORDS = 8
MAX_WORD_CHARS = 40
_WORD = re.compile(r"[^\W_]+")


def library_scope(
    person: Participant, pairings: Iterable[Pairing], owned: Iterable[Program]
) -> LibraryScope:
    """What `person` may read, from their pairings and the programs they own (as
    bot.policy.rules.Rules.is_owner says)."""
    if person.forgotten_at is not None:
        return LibraryScope()
    taking_part = {
        p.program_id
        for p in pairings
        if p.status in TAKING_PART and p.role_of(person.id) is not None
    }
    owners_of = {p.id for p in owned if p.id is not None}
    return LibraryScope(shared=frozenset(taking_part | owners_of), owned=frozenset(owners_of))


def search_words(text: str) -> list[str]:
    """The words of a search: runs of letters and digits, lower-cased, each once, at most
    MAX_WORDS of them. Everything else (quotes, *, ^, :, parentheses, +, -) is dropped, so
    nothing typed is ever read as search syntax; AND, OR, NOT and NEAR are plain words."""
    found: list[str] = []
    for word in _WORD.findall(text.lower()):
        word = word[:MAX_WORD_CHARS]
        if word not in found:
            found.append(word)
    return found[:MAX_WORDS]
