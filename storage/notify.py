"""Announced across processes with PostgreSQL NOTIFY at commit and LISTEN in every replica:
due rows (CHANNEL), and that something was written at all (CHANGED: answers kept for reading
are stale)."""

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
CHANGED = "mentorbot_changed"
# After a lost connection, listen again this much later; the periodic tick covers the gap.
RECONNECT_SECONDS = 5.0


async def announce(conn: AsyncConnection, channel: str = CHANNEL, payload: str = "") -> None:
    """NOTIFY inside the caller's transaction: PostgreSQL delivers it at commit, and not at
    all on rollback, so no replica wakes for rows that were never written. `payload` (a
    process's own token, letters and digits) lets that process tell its own apart."""
    said = f", '{payload}'" if payload.isalnum() else ""
    await conn.execute(text(f"NOTIFY {channel}{said}"))


class Listener:
    """One connection of its own LISTENing on `channel`; calls `wake` for each announcement,
    and once more after every (re)connect, for anything announced while it was away.
    `connected` says whether it is listening now; announcements carrying `mine` as their
    payload (this process's own) are not passed on."""

    def __init__(
        self, url: URL, wake: Callable[[], None], channel: str = CHANNEL, mine: str = ""
    ) -> None:
        self.dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.wake = wake
        self.channel = channel
        self.mine = mine
        self.connected = False
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
                await self._conn.add_listener(self.channel, self._announced)
                what = "due messages" if self.channel == CHANNEL else "changes"
                log.info("listening for %s from every replica (%s)", what, self.channel)
                self.connected = True
                self.wake()
                await lost.wait()
                log.warning("lost the connection listening on %s; reconnecting", self.channel)
            except Exception as exc:  # whatever it was, try again later: the tick covers it
                log.warning("cannot listen on %s (%s); retrying", self.channel, exc)
            finally:
                self.connected = False
                if self._conn is not None and not self._conn.is_closed():
                    self._conn.terminate()  # a half-set-up connection, or we are stopping
            await asyncio.sleep(RECONNECT_SECONDS)

    def _announced(self, _conn, _pid: int, _channel: str, payload: str) -> None:
        if not (self.mine and payload == self.mine):
            self.wake()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close(timeout=2)
