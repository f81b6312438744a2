"""Sending to Slack: a DM (or a group DM for a pair) with Block Kit, and files.

Slack allows about one message per second in a channel, and a few hundred a minute per
workspace: proactive sends are paced below both (MENTORBOT_SLACK_RATE sets the workspace
rate). A 429 is waited out by the client (Retry-After); what still fails goes back to the
outbox, which retries it later.
"""

from __future__ import annotations

import json
import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.pacing import Pacer
from adapters.slack.charts import Page
from adapters.slack.client import delivery_error
from adapters.slack.render import (
    fallback_text,
    message_blocks,
    message_pages,
    with_calendar_links,
)
from bot.domain.ids import parse_handle
from bot.domain.messages import Message
from bot.domain.model import Participant
from bot.domain.ports import SENT_AS, NotSent

log = logging.getLogger(__name__)

PER_CHANNEL = 1.0  # messages per second in one conversation
# A slash command may be answered through its response_url up to 5 times in 30 minutes
# (https://api.slack.com/interactivity/slash-commands, "Sending delayed responses").
RESPONSES = 5


class SlackSender:
    """The engine's Sender for Slack; remembers each conversation it opened."""

    def __init__(self, client: AsyncWebClient, workspace_rate: float = 10.0) -> None:
        self.client = client
        self._channels: dict[tuple[str, ...], str] = {}
        self._channel_pace = Pacer(PER_CHANNEL)
        self._workspace_pace = Pacer(workspace_rate)

    async def send(self, recipient: Participant, message: Message) -> dict | None:
        """Post `message` to the recipient's DM, or to one group DM with its audience.

        Returns the DM's channel id as an address to keep, when it had to be looked up. A
        message that `replaces` one of ours is drawn in its place (chat.update)."""
        if message.replaces:
            return await self._redraw(recipient, message)
        users = [recipient.user_id]
        for handle in message.audience:
            platform, user_id = parse_handle(handle)
            if platform == "slack" and user_id not in users:
                users.append(user_id)
        known = (recipient.address or {}).get("channel") if len(users) == 1 else None
        try:
            channel = known or await self.conversation(users)
            await self._workspace_pace.wait(recipient.workspace)
            await self._channel_pace.wait(channel)
            ts = await self.post(channel, message)
        except NotSent:
            raise  # stopping: nothing went out
        except Exception as exc:
            raise delivery_error(exc) from exc
        learned = {"channel": channel} if len(users) == 1 and not known else {}
        if ts:  # the message's id, so that a click on it later can find what else it asked
            learned[SENT_AS] = f"{channel}:{ts}"
        return learned or None

    async def _redraw(self, recipient: Participant, message: Message) -> dict:
        channel, _, ts = message.replaces.partition(":")
        try:
            await self._workspace_pace.wait(recipient.workspace)
            await self._channel_pace.wait(channel)
            await self.client.chat_update(
                channel=channel,
                ts=ts,
                text=fallback_text(message),
                blocks=message_blocks(message),
            )
        except NotSent:
            raise
        except Exception as exc:
            raise delivery_error(exc) from exc
        return {SENT_AS: message.replaces}

    def stop(self) -> None:
        """Post nothing more that is still waiting for its turn (see Sender)."""
        self._workspace_pace.stop()
        self._channel_pace.stop()

    async def conversation(self, users: list[str]) -> str:
        """The id of the DM with one user, or the group DM with several (opened once)."""
        key = tuple(sorted(users))
        if key not in self._channels:
            response = await self.client.conversations_open(users=",".join(users))
            self._channels[key] = response["channel"]["id"]
        return self._channels[key]

    async def post(
        self, channel: str, message: Message, thread_ts: str | None = None
    ) -> str | None:
        """Post the message (and upload its file, if any) to a conversation; returns the
        first message's ts (None for a file upload)."""
        if message.file:
            # One message with the file: blocks (text and buttons, such as an invite's
            # calendar links) when there are buttons, else the text as its comment.
            shown = with_calendar_links(message)
            extra = (
                {"blocks": json.dumps(message_blocks(shown))}
                if shown.buttons or shown.asks
                else {"initial_comment": fallback_text(message)}
            )
            await self.client.files_upload_v2(
                channel=channel,
                content=message.file.content,
                filename=message.file.name,
                title=message.file.name,
                **extra,
            )
            return None
        first, *more = message_pages(message)
        # Once Slack refuses a chart, the rest goes in words too.
        in_words, ts = await self._post_page(channel, first, thread_ts, False)
        for page in more:
            try:  # what did not fit the first message: charts, a table, further programs
                await self._channel_pace.wait(channel, stoppable=False)  # it is under way
                in_words, _ = await self._post_page(channel, page, thread_ts, in_words)
            except Exception:
                # The client has already retried dropped connections and 429s; the first page
                # went out, and the outbox retrying the message would send that one twice.
                log.warning("a further part of a message failed channel=%s", channel, exc_info=True)
        return ts

    async def _post_page(
        self, channel: str, page: Page, thread_ts: str | None, in_words: bool
    ) -> tuple[bool, str | None]:
        """Post one page, in words when `in_words` or when Slack refuses its charts or
        tables (logged the first time); returns whether the page went in words, and its ts."""
        if in_words or page.plain == page.blocks:
            return in_words, await self._post_blocks(channel, page.text, page.plain, thread_ts)
        try:
            return False, await self._post_blocks(channel, page.text, page.blocks, thread_ts)
        except SlackApiError as exc:
            if not refused_blocks(exc.response.get("error")):
                raise
            log.warning("Slack refused a chart or table (%s); sent in words", _reasons(exc))
        return True, await self._post_blocks(channel, page.text, page.plain, thread_ts)

    async def _post_blocks(
        self, channel: str, text: str, blocks: list[dict], thread_ts: str | None
    ) -> str | None:
        response = await self.client.chat_postMessage(
            channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, unfurl_links=False
        )
        ts = response.get("ts")
        return ts if isinstance(ts, str) else None

    async def direct(self, user_id: str, message: Message) -> None:
        """A reply that is not tied to a message (after a modal): to the person's DM."""
        await self.post(await self.conversation([user_id]), message)

    def responder(self, response_url: str):
        """Posts to a slash command's response_url over the client's connection pool (Bolt's
        own `respond` opens a new connection for every post)."""
        return AsyncWebhookClient(url=response_url, session=self.client.session, timeout=10).send


async def respond_pages(respond, message: Message) -> None:
    """A slash command's answer through its response_url (`respond`: `responder`), only to the
    person who asked, one page after another, within the replies Slack takes. When Slack
    refuses a page's charts or tables (HTTP 400, "invalid_blocks"), the rest goes in words,
    logged once."""
    pages = message_pages(message, most=RESPONSES)
    for n, page in enumerate(pages):
        answer = await _reply(respond, page.text, page.blocks)
        if page.plain != page.blocks and _refused(answer) and refused_blocks(_body(answer)):
            log.warning("Slack refused a chart or table (invalid_blocks); sent in words")
            await _in_words(respond, message, pages[n:], RESPONSES - n - 1, whole=n == 0)
            return
        if _refused(answer):
            log.warning("a status page was not shown: %s", _body(answer))
            return


async def _in_words(respond, message: Message, pages: list[Page], left: int, whole: bool) -> None:
    """The refused page and those after it in words, in the `left` replies Slack still
    takes; the `whole` answer in one when none of it was shown yet."""
    rest = [(p.text, p.plain) for p in pages]
    if whole:
        rest = [(fallback_text(message), message_blocks(message))]
    if len(rest) > left:
        log.warning("%d parts of a status not shown: no replies left", len(rest) - left)
    for text, blocks in rest[:left]:
        answer = await _reply(respond, text, blocks)
        if _refused(answer):
            log.warning("a status page was not shown: %s", _body(answer))
            return


async def _reply(respond, text: str, blocks: list[dict]):
    return await respond(text=text, blocks=blocks, response_type="ephemeral")


def _refused(answer) -> bool:
    return getattr(answer, "status_code", 200) != 200


def _body(answer) -> str:
    return str(getattr(answer, "body", ""))


def refused_blocks(error: object) -> bool:
    """Whether Slack refused a message for its blocks (such as a chart it does not take)."""
    return "invalid_blocks" in str(error)


def _reasons(exc: SlackApiError) -> str:
    """What Slack said was wrong with the blocks, as short as it said it."""
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    said = data.get("errors") or (data.get("response_metadata") or {}).get("messages") or []
    return "; ".join(str(s) for s in said)[:500] or "invalid_blocks"
