"""Self-imposed send limits: calls for one key (a conversation, a workspace, a tenant) are
spaced so they never go faster than the platform allows.

Only keys whose next free slot is still ahead matter; the others are forgotten once the map
passes `size` keys, and if more than half of `size` are still waiting then, the least
recently used go too (a call may then come sooner than its interval, which the platform
answers with a 429 that is honoured). So the map stays bounded however many conversations
come along.

`stop()` ends every wait at once with NotSent, and makes later waits raise it too: a process
that is stopping posts nothing it had not started posting."""

from __future__ import annotations

import asyncio
import time

from bot.domain.ports import NotSent

SIZE = 10_000


class Pacer:
    """Spaces calls so that no key goes faster than `rate` per second (0: no limit)."""

    def __init__(self, rate: float, size: int = SIZE) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.size = size
        self._next: dict[str, float] = {}  # in order of last use, oldest first
        self._stopped = asyncio.Event()

    def __len__(self) -> int:
        return len(self._next)

    async def wait(self, key: str, *, stoppable: bool = True) -> None:
        """Wait for this key's next free slot, and take it; NotSent once stopped, unless not
        `stoppable` (an answer to someone, or the rest of a message already begun)."""
        if not stoppable:
            now = time.monotonic()
            slot = max(now, self._next.get(key, 0.0))
            self._remember(key, slot + self.interval, now)
            if slot > now:
                await asyncio.sleep(slot - now)
            return
        if self._stopped.is_set():
            raise NotSent("stopping")
        now = time.monotonic()
        slot = max(now, self._next.get(key, 0.0))
        if not self.interval and slot <= now:
            return
        self._remember(key, slot + self.interval, now)
        if slot > now:
            try:
                await asyncio.wait_for(self._stopped.wait(), slot - now)
            except TimeoutError:
                return
            raise NotSent("stopping")

    def stop(self) -> None:
        """End every wait now, and every later one, with NotSent."""
        self._stopped.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def hold(self, key: str, seconds: float) -> None:
        """The platform asked us to wait (Retry-After): nothing for this key before then."""
        now = time.monotonic()
        self._remember(key, max(self._next.get(key, 0.0), now + seconds), now)

    def _remember(self, key: str, slot: float, now: float) -> None:
        self._next.pop(key, None)
        self._next[key] = slot
        if len(self._next) <= self.size:
            return
        self._next = {k: v for k, v in self._next.items() if v > now}
        keep = max(1, self.size // 2)
        if len(self._next) > keep:  # mostly keys still waiting: drop the oldest
            items = list(self._next.items())
            self._next = dict(items[len(items) - keep :])
