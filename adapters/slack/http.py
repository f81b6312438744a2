"""POST /slack/events: verify Slack's signature, reject malformed bodies, then hand to Bolt."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.app import SlackBot
from adapters.slack.inbound import BadPayload, parse

log = logging.getLogger(__name__)


def events_handler(bot: SlackBot, signing_secret: str):
    """The aiohttp handler for events, slash commands and interactivity (one URL for all).

    A bad signature or a timestamp more than 5 minutes away is a 401
    (https://api.slack.com/authentication/verifying-requests-from-slack); a body that is not
    what Slack sends is a 400; neither reaches the engine.
    """
    verifier = SignatureVerifier(signing_secret)

    async def handle(request: web.Request) -> web.Response:
        try:
            body = (await request.read()).decode("utf-8")
        except UnicodeDecodeError:
            return web.json_response({"error": "malformed request: not UTF-8"}, status=400)
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        # The SDK's verifier raises on a timestamp that is not a number; that is a 401 too.
        if not (signing_secret and timestamp.isdigit() and signature) or not verifier.is_valid(
            body, timestamp, signature
        ):
            return web.json_response({"error": "invalid signature or stale timestamp"}, status=401)
        try:
            parse(body)
        except BadPayload as exc:
            log.warning("malformed Slack request: %s", exc)
            return web.json_response({"error": f"malformed request: {exc}"}, status=400)
        response = await bot.app.async_dispatch(
            AsyncBoltRequest(body=body, query=request.query_string, headers=dict(request.headers))
        )
        return await to_aiohttp_response(response)

    return handle
