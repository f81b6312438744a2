"""The console platform's sender: keeps every delivery in memory and reports each one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.clock import Clock
from bot.domain.messages import Message
from bot.domain.model import Participant
from bot.domain.ports import SENT_AS


@dataclass(frozen=True)
class Delivered:
    at: datetime
    recipient: Participant
    message: Message


class ConsoleSender:
    """Keeps deliveries in `delivered`; `write` (if given) is called with every delivery. A
    message drawn in place of one sent earlier is kept in `redrawn` instead (it is no new
    message), and the one it replaces is shown as it is now by `as_shown`."""

    def __init__(self, clock: Clock, write: Callable[[Delivered], None] | None = None) -> None:
        self.clock = clock
        self.write = write
        self.delivered: list[Delivered] = []
        self.redrawn: list[Delivered] = []

    async def send(self, recipient: Participant, message: Message) -> dict[str, str]:
        item = Delivered(self.clock.now(), recipient, message)
        if message.replaces:
            self.redrawn.append(item)
            return {SENT_AS: message.replaces}
        self.delivered.append(item)
        if self.write:
            self.write(item)
        return {SENT_AS: f"console:{len(self.delivered) - 1}"}

    def as_shown(self, item: Delivered) -> Message:
        """A delivered message as it stands now: its latest redraw, if any."""
        mine = f"console:{self.delivered.index(item)}"
        later = [r.message for r in self.redrawn if r.message.replaces == mine]
        return later[-1] if later else item.message
