"""Neutral inbound events: what a person did, whatever the platform."""

from __future__ import annotations

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
    """A button press: `action` is the button's id and `value` its value."""

    action: str = ""
    value: str = ""


@dataclass(frozen=True)
class FormSubmitted(Event):
    """A submitted form: `form_id` is the form's id, `value` its context, `values` the inputs."""

    form_id: str = ""
    value: str = ""
    values: dict[str, str] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.platform, self.event_id))
