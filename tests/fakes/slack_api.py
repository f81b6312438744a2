"""A fake Slack Web API on 127.0.0.1: answers as Slack does, records every call, and checks
every message and view against Slack's Block Kit rules (tests/fakes/block_kit.py). It runs in
its own thread so one server can outlive the event loops of many tests."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from aiohttp import web

from tests.fakes import block_kit

TOKEN = "xoxb-test-token"
BOT_USER = "UBOT"
TEAM = "T111"


@dataclass
class Call:
    method: str
    args: dict
    status: int = 200
    # When the request arrived (time.monotonic() in this process), and the Retry-After a 429
    # asked for.
    at: float = field(default_factory=time.monotonic)
    retry_after: float | None = None


@dataclass
class Posted:
    channel: str
    ts: str
    text: str
    blocks: list
    thread_ts: str | None = None
    updates: list = field(default_factory=list)
    files: list = field(default_factory=list)  # ids of files shared with the message


class FakeSlack:
    """Start with `start()`; point SLACK_API_URL at `api_url`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], Posted] = {}
        self.views: list[dict] = []
        self.homes: dict[str, dict] = {}
        self.responses: list[dict] = []
        self._replies: Counter[str] = Counter()  # replies to each response_url, by its name
        self.uploads: dict[str, bytes] = {}
        self.shared: list[dict] = []
        self.violations: list[str] = []
        # Block types refused as a workspace without them refuses them, and each refusal:
        # (where, channel or name, the refused block types).
        self._refuse: frozenset[str] = frozenset()
        self.refused: list[tuple[str, str, list[str]]] = []
        self.users: dict[str, dict] = {}
        self._fail: dict[str, list[float]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.port = 0
        self.socket_acks: list[dict] = []
        self._sockets: list[web.WebSocketResponse] = []
        # Per-conversation rate limits: the Retry-After of each 429 still to give, by
        # (method, channel); `_every_channel` arms new channels as they show up.
        self._channel_fail: dict[tuple[str, str], list[float]] = {}
        self._every_channel: dict[str, tuple[int, float]] = {}
        self._channels_seen: set[tuple[str, str]] = set()
        # Stalling: calls of a method still answered before every further one is held.
        self._stall: dict[str, int] = {}
        self._gate: asyncio.Event | None = None
        self.held = 0
        # Callbacks run once a method has been answered successfully a number of times.
        self._hooks: list[list] = []

    # --- control --------------------------------------------------------------------------------
    def add_user(
        self, user_id: str, name: str, tz: str = "Europe/Berlin", email: str | None = None
    ) -> None:
        """A workspace member; `email` is what users.info shows with users:read.email
        (default: first name at example.com; "" for none)."""
        profile = {"real_name": name, "display_name": name.split()[0]}
        email = f"{name.split()[0].lower()}@example.com" if email is None else email
        if email:
            profile["email"] = email
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM,
            "name": name.split()[0].lower(),
            "real_name": name,
            "tz": tz,
            "profile": profile,
            "is_bot": False,
        }

    def refuse_block_types(self, types: set[str]) -> None:
        """Refuse messages and views holding any of these block types, as Slack does where
        they are not enabled: chat.postMessage, chat.update and chat.postEphemeral answer
        `invalid_blocks` with its `errors`, a response_url answers HTTP 400 "invalid_blocks",
        views.open and views.publish answer `invalid_arguments`. Nothing refused is recorded
        as posted; each refusal goes in `refused`. An empty set accepts everything again."""
        with self._lock:
            self._refuse = frozenset(types)

    def rate_limit(self, method: str, times: int = 1, retry_after: float = 1) -> None:
        """Answer the next `times` calls of `method` with 429 and Retry-After."""
        with self._lock:
            self._fail.setdefault(method, []).extend([retry_after] * times)

    def rate_limit_channels(
        self,
        times: int = 1,
        retry_after: float = 1,
        channel: str | None = None,
        method: str = "chat.postMessage",
    ) -> None:
        """Answer the first `times` calls of `method` to each conversation (only to `channel`
        when given) with 429 and Retry-After, as Slack limits each conversation on its own.
        Every conversation counts from its first call after this."""
        with self._lock:
            if channel is None:
                self._every_channel[method] = (times, retry_after)
                # Channels limited on their own keep their own count.
                self._channels_seen = {
                    seen
                    for seen in self._channels_seen
                    if seen[0] != method or seen in self._channel_fail
                }
            else:
                self._channel_fail.setdefault((method, channel), []).extend([retry_after] * times)
                self._channels_seen.add((method, channel))

    def stall_after(self, count: int, method: str = "chat.postMessage") -> None:
        """Answer `count` more calls of `method`, then hold every further one unanswered (and
        unrecorded) until `release()`; `held` says how many are waiting."""
        with self._lock:
            self._stall[method] = count
            self._gate = asyncio.Event()

    def release(self) -> None:
        """Let held calls through (they are then answered normally) and stop stalling."""
        with self._lock:
            self._stall.clear()
            gate, self._gate = self._gate, None
        if gate is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(gate.set)

    def after_ok(self, method: str, count: int, callback: Callable[[], None]) -> None:
        """Run `callback` on the fake's thread, before answering, when `count` more calls of
        `method` have succeeded (e.g. to cut a database connection mid-delivery)."""
        with self._lock:
            self._hooks.append([method, count, callback])

    def posted_per_channel(self) -> Counter[str]:
        """How many messages chat.postMessage put in each conversation."""
        return Counter(posted.channel for posted in list(self.messages.values()))

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def calls_to(self, method: str, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    def posts_to(self, channel: str) -> list[Posted]:
        return [m for m in self.messages.values() if m.channel == channel]

    def dm(self, *users: str) -> str:
        """The conversation id conversations.open gives these users."""
        return ("D" if len(users) == 1 else "G") + "".join(sorted(users))

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        ready = threading.Event()
        thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Slack did not start")
        return self

    def stop(self) -> None:
        if self._loop:
            self._loop.call_soon_threadsafe(self._loop.stop)

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_get("/socket", self._socket)
        runner = web.AppRunner(app)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()

    # --- handlers -------------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        method = request.match_info["method"]
        args = dict(request.query)
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                args.update(json.loads(raw))
            else:
                args.update({k: v[-1] for k, v in parse_qs(raw.decode()).items()})
        with self._lock:
            gate = self._gate
            left = self._stall.get(method)
            if left is not None:
                self._stall[method] = left - 1
        if left is not None and left <= 0 and gate is not None:
            self.held += 1
            try:
                await gate.wait()
            finally:
                self.held -= 1
            arrived = time.monotonic()
        with self._lock:
            waits = self._fail.get(method)
            retry_after = waits.pop(0) if waits else None
            if retry_after is None:
                retry_after = self._channel_limit(method, str(args.get("channel", "")))
        if retry_after is not None:
            self.calls.append(Call(method, args, 429, arrived, retry_after))
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(int(retry_after))},
            )
        self.calls.append(Call(method, args, at=arrived))
        if method == "apps.connections.open":
            if not request.headers.get("Authorization", "").startswith("Bearer xapp-"):
                return web.json_response({"ok": False, "error": "not_allowed_token_type"})
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"})
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        answer = handler(args)
        if answer.get("ok"):
            self._run_hooks(method)
        return web.json_response(answer)

    def _channel_limit(self, method: str, channel: str) -> float | None:
        """The Retry-After of a 429 this call to `channel` gets, if any (under the lock)."""
        if not channel:
            return None
        key = (method, channel)
        if key not in self._channels_seen:
            self._channels_seen.add(key)
            if method in self._every_channel:
                times, retry_after = self._every_channel[method]
                self._channel_fail.setdefault(key, []).extend([retry_after] * times)
        waits = self._channel_fail.get(key)
        return waits.pop(0) if waits else None

    def _run_hooks(self, method: str) -> None:
        due = []
        with self._lock:
            for hook in self._hooks:
                if hook[0] == method and hook[1] > 0:
                    hook[1] -= 1
                    if hook[1] == 0:
                        due.append(hook[2])
        for callback in due:
            callback()

    def _auth_test(self, args: dict) -> dict:
        return {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT", "team_id": TEAM, "user": "bot"}

    def _users_info(self, args: dict) -> dict:
        user = self.users.get(args.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _conversations_open(self, args: dict) -> dict:
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if any(u not in self.users for u in users):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": self.dm(*users)}}

    def _chat_postMessage(self, args: dict) -> dict:
        blocks = _json(args.get("blocks")) or []
        channel = str(args.get("channel", ""))
        self._check_message(args.get("text", ""), blocks, f"chat.postMessage to {channel}")
        refused = self._refusal(blocks, "chat.postMessage", channel)
        if refused:
            return refused
        ts = f"{time.time():.0f}.{next(self._ids):06d}"
        posted = Posted(args["channel"], ts, args.get("text", ""), blocks, args.get("thread_ts"))
        self.messages[(posted.channel, ts)] = posted
        return {"ok": True, "channel": posted.channel, "ts": ts, "message": {"text": posted.text}}

    def _chat_update(self, args: dict) -> dict:
        posted = self.messages.get((args.get("channel"), args.get("ts")))
        if posted is None:
            return {"ok": False, "error": "message_not_found"}
        blocks = _json(args.get("blocks")) or []
        self._check_message(args.get("text", ""), blocks, f"chat.update of {posted.ts}")
        refused = self._refusal(blocks, "chat.update", posted.channel)
        if refused:
            return refused
        posted.updates.append((posted.text, posted.blocks))
        posted.text, posted.blocks = args.get("text", posted.text), blocks
        return {"ok": True, "channel": posted.channel, "ts": posted.ts}

    def _chat_postEphemeral(self, args: dict) -> dict:
        blocks = _json(args.get("blocks")) or []
        channel = str(args.get("channel", ""))
        self._check_message(args.get("text", ""), blocks, f"chat.postEphemeral to {channel}")
        refused = self._refusal(blocks, "chat.postEphemeral", channel)
        if refused:
            return refused
        return {"ok": True, "message_ts": f"{time.time():.6f}"}

    def _views_open(self, args: dict) -> dict:
        view = _json(args.get("view")) or {}
        self._check_view(view, "views.open")
        if self._refusal(view.get("blocks") or [], "views.open", str(args.get("trigger_id"))):
            return {"ok": False, "error": "invalid_arguments"}
        view = {**view, "id": f"V{next(self._ids)}", "hash": f"h{next(self._ids)}"}
        self.views.append(view)
        return {"ok": True, "view": view}

    def _views_publish(self, args: dict) -> dict:
        view = _json(args.get("view")) or {}
        user = str(args.get("user_id", ""))
        self._check_view(view, f"views.publish for {user}")
        if self._refusal(view.get("blocks") or [], "views.publish", user):
            return {"ok": False, "error": "invalid_arguments"}
        self.homes[args.get("user_id", "")] = view
        return {"ok": True, "view": {**view, "id": f"V{next(self._ids)}"}}

    def _files_getUploadURLExternal(self, args: dict) -> dict:
        file_id = f"F{next(self._ids)}"
        return {
            "ok": True,
            "file_id": file_id,
            "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
        }

    def _files_completeUploadExternal(self, args: dict) -> dict:
        files = _json(args.get("files")) or []
        self.shared.append({**args, "files": files})
        blocks = _json(args.get("blocks")) or []
        if blocks and not args.get("initial_comment"):  # shown as a message with the file
            self._check_message("", blocks, "files.completeUploadExternal")
            ts = f"{time.time():.0f}.{next(self._ids):06d}"
            text = " ".join(
                b["text"]["text"] for b in blocks if b.get("type") == "section" and b.get("text")
            )
            posted = Posted(args.get("channel_id", ""), ts, text, blocks)
            posted.files = [f["id"] for f in files]
            self.messages[(posted.channel, ts)] = posted
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text=f"OK - {len(self.uploads)}")

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        name, blocks = request.match_info["name"], body.get("blocks") or []
        self._check_message(body.get("text", ""), blocks, f"response_url {name}")
        # Like an incoming webhook, a response_url refuses blocks with HTTP 400 and a bare
        # "invalid_blocks" (https://github.com/slackapi/java-slack-sdk/issues/1017).
        if self._refusal(blocks, "response_url", name):
            return web.Response(status=400, text="invalid_blocks")
        # A slash command's response_url takes 5 replies in all
        # (https://api.slack.com/interactivity/slash-commands, "Sending delayed responses").
        if self._replies[name] >= 5:
            self.violations.append(f"response_url {name}: a sixth reply")
            return web.Response(status=404, text="used_url")
        self._replies[name] += 1
        self.responses.append({"name": name, **body})
        return web.Response(text="ok")

    # --- Socket Mode: https://api.slack.com/apis/socket-mode -----------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1})
        async for message in ws:
            if message.type.name == "TEXT":
                self.socket_acks.append(json.loads(message.data))
        return ws

    def push(self, envelope_type: str, payload: dict, envelope_id: str) -> bool:
        """Send an envelope to the connected app (False when none is connected)."""
        if not self._sockets or self._loop is None:
            return False
        envelope = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": True,
        }
        asyncio.run_coroutine_threadsafe(self._sockets[-1].send_json(envelope), self._loop)
        return True

    # --- Slack's rules ----------------------------------------------------------------------------
    def _check_message(self, text: str, blocks: list, where: str) -> None:
        if not text and not blocks:
            self.violations.append(f"{where}: neither text nor blocks")
        self.violations += [f"{where}: {p}" for p in block_kit.problems(blocks, "message")]

    def _check_view(self, view: dict, where: str) -> None:
        """A modal or App Home view (https://docs.slack.dev/reference/views): titles and
        buttons of at most 24 characters, private_metadata of at most 3000, and its blocks."""
        surface = "home" if view.get("type") == "home" else "modal"
        if view.get("type") != surface:
            self.violations.append(f"{where}: view type {view.get('type')!r}")
        if len(view.get("private_metadata") or "") > 3000:
            self.violations.append(f"{where}: private_metadata over 3000 characters")
        for key in ("title", "submit", "close"):
            if key in view:
                found = block_kit.text(view[key], key, 24, plain=True)
                self.violations += [f"{where}: {p}" for p in found]
        found = block_kit.problems(view.get("blocks") or [], surface)
        self.violations += [f"{where}: {p}" for p in found]

    def _refusal(self, blocks: list, where: str, target: str) -> dict | None:
        """Slack's answer refusing `blocks` for a refused block type (None when it takes
        them), the refusal recorded. Slack's own words for an unsupported type may differ."""
        hits = [(n, b.get("type")) for n, b in enumerate(blocks) if isinstance(b, dict)]
        hits = [(n, kind) for n, kind in hits if kind in self._refuse]
        if not hits:
            return None
        self.refused.append((where, target, sorted({kind for _, kind in hits})))
        errors = [f"unsupported type `{kind}` [json-pointer:/blocks/{n}/type]" for n, kind in hits]
        messages = [f"[ERROR] {e}" for e in errors]
        return {
            "ok": False,
            "error": "invalid_blocks",
            "errors": errors,
            "response_metadata": {"messages": messages},
        }


def _json(value):
    if isinstance(value, str):
        return json.loads(value) if value else None
    return value
