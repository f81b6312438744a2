"""Who may post activities to /api/messages, decided before the engine sees anything.

- With an app id: a valid Bot Framework token (adapters/teams/auth.py) and channelId msteams.
- In local mode (MENTORBOT_TEAMS=local, serve on loopback, no app id): no token, but only a
  serviceUrl on this machine, so a request can never make the bot call out elsewhere, and no
  request a web page could make (an Origin header, or a Host off this machine).
- Either way, when tenants are listed (MENTORBOT_TEAMS_TENANTS, or MICROSOFT_APP_TENANT_ID),
  only activities from those tenants; one without a tenant counts as another tenant's.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from adapters.settings import public
from adapters.teams import inbound
from adapters.teams.auth import NotAdmitted, SigningKeys, verify

log = logging.getLogger(__name__)

OTHER_CHANNEL = "Only Microsoft Teams (channelId msteams) is served here."
NOT_LOCAL = (
    "In local mode (MENTORBOT_TEAMS=local) only activities whose serviceUrl is on this machine "
    "(127.0.0.1, ::1 or localhost) are answered."
)
FROM_BROWSER = (
    "In local mode (MENTORBOT_TEAMS=local) only tools on this machine may post activities: "
    "requests from web pages (with an Origin header) or for another host are refused."
)
OTHER_TENANT = (
    "This bot does not serve this tenant. The tenants it serves are set in "
    "MENTORBOT_TEAMS_TENANTS by whoever runs it."
)


class Gate:
    """Admits or refuses one activity.

    Args:
        keys: the Bot Framework signing keys; None in local mode (no tokens).
        app_id: the bot's Microsoft App ID, the audience of its tokens ("" in local mode).
        tenants: the tenant ids served, lower case; empty for every tenant.
    """

    def __init__(self, keys: SigningKeys | None, app_id: str, tenants: frozenset[str]) -> None:
        self.keys = keys
        self.app_id = app_id
        self.tenants = frozenset(t.lower() for t in tenants)

    @property
    def local(self) -> bool:
        return self.keys is None

    def check_request(self, host: str, origin: str | None) -> None:
        """In local mode, refuse what a web page could send: a request naming another host
        (DNS rebinding) or carrying an Origin (browsers add one; Teams tools do not)."""
        if self.keys is not None:
            return
        if origin is not None or not host or public(f"http://{host}"):
            raise NotAdmitted(
                403, "local mode and a browser's or another host's request", message=FROM_BROWSER
            )

    def check(self, authorization: str, activity: dict) -> None:
        """Return when the activity may go to the bot; raise NotAdmitted otherwise."""
        if self.keys is not None:
            verify(self.keys, self.app_id, authorization, activity)
            if activity.get("channelId") != "msteams":  # Direct Line and others could claim
                raise NotAdmitted(403, "not the msteams channel", message=OTHER_CHANNEL)
        elif public(activity["serviceUrl"]) or not urlsplit(activity["serviceUrl"]).hostname:
            raise NotAdmitted(
                403, "local mode and a serviceUrl off this machine", message=NOT_LOCAL
            )
        tenant = inbound.tenant(activity).lower()
        if self.tenants and tenant not in self.tenants:
            reason = f"tenant {tenant[:64]!r} is not served"
            raise NotAdmitted(403, reason, message=OTHER_TENANT)

    def start(self) -> None:
        if self.keys is not None:
            self.keys.start()

    async def close(self) -> None:
        if self.keys is not None:
            await self.keys.close()
