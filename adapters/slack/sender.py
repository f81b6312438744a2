"""Sending to Slack: a DM (or a group DM for a pair) with Block Kit, and files."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.client import delivery_error
from adapters.slack.render import fallback_text, message_blocks
from bot.messages import Message
from bot.model import Participant, parse_handle

log = logging.getLogger(__name__)


class SlackSender:
    """The engine's Sender for Slack; remembers each conversation it opened."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._channels: dict[tuple[str, ...], str] = {}

    async def send(self, recipient: Participant, message: Message) -> None:
        """Post `message` to the recipient's DM, or to one group DM with its audience."""
        users = [recipient.user_id]
        for handle in message.audience:
            platform, user_id = parse_handle(handle)
            if platform == "slack" and user_id not in users:
                users.append(user_id)
        try:
            await self.post(await self.conversation(users), message)
        except Exception as exc:
            raise delivery_error(exc) from exc

    async def conversation(self, users: list[str]) -> str:
        """The id of the DM with one user, or the group DM with several (opened once)."""
        key = tuple(sorted(users))
        if key not in self._channels:
            response = await self.client.conversations_open(users=",".join(users))
            self._channels[key] = response["channel"]["id"]
        return self._channels[key]

    async def post(self, channel: str, message: Message, thread_ts: str | None = None) -> None:
        """Post the message (and upload its file, if any) to a conversation."""
        if message.file:
            await self.client.files_upload_v2(
                channel=channel,
                content=message.file.content,
                filename=message.file.name,
                title=message.file.name,
                initial_comment=fallback_text(message),
            )
            return
        await self.client.chat_postMessage(
            channel=channel,
            text=fallback_text(message),
            blocks=message_blocks(message),
            thread_ts=thread_ts,
            unfurl_links=False,
        )

    async def direct(self, user_id: str, message: Message) -> None:
        """A reply that is not tied to a message (after a modal): to the person's DM."""
        await self.post(await self.conversation([user_id]), message)
