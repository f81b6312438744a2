"""Teams with an app id, end to end: our own Bot Framework token check against a fake OpenID
server on 127.0.0.1 (keys generated here, tokens signed here), tenants, JSON-only bodies,
single-use export links, and a stalled identity endpoint that must freeze nothing."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from tests.e2e.slack_support import Serve, Workspace, eventually, slack_env
from tests.e2e.teams_support import OWNER, Tenant, button, people_named, teams_env
from tests.fakes import bot_identity as identity_fake
from tests.fakes.bot_connector import TENANT_ID
from tests.fakes.bot_identity import MSI_HEADER, MSI_TOKEN, FakeIdentity, new_key, sign
from tests.fakes.stall_proxy import StallProxy

APP_ID = "6f1c2d3e-4b5a-4c6d-8e7f-00000000b07a"
LINK_SECRET = "mentorbot-test-secret-0123456789abcdefghij"
TEAMS_KEY = new_key("key-teams")  # endorsed for msteams
DIRECT_LINE_KEY = new_key("key-directline", ["directline"])
STRANGER_KEY = new_key("key-teams")  # same id, a key nobody published


def authenticated_env(database_url: str, identity: FakeIdentity) -> dict[str, str]:
    """serve with an app id whose own token comes from a managed identity (the fake's MSI
    endpoint), and the fake's OpenID metadata for inbound tokens."""
    return {
        **teams_env(database_url),
        "MENTORBOT_TEAMS": "",  # unset: Teams is on because the app id is set
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_TYPE": "UserAssignedMSI",
        "MICROSOFT_APP_TENANT_ID": TENANT_ID,  # also the one tenant served
        "IDENTITY_ENDPOINT": identity.msi_url,
        "IDENTITY_HEADER": MSI_HEADER,
        "MENTORBOT_TEAMS_OPENID_URL": identity.metadata_url,
        "MENTORBOT_PUBLIC_URL": "https://mentorbot.example.com",
        "MENTORBOT_SECRET": LINK_SECRET,
        "NO_PROXY": "127.0.0.1,localhost",
    }


def channel_token(activity: dict, key=TEAMS_KEY, **changes) -> dict[str, str]:
    claims = identity_fake.channel_claims(APP_ID, activity["serviceUrl"], **changes)
    return {"Authorization": f"Bearer {sign(key, claims)}"}


@pytest.fixture(scope="module")
def identity():
    fake = FakeIdentity([TEAMS_KEY, DIRECT_LINE_KEY]).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def auth_serve(identity, connector, tmp_path_factory):
    folder = tmp_path_factory.mktemp("teams-auth")
    env = authenticated_env(f"sqlite+aiosqlite:///{folder}/mentorbot.db", identity)
    server = Serve(env, folder / "serve.log")
    yield server
    server.stop()


@pytest.fixture
async def signed(auth_serve, connector, identity):
    """People in the served tenant, each activity carrying a valid channel token."""
    tenant = Tenant(auth_serve, connector, auth=channel_token)
    tenant.person(OWNER, "Olivia Grant")
    await eventually(lambda: identity.requests["keys"], what="the keys fetched at start-up")
    yield tenant
    assert not connector.violations, connector.violations
    assert "Traceback" not in auth_serve.output(), auth_serve.output()[-4000:]


async def test_a_channel_token_is_accepted_and_answered(signed, connector, identity):
    calls = len(connector.calls)
    await signed.say(OWNER, "help")
    await signed.latest(OWNER, "Here's")
    [reply] = [c for c in connector.calls[calls:] if c.kind == "send"]
    assert reply.authorization == f"Bearer {MSI_TOKEN}", "the bot's own token, from the MSI"
    assert identity.requests["msi"] >= 1


def _claims(activity: dict, **changes) -> dict:
    return identity_fake.channel_claims(APP_ID, activity["serviceUrl"], **changes)


FORGERIES = {
    "azure_ad_token_for_our_app": lambda a: sign(
        TEAMS_KEY, _claims(a, iss=f"https://login.microsoftonline.com/{TENANT_ID}/v2.0")
    ),
    "azure_ad_v1_token_for_our_app": lambda a: sign(
        TEAMS_KEY, _claims(a, iss=f"https://sts.windows.net/{TENANT_ID}/")
    ),
    "wrong_audience": lambda a: sign(TEAMS_KEY, _claims(a, aud="someone-elses-bot")),
    "serviceurl_of_another_region": lambda a: sign(
        TEAMS_KEY, _claims(a, serviceurl="https://smba.trafficmanager.net/emea/")
    ),
    "no_serviceurl": lambda a: sign(TEAMS_KEY, _claims(a, serviceurl=None)),
    "expired": lambda a: sign(TEAMS_KEY, _claims(a, exp=int(time.time()) - 3600)),
    "not_yet_valid": lambda a: sign(TEAMS_KEY, _claims(a, nbf=int(time.time()) + 3600)),
    "unknown_key_id": lambda a: sign(TEAMS_KEY, _claims(a), kid="key-nobody-published"),
    "signed_by_a_stranger_under_a_known_id": lambda a: sign(STRANGER_KEY, _claims(a)),
    "key_not_endorsed_for_teams": lambda a: sign(DIRECT_LINE_KEY, _claims(a)),
    "alg_none": lambda a: identity_fake.unsigned(_claims(a), TEAMS_KEY.kid),
    "hs256_keyed_with_the_public_key": lambda a: identity_fake.hs256_with_public_key(
        TEAMS_KEY, _claims(a)
    ),
    "garbage": lambda a: "not.a.jwt",
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
async def test_tokens_the_channel_did_not_issue_are_refused_and_create_nothing(
    signed, connector, forgery
):
    user = signed.person(f"29:forger-{forgery}", "Fay Forger")
    activity = signed.activity(user, text="help")
    calls = len(connector.calls)
    token = FORGERIES[forgery](activity)
    status, body = await signed.post(activity, {"Authorization": f"Bearer {token}"})
    assert status == 401, (status, body)
    assert "token" in json.loads(body)["error"]
    await asyncio.sleep(0.2)
    assert len(connector.calls) == calls, "nothing was answered"
    assert people_named(signed.serve, user) == 0, "no person was created"


async def test_requests_without_a_bearer_token_get_401(signed):
    activity = signed.activity(OWNER, text="help")
    for headers in ({}, {"Authorization": "Basic eDp5"}, {"Authorization": "Bearer"}):
        status, _ = await signed.post(activity, headers)
        assert status == 401, headers


async def test_other_channels_and_tenants_get_403_and_create_nothing(signed, connector):
    stranger = signed.person("29:other-tenant", "Tom Other")
    calls = len(connector.calls)
    other_tenant = signed.activity(stranger, text="help", channelData={"tenant": {"id": "t-2"}})
    no_tenant = signed.activity(stranger, text="help", channelData={})
    for activity in (other_tenant, no_tenant):
        status, body = await signed.post(activity)
        assert status == 403, body
        assert "tenant" in json.loads(body)["error"]
    install = signed.activity(stranger, "installationUpdate", action="add")
    install["channelData"] = {"tenant": {"id": "t-2"}}
    assert (await signed.post(install))[0] == 403
    direct_line = signed.activity(stranger, text="help", channelId="directline")
    status, body = await signed.post(direct_line, channel_token(direct_line, DIRECT_LINE_KEY))
    assert status == 403 and "msteams" in json.loads(body)["error"]
    await asyncio.sleep(0.2)
    assert len(connector.calls) == calls
    assert people_named(signed.serve, stranger) == 0
    # The tenant id is compared without regard to case.
    same = signed.activity(OWNER, text="help", channelData={"tenant": {"id": TENANT_ID.upper()}})
    assert (await signed.post(same))[0] == 200


async def test_only_json_bodies_are_read(signed):
    activity = signed.activity(OWNER, text="help")
    for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{signed.serve.url}/api/messages",
                data=json.dumps(activity).encode(),
                headers={"Content-Type": content_type, **channel_token(activity)},
            ) as response,
        ):
            assert response.status == 415, content_type
            assert "application/json" in (await response.json())["error"]


async def test_an_export_link_works_once(signed):
    await signed.say(OWNER, "program create Once")
    await signed.latest(OWNER, "Once")
    await signed.say(OWNER, "export Once")
    link = button(await signed.latest(OWNER, "export is ready"), "Download CSV")["url"]
    assert link.startswith("https://mentorbot.example.com/teams/exports/")
    local = signed.serve.url + link.removeprefix("https://mentorbot.example.com")
    async with aiohttp.ClientSession() as session:
        async with session.get(local) as first:
            assert first.status == 200
            assert "program" in await first.text()
        async with session.get(local) as second:
            assert second.status == 410
            assert "already used" in (text := await second.text()) and "export" in text


async def test_a_stalled_identity_endpoint_freezes_nothing(fake, tmp_path):
    """The Done-when of issue 13: with an app id, the real OpenID URL and an HTTPS proxy that
    never answers, a forged token is refused at once while /healthz and a signed Slack
    command are each answered within 1 s."""
    proxy = StallProxy().start()
    env = {
        **slack_env(fake, f"sqlite+aiosqlite:///{tmp_path}/mentorbot.db"),
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_PASSWORD": "not-a-real-secret",
        "MENTORBOT_PUBLIC_URL": "https://mentorbot.example.com",
        "MENTORBOT_SECRET": LINK_SECRET,
        "MENTORBOT_TEAMS_TENANTS": "*",
        "HTTPS_PROXY": proxy.url,
        "HTTP_PROXY": proxy.url,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    serve = Serve(env, tmp_path / "serve.log")
    try:
        activity = {
            "type": "message",
            "id": "1",
            "serviceUrl": "https://smba.trafficmanager.net/amer/",
            "channelId": "msteams",
            "from": {"id": "29:forger"},
            "conversation": {"id": "a:forged"},
            "recipient": {"id": "28:bot"},
            "text": "help",
        }
        forged = sign(STRANGER_KEY, identity_fake.channel_claims(APP_ID, activity["serviceUrl"]))
        headers = {"Authorization": f"Bearer {forged}", "Content-Type": "application/json"}
        async with aiohttp.ClientSession() as session:

            async def teams() -> tuple[int, str, str | None]:
                url = f"{serve.url}/api/messages"
                async with session.post(url, data=json.dumps(activity), headers=headers) as r:
                    return r.status, await r.text(), r.headers.get("Retry-After")

            async def healthz() -> int:
                async with session.get(f"{serve.url}/healthz") as response:
                    return response.status

            started = time.monotonic()
            refused = asyncio.create_task(teams())
            try:
                await eventually(lambda: proxy.stalled, 10, "the identity fetch at the proxy")
                assert any("login.botframework.com" in target for target in proxy.stalled)
                assert await asyncio.wait_for(healthz(), 1.0) == 200
                slack = Workspace(serve, fake).command("UOWNER", "help")
                assert "pair @mentor @mentee" in json.dumps(await asyncio.wait_for(slack, 1.0))
                status, body, retry_after = await asyncio.wait_for(refused, 5)
                assert time.monotonic() - started < 5
            finally:
                refused.cancel()
        assert status in (401, 503), body
        if status == 503:
            assert "signing keys" in json.loads(body)["error"]
            assert retry_after and int(retry_after) >= 1
    finally:
        serve.stop()
        proxy.stop()
