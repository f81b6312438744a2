"""Who a Slack user is (name, timezone, e-mail), from users.info, remembered for an hour
(a failed look-up for five minutes)."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import replace

from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.events import Actor

log = logging.getLogger(__name__)

TTL_SECONDS = 3600
FAILED_TTL_SECONDS = 300  # a failed look-up is not tried again for five minutes
SIZE = 10_000


class Directory:
    """Looks people up once, then answers from memory until the entry is an hour old."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._known: OrderedDict[str, tuple[float, Actor]] = OrderedDict()

    async def actor(self, user_id: str, team_id: str = "", name: str = "") -> Actor:
        """The person as an Actor; when Slack cannot tell us, the given name and no timezone."""
        cached = self._known.get(user_id)
        if cached and cached[0] > time.monotonic():
            found = cached[1]
            return found if found.workspace or not team_id else _with_team(found, team_id)
        try:
            response = await self.client.users_info(user=user_id)
            user = response.get("user") or {}
        except Exception as exc:  # unknown user, missing scope, outage: carry on with less
            log.warning("users.info failed user=%s: %s", user_id, exc)
            # Not asked again for a while: a message naming many unknown people costs one
            # look-up each, once.
            fallback = Actor("slack", user_id, name, team_id)
            self._remember(user_id, fallback, FAILED_TTL_SECONDS)
            return fallback
        profile = user.get("profile") or {}
        display = (
            profile.get("real_name") or user.get("real_name") or profile.get("display_name") or name
        )
        found = Actor(
            "slack",
            user_id,
            str(display or ""),
            str(user.get("team_id") or team_id),
            user.get("tz") if isinstance(user.get("tz"), str) else None,
            # Shown with the users:read.email scope; calendar invites name people by it.
            email=str(profile.get("email") or ""),
        )
        self._remember(user_id, found, TTL_SECONDS)
        return found

    def _remember(self, user_id: str, actor: Actor, seconds: float) -> None:
        self._known[user_id] = (time.monotonic() + seconds, actor)
        self._known.move_to_end(user_id)
        while len(self._known) > SIZE:
            self._known.popitem(last=False)


def _with_team(actor: Actor, team_id: str) -> Actor:
    return replace(actor, workspace=team_id)
