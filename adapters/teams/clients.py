"""Bot Connector clients, one per serviceUrl, at most `size` of them (least recently used
closed first). Building a ConnectorClient costs about 12 ms of CPU (ARCHITECTURE.md), so they
are reused; bounding them keeps a stream of odd serviceUrls from growing memory for good."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from botframework.connector.aio import ConnectorClient

log = logging.getLogger(__name__)

SIZE = 64  # Teams uses a handful of regional serviceUrls


class ClientPool:
    """Makes clients with `make(service_url)` and keeps the `size` most recently used.

    An evicted client may still be serving a call, so it is closed `grace` seconds later (on
    a later eviction, or at `close`)."""

    def __init__(
        self,
        make: Callable[[str], Awaitable[ConnectorClient]],
        size: int = SIZE,
        grace: float = 30.0,
    ) -> None:
        self._make = make
        self.size = size
        self.grace = grace
        self._clients: OrderedDict[str, ConnectorClient] = OrderedDict()
        self._retired: list[tuple[float, ConnectorClient]] = []

    def __len__(self) -> int:
        """Clients held open, kept or waiting to be closed."""
        return len(self._clients) + len(self._retired)

    async def get(self, service_url: str) -> ConnectorClient:
        """The client for this serviceUrl."""
        client = self._clients.get(service_url)
        if client is not None:
            self._clients.move_to_end(service_url)
            return client
        client = await self._make(service_url)
        if service_url in self._clients:  # made meanwhile by a concurrent call: use that one
            self._retire(client)
            return await self.get(service_url)
        self._clients[service_url] = client
        while len(self._clients) > self.size:
            self._retire(self._clients.popitem(last=False)[1])
        await self._close_retired()
        return client

    def _retire(self, client: ConnectorClient) -> None:
        self._retired.append((time.monotonic() + self.grace, client))

    async def _close_retired(self, everything: bool = False) -> None:
        now = time.monotonic()
        keep = []
        for due, client in self._retired:
            if everything or due <= now:
                await _close(client)
            else:
                keep.append((due, client))
        self._retired = keep

    async def close(self) -> None:
        """Close every client."""
        for client in self._clients.values():
            await _close(client)
        self._clients.clear()
        await self._close_retired(everything=True)


async def _close(client: ConnectorClient) -> None:
    try:
        await client.__aexit__(None, None, None)
    except Exception:  # a client we are done with; nothing more to do
        log.debug("closing a connector client failed", exc_info=True)
