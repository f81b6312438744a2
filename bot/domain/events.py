"""Neutral inbound events: what a person did, whatever the platform."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """The person behind an event; `timezone` is filled when the platform tells us, and
    `address` when the platform needs one to message them later (a Teams conversation)."""

    platform: str
    user_id: str
    display_name: str = ""
    workspace: str = ""
    timezone: str | None = None
    address: dict | None = field(default=None, compare=False, hash=False)
    email: str = ""

    @property
    def handle(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class Mention:
    """A person mentioned in a command: `token` is how the mention appears in the text."""

    token: str
    actor: Actor


@dataclass(frozen=True)
class Event:
    """Base of every inbound event; `event_id` is the platform's id, used to drop retries."""

    platform: str
    event_id: str
    actor: Actor


@dataclass(frozen=True)
class CommandIssued(Event):
    """A command such as ``status`` with its raw argument text."""

    name: str = "help"
    args: str = ""
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class MessageReceived(Event):
    """A plain-text direct message to the bot; `mentions` as for a command (Teams commands
    are typed as messages)."""

    text: str = ""
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class MemberJoined(Event):
    """The person added the bot (installed it, or opened a chat with it)."""


@dataclass(frozen=True)
class ActionClicked(Event):
    """A button press: `action` is the button's id and `value` its value; `for_person` the
    handle of the one person the pressed buttons were for (Button.for_person, in a chat
    shared by several people), as the platform reports it."""

    action: str = ""
    value: str = ""
    for_person: str = ""


@dataclass(frozen=True)
class FormSubmitted(Event):
    """A submitted form: `form_id` is the form's id, `value` its context, `values` the inputs."""

    form_id: str = ""
    value: str = ""
    values: dict[str, str] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.platform, self.event_id))


def without_nul(value):
    """`value` (an event, or anything in one) with NUL characters taken out of every string:
    no platform shows them, and PostgreSQL cannot store them in text."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(without_nul(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: without_nul(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


class SeenHere:
    """Event ids this process has handled without writing (reads only), newest kept: a
    platform's retry of a read is answered once. Retries of everything else are caught by
    the store (`Tx.first_seen`), across replicas."""

    def __init__(self, keep: int = 10_000) -> None:
        self._keep = keep
        self._ids: OrderedDict[tuple[str, str], None] = OrderedDict()

    def seen(self, platform: str, event_id: str) -> bool:
        return (platform, event_id) in self._ids

    def remember(self, platform: str, event_id: str) -> None:
        """Note an event once it has been answered (not before: an event that failed, or
        that went the way that writes, is decided by the store)."""
        self._ids[(platform, event_id)] = None
        if len(self._ids) > self._keep:
            self._ids.popitem(last=False)
