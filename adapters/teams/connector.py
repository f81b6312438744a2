"""Calls to the Bot Connector: one ConnectorClient per serviceUrl (building one costs about
12 ms of CPU, see ARCHITECTURE.md), Teams' send limits, and retries of throttled calls.

Sending and updating activities, the calls made thousands of times per tick, are plain JSON
requests on one aiohttp session, authorised with the client's credentials: msrest's model
serialisation costs about 2 ms of CPU per activity, more than everything else a send does.
The rarer calls (creating a conversation, reading a member) use the ConnectorClient, its MSAL
token fetched off the loop first (msrest would fetch it synchronously). At most 64 clients
(adapters/teams/clients.py) and CONVERSATIONS personal chats are kept in memory.

Teams allows about 7 messages per second in one conversation and 30 per second per tenant;
we pace ourselves below that. 429, 412, 502 and 504 are retried here a few times with
exponential backoff and jitter (never sooner than Retry-After); what still fails becomes a
DeliveryError for the outbox to retry later. 403 means the person blocked or removed the bot:
a permanent failure that marks them unreachable.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import quote

import aiohttp
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import ChannelAccount, ConversationParameters
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.pacing import Pacer
from adapters.retry_after import retry_after_seconds
from adapters.teams.clients import ClientPool
from bot.domain.ports import DeliveryError, NotSent

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRYABLE = frozenset({412, 429, 502, 504})
PERMANENT = frozenset({403, 404})  # 401 is our own credentials: not the person's fault
ATTEMPTS = 5
FIRST_BACKOFF = 0.5  # seconds; doubled per attempt, with full jitter
TIMEOUT = 15.0  # seconds for one request to the Bot Connector
LONGEST_WAIT = 10.0  # a longer Retry-After goes back to the outbox instead of holding a send
PER_CONVERSATION = 7.0  # messages per second
PER_TENANT = 30.0  # the default of MENTORBOT_TEAMS_RATE
CONVERSATIONS = 10_000  # personal chats remembered by (serviceUrl, user id)
RETIRE_AFTER = ATTEMPTS * (TIMEOUT + LONGEST_WAIT)  # an evicted client outlives calls in flight


class Config:
    """The shape ConfigurationBotFrameworkAuthentication reads its settings from."""

    def __init__(self, app_id: str, password: str, tenant_id: str, app_type: str) -> None:
        self.APP_ID = app_id
        self.APP_PASSWORD = password
        self.APP_TENANTID = tenant_id
        self.APP_TYPE = app_type


class ConnectorError(Exception):
    """The Bot Connector answered an activity request with an error status."""

    def __init__(self, status: int, headers, body: str) -> None:
        super().__init__(f"Bot Connector answered {status}")
        self.status = status
        self.headers = headers
        try:
            error = json.loads(body).get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        self.code = str(error.get("code") or "") if isinstance(error, dict) else ""


def make_connector(settings, session: aiohttp.ClientSession | None = None) -> Connector:
    """The connector for the configured Azure Bot; with no app id (local mode, used by the
    Agents Playground) its calls carry no token."""
    config = Config(
        settings.microsoft_app_id,
        settings.microsoft_app_password,
        settings.microsoft_app_tenant_id,
        settings.microsoft_app_type,
    )
    auth = ConfigurationBotFrameworkAuthentication(config)
    return Connector(auth, settings.microsoft_app_id, settings.teams_rate, session)


class Connector:
    """The bot's way to the Bot Connector, shared by replies and proactive sends."""

    def __init__(
        self,
        auth: ConfigurationBotFrameworkAuthentication,
        app_id: str,
        tenant_rate: float = PER_TENANT,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.auth = auth
        self.app_id = app_id
        claims = {
            AuthenticationConstants.AUDIENCE_CLAIM: app_id,
            AuthenticationConstants.APP_ID_CLAIM: app_id,
        }
        self._factory = auth.create_connector_factory(ClaimsIdentity(claims, True))
        self.clients = ClientPool(self._make_client, grace=RETIRE_AFTER)
        self._conversations: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._conversation_pace = Pacer(PER_CONVERSATION)
        self._tenant_pace = Pacer(tenant_rate)
        self._session = session
        self._own_session = session is None

    async def client(self, service_url: str) -> ConnectorClient:
        """The client for this serviceUrl, made once while it stays among the most recently
        used (see adapters/teams/clients.py)."""
        return await self.clients.get(service_url)

    async def _make_client(self, service_url: str) -> ConnectorClient:
        client = await self._factory.create(service_url)
        # We retry ourselves, with jitter; msrest would otherwise turn a 5xx into a
        # connection error after its own retries.
        client.config.retry_policy.retries = 0
        client.config.retry_policy.policy.status_forcelist = []
        client.config.connection.timeout = TIMEOUT
        return client

    async def _warm_token(self, client: ConnectorClient) -> str | None:
        """The bot's access token, fetched off the loop: MSAL caches it, but a refresh is a
        blocking HTTP call, which msrest would otherwise make on the loop."""
        credentials = client.config.credentials
        if self.app_id and getattr(credentials, "microsoft_app_id", ""):
            return await asyncio.to_thread(credentials.get_access_token)
        return None

    async def send(
        self, address: dict, activity: dict, reply_to: str = "", *, answering: bool = False
    ) -> str:
        """Post an activity to the conversation in `address`; returns the new activity's id.
        `answering`: the answer to what the person just did, which does not queue behind a
        delivery run's sends to the tenant (only the conversation's own pace applies)."""
        path = f"v3/conversations/{quote(address['conversationId'], safe='')}/activities"
        if reply_to:
            path += f"/{quote(reply_to, safe='')}"
        body = self._activity_json(address, activity)

        async def post() -> dict:
            await self._pace(address, tenant=not answering)
            return await self._request("POST", address["serviceUrl"], path, body)

        response = await self._call(post)
        return str(response.get("id") or "")

    async def update(self, address: dict, activity_id: str, activity: dict) -> None:
        """Replace an activity we sent earlier (a card after its button was clicked)."""
        conversation = quote(address["conversationId"], safe="")
        path = f"v3/conversations/{conversation}/activities/{quote(activity_id, safe='')}"
        body = {**self._activity_json(address, activity), "id": activity_id}

        async def put() -> dict:
            await self._pace(address, tenant=False)  # always an answer to a click
            return await self._request("PUT", address["serviceUrl"], path, body)

        await self._call(put)

    async def _request(self, method: str, service_url: str, path: str, body: dict) -> dict:
        """One JSON request to the Bot Connector, with the bot's token when it has an app id."""
        client = await self.client(service_url)
        headers = {"Content-Type": "application/json"}
        token = await self._warm_token(client)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if self._session is None:
            self._session = aiohttp.ClientSession()
        url = f"{service_url.rstrip('/')}/{path}"
        data = json.dumps(body, ensure_ascii=False).encode()  # UTF-8: a third of \u escapes
        timeout = aiohttp.ClientTimeout(total=TIMEOUT)
        async with self._session.request(
            method, url, data=data, headers=headers, timeout=timeout
        ) as response:
            text = await response.text()
            if response.status >= 400:
                raise ConnectorError(response.status, response.headers, text)
        try:
            answer = json.loads(text) if text else {}
        except ValueError:
            answer = {}
        return answer if isinstance(answer, dict) else {}

    async def open(self, address: dict, user_id: str) -> str:
        """The personal conversation with `user_id`, created through the connector (Teams
        answers with the existing one when the bot is installed for them)."""
        key = (address["serviceUrl"], user_id)
        known = self._conversations.get(key)
        if known is not None:
            self._conversations.move_to_end(key)
            return known
        client = await self.client(address["serviceUrl"])
        params = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=address.get("botId") or ""),
            members=[ChannelAccount(id=user_id)],
            tenant_id=address.get("tenantId") or None,
            channel_data={"tenant": {"id": address.get("tenantId") or ""}},
        )

        async def create() -> object:
            await self._warm_token(client)
            return await client.conversations.create_conversation(params)

        response = await self._call(create)
        self._conversations[key] = found = str(response.id)
        while len(self._conversations) > CONVERSATIONS:
            self._conversations.popitem(last=False)
        return found

    async def member_name(self, address: dict, user_id: str) -> str:
        """The person's display name as Teams has it, or "" when it cannot be had."""
        return (await self.member(address, user_id)).get("name", "")

    async def member(self, address: dict, user_id: str) -> dict[str, str]:
        """The person's name and e-mail (or else user principal name) as Teams has them;
        an empty dict when they cannot be had."""
        try:
            client = await self.client(address["serviceUrl"])
            await self._warm_token(client)
            member = await client.conversations.get_conversation_member(
                address["conversationId"], user_id
            )
        except Exception as exc:
            log.info("no member details for %s: %s", user_id, exc)
            return {}
        # A ChannelAccount: what Teams adds (email, userPrincipalName) is in its extras.
        extra = getattr(member, "additional_properties", None) or {}
        email = extra.get("email") or extra.get("userPrincipalName") or ""
        return {"name": str(getattr(member, "name", "") or ""), "email": str(email)}

    def _activity_json(self, address: dict, activity: dict) -> dict:
        return {
            **activity,
            "channelId": address.get("channelId") or "msteams",
            "from": {"id": address.get("botId") or "", "name": address.get("botName") or ""},
        }

    async def _pace(self, address: dict, tenant: bool = True) -> None:
        """A proactive send waits for the tenant's and the conversation's turn (and goes no
        further once stopping); an answer only for its conversation's, stopping or not."""
        if tenant:
            await self._tenant_pace.wait(address.get("tenantId") or "")
        conversation = address.get("conversationId") or ""
        await self._conversation_pace.wait(conversation, stoppable=tenant)

    async def _call(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run a connector call, retrying throttling and gateway errors; raise DeliveryError."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await call()
            except NotSent:
                raise  # stopping: nothing went out
            except Exception as exc:
                error = delivery_error(exc)
                status = status_of(exc)
                wait = backoff(attempt, error.retry_after)
                if status not in RETRYABLE or attempt == ATTEMPTS or wait > LONGEST_WAIT:
                    raise error from exc
                if self._tenant_pace.stopped and status == 429:
                    raise NotSent("stopping") from exc  # throttled: nothing landed, no wait now
                log.info("Teams said %s; retrying in %.2f s", status, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # the loop always returns or raises

    def stop(self) -> None:
        """Post nothing more that is still waiting for its turn (see bot.domain.ports.Sender)."""
        self._tenant_pace.stop()
        self._conversation_pace.stop()

    async def close(self) -> None:
        await self.clients.close()
        if self._own_session and self._session is not None:
            await self._session.close()


def backoff(attempt: int, retry_after: float | None) -> float:
    """Exponential backoff with full jitter, never shorter than the Retry-After asked for."""
    wait = random.uniform(0, FIRST_BACKOFF * 2 ** (attempt - 1))
    return max(wait, retry_after or 0.0)


def status_of(exc: BaseException) -> int:
    if isinstance(exc, ConnectorError):
        return exc.status
    response = getattr(exc, "response", None)
    return int(getattr(response, "status_code", 0) or 0)


def delivery_error(exc: BaseException) -> DeliveryError:
    """What a failed connector call means for the outbox."""
    if isinstance(exc, DeliveryError):
        return exc
    status = status_of(exc)
    if isinstance(exc, ConnectorError):
        reason = f"Teams said {status}{f' {exc.code}' if exc.code else ''}"
        retry_after = retry_after_seconds(exc.headers)
        return DeliveryError(reason, retry_after=retry_after, permanent=status in PERMANENT)
    if isinstance(exc, HttpOperationError) and status:
        retry_after = retry_after_seconds(getattr(exc.response, "headers", None))
        code = getattr(getattr(exc, "error", None), "error", None)
        detail = getattr(code, "code", None) or getattr(code, "message", None) or ""
        reason = f"Teams said {status}{f' {detail}' if detail else ''}"
        return DeliveryError(reason, retry_after=retry_after, permanent=status in PERMANENT)
    if isinstance(exc, ClientRequestError | aiohttp.ClientError | asyncio.TimeoutError | OSError):
        return DeliveryError(f"Teams unreachable: {exc.__class__.__name__}")
    return DeliveryError(f"{exc.__class__.__name__}: {exc}")
