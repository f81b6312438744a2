"""The console platform's sender: keeps each person's inbox and writes a transcript line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from adapters.console.render import render
from bot.clock import Clock
from bot.messages import Message
from bot.model import Participant


@dataclass(frozen=True)
class Delivered:
    at: datetime
    recipient: Participant
    message: Message


class ConsoleSender:
    """Delivers to in-memory inboxes; `write` gets one formatted transcript entry per message."""

    def __init__(self, clock: Clock, write: Callable[[str], None] | None = None) -> None:
        self.clock = clock
        self.write = write
        self.inbox: dict[str, list[Delivered]] = defaultdict(list)
        self.delivered: list[Delivered] = []

    async def send(self, recipient: Participant, message: Message) -> None:
        item = Delivered(self.clock.now(), recipient, message)
        self.inbox[recipient.user_id].append(item)
        self.delivered.append(item)
        if self.write:
            self.write(f"-> {recipient.display_name or recipient.user_id}: {render(message)}")

    def take(self, user_id: str) -> list[Delivered]:
        """Everything delivered to `user_id` since the last take."""
        items, self.inbox[user_id] = self.inbox[user_id], []
        return items
