"""Teams local mode is an explicit choice (MENTORBOT_TEAMS=local) that reads only JSON and
answers only serviceUrls on this machine; without it and without an app id, /api/messages
takes no activities; and the start-up rules that keep Teams from running open by accident."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess

import aiohttp

from tests.e2e.slack_support import COMMAND, Serve, free_port
from tests.e2e.teams_support import OWNER, Tenant, button, people_named, teams_env


async def post(url: str, body: bytes, content_type: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers={"Content-Type": content_type}) as response,
    ):
        return response.status, await response.text()


async def test_local_mode_reads_only_json_bodies(tenant, connector):
    """A web page the operator opens can POST text/plain without a preflight: refused."""
    user = tenant.person("29:from-a-web-page", "Wes Page")
    body = json.dumps(tenant.activity(user, text="help")).encode()
    calls = len(connector.calls)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        status, text = await post(f"{tenant.serve.url}/api/messages", body, content_type)
        assert status == 415, (content_type, text)
        assert "application/json" in json.loads(text)["error"]
    await asyncio.sleep(0.2)
    assert len(connector.calls) == calls
    assert people_named(tenant.serve, user) == 0


async def test_local_mode_refuses_what_a_web_page_could_send(tenant, connector):
    """DNS rebinding: a page the operator opens, posting JSON to serve under another host
    name, or with the Origin header every browser adds."""
    user = tenant.person("29:rebinding", "Rita Rebind")
    body = json.dumps(tenant.activity(user, text="help")).encode()
    calls = len(connector.calls)
    for headers in (
        {"Origin": "http://127.0.0.1:3978"},
        {"Origin": "null"},
        {"Host": "attacker.example:3978"},
    ):
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{tenant.serve.url}/api/messages",
                data=body,
                headers={"Content-Type": "application/json", **headers},
            ) as response,
        ):
            assert response.status == 403, headers
            assert "web pages" in (await response.json())["error"]
    await asyncio.sleep(0.2)
    assert len(connector.calls) == calls
    assert people_named(tenant.serve, user) == 0


async def test_export_links_answer_no_head_request(tenant, connector):
    """A link checker's HEAD must not use up the one download a link allows."""
    await tenant.say(OWNER, "program create Links")
    await tenant.latest(OWNER, "Program Links created")
    await tenant.say(OWNER, "export")
    url = button(await tenant.latest(OWNER, "export is ready"), "Download CSV")["url"]
    async with aiohttp.ClientSession() as session:
        async with session.head(url) as response:
            assert response.status == 405
        async with session.get(url) as response:
            assert response.status == 200, await response.text()


async def test_local_mode_answers_only_service_urls_on_this_machine(tenant, connector):
    user = tenant.person("29:far-away", "Fiona Far")
    calls = len(connector.calls)
    for service_url in (
        "https://smba.trafficmanager.net/amer/",
        "http://169.254.169.254/latest/",
        "http://localhost.example.com/",
        "http://127.0.0.1@example.com/",
    ):
        activity = tenant.activity(user, text="help", serviceUrl=service_url)
        status, text = await tenant.post(activity)
        assert status == 403, (service_url, text)
        assert "MENTORBOT_TEAMS=local" in json.loads(text)["error"]
    await asyncio.sleep(0.2)
    assert len(connector.calls) == calls, "nothing was sent anywhere"
    assert people_named(tenant.serve, user) == 0


async def test_without_an_app_id_or_local_mode_teams_takes_no_activities(connector, tmp_path):
    env = {**teams_env(f"sqlite+aiosqlite:///{tmp_path}/m.db"), "MENTORBOT_TEAMS": ""}
    server = Serve(env, tmp_path / "serve.log")
    try:
        tenant = Tenant(server, connector)
        tenant.person(OWNER, "Olivia Grant")
        status, text = await tenant.post(tenant.activity(OWNER, text="help"))
        assert status == 404
        error = json.loads(text)["error"]
        assert "MICROSOFT_APP_ID" in error and "MENTORBOT_TEAMS=local" in error
        assert people_named(server, OWNER) == 0
        assert "Teams is off" in server.output()
    finally:
        server.stop()


def start_up(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`mentorbot serve` that is expected to stop before it listens."""
    return subprocess.run(
        [*COMMAND, "serve", "--port", str(free_port()), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_local_mode_off_loopback_stops_start_up(tmp_path):
    env = teams_env(f"sqlite+aiosqlite:///{tmp_path}/m.db")
    result = start_up(env, "--host", "0.0.0.0")
    assert result.returncode != 0
    assert "MENTORBOT_TEAMS=local" in result.stderr and "loopback" in result.stderr
    assert "listening" not in result.stderr
    off = {**os.environ, **env, "MENTORBOT_TEAMS": "off"}
    tick = subprocess.run([*COMMAND, "tick"], env=off, capture_output=True, text=True, timeout=60)
    assert tick.returncode == 0, tick.stderr


def test_an_app_id_without_a_link_secret_stops_start_up(tmp_path):
    env = {
        **teams_env(f"sqlite+aiosqlite:///{tmp_path}/m.db"),
        "MENTORBOT_TEAMS": "",
        "MICROSOFT_APP_ID": "00000000-0000-4000-8000-000000000001",
        "MICROSOFT_APP_PASSWORD": "not-a-real-secret",
        "MENTORBOT_PUBLIC_URL": "https://mentorbot.example.com",
        "MENTORBOT_SECRET": "",
    }
    result = start_up(env)
    assert result.returncode != 0
    assert "MENTORBOT_SECRET is missing" in result.stderr and "secrets" in result.stderr
