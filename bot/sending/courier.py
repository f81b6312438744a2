"""Instant delivery: send what an event queued for now at once, not at the next tick."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.sending.delivery import TickResult

log = logging.getLogger(__name__)


class Courier:
    """Runs `deliver` in the background whenever woken, one run at a time: a wake during a
    run asks for one more run after it, so nothing queued meanwhile waits for the tick.
    Exactly-once and working hours are delivery's own (claims, then the hours check)."""

    def __init__(self, deliver: Callable[[], Awaitable[TickResult]]) -> None:
        self._deliver = deliver
        self._task: asyncio.Task | None = None
        self._again = False

    def wake(self) -> None:
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            self._again = False
            try:
                result = await self._deliver()
            except Exception:
                log.exception("delivery failed; the next tick will retry")
            else:
                if result.due or result.deferred:
                    log.info("delivered: %s", result.line())
            if not self._again:
                return

    async def close(self, within: float) -> None:
        """Wait for a run in progress: once the engine is stopping it sends nothing new and
        hands back what it had not sent, so it ends soon. After `within` seconds it is
        cancelled (a send stuck in a long Retry-After wait keeps that row's lease)."""
        await finish(self._task, within)


async def finish(task: asyncio.Task | None, within: float) -> None:
    """Wait up to `within` seconds for `task` to end, then cancel it and wait for that."""
    if task is None or task.done():
        return
    done, _ = await asyncio.wait({task}, timeout=within)
    if not done:
        log.warning("still sending after %.0f s of stopping; cancelled", within)
        task.cancel()
        await asyncio.wait({task}, timeout=5)
