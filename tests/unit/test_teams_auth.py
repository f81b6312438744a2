"""The Bot Framework key cache against a fake OpenID server on 127.0.0.1: fetched in the
background, failures backed off, a stalled fetch timed out, unknown keys refreshed at most
once per interval, and a request never waiting on any of it."""

from __future__ import annotations

import asyncio

import pytest

from adapters.teams.auth import NotAdmitted, SigningKeys, verify
from tests.e2e.slack_support import eventually
from tests.fakes.bot_identity import FakeIdentity, channel_claims, new_key, sign
from tests.fakes.stall_proxy import StallProxy

APP_ID = "app-1"
SERVICE_URL = "https://smba.trafficmanager.net/amer/"
KEY = new_key("k1")
NEXT_KEY = new_key("k2")
ACTIVITY = {"channelId": "msteams", "serviceUrl": SERVICE_URL}


def bearer(key=KEY) -> str:
    return f"Bearer {sign(key, channel_claims(APP_ID, SERVICE_URL))}"


@pytest.fixture
def identity():
    fake = FakeIdentity([KEY]).start()
    yield fake
    fake.stop()


def refusal(keys: SigningKeys, authorization: str) -> NotAdmitted:
    with pytest.raises(NotAdmitted) as refused:
        verify(keys, APP_ID, authorization, ACTIVITY)
    return refused.value


async def test_failed_fetches_back_off_and_requests_never_fetch(identity):
    identity.fail(2)
    keys = SigningKeys(identity.metadata_url, first_backoff=0.2, longest_backoff=0.4)
    keys.start()
    try:
        refused = 0
        while not keys.ready:
            answer = refusal(keys, bearer())
            assert answer.status == 503 and answer.retry_after >= 1
            refused += 1
            await asyncio.sleep(0.01)
        assert refused > 10
        assert identity.requests["metadata"] == 3, "two failures and one success, not a fetch each"
        assert verify(keys, APP_ID, bearer(), ACTIVITY)["aud"] == APP_ID
    finally:
        await keys.close()


async def test_a_stalled_fetch_times_out_and_is_tried_again():
    stall = StallProxy().start()  # as the endpoint itself: it takes the request, never answers
    keys = SigningKeys(f"{stall.url}/metadata", timeout=0.3, first_backoff=0.1)
    keys.start()
    try:
        await eventually(lambda: len(stall.stalled) >= 2, 10, "a second try after a timeout")
        assert not keys.ready
        assert refusal(keys, bearer()).status == 503
    finally:
        await keys.close()
        stall.stop()


async def test_an_unknown_key_refreshes_at_most_once_per_interval(identity):
    keys = SigningKeys(identity.metadata_url, unknown_key_refresh=1.5)
    keys.start()
    try:
        await eventually(lambda: keys.ready, what="keys")
        identity.keys.append(NEXT_KEY)  # the Bot Framework rolls its keys over
        for _ in range(20):
            assert refusal(keys, bearer(NEXT_KEY)).status == 401
        await eventually(lambda: identity.requests["keys"] == 2, what="one refresh")
        assert verify(keys, APP_ID, bearer(NEXT_KEY), ACTIVITY)
        for _ in range(20):
            assert refusal(keys, sign(KEY, {}, kid="k-forged")).status == 401
        await asyncio.sleep(0.2)
        assert identity.requests["keys"] == 2, "forged key ids wait for the interval"
    finally:
        await keys.close()


async def test_keys_fetched_before_stay_in_use_while_a_refresh_fails(identity):
    keys = SigningKeys(identity.metadata_url, refresh_every=0.1, first_backoff=0.1)
    keys.start()
    try:
        await eventually(lambda: keys.ready, what="keys")
        identity.fail(1000)
        await eventually(lambda: keys.fetches >= 3, what="failed refreshes")
        assert verify(keys, APP_ID, bearer(), ACTIVITY)
    finally:
        await keys.close()
