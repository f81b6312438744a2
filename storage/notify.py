"""Due rows announced across processes: PostgreSQL NOTIFY at commit, LISTEN in every replica."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)
CHANNEL = "mentorbot_due"
# After a lost connection, listen again this much later; the periodic tick covers the gap.
RECONNECT_SECONDS = 5.0


async def announce(conn: AsyncConnection) -> None:
    """NOTIFY inside the caller's transaction: PostgreSQL delivers it at commit, and not at
    all on rollback, so no replica wakes for rows that were never written."""
    await conn.execute(text(f"NOTIFY {CHANNEL}"))


class Listener:
    """One connection of its own LISTENing on CHANNEL; calls `wake` for each announcement,
    and once more after every (re)connect, for anything announced while it was away."""

    def __init__(self, url: URL, wake: Callable[[], None]) -> None:
        self.dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.wake = wake
        self._task: asyncio.Task | None = None
        self._conn: asyncpg.Connection | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        while True:
            lost = asyncio.Event()
            try:
                self._conn = await asyncpg.connect(self.dsn, timeout=10)
                self._conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await self._conn.add_listener(CHANNEL, self._announced)
                log.info("listening for due messages from every replica (%s)", CHANNEL)
                self.wake()
                await lost.wait()
                log.warning("lost the connection listening for due messages; reconnecting")
            except Exception as exc:  # whatever it was, try again later: the tick covers it
                log.warning("cannot listen for due messages (%s); retrying", exc)
            finally:
                if self._conn is not None and not self._conn.is_closed():
                    self._conn.terminate()  # a half-set-up connection, or we are stopping
            await asyncio.sleep(RECONNECT_SECONDS)

    def _announced(self, _conn, _pid: int, _channel: str, _payload: str) -> None:
        self.wake()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close(timeout=2)
