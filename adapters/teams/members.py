"""Who a Teams user is beyond the activity: their e-mail address (for calendar invites),
from the conversation's member details, asked once an hour at most per person."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import replace

from adapters.teams.connector import Connector
from bot.domain.events import Actor

log = logging.getLogger(__name__)

TTL_SECONDS = 3600
SIZE = 10_000
WAIT_SECONDS = 2.0  # a slow connector costs an invite its attendees, not the turn its answer


class Members:
    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self._known: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def with_email(self, actor: Actor) -> Actor:
        """`actor` with their e-mail address when Teams gives one (remembered an hour, the
        absence of one too, so a person without one costs one lookup an hour)."""
        cached = self._known.get(actor.user_id)
        if cached and cached[0] > time.monotonic():
            email = cached[1]
        else:
            email = await self._look_up(actor)
            self._known[actor.user_id] = (time.monotonic() + TTL_SECONDS, email)
            self._known.move_to_end(actor.user_id)
            while len(self._known) > SIZE:
                self._known.popitem(last=False)
        return replace(actor, email=email) if email else actor

    async def _look_up(self, actor: Actor) -> str:
        address = actor.address or {}
        if not address.get("serviceUrl") or not address.get("conversationId"):
            return ""
        try:
            member = await asyncio.wait_for(
                self.connector.member(address, actor.user_id), WAIT_SECONDS
            )
        except TimeoutError:
            log.info("member details for %s took too long; carrying on without", actor.user_id)
            return ""
        return member.get("email", "")  # checked where it is kept (Context.person_for)
