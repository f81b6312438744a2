"""A TCP proxy on 127.0.0.1 that a test can cut and restore, to take a server (PostgreSQL)
away from a process and give it back. It runs its own event loop in a thread, like the fakes,
so blocking test code and subprocesses can use it."""

from __future__ import annotations

import asyncio
import contextlib
import threading


class TcpProxy:
    """Forwards every connection to `target_host:target_port`.

    `cut()` aborts the connections in flight and stops listening, so new connections are
    refused; `restore()` listens again on the same port. `start()` picks a free port.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.accepted = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._streams: set[asyncio.StreamWriter] = set()

    # --- control, from any thread -------------------------------------------------------------
    def start(self) -> TcpProxy:
        ready = threading.Event()
        thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        thread.start()
        if not ready.wait(10):
            raise RuntimeError("the TCP proxy did not start")
        self._call(self._listen())
        return self

    def cut(self) -> None:
        """Drop every open connection and refuse new ones until `restore()`."""
        self._call(self._cut())

    def restore(self) -> None:
        self._call(self._listen())

    @property
    def open_connections(self) -> int:
        return len(self._streams) // 2

    def stop(self) -> None:
        if self._loop is not None:
            with contextlib.suppress(Exception):
                self.cut()
            self._loop.call_soon_threadsafe(self._loop.stop)

    def _call(self, coroutine, timeout: float = 10):
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _run(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.call_soon(ready.set)
        self._loop.run_forever()

    # --- on the proxy's loop --------------------------------------------------------------------
    async def _listen(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._streams):
            writer.transport.abort()
        self._streams.clear()
        if server is not None:
            await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._server is None:  # accepted just before a cut
            writer.transport.abort()
            return
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._streams.update((writer, up_writer))
        try:
            await asyncio.gather(
                self._pump(reader, up_writer), self._pump(up_reader, writer), return_exceptions=True
            )
        finally:
            for side in (writer, up_writer):
                self._streams.discard(side)
                side.transport.abort()

    @staticmethod
    async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        finally:
            # One side closed (or was aborted): close the other so both ends notice.
            sink.transport.abort()
