"""The Slack Web API client we use everywhere, and how its errors map to delivery errors."""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.retry_after import retry_after_seconds
from bot.domain.ports import DeliveryError

# Errors that no retry can fix for this person: https://api.slack.com/methods/chat.postMessage
PERMANENT = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "channel_not_found",
        "account_inactive",
        "user_disabled",
        "cannot_dm_bot",
        "is_archived",
        "not_in_channel",
        "user_is_restricted",
        "user_is_ultra_restricted",
    }
)


def make_client(
    token: str, base_url: str, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """A client that waits out 429s (Retry-After) and retries dropped connections itself."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        session=session,
        timeout=10,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


def delivery_error(exc: Exception) -> DeliveryError:
    """What a failed Web API call means for the outbox: retry later, or give up on the person."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        error = str(response.get("error") or "") if response is not None else ""
        status = getattr(response, "status_code", 0)
        if status == 429:
            retry_after = retry_after_seconds(response.headers)
            return DeliveryError("Slack rate limit (429)", retry_after=retry_after)
        return DeliveryError(f"Slack said {error or status}", permanent=error in PERMANENT)
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | OSError):
        return DeliveryError(f"Slack unreachable: {exc.__class__.__name__}")
    return DeliveryError(f"{exc.__class__.__name__}: {exc}")
