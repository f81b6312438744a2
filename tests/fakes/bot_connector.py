"""A fake Microsoft Bot Connector (Bot Framework REST API v3) on 127.0.0.1.

It answers the calls a Teams bot makes through botbuilder's ConnectorClient (create a
conversation, send, reply, update and delete activities, fetch a member), records every call
with its time, and checks every Adaptive Card it is sent with `tests.fakes.card_schema` (the
official Adaptive Card 1.5 schema, the Teams chart schema and the few checks by hand).
Failures can be injected (`fail`) and users can block the bot (`block`). The server runs its own
event loop in a thread, so one instance can outlive the event loops of many tests.

Activities sent to the bot should carry `service_url` as their serviceUrl; the bot then calls
back into this server.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.card_schema import ADAPTIVE_CARD
from tests.fakes.card_schema import problems as card_problems

TENANT_ID = "72f988bf-0000-4000-8000-00000000c0de"
BOT_ID = "28:mentorbot-test"
MAX_ACTIVITY_BYTES = 28 * 1024  # Teams rejects larger messages with 413 MessageSizeTooBig

KINDS = ("send", "create", "update", "delete", "member")

# The error codes Teams' Bot Connector uses for these statuses.
ERROR_CODES = {
    400: ("BadArgument", "The request was malformed."),
    401: ("Unauthorized", "The bot's token was rejected."),
    403: ("BotNotInConversationRoster", "The bot is not part of the conversation roster."),
    404: ("ConversationNotFound", "The conversation was not found."),
    412: ("PreconditionFailed", "Potential write conflict."),
    413: ("MessageSizeTooBig", "The message is too big."),
    429: ("Throttled", "Too many requests."),
    500: ("InternalServerError", "An internal error occurred."),
    502: ("ServiceError", "A downstream service failed."),
    503: ("ServiceUnavailable", "The service is unavailable."),
    504: ("GatewayTimeout", "The gateway timed out."),
}


@dataclass
class Call:
    """One HTTP request the fake received, with the status it answered."""

    method: str
    path: str
    body: dict | None
    status: int
    headers: dict[str, str]
    kind: str = "other"  # one of KINDS, or "other" for routes the fake does not know
    at: float = field(default_factory=time.monotonic)  # when the request came in
    # When the fake had it checked and answered: what "the platform has it" means (the
    # fake's own checks of a big card take a while, which no real reply could race).
    answered: float = field(default_factory=time.monotonic)

    @property
    def authorization(self) -> str | None:
        return self.headers.get("Authorization")


@dataclass
class Sent:
    """An activity the bot posted successfully, with every later version PUT over it."""

    conversation_id: str
    id: str
    activity: dict
    reply_to: str | None = None
    updates: list[dict] = field(default_factory=list)
    deleted: bool = False

    @property
    def latest(self) -> dict:
        """The activity as it stands after all updates."""
        return self.updates[-1] if self.updates else self.activity


@dataclass
class _Failure:
    status: int
    retry_after: float | None
    code: str | None


class FakeConnector:
    """Start with `start()`; give incoming activities `service_url` as their serviceUrl."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.activities: dict[str, Sent] = {}
        self.violations: list[str] = []
        self.users: dict[str, dict] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._blocked: set[str] = set()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- control --------------------------------------------------------------------------------
    def add_user(self, user_id: str, name: str, email: str | None = None) -> dict:
        """Register a Teams user (id like "29:1abc"); GET .../members/{user_id} then finds it."""
        given, _, surname = name.partition(" ")
        email = email or f"{name.lower().replace(' ', '.')}@contoso.example"
        self.users[user_id] = {
            "id": user_id,
            "name": name,
            "aadObjectId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"teams-user:{user_id}")),
            "userPrincipalName": email,
            "email": email,
            "givenName": given,
            "surname": surname,
            "tenantId": TENANT_ID,
            "userRole": "user",
        }
        return self.users[user_id]

    def fail(
        self,
        kind: str,
        status: int,
        times: int = 1,
        retry_after: float | None = None,
        code: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `kind` with `status` and an ErrorResponse body.

        kind: "send" (POST an activity or a reply), "create" (POST /v3/conversations), "update"
        (PUT an activity), "delete" or "member" (GET a member). `retry_after` (seconds) adds a
        Retry-After header; `code` overrides the error code Teams uses for `status`.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
        with self._lock:
            self._failures.setdefault(kind, []).extend(
                _Failure(status, retry_after, code) for _ in range(times)
            )

    def block(self, member_id: str) -> None:
        """The member blocks the bot: sends to their 1:1 chat and creating it answer 403."""
        with self._lock:
            self._blocked.add(member_id)

    def unblock(self, member_id: str) -> None:
        with self._lock:
            self._blocked.discard(member_id)

    @staticmethod
    def conversation_for(member_id: str) -> str:
        """The id of the 1:1 conversation create_conversation gives this member."""
        return f"a:conv-{member_id}"

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    # --- inspection -----------------------------------------------------------------------------
    def calls_of(self, kind: str, ok_only: bool = False) -> list[Call]:
        return [c for c in self.calls if c.kind == kind and (c.status < 300 or not ok_only)]

    def sent_to(self, conversation_id: str) -> list[Sent]:
        """Activities posted to this conversation (or to threads in it), in order."""
        base = _base(conversation_id)
        return [s for s in list(self.activities.values()) if _base(s.conversation_id) == base]

    @staticmethod
    def cards(sent: Sent | dict) -> list[dict]:
        """The Adaptive Cards in an activity (for a Sent: its latest version)."""
        activity = sent.latest if isinstance(sent, Sent) else sent
        return [
            a.get("content")
            for a in activity.get("attachments") or []
            if isinstance(a, dict) and a.get("contentType") == ADAPTIVE_CARD
        ]

    def texts_in(self, conversation_id: str) -> list[str]:
        """One string per (not deleted) activity: its text and the texts of its cards' TextBlocks,
        RichTextBlocks and FactSets (fact title and value on their own lines), latest version."""
        texts = []
        for sent in self.sent_to(conversation_id):
            if sent.deleted:
                continue
            parts = [sent.latest.get("text") or ""]
            for card in self.cards(sent):
                _collect_texts(card, parts)
            texts.append("\n".join(p for p in parts if p))
        return texts

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> FakeConnector:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Bot Connector did not start")
        return self

    def stop(self) -> None:
        loop, runner = self._loop, self._runner
        if loop is None or not loop.is_running():
            return
        if runner is not None:
            cleanup = asyncio.run_coroutine_threadsafe(runner.cleanup(), loop)
            with contextlib.suppress(Exception):  # the loop is stopped below either way
                cleanup.result(5)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        app = web.Application()
        conversation = "/v3/conversations/{conversationId}"
        activity = conversation + "/activities/{activityId}"
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post(conversation + "/activities", self._send)
        app.router.add_post(activity, self._send)
        app.router.add_put(activity, self._update)
        app.router.add_delete(activity, self._delete)
        app.router.add_get(conversation + "/members/{memberId}", self._member)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    # --- request pipeline -----------------------------------------------------------------------
    async def _handle(
        self,
        request: web.Request,
        kind: str,
        answer: Callable[[dict | None], tuple[int, dict | None]],
    ) -> web.Response:
        """Parse the body, apply an injected failure or `answer`, record the call, respond."""
        at = time.monotonic()
        raw = await request.read()
        body: dict | None = None
        malformed = False
        if raw:
            try:
                parsed = json.loads(raw)
            except ValueError:
                malformed = True
            else:
                body, malformed = (parsed, False) if isinstance(parsed, dict) else (None, True)
        headers: dict[str, str] = {}
        with self._lock:
            queued = self._failures.get(kind)
            failure = queued.pop(0) if queued else None
            if malformed:
                status, payload = _error(400, "BadSyntax", "The body is not a JSON object.")
            elif failure is not None:
                status, payload = _error(failure.status, failure.code)
                if failure.retry_after is not None:
                    headers["Retry-After"] = f"{failure.retry_after:g}"
            else:
                status, payload = answer(body)
            self.calls.append(
                Call(request.method, request.path, body, status, dict(request.headers), kind, at)
            )
        if payload is None:
            return web.Response(status=status, headers=headers)
        return web.json_response(payload, status=status, headers=headers)

    async def _create(self, request: web.Request) -> web.Response:
        return await self._handle(request, "create", self._create_conversation)

    async def _send(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversationId"]
        reply_to = request.match_info.get("activityId")
        where = f"{request.method} {request.path}"

        def answer(body: dict | None) -> tuple[int, dict | None]:
            if body is None:
                return _error(400, "BadArgument", "The activity is missing.")
            self._check_activity(body, where)
            if self._blocked_member(conversation_id):
                return _blocked()
            sent = self._record(conversation_id, body, reply_to)
            return 200, {"id": sent.id}

        return await self._handle(request, "send", answer)

    async def _update(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversationId"]
        activity_id = request.match_info["activityId"]
        where = f"{request.method} {request.path}"

        def answer(body: dict | None) -> tuple[int, dict | None]:
            if body is None:
                return _error(400, "BadArgument", "The activity is missing.")
            self._check_activity(body, where)
            sent = self._find(conversation_id, activity_id)
            if sent is None:
                return _not_found_activity()
            sent.updates.append(body)
            return 200, {"id": activity_id}

        return await self._handle(request, "update", answer)

    async def _delete(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversationId"]
        activity_id = request.match_info["activityId"]

        def answer(body: dict | None) -> tuple[int, dict | None]:
            sent = self._find(conversation_id, activity_id)
            if sent is None:
                return _not_found_activity()
            sent.deleted = True
            return 200, None

        return await self._handle(request, "delete", answer)

    async def _member(self, request: web.Request) -> web.Response:
        member_id = request.match_info["memberId"]

        def answer(body: dict | None) -> tuple[int, dict | None]:
            user = self.users.get(member_id)
            if user is None:
                return _error(
                    404, "MemberNotFoundInConversation", "The member was not found in the roster."
                )
            return 200, dict(user)

        return await self._handle(request, "member", answer)

    async def _unknown(self, request: web.Request) -> web.Response:
        def answer(body: dict | None) -> tuple[int, dict | None]:
            return _error(404, "NotFound", f"The fake has no {request.method} {request.path}.")

        return await self._handle(request, "other", answer)

    # --- behaviour (called with the lock held) --------------------------------------------------
    def _create_conversation(self, body: dict | None) -> tuple[int, dict | None]:
        body = body or {}
        activity = body.get("activity")
        channel_data = body.get("channelData") or {}
        channel = (channel_data.get("channel") or {}).get("id")
        members = body.get("members") or []
        if activity is not None:
            self._check_activity(activity, "POST /v3/conversations (activity)")
        if channel:
            # A new thread in a Teams channel: its conversation id names the root message.
            if not isinstance(activity, dict):
                return _error(400, "BadArgument", "A channel thread needs an activity.")
            activity_id = self._new_id()
            conversation_id = f"{channel};messageid={activity_id}"
            self._record(conversation_id, activity, None, activity_id)
            return 200, {"id": conversation_id, "activityId": activity_id}
        if not members or not all(isinstance(m, dict) and m.get("id") for m in members):
            return _error(400, "BadArgument", "members must list at least one account with an id.")
        if not (body.get("tenantId") or (channel_data.get("tenant") or {}).get("id")):
            self.violations.append(
                "POST /v3/conversations: no tenantId or channelData.tenant.id (Teams needs one)"
            )
        if len(members) == 1 and not body.get("isGroup"):
            member_id = members[0]["id"]
            if member_id in self._blocked:
                return _blocked()
            conversation_id = self.conversation_for(member_id)
        else:
            conversation_id = f"19:group-{next(self._ids)}@thread.v2"
        answer: dict[str, Any] = {"id": conversation_id}
        if isinstance(activity, dict):
            answer["activityId"] = self._record(conversation_id, activity, None).id
        return 200, answer

    def _record(
        self, conversation_id: str, activity: dict, reply_to: str | None, activity_id: str = ""
    ) -> Sent:
        sent = Sent(conversation_id, activity_id or self._new_id(), activity, reply_to)
        self.activities[sent.id] = sent
        return sent

    def _find(self, conversation_id: str, activity_id: str) -> Sent | None:
        sent = self.activities.get(activity_id)
        if sent is None or _base(sent.conversation_id) != _base(conversation_id):
            return None
        return sent

    def _new_id(self) -> str:
        return f"1:act-{next(self._ids)}"

    def _blocked_member(self, conversation_id: str) -> bool:
        return any(_base(conversation_id) == self.conversation_for(m) for m in self._blocked)

    def _check_activity(self, activity: Any, where: str) -> None:
        if not isinstance(activity, dict):
            self.violations.append(f"{where}: the activity is not an object")
            return
        if not activity.get("type"):
            self.violations.append(f"{where}: the activity has no type")
        attachments = activity.get("attachments") or []
        if activity.get("type") == "message" and not activity.get("text") and not attachments:
            self.violations.append(f"{where}: a message with neither text nor attachments")
        size = len(json.dumps(activity).encode())
        if size > MAX_ACTIVITY_BYTES:
            self.violations.append(f"{where}: activity is {size} bytes (Teams allows ~28 KB)")
        if not isinstance(attachments, list):
            self.violations.append(f"{where}: attachments is not a list")
            return
        for i, attachment in enumerate(attachments):
            if not isinstance(attachment, dict):
                self.violations.append(f"{where}: attachments[{i}] is not an object")
            elif attachment.get("contentType") == ADAPTIVE_CARD:
                for problem in card_problems(attachment.get("content")):
                    self.violations.append(f"{where}: attachments[{i}]: {problem}")


def _base(conversation_id: str) -> str:
    """A conversation id without the ";messageid=..." that names a thread in a channel."""
    return conversation_id.split(";", 1)[0]


def _error(status: int, code: str | None = None, message: str | None = None) -> tuple[int, dict]:
    default_code, default_message = ERROR_CODES.get(status, ("ServiceError", "Request failed."))
    return status, {"error": {"code": code or default_code, "message": message or default_message}}


def _blocked() -> tuple[int, dict]:
    return _error(403, "ConversationBlockedByUser", "User blocked the conversation with the bot.")


def _not_found_activity() -> tuple[int, dict]:
    return _error(404, "ActivityNotFoundInConversation", "The activity was not found.")


def _collect_texts(node: Any, parts: list[str]) -> None:
    """Append the visible texts of TextBlocks, RichTextBlocks and FactSets found under `node`."""
    if isinstance(node, list):
        for item in node:
            _collect_texts(item, parts)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind == "TextBlock" and isinstance(node.get("text"), str):
        parts.append(node["text"])
    elif kind == "RichTextBlock":
        for inline in node.get("inlines") or []:
            text = inline.get("text") if isinstance(inline, dict) else inline
            if isinstance(text, str):
                parts.append(text)
    elif kind == "FactSet":
        for fact in node.get("facts") or []:
            if isinstance(fact, dict):
                parts.extend(str(fact.get(k, "")) for k in ("title", "value"))
    for key in ("body", "items", "columns", "rows", "cells", "actions", "card"):
        if key in node:
            _collect_texts(node[key], parts)
