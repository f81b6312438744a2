"""Self-imposed send limits: calls for one key (a conversation, a workspace, a tenant) are
spaced so they never go faster than the platform allows."""

from __future__ import annotations

import asyncio
import time


class Pacer:
    """Spaces calls so that no key goes faster than `rate` per second (0: no limit)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next: dict[str, float] = {}

    async def wait(self, key: str) -> None:
        """Wait for this key's next free slot, and take it."""
        now = time.monotonic()
        slot = max(now, self._next.get(key, 0.0))
        if not self.interval and slot <= now:
            return
        self._next[key] = slot + self.interval
        if len(self._next) > 10_000:  # forget keys whose slot has passed
            self._next = {k: v for k, v in self._next.items() if v > now}
        if slot > now:
            await asyncio.sleep(slot - now)

    def hold(self, key: str, seconds: float) -> None:
        """The platform asked us to wait (Retry-After): nothing for this key before then."""
        until = time.monotonic() + seconds
        self._next[key] = max(self._next.get(key, 0.0), until)
