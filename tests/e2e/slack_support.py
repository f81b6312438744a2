"""Driving a real `mentorbot serve` as Slack would: signed requests, payloads shaped like
../shared/reference/slack-payloads, and ticks at a chosen time for travelling in time; and the
steps the Slack tests share (fresh people, a program, a pair taken to active, buttons)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import aiohttp

from adapters.cli import tick_once
from adapters.settings import Settings
from bot.domain.clock import VirtualClock
from tests.fakes.slack_api import TEAM, TOKEN, FakeSlack, Posted

SECRET = "secret"
OWNER = "UOWNER"
BERLIN = ZoneInfo("Europe/Berlin")  # the time zone of the people the tests make
BIN = Path(sys.executable).with_name("mentorbot")
COMMAND = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "adapters.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slack_env(fake: FakeSlack, database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "MENTORBOT_OWNERS": f"slack:{OWNER}",
        "MENTORBOT_TICK_SECONDS": "86400",  # tests tick explicitly, at the time they choose
        # Only ticks send, so what a test sees does not depend on the hour it runs at (serve
        # would send what is due now at once, in working hours only);
        # tests/e2e/test_instant_delivery.py covers instant delivery.
        "MENTORBOT_DELIVERY": "tick",
        "MENTORBOT_LOG_LEVEL": "INFO",
    }


class Serve:
    """A `mentorbot serve` process; its log is kept in a file for failure messages."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = {**os.environ, **env}
        self.port = free_port()
        self.log_path = log_path
        self.log = log_path.open("wb")
        self.process = subprocess.Popen(
            [*COMMAND, "serve", "--port", str(self.port)],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"serve exited:\n{self.output()}") from None
                time.sleep(0.1)
        raise RuntimeError(f"serve did not start:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def sign(body: str | bytes, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    """Slack's request signature: HMAC-SHA256 of v0:timestamp:body with the signing secret."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    raw = body if isinstance(body, bytes) else body.encode()
    digest = hmac.new(secret.encode(), b"v0:%d:%s" % (timestamp, raw), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def weekday_at(days: int, hour: int, minute: int = 0) -> datetime:
    """A Monday-to-Friday moment at least `days` days from now, at hour:minute UTC."""
    moment = (datetime.now(UTC) + timedelta(days=days)).replace(
        hour=hour, minute=minute, second=0, microsecond=0
    )
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment


class Workspace:
    """Sends what Slack would send to `serve`, and runs ticks against the same database."""

    _ids = itertools.count(1)

    def __init__(self, serve: Serve, fake: FakeSlack) -> None:
        self.serve = serve
        self.fake = fake

    async def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        headers = {"Content-Type": content_type, **(sign(body) if headers is None else headers)}
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.serve.url}/slack/events", data=body, headers=headers) as resp,
        ):
            return resp.status, await resp.text()

    async def command(self, user: str, text: str) -> dict:
        """`/mentoring text` from `user`; returns the answer: the acknowledgement's JSON, or,
        when the acknowledgement was empty (an answer with charts comes through the
        response_url), the first message posted there, with all of them under "pages"."""
        n = next(self._ids)
        body = urlencode(
            {
                "token": "verification_token",
                "team_id": TEAM,
                "team_domain": "test-domain",
                "channel_id": "C111",
                "channel_name": "random",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/mentoring",
                "text": text,
                "response_url": self.fake.response_url(f"command-{n}"),
                "trigger_id": f"{n}.111.cmd",
            }
        )
        status, text_body = await self.post(body, "application/x-www-form-urlencoded")
        assert status == 200, (status, text_body)
        if text_body.strip():
            return json.loads(text_body) if text_body.startswith("{") else {"text": text_body}
        return await self.responded(f"command-{n}")

    async def responded(self, name: str, timeout: float = 10.0) -> dict:
        """The messages posted to one response_url, once they stop coming (see `command`)."""
        pages: list[dict] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [r for r in self.fake.responses if r["name"] == name]
            if found and len(found) == len(pages):
                return {**found[0], "pages": found}
            pages = found
            await asyncio.sleep(0.3)
        raise AssertionError(f"nothing came through the response_url {name}")

    async def event(self, event: dict, event_id: str | None = None, retry: int = 0) -> int:
        body = json.dumps(
            {
                "token": "verification_token",
                "team_id": TEAM,
                "api_app_id": "A111",
                "event": event,
                "type": "event_callback",
                "event_id": event_id or f"Ev{next(self._ids):06d}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
            }
        )
        headers = sign(body)
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        status, _ = await self.post(body, "application/json", headers)
        return status

    async def dm(self, user: str, text: str, event_id: str | None = None, retry: int = 0) -> int:
        event = {
            "user": user,
            "type": "message",
            "ts": f"{time.time():.6f}",
            "text": text,
            "channel": self.fake.dm(user),
            "event_ts": f"{time.time():.6f}",
            "channel_type": "im",
        }
        return await self.event(event, event_id, retry)

    async def interact(self, payload: dict) -> tuple[int, str]:
        body = f"payload={quote(json.dumps(payload))}"
        return await self.post(body, "application/x-www-form-urlencoded")

    async def click(
        self,
        user: str,
        posted: Posted | None,
        action: str,
        *,
        block_prefix: str = "",
        label: str = "",
        home=None,
    ) -> tuple[int, str]:
        """Press the first button whose action_id starts with `action` (in a block whose id
        starts with `block_prefix`, labelled `label` when given) on a posted message, or on
        the Home view `home`."""
        blocks = posted.blocks if posted else home["blocks"]
        block, element = next(
            (
                (b, e)
                for b in blocks
                if b.get("type") == "actions" and b.get("block_id", "").startswith(block_prefix)
                for e in b["elements"]
                if e["action_id"].split("#")[0] == action
                and (not label or e.get("text", {}).get("text") == label)
            ),
            (None, None),
        )
        assert element is not None, f"no {action} button {label!r} in: {texts(blocks)}"
        action_payload = {
            "action_id": element["action_id"],
            "block_id": block["block_id"],
            "text": element["text"],
            "value": element.get("value", ""),
            "type": "button",
        }
        return await self._act(user, posted, blocks, action_payload)

    async def choose(self, user: str, posted: Posted, action: str, label: str) -> tuple[int, str]:
        """Pick the option labelled `label` in the select menu (static_select) for `action`
        on a posted message, as Slack sends it: the chosen option, no value of its own."""
        block, element = next(
            (b, e)
            for b in posted.blocks
            if b.get("type") == "actions"
            for e in b["elements"]
            if e["type"] == "static_select" and e["action_id"] == action
        )
        options = [o for o in element["options"] if o["text"]["text"] == label]
        assert options, f"no option {label!r} in {[o['text']['text'] for o in element['options']]}"
        action_payload = {
            "action_id": element["action_id"],
            "block_id": block["block_id"],
            "type": "static_select",
            "selected_option": options[0],
            "placeholder": element.get("placeholder"),
        }
        return await self._act(user, posted, posted.blocks, action_payload)

    async def _act(
        self, user: str, posted: Posted | None, blocks: list, action: dict
    ) -> tuple[int, str]:
        """Send a block_actions payload for one action on a posted message (or Home)."""
        n = next(self._ids)
        if posted:
            container = {"type": "message", "message_ts": posted.ts, "channel_id": posted.channel}
        else:
            container = {"type": "view", "view_id": "VHOME"}
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A111",
            "token": "verification_token",
            "container": container,
            "trigger_id": f"{n}.222.valid",
            "team": {"id": TEAM, "domain": "workspace-domain"},
            "response_url": self.fake.response_url(f"action-{n}"),
            "actions": [{**action, "action_ts": f"{time.time():.6f}{n}"}],
        }
        if posted:
            payload["channel"] = {"id": posted.channel}
            payload["message"] = {
                "type": "message",
                "ts": posted.ts,
                "text": posted.text,
                "blocks": blocks,
            }
        return await self.interact(payload)

    async def submit(self, user: str, view: dict, values: dict[str, str]) -> tuple[int, dict]:
        """Submit an opened modal with `values` by field id; returns the acknowledgement."""
        state: dict = {}
        for block in view["blocks"]:
            if block.get("type") != "input":
                continue
            element = block["element"]
            kind = element["type"]
            value = values.get(block["block_id"])
            if kind == "datepicker":
                entry = {"type": kind, "selected_date": value}
            elif kind == "timepicker":
                entry = {"type": kind, "selected_time": value}
            elif kind == "static_select":
                entry = {"type": kind, "selected_option": {"value": value} if value else None}
            else:
                entry = {"type": kind, "value": value}
            state[block["block_id"]] = {element["action_id"]: entry}
        n = next(self._ids)
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "workspace-domain"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A111",
            "token": "verification_token",
            "trigger_id": f"{n}.333.valid",
            "view": {**view, "state": {"values": state}, "team_id": TEAM, "type": "modal"},
            "response_urls": [],
        }
        status, body = await self.interact(payload)
        return status, (json.loads(body) if body.startswith("{") else {})

    async def tick(self, now: datetime) -> str:
        """One tick at `now` against serve's database, through the same code as
        `mentorbot tick --now` but in this process (a few tests run the real command)."""
        return await tick_once(Settings.from_env(self.serve.env), VirtualClock(now))


async def eventually(check, timeout: float = 10.0, what: str = "condition", interval=0.05):
    """Poll `check()` every `interval` seconds until it returns something truthy (background
    replies take a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(interval)


async def settle(seconds: float = 1.0) -> None:
    """Wait a moment, for what should NOT happen (a second answer, a call) to have had the
    time to happen."""
    await asyncio.sleep(seconds)


def texts(blocks: list) -> str:
    """All the text in a list of blocks, for assertions."""
    out = []
    for block in blocks:
        for item in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(item, dict):
                text = item.get("text")
                out.append(text["text"] if isinstance(text, dict) else str(text or ""))
    return "\n".join(out)


def row_for(blocks: list, words: str) -> str:
    """The block id of the row of buttons that answers the part of a message whose text holds
    `words`: one of its questions (asks, each drawn as its text, then its row), or the
    message's own text (its own row comes after the questions)."""
    for n, block in enumerate(blocks):
        text = block.get("text") if block.get("type") == "section" else None
        if not (isinstance(text, dict) and words in text.get("text", "")):
            continue
        after = blocks[n + 1] if n + 1 < len(blocks) else {}
        if after.get("type") == "actions":
            return after["block_id"]
        if not any(b.get("type") == "actions" for b in blocks[:n]):  # the message's own text
            own = [
                b
                for b in blocks
                if b.get("type") == "actions" and not b.get("block_id", "").startswith("ask.")
            ]
            if own:
                return own[0]["block_id"]
    raise AssertionError(f"no buttons answer {words!r} in: {texts(blocks)}")


def row_of(blocks: list, words: str) -> list[dict]:
    """The row of buttons (one actions block) that answers the part of a message whose text
    holds `words` (see `row_for`)."""
    found = row_for(blocks, words)
    return [b for b in blocks if b.get("block_id") == found]


def actions_of(blocks: list) -> list[str]:
    """The action ids of the buttons and menus in a list of blocks, in order."""
    return [
        e["action_id"].split("#")[0]
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
    ]


def row_with(blocks: list, action: str, value: str = "") -> str:
    """The block id of the first row of buttons with a button for `action` (whose value ends
    with `value`, when given): where a message draws the question that button answers."""
    for block in blocks:
        if block.get("type") != "actions":
            continue
        for element in block["elements"]:
            if element["action_id"].split("#")[0] == action and element.get("value", "").endswith(
                value
            ):
                return block["block_id"]
    raise AssertionError(f"no {action} button ({value!r}) in: {texts(blocks)}")


def values_of(blocks: list, action: str) -> list[str]:
    """The values of the buttons for `action` in a list of blocks, in order."""
    return [
        e.get("value", "")
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"].split("#")[0] == action
    ]


def posts_asking(fake: FakeSlack, channel: str, action: str, value: str = "") -> list[Posted]:
    """The messages in `channel` with a button for `action` (whose value ends with `value`,
    when given) still on them."""
    return [
        p
        for p in fake.posts_to(channel)
        if any(v.endswith(value) for v in values_of(p.blocks, action))
    ]


async def one_post_asking(fake: FakeSlack, channel: str, action: str, value: str = "") -> Posted:
    """The one message in `channel` with a button for `action` (see `posts_asking`), once it
    is there: a message found by what it asks, not by its words."""
    [found] = await eventually(
        lambda: posts_asking(fake, channel, action, value), what=f"{action} {value}"
    )
    return found


def pairs_in(text: str, names: list[str]) -> set[tuple[str, str]]:
    """The pairs a match proposal lists: for each line naming two of `names` (whole words),
    the one named first (the mentor) and the other (the mentee). Who is paired with whom,
    whatever the words around the names."""
    found = set()
    for line in text.split("\n"):
        named = sorted(
            (m.start(), name) for name in names if (m := re.search(rf"\b{re.escape(name)}\b", line))
        )
        if len(named) >= 2:
            found.add((named[0][1], named[1][1]))
    return found


def next_weekday(day: date, hour: int, minute: int = 0) -> datetime:
    """`day` at hour:minute UTC, moved on to Monday when it falls on a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, clock(hour, minute), UTC)


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    """`day` at hour:minute in Berlin, in UTC."""
    return datetime.combine(day, clock(hour, minute), BERLIN).astimezone(UTC)


def working_hour_after(moment: datetime) -> datetime:
    """The first whole hour at least a minute after `moment` that is inside the default
    working hours in Berlin (Monday to Friday, 09:00-18:00)."""
    local = (moment + timedelta(hours=1)).astimezone(BERLIN)
    local = local.replace(minute=0, second=0, microsecond=0)
    while local.weekday() >= 5 or not 9 <= local.hour < 18:
        local += timedelta(hours=1)
    return local.astimezone(UTC)


def evening_after(moment: datetime) -> datetime:
    """The first 20:00 in Berlin after `moment`: outside working hours, whatever the day."""
    local = moment.astimezone(BERLIN).replace(hour=20, minute=0, second=0, microsecond=0)
    return (local if local > moment else local + timedelta(days=1)).astimezone(UTC)


def morning_after(moment: datetime) -> datetime:
    """The first Monday-to-Friday 09:00 in Berlin after `moment`, when working hours open."""
    local = moment.astimezone(BERLIN).replace(hour=9, minute=0, second=0, microsecond=0)
    while local <= moment or local.weekday() >= 5:
        local += timedelta(days=1)
    return local.astimezone(UTC)


def posts_with(fake: FakeSlack, channel: str, words: str) -> list[Posted]:
    """The messages posted in `channel` whose text holds `words`."""
    return [p for p in fake.posts_to(channel) if words in p.text]


async def one_post(fake: FakeSlack, channel: str, words: str) -> Posted:
    """The one message in `channel` holding `words`, once it is there."""
    [found] = await eventually(lambda: posts_with(fake, channel, words), what=words)
    return found


# --- people, programs and pairs -----------------------------------------------------------------
CADENCE = 14  # days between sessions in the programs `start_program` creates
_people = itertools.count(1)


def person_number() -> int:
    """The next number for a fresh person's id and name (one count for both platforms)."""
    return next(_people)


def pair_of_people(fake: FakeSlack) -> tuple[str, str]:
    """A fresh mentor and mentee (Berlin) for one test."""
    n = person_number()
    mentor, mentee = f"UMENTOR{n}", f"UEXEC{n}"
    fake.add_user(mentor, f"Mina Park{n}", "Europe/Berlin")
    fake.add_user(mentee, f"Erik Lund{n}", "Europe/Berlin")
    return mentor, mentee


async def start_program(workspace: Workspace, name: str) -> None:
    """The owner creates the program `name`: a 45-minute session every CADENCE days."""
    reply = await workspace.command(OWNER, f"program create {name} cadence={CADENCE} minutes=45")
    assert f"Program {name} created" in reply["text"], reply


async def propose(workspace: Workspace, program: str, mentor: str, mentee: str, goal: str) -> dict:
    """The owner's `/mentoring pair` for the two people; returns the answer."""
    return await workspace.command(
        OWNER, f"pair <@{mentor}|mina> <@{mentee}|erik> program={program} {goal}"
    )


async def accept_intro(workspace: Workspace, fake: FakeSlack, mentor: str, mentee: str) -> None:
    """Both people press Accept on their shared intro."""
    [intro] = fake.posts_to(fake.dm(mentor, mentee))
    for user in (mentee, mentor):
        status, _ = await workspace.click(user, intro, "pairing.accept", block_prefix=f"for.{user}")
        assert status == 200
    await eventually(lambda: "both in" in texts(intro.blocks), what="both accepted")


async def active_pair(workspace: Workspace, fake: FakeSlack, program: str):
    """A proposed, introduced and accepted pair; returns (mentor, mentee, tick time)."""
    mentor, mentee = pair_of_people(fake)
    await start_program(workspace, program)
    await propose(workspace, program, mentor, mentee, "Learn short video")
    when = weekday_at(3, 9)
    await workspace.tick(when)
    await accept_intro(workspace, fake, mentor, mentee)
    return mentor, mentee, when


async def status_of(workspace: Workspace, program: str) -> str:
    """The text of the owner's `/mentoring status` for `program`."""
    return texts((await workspace.command(OWNER, f"status {program}"))["blocks"])


# --- buttons that open forms or answer in place -------------------------------------------------
async def open_form(
    workspace: Workspace, user: str, posted: Posted, action: str, row: str = ""
) -> dict:
    """Click a button on a posted message (in the row of buttons `row`, when given) that
    opens a modal; returns the modal."""
    before = len(workspace.fake.views)
    status, _ = await workspace.click(user, posted, action, block_prefix=row)
    assert status == 200
    return (await eventually(lambda: workspace.fake.views[before:], what=f"{action} modal"))[0]


async def press(
    workspace: Workspace, user: str, blocks: list, action: str, label: str = "", question: str = ""
) -> dict:
    """Press a button on an ephemeral answer (a slash command's, or what replaced it), as Slack
    sends it: no `message`, `is_ephemeral` in the container; with `question`, the one that
    answers the part of the message holding those words. Returns the modal the press opened,
    or the answer that replaced the ephemeral message (via response_url)."""
    row = row_for(blocks, question) if question else ""
    found = next(
        (
            (b, e)
            for b in blocks
            if b.get("type") == "actions" and b.get("block_id", "").startswith(row)
            for e in b["elements"]
            if e["action_id"].split("#")[0] == action and label in e["text"]["text"]
        ),
        None,
    )
    assert found, f"no {action} button {label!r} in: {texts(blocks)}"
    block, element = found
    fake = workspace.fake
    n = next(workspace._ids)
    name = f"press-{n}"
    views_before = len(fake.views)
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A111",
        "token": "verification_token",
        "container": {
            "type": "message",
            "message_ts": f"{time.time():.6f}",
            "channel_id": "C111",
            "is_ephemeral": True,
        },
        "trigger_id": f"{n}.444.valid",
        "team": {"id": TEAM, "domain": "workspace-domain"},
        "channel": {"id": "C111", "name": "random"},
        "response_url": fake.response_url(name),
        "actions": [
            {
                "action_id": element["action_id"],
                "block_id": block["block_id"],
                "text": element["text"],
                "value": element.get("value", ""),
                "type": "button",
                "action_ts": f"{time.time():.6f}{n}",
            }
        ],
    }
    status, _ = await workspace.interact(payload)
    assert status == 200

    def answered():
        if len(fake.views) > views_before:
            return fake.views[views_before]
        return next((r for r in fake.responses if r["name"] == name), None)

    return await eventually(answered, what=f"answer to {action}")
