"""Exports for Teams owners: a signed, time-limited, single-use link served by `mentorbot serve`.

Teams has no simple file upload into a personal chat, so the export command answers with a
download link. The link carries who asked, the command's arguments, an expiry and a random
nonce, signed with HMAC-SHA256 under MENTORBOT_SECRET; on download the export is produced
afresh for that person, so an owner who lost their role in the meantime gets nothing. The
nonce becomes the download's event id, so the engine's event dedupe lets each link work once,
across replicas. No export is kept on disk or in memory.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

TTL_SECONDS = 15 * 60
PATH = "/teams/exports/"
INVITES = "/teams/invites/"  # calendar invites (.ics), for as long as the session is ahead
USED = "This download link was already used. Type export in Teams for a new one."
AGAIN = "Type export in Teams for a new one."


class LinkError(ValueError):
    """A download link that is forged, damaged or expired; the message says which."""


@dataclass(frozen=True)
class Link:
    """What a valid link says: whose export, with which arguments, and its one-time nonce."""

    user_id: str
    args: str
    nonce: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ExportLinks:
    """Makes and checks download links under `base_url` (the address people reach serve on)
    and `path`; `again` tells someone with a bad link how to get a new one. Links of one
    path are signed apart from another's, so one kind cannot be used as the other."""

    def __init__(
        self,
        secret: bytes,
        base_url: str,
        ttl: int = TTL_SECONDS,
        path: str = PATH,
        again: str = AGAIN,
    ) -> None:
        self.secret = secret
        self.base_url = base_url.rstrip("/")
        self.ttl = ttl
        self.path = path
        self.again = again

    def url(self, user_id: str, args: str, now: float | None = None, ttl: int | None = None) -> str:
        expires = int((now if now is not None else time.time()) + (ttl or self.ttl))
        data = {"u": user_id, "a": args, "e": expires, "n": secrets.token_hex(16)}
        payload = _b64(json.dumps(data).encode())
        return f"{self.base_url}{self.path}{payload}.{self._sign(payload)}"

    def check(self, token: str, now: float | None = None) -> Link:
        """What the link in `token` says, or LinkError."""
        payload, _, signature = token.partition(".")
        expected = self._sign(payload).encode()
        if not payload or not hmac.compare_digest(signature.encode("utf-8", "replace"), expected):
            raise LinkError(f"This download link is not valid. {self.again}")
        try:
            data = json.loads(_unb64(payload))
            link = Link(str(data["u"]), str(data["a"]), str(data["n"]))
            expires = int(data["e"])
        except (ValueError, KeyError, TypeError):
            raise LinkError(f"This download link is damaged. {self.again}") from None
        if (now if now is not None else time.time()) > expires:
            raise LinkError(f"This download link has expired. {self.again}")
        return link

    def _sign(self, payload: str) -> str:
        signed = payload if self.path == PATH else f"{self.path}|{payload}"
        return _b64(hmac.new(self.secret, signed.encode(), hashlib.sha256).digest())
