"""An HTTP proxy on 127.0.0.1 that accepts every connection and never answers a request for
a host elsewhere: the network path to an identity endpoint stalling, as a corporate proxy
can. Requests for this machine (CONNECT or absolute-form to 127.0.0.1, ::1, localhost) are
passed through, standing in for NO_PROXY where a client library ignores it (slack_sdk
sends every call to HTTPS_PROXY). It runs its own event loop in a thread, like the fakes."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from urllib.parse import urlsplit

LOCAL = {"127.0.0.1", "localhost", "::1", "[::1]"}


class StallProxy:
    """`stalled` lists the targets (host:port or URL) left hanging, in order."""

    def __init__(self) -> None:
        self.port = 0
        self.stalled: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> StallProxy:
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        if not ready.wait(10):
            raise RuntimeError("the stall proxy did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)

    def _run(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        ready.set()
        self._loop.run_forever()

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")[:2]
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
            else:
                parts = urlsplit(target)
                host, port = parts.hostname or "", str(parts.port or 80)
            if host not in LOCAL:
                self.stalled.append(target)
                await reader.read()  # hold the connection, answer nothing, until they give up
                return
            up_reader, up_writer = await asyncio.open_connection(host.strip("[]"), int(port))
            self._writers.add(up_writer)
            if method == "CONNECT":
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                up_writer.write(head)  # servers take absolute-form requests too
            await asyncio.gather(_pump(reader, up_writer), _pump(up_reader, writer))
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()


async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except OSError:
        pass
    finally:
        sink.transport.abort()
