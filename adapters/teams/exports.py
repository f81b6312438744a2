"""Exports for Teams owners: a signed, time-limited link served by `mentorbot serve`.

Teams has no simple file upload into a personal chat, so the export command answers with a
download link. The link carries who asked, the command's arguments and an expiry, signed
with HMAC-SHA256; on download the export is produced afresh for that person, so an owner who
lost their role in the meantime gets nothing. No export is kept on disk or in memory.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

TTL_SECONDS = 15 * 60
PATH = "/teams/exports/"


class LinkError(ValueError):
    """A download link that is forged, damaged or expired; the message says which."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ExportLinks:
    """Makes and checks download links under `base_url` (the address people reach serve on)."""

    def __init__(self, secret: bytes, base_url: str, ttl: int = TTL_SECONDS) -> None:
        self.secret = secret
        self.base_url = base_url.rstrip("/")
        self.ttl = ttl

    def url(self, user_id: str, args: str, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + self.ttl)
        payload = _b64(json.dumps({"u": user_id, "a": args, "e": expires}).encode())
        return f"{self.base_url}{PATH}{payload}.{self._sign(payload)}"

    def check(self, token: str, now: float | None = None) -> tuple[str, str]:
        """(user id, export arguments) from a token, or LinkError."""
        payload, _, signature = token.partition(".")
        expected = self._sign(payload).encode()
        if not payload or not hmac.compare_digest(signature.encode("utf-8", "replace"), expected):
            raise LinkError("This download link is not valid. Type export in Teams for a new one.")
        try:
            data = json.loads(_unb64(payload))
            user_id, args, expires = str(data["u"]), str(data["a"]), int(data["e"])
        except (ValueError, KeyError, TypeError):
            raise LinkError("This download link is damaged. Type export in Teams again.") from None
        if (now if now is not None else time.time()) > expires:
            raise LinkError("This download link has expired. Type export in Teams for a new one.")
        return user_id, args

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self.secret, payload.encode(), hashlib.sha256).digest())
