"""Slack end to end: authentication, malformed bodies, ignored events, rate limits, start-up
configuration and the app manifest."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta

import pytest
import yaml

from tests.e2e.slack_support import (
    COMMAND,
    OWNER,
    eventually,
    free_port,
    pair_of_people,
    propose,
    sign,
    start_program,
    weekday_at,
)


async def test_url_verification_answers_the_challenge(workspace):
    body = json.dumps({"token": "t", "challenge": "3eZbrw1aBm2r", "type": "url_verification"})
    status, text = await workspace.post(body, "application/json")
    assert status == 200 and "3eZbrw1aBm2r" in text


async def test_bad_signatures_and_stale_timestamps_get_401(workspace):
    body = "command=%2Fmentoring&user_id=UOWNER&text=help&team_id=T111"
    form = "application/x-www-form-urlencoded"
    assert (await workspace.post(body, form, {}))[0] == 401
    assert (await workspace.post(body, form, sign(body, secret="wrong")))[0] == 401
    stale = sign(body, timestamp=int(time.time()) - 6 * 60)
    assert (await workspace.post(body, form, stale))[0] == 401
    assert (await workspace.post(body + "&x=1", form, sign(body)))[0] == 401, (
        "body changed after signing"
    )
    assert (await workspace.post(body, form))[0] == 200


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('{"hello": "world"}', "application/json"),
        ('{"type": "event_callback", "event": {"type": "message"}}', "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        (
            'payload={"type": "block_actions", "user": {"id": "U1"}}',
            "application/x-www-form-urlencoded",
        ),
        ('payload={"type": "view_submission", "view": {}}', "application/x-www-form-urlencoded"),
        ("text=hello&team_id=T111", "application/x-www-form-urlencoded"),
        ("[1, 2, 3]", "application/json"),
    ],
)
async def test_malformed_bodies_get_400_never_500(workspace, body, content_type):
    status, text = await workspace.post(body, content_type)
    assert status == 400, text
    assert "malformed request" in text


async def test_invalid_utf8_gets_400(workspace, serve):
    import aiohttp

    raw = b"command=/mentoring&user_id=U1&text=\xff\xfe"
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(raw)}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{serve.url}/slack/events", data=raw, headers=headers) as resp,
    ):
        assert resp.status == 400


async def test_bot_messages_edits_and_channel_messages_are_not_answered(workspace, fake):
    _mentor, mentee = pair_of_people(fake)
    channel = fake.dm(mentee)
    base = {"type": "message", "channel": channel, "channel_type": "im", "ts": "1.1"}
    await workspace.event({**base, "user": mentee, "text": "me", "bot_id": "BBOT"})
    await workspace.event({**base, "subtype": "message_changed", "message": {"text": "me"}})
    await workspace.event({**base, "user": mentee, "text": "me", "subtype": "file_share"})
    await workspace.event({**base, "user": mentee, "text": "me", "channel_type": "channel"})
    await workspace.event({**base, "user": mentee, "text": "me", "thread_ts": "1.0"})
    reply = await eventually(lambda: fake.posts_to(channel), what="the one real DM answered")
    await asyncio.sleep(1)
    assert len(fake.posts_to(channel)) == 1
    assert reply[0].thread_ts == "1.0", "a message in a thread is answered in the thread"
    assert "not in any pairing" in reply[0].text


async def test_a_429_is_retried_after_retry_after_and_the_message_arrives_once(workspace, fake):
    mentor, mentee = pair_of_people(fake)
    await start_program(workspace, "Throttled")
    await propose(workspace, "Throttled", mentor, mentee, "Learn")
    fake.rate_limit("chat.postMessage", times=1, retry_after=1)
    started = time.monotonic()
    out = await workspace.tick(weekday_at(3, 9))
    assert "sent 1" in out and "failed 0" in out
    assert time.monotonic() - started >= 1, "waited for Retry-After"
    attempts = [
        c.status
        for c in fake.calls_to("chat.postMessage", ok_only=False)
        if c.args.get("channel") == fake.dm(mentor, mentee)
    ]
    assert attempts == [429, 200]
    assert len(fake.posts_to(fake.dm(mentor, mentee))) == 1


async def test_an_unreachable_person_is_not_retried_forever(workspace, fake):
    mentor, mentee = pair_of_people(fake)
    await start_program(workspace, "Gone")
    await propose(workspace, "Gone", mentor, mentee, "Learn")
    del fake.users[mentee]  # deactivated before the intro went out
    out = await workspace.tick(weekday_at(3, 9) + timedelta(minutes=1))
    assert "failed 1" in out
    status = await workspace.command(OWNER, "status Gone")
    assert "could not be delivered: 1 (latest: Slack said user_not_found)" in json.dumps(status)


async def _start(env: dict, *args: str) -> tuple[int, str, float]:
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *COMMAND,
        "serve",
        "--port",
        str(free_port()),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(process.communicate(), 30)
    except TimeoutError:
        process.kill()
        raise
    return process.returncode, err.decode(), time.monotonic() - started


async def test_start_up_stops_naming_a_missing_slack_variable(fake, serve, tmp_path):
    env = {**serve.env, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}
    env.pop("SLACK_SIGNING_SECRET")
    code, err, seconds = await _start(env)
    assert code != 0 and "SLACK_SIGNING_SECRET is missing" in err and seconds < 20
    code, err, _ = await _start(env, "--slack-socket-mode")
    assert code != 0 and "SLACK_APP_TOKEN is missing" in err
    del env["SLACK_BOT_TOKEN"]
    code, err, _ = await _start(env, "--slack-socket-mode")
    assert code != 0 and "needs SLACK_BOT_TOKEN" in err
    assert "Traceback" not in err


async def test_socket_mode_answers_a_slash_command_over_the_socket(fake, serve, tmp_path):
    env = {
        **serve.env,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/socket.db",
        "SLACK_APP_TOKEN": "xapp-1-test",
    }
    env.pop("SLACK_SIGNING_SECRET")
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        *COMMAND,
        "serve",
        "--port",
        str(port),
        "--slack-socket-mode",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        fake.socket_acks.clear()
        await eventually(lambda: fake._sockets, timeout=30, what="socket connected")
        command = {
            "team_id": "T111",
            "user_id": OWNER,
            "user_name": "olivia",
            "command": "/mentoring",
            "text": "help",
            "trigger_id": "9.9.socket",
            "channel_id": "C1",
        }
        assert fake.push("slash_commands", command, "env-1")
        [ack] = await eventually(lambda: fake.socket_acks, what="envelope acknowledged")
        assert ack["envelope_id"] == "env-1"
        assert "pair @mentor @mentee" in json.dumps(ack["payload"])
    finally:
        process.terminate()
        await process.wait()


async def _manifest(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *COMMAND,
        "slack-manifest",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


async def test_the_manifest_declares_command_events_interactivity_home_and_scopes():
    code, out, _ = await _manifest("--url", "https://mentor.example.com/")
    assert code == 0
    manifest = yaml.safe_load(out)
    endpoint = "https://mentor.example.com/slack/events"
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/mentoring" and command["url"] == endpoint
    assert command["should_escape"] is True
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"] == endpoint
    assert set(settings["event_subscriptions"]["bot_events"]) == {"message.im", "app_home_opened"}
    assert settings["interactivity"] == {"is_enabled": True, "request_url": endpoint}
    assert settings["socket_mode_enabled"] is False
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {
        "chat:write",
        "commands",
        "im:write",
        "im:history",
        "mpim:write",
        "users:read",
    } <= scopes
    assert "files:write" in scopes  # exports and calendar invites (.ics)
    assert "users:read.email" in scopes  # attendees of calendar invites


async def test_the_socket_mode_manifest_has_no_request_urls_and_a_bad_url_is_refused():
    code, out, _ = await _manifest("--socket-mode")
    manifest = yaml.safe_load(out)
    assert code == 0 and manifest["settings"]["socket_mode_enabled"] is True
    assert "https://" not in out
    code, _, err = await _manifest("--url", "http://plain.example.com")
    assert code == 2 and "--url must be the public https address" in err
    code, _, err = await _manifest()
    assert code == 1 and "give --url" in err
