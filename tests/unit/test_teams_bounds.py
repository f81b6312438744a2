"""Maps kept per serviceUrl, conversation or key stay bounded however many come along."""

from __future__ import annotations

import asyncio
import time

from adapters import pacing
from adapters.pacing import Pacer
from adapters.teams import connector as connector_module
from adapters.teams.clients import ClientPool
from adapters.teams.connector import Config, Connector
from tests.fakes.bot_connector import FakeConnector


async def test_pacer_forgets_keys_beyond_its_size():
    pacer = Pacer(1000.0, size=100)
    for n in range(5_000):
        await pacer.wait(f"conversation-{n}")
        pacer.hold(f"held-{n}", 60.0)  # keys still waiting are dropped oldest first
    assert len(pacer) <= 100
    assert len(Pacer(1.0)) == 0 and pacing.SIZE >= 1_000


async def test_pacer_forgets_passed_slots_before_keys_still_waiting():
    pacer = Pacer(1000.0, size=10)
    pacer.hold("throttled", 1.0)  # a Retry-After, the oldest key of all
    for n in range(50):
        await pacer.wait(f"conversation-{n}")
        await asyncio.sleep(0.002)  # each 1 ms slot has passed before the next key comes
    started = time.monotonic()
    await pacer.wait("throttled")
    assert time.monotonic() - started > 0.2, "the Retry-After was remembered"


class _Client:
    """Stands in for botbuilder's ConnectorClient: only closing matters here."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.closed = False

    async def __aexit__(self, *exc) -> None:
        self.closed = True


async def test_client_pool_keeps_the_most_recently_used_and_closes_the_rest():
    made: list[_Client] = []

    async def make(url: str) -> _Client:
        made.append(_Client(url))
        return made[-1]

    pool = ClientPool(make, size=3, grace=0.0)
    first = await pool.get("https://a/")
    for n in range(20):
        await pool.get(f"https://region-{n}/")
        assert await pool.get("https://a/") is first  # used all along: kept
    assert len(pool) <= 4  # three kept, at most one evicted since the last close
    assert sum(not c.closed for c in made) == len(pool)
    await pool.close()
    assert all(c.closed for c in made)


async def test_client_pool_gives_an_evicted_client_time_to_finish():
    made: list[_Client] = []

    async def make(url: str) -> _Client:
        made.append(_Client(url))
        return made[-1]

    pool = ClientPool(make, size=1, grace=60.0)
    await pool.get("https://a/")
    await pool.get("https://b/")
    assert not made[0].closed, "a call in flight may still use it"
    await pool.close()
    assert made[0].closed


async def test_connector_remembers_a_bounded_number_of_personal_chats(monkeypatch):
    monkeypatch.setattr(connector_module, "CONVERSATIONS", 5)
    fake = FakeConnector().start()
    from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication

    auth = ConfigurationBotFrameworkAuthentication(Config("", "", "", "MultiTenant"))
    connector = Connector(auth, "")
    try:
        address = {"serviceUrl": fake.service_url, "botId": "28:bot", "tenantId": "t"}
        for n in range(12):
            fake.add_user(f"29:u{n}", f"User {n}")
            await connector.open(address, f"29:u{n}")
        creates = len(fake.calls_of("create"))
        await connector.open(address, "29:u11")  # recent: remembered
        assert len(fake.calls_of("create")) == creates
        await connector.open(address, "29:u0")  # forgotten: asked again
        assert len(fake.calls_of("create")) == creates + 1
        assert len(connector.clients) == 1
    finally:
        await connector.close()
        await asyncio.to_thread(fake.stop)
