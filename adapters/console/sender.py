"""The console platform's sender: keeps every delivery in memory and reports each one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.clock import Clock
from bot.domain.messages import Message
from bot.domain.model import Participant


@dataclass(frozen=True)
class Delivered:
    at: datetime
    recipient: Participant
    message: Message


class ConsoleSender:
    """Keeps deliveries in `delivered`; `write` (if given) is called with every delivery."""

    def __init__(self, clock: Clock, write: Callable[[Delivered], None] | None = None) -> None:
        self.clock = clock
        self.write = write
        self.delivered: list[Delivered] = []

    async def send(self, recipient: Participant, message: Message) -> None:
        item = Delivered(self.clock.now(), recipient, message)
        self.delivered.append(item)
        if self.write:
            self.write(item)
