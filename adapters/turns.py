"""One turn, the same on every platform: an event to the engine and its answer back.

Each platform adapter translates (a payload into an event, an answer into Block Kit or a card)
and leaves the rest to this module: a failure is tried once more and then apologised for, and
form errors are said as a message where no form can show them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain import prompts
from bot.domain.events import Event
from bot.domain.messages import FormErrors, Message, NotYours
from bot.engine import Engine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    """The engine's answer to one event: `reply` is None when the event was handled before
    (a platform's retry), or when it failed and the turn is `quiet`; `failed` says that the
    engine could not handle it (the reply is then the apology)."""

    reply: Message | FormErrors | NotYours | None
    failed: bool = False

    @property
    def message(self) -> Message | None:
        """The reply to show as a message (form errors where no form is open say what to
        change), or None (also for NotYours, which each platform says in its own way)."""
        if isinstance(self.reply, FormErrors):
            return Message(self.reply.text)
        return self.reply if isinstance(self.reply, Message) else None


async def take(engine: Engine, event: Event, *, quiet: bool = False) -> Turn:
    """Hand `event` to the engine. A failure is tried once more (a platform may deliver two
    events of one person at once, and both may try to create them; the second attempt sees
    the first one's commit), then apologised for, or, when `quiet` (a welcome), left unsaid."""
    for attempt in (1, 2):
        try:
            return Turn(await engine.handle(event))
        except Exception:
            if attempt == 2:
                log.exception("%s %s failed", event.platform, type(event).__name__)
    return Turn(None if quiet else apology(), failed=True)


def apology() -> Message:
    return Message(prompts.text("general.trouble"))
