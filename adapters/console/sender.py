"""The console platform's sender: keeps each person's inbox and writes a transcript line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.messages import Message
from bot.model import Participant


@dataclass(frozen=True)
class Delivered:
    at: datetime
    recipient: Participant
    message: Message


class ConsoleSender:
    """Delivers to in-memory inboxes; `write` (if given) is called with every delivery."""

    def __init__(self, clock: Clock, write: Callable[[Delivered], None] | None = None) -> None:
        self.clock = clock
        self.write = write
        self.inbox: dict[str, list[Delivered]] = defaultdict(list)
        self.delivered: list[Delivered] = []

    async def send(self, recipient: Participant, message: Message) -> None:
        item = Delivered(self.clock.now(), recipient, message)
        self.inbox[recipient.user_id].append(item)
        self.delivered.append(item)
        if self.write:
            self.write(item)

    def take(self, user_id: str) -> list[Delivered]:
        """Everything delivered to `user_id` since the last take."""
        items, self.inbox[user_id] = self.inbox[user_id], []
        return items
