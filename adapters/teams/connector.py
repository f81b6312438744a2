"""Calls to the Bot Connector: one ConnectorClient per serviceUrl (building one costs about
12 ms of CPU, see ARCHITECTURE.md), Teams' send limits, and retries of throttled calls.

Teams allows about 7 messages per second in one conversation and 30 per second per tenant;
we pace ourselves below that. 429, 412, 502 and 504 are retried here a few times with
exponential backoff and jitter (never sooner than Retry-After); what still fails becomes a
DeliveryError for the outbox to retry later. 403 means the person blocked or removed the bot:
a permanent failure that marks them unreachable.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.retry_after import retry_after_seconds
from bot.ports import DeliveryError

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRYABLE = frozenset({412, 429, 502, 504})
PERMANENT = frozenset({403, 404})  # 401 is our own credentials: not the person's fault
ATTEMPTS = 5
FIRST_BACKOFF = 0.5  # seconds; doubled per attempt, with full jitter
LONGEST_WAIT = 10.0  # a longer Retry-After goes back to the outbox instead of holding a send
PER_CONVERSATION = 7.0  # messages per second
PER_TENANT = 30.0


class Pacer:
    """Spaces calls so that no key goes faster than `rate` per second."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next: dict[str, float] = {}

    async def wait(self, key: str) -> None:
        now = time.monotonic()
        slot = max(now, self._next.get(key, 0.0))
        self._next[key] = slot + self.interval
        if len(self._next) > 10_000:  # forget keys whose slot has passed
            self._next = {k: v for k, v in self._next.items() if v > now}
        if slot > now:
            await asyncio.sleep(slot - now)


class Config:
    """The shape ConfigurationBotFrameworkAuthentication reads its settings from."""

    def __init__(self, app_id: str, password: str, tenant_id: str, app_type: str) -> None:
        self.APP_ID = app_id
        self.APP_PASSWORD = password
        self.APP_TENANTID = tenant_id
        self.APP_TYPE = app_type


def make_connector(settings) -> Connector:
    """The connector for the configured Azure Bot; with no app id, the local mode that the
    Agents Playground uses (no tokens either way)."""
    config = Config(
        settings.microsoft_app_id,
        settings.microsoft_app_password,
        settings.microsoft_app_tenant_id,
        settings.microsoft_app_type,
    )
    return Connector(ConfigurationBotFrameworkAuthentication(config), settings.microsoft_app_id)


class Connector:
    """The bot's way to the Bot Connector, shared by replies and proactive sends."""

    def __init__(self, auth: ConfigurationBotFrameworkAuthentication, app_id: str) -> None:
        self.auth = auth
        self.app_id = app_id
        claims = {
            AuthenticationConstants.AUDIENCE_CLAIM: app_id,
            AuthenticationConstants.APP_ID_CLAIM: app_id,
        }
        self._factory = auth.create_connector_factory(ClaimsIdentity(claims, True))
        self._clients: dict[str, ConnectorClient] = {}
        self._conversations: dict[tuple[str, str], str] = {}
        self._conversation_pace = Pacer(PER_CONVERSATION)
        self._tenant_pace = Pacer(PER_TENANT)

    async def client(self, service_url: str) -> ConnectorClient:
        """The client for this serviceUrl, made once."""
        client = self._clients.get(service_url)
        if client is None:
            client = await self._factory.create(service_url)
            # We retry ourselves, with jitter; msrest would otherwise turn a 5xx into a
            # connection error after its own retries.
            client.config.retry_policy.retries = 0
            client.config.retry_policy.policy.status_forcelist = []
            client.config.connection.timeout = 15
            self._clients[service_url] = client
        return client

    async def send(self, address: dict, activity: dict, reply_to: str = "") -> str:
        """Post an activity to the conversation in `address`; returns the new activity's id."""
        conversation = address["conversationId"]
        outgoing = self._activity(address, activity)
        client = await self.client(address["serviceUrl"])

        async def post() -> object:
            await self._pace(address)
            if reply_to:
                return await client.conversations.reply_to_activity(
                    conversation, reply_to, outgoing
                )
            return await client.conversations.send_to_conversation(conversation, outgoing)

        response = await self._call(post)
        return str(getattr(response, "id", "") or "")

    async def update(self, address: dict, activity_id: str, activity: dict) -> None:
        """Replace an activity we sent earlier (a card after its button was clicked)."""
        conversation = address["conversationId"]
        outgoing = self._activity(address, activity)
        outgoing.id = activity_id
        client = await self.client(address["serviceUrl"])

        async def put() -> object:
            await self._pace(address)
            return await client.conversations.update_activity(conversation, activity_id, outgoing)

        await self._call(put)

    async def open(self, address: dict, user_id: str) -> str:
        """The personal conversation with `user_id`, created through the connector (Teams
        answers with the existing one when the bot is installed for them)."""
        key = (address["serviceUrl"], user_id)
        if key not in self._conversations:
            client = await self.client(address["serviceUrl"])
            params = ConversationParameters(
                is_group=False,
                bot=ChannelAccount(id=address.get("botId") or ""),
                members=[ChannelAccount(id=user_id)],
                tenant_id=address.get("tenantId") or None,
                channel_data={"tenant": {"id": address.get("tenantId") or ""}},
            )

            async def create() -> object:
                return await client.conversations.create_conversation(params)

            response = await self._call(create)
            self._conversations[key] = str(response.id)
        return self._conversations[key]

    async def member_name(self, address: dict, user_id: str) -> str:
        """The person's display name as Teams has it, or "" when it cannot be had."""
        try:
            client = await self.client(address["serviceUrl"])
            member = await client.conversations.get_conversation_member(
                address["conversationId"], user_id
            )
        except Exception as exc:
            log.info("no member details for %s: %s", user_id, exc)
            return ""
        return str(getattr(member, "name", "") or "")

    def _activity(self, address: dict, activity: dict) -> Activity:
        outgoing = Activity().from_dict(activity) if isinstance(activity, dict) else activity
        outgoing.channel_id = address.get("channelId") or "msteams"
        outgoing.from_property = ChannelAccount(
            id=address.get("botId") or "", name=address.get("botName") or ""
        )
        return outgoing

    async def _pace(self, address: dict) -> None:
        await self._tenant_pace.wait(address.get("tenantId") or "")
        await self._conversation_pace.wait(address.get("conversationId") or "")

    async def _call(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run a connector call, retrying throttling and gateway errors; raise DeliveryError."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await call()
            except Exception as exc:
                error = delivery_error(exc)
                status = status_of(exc)
                wait = backoff(attempt, error.retry_after)
                if status not in RETRYABLE or attempt == ATTEMPTS or wait > LONGEST_WAIT:
                    raise error from exc
                log.info("Teams said %s; retrying in %.2f s", status, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # the loop always returns or raises

    async def close(self) -> None:
        for client in self._clients.values():
            try:
                await client.__aexit__(None, None, None)
            except Exception:  # closing at shutdown; nothing more to do
                log.debug("closing a connector client failed", exc_info=True)
        self._clients.clear()


def backoff(attempt: int, retry_after: float | None) -> float:
    """Exponential backoff with full jitter, never shorter than the Retry-After asked for."""
    wait = random.uniform(0, FIRST_BACKOFF * 2 ** (attempt - 1))
    return max(wait, retry_after or 0.0)


def status_of(exc: BaseException) -> int:
    response = getattr(exc, "response", None)
    return int(getattr(response, "status_code", 0) or 0)


def delivery_error(exc: BaseException) -> DeliveryError:
    """What a failed connector call means for the outbox."""
    if isinstance(exc, DeliveryError):
        return exc
    status = status_of(exc)
    if isinstance(exc, HttpOperationError) and status:
        retry_after = retry_after_seconds(getattr(exc.response, "headers", None))
        code = getattr(getattr(exc, "error", None), "error", None)
        detail = getattr(code, "code", None) or getattr(code, "message", None) or ""
        reason = f"Teams said {status}{f' {detail}' if detail else ''}"
        return DeliveryError(reason, retry_after=retry_after, permanent=status in PERMANENT)
    if isinstance(exc, ClientRequestError | asyncio.TimeoutError | OSError):
        return DeliveryError(f"Teams unreachable: {exc.__class__.__name__}")
    return DeliveryError(f"{exc.__class__.__name__}: {exc}")
