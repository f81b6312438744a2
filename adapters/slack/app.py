"""Slack wiring: a Bolt AsyncApp whose listeners turn requests into engine events and answer.

Requests are processed before the HTTP response (`process_before_response`), so a slash
command's answer and a modal's field errors travel in the acknowledgement itself. Calls that
may be slow (posting replies, updating messages, uploading files) run as background tasks
after the acknowledgement, because Slack resends anything not answered within 3 seconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Awaitable
from dataclasses import replace

from slack_bolt.async_app import AsyncApp

from adapters import turns
from adapters.slack import inbound, render
from adapters.slack.charts import has_pictures
from adapters.slack.directory import Directory
from adapters.slack.sender import SlackSender, respond_pages
from bot.domain import prompts
from bot.domain.events import CommandIssued
from bot.domain.ids import parse_handle
from bot.domain.messages import FormErrors, Message, NotYours
from bot.engine import Engine

log = logging.getLogger(__name__)

ANY = re.compile(r".+")
METADATA_LIMIT = 3000


class SlackBot:
    """The Bolt app for one workspace, driving `engine`.

    Args:
        engine: the mentoring engine.
        sender: the engine's Slack sender (and its Web API client), shared so that DM
            channels are opened once.
    """

    def __init__(self, engine: Engine, sender: SlackSender) -> None:
        self.engine = engine
        self.sender = sender
        self.client = client = sender.client
        self.directory = Directory(client)
        self._tasks: set[asyncio.Task] = set()
        # Signatures are checked by our HTTP handler (adapters/slack/http.py) before Bolt sees
        # a request; Socket Mode requests arrive over the authenticated socket instead.
        self.app = AsyncApp(
            client=client,
            signing_secret="",
            process_before_response=True,
            request_verification_enabled=False,
            name="mentorbot",
        )
        self.app.command(ANY)(self._command)
        self.app.event("message")(self._message)
        self.app.event("app_home_opened")(self._home_opened)
        self.app.action(ANY)(self._action)
        self.app.view(ANY)(self._view)

    # --- slash command ------------------------------------------------------------------------
    async def _command(self, ack, command: dict) -> None:
        try:
            user_id, team_id = inbound.user_and_team(command)
            actor = await self.directory.actor(user_id, team_id, command.get("user_name", ""))
            refs = inbound.mentions(command.get("text", ""))
            people = [(r, await self.directory.actor(r.user_id, team_id, r.name)) for r in refs]
            event = inbound.command_event(command, actor, people)
        except Exception:
            log.exception("slash command failed")
            await ack(text=turns.apology().text)
            return
        message = (await turns.take(self.engine, event)).message
        if message is None:  # the same command delivered twice
            await ack()
            return
        if message.file:
            await ack(text=render.fallback_text(Message(prompts.text("commands.export_sending"))))
            self._later(self.sender.direct(user_id, message), "export upload")
            return
        if has_pictures(message):  # answered after the acknowledgement, page by page
            await ack()
            respond = self.sender.responder(command.get("response_url", ""))
            self._later(respond_pages(respond, message), "status with charts")
            return
        await ack(
            text=render.fallback_text(message),
            blocks=render.message_blocks(message),
            response_type="ephemeral",
        )

    # --- direct messages and App Home -------------------------------------------------------------
    async def _message(self, body: dict, event: dict) -> None:
        if not inbound.is_direct_message(event):
            return  # our own posts, edits, joins and other subtypes: nothing to answer
        try:
            team_id = body.get("team_id", "")
            actor = await self.directory.actor(event["user"], team_id)
            refs = inbound.mentions(event["text"])
            people = [(r, await self.directory.actor(r.user_id, team_id, r.name)) for r in refs]
            message = (
                await turns.take(self.engine, inbound.message_event(body, actor, people))
            ).message
        except Exception:
            log.exception("direct message failed event=%s", body.get("event_id"))
            message = turns.apology()
        if message is None:
            return  # a retry of an event we already answered
        thread = event.get("thread_ts")
        self._later(self.sender.post(event["channel"], message, thread), "DM reply")

    async def _home_opened(self, body: dict, event: dict) -> None:
        if event.get("tab") != "home" or not isinstance(event.get("user"), str):
            return
        event_id = str(body.get("event_id") or "")
        self._later(self.publish_home(event["user"], body.get("team_id", ""), event_id), "home")

    async def publish_home(self, user_id: str, team_id: str, event_id: str = "") -> None:
        """Show the person's pairs, next session and pending reflection on the Home tab."""
        actor = await self.directory.actor(user_id, team_id)
        event_id = f"home:{event_id or uuid.uuid4().hex}"
        reply = await self.engine.handle(CommandIssued("slack", event_id, actor, name="me"))
        if isinstance(reply, Message):
            title = prompts.text("home.title")
            await self.client.views_publish(user_id=user_id, view=render.home_view(title, reply))

    # --- buttons and modals ---------------------------------------------------------------------
    async def _action(self, ack, body: dict, respond) -> None:
        await ack()
        click = inbound.click(body)
        if click.action.startswith("link."):
            return  # a link button (add to calendar): the browser opened it, nothing to do
        actor = None
        try:
            actor = await self.directory.actor(click.user_id, click.team_id)
            turn = await turns.take(self.engine, inbound.clicked(click, actor))
        except Exception:
            log.exception("button failed action=%s", click.action)
            turn = turns.Turn(turns.apology(), failed=True)
        if isinstance(turn.reply, NotYours):  # said to the one who clicked; the message stays
            owner = parse_handle(turn.reply.owner)[1]
            await respond(
                text=prompts.text("general.not_your_buttons", person=f"<@{owner}>"),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        message = turn.message
        if message is None:
            return
        if message.form:
            await self._open_form(click, message)
            return
        self._later(self._show_after_click(click, actor, message, respond), "update after click")

    async def _open_form(self, click: inbound.Click, message: Message) -> None:
        """Open the form as a modal; it remembers where the click came from, so the original
        message can be updated once the form is submitted."""
        context: dict = {"v": message.form.value, "h": click.container.get("type") == "view"}
        if click.message and not click.container.get("is_ephemeral"):
            rest = [
                b for b in click.message.get("blocks", []) if b.get("block_id") != click.block_id
            ]
            context.update(c=click.container.get("channel_id"), t=click.container.get("message_ts"))
            with_blocks = json.dumps({**context, "m": rest}, separators=(",", ":"))
            if len(with_blocks) <= METADATA_LIMIT:
                context["m"] = rest
        metadata = json.dumps(context, separators=(",", ":"))
        view = render.modal(message.form, message.text, metadata)
        try:
            await self.client.views_open(trigger_id=click.trigger_id, view=view)
        except Exception:
            log.exception("views.open failed form=%s", message.form.id)

    async def _show_after_click(
        self, click: inbound.Click, actor, message: Message, respond
    ) -> None:
        container = click.container
        ids = container.get("channel_id") and container.get("message_ts")
        if message.file is not None and ids and not container.get("is_ephemeral"):
            # An answer with a file (a booking's calendar invite, from a time tapped in a
            # nudge) is a message of its own, as after a form: chat.update cannot attach one.
            # The clicked row goes from the message; the rest of what it asks stays.
            await self.sender.direct(click.user_id, message)
            rest = [
                b
                for b in (click.message or {}).get("blocks", [])
                if b.get("block_id") != click.block_id
            ]
            await self.client.chat_update(
                channel=container["channel_id"],
                ts=container["message_ts"],
                text=_text_of(rest),
                blocks=rest,
            )
            return
        if message.redraw and actor is not None and ids:
            # Drawn again whole: what else the message asked comes back under the answer.
            sent_as = f"{container['channel_id']}:{container['message_ts']}"
            message = await self.engine.with_the_rest(actor, sent_as, message)
        if container.get("type") == "view":  # a button on the Home tab
            await self.publish_home(click.user_id, click.team_id)
            await self.sender.direct(click.user_id, message)
            return
        tag = hashlib.sha1(click.event_id.encode()).hexdigest()[:8]  # unique new block ids
        blocks = render.after_click(
            (click.message or {}).get("blocks", []), click.block_id, message, tag
        )
        if container.get("is_ephemeral"):
            await respond(text=render.fallback_text(message), blocks=blocks, replace_original=True)
            return
        await self.client.chat_update(
            channel=container.get("channel_id"),
            ts=container.get("message_ts"),
            text=render.fallback_text(message),
            blocks=blocks,
        )

    async def _view(self, ack, body: dict) -> None:
        try:
            user_id, team_id = inbound.user_and_team(body)
            actor = await self.directory.actor(user_id, team_id)
            event, context = inbound.submission(body, actor)
            turn = await turns.take(self.engine, event)
        except Exception:
            log.exception("form submission failed")
            turn = turns.Turn(turns.apology(), failed=True)
        reply = turn.reply
        if turn.failed:  # said on the form, which stays open to be sent again
            await ack(response_action="errors", errors=_on_first_input(body, reply.text))
            return
        if isinstance(reply, FormErrors):
            fields = [
                b.get("block_id")
                for b in body["view"].get("blocks", [])
                if b.get("type") == "input"
            ]
            await ack(response_action="errors", errors=render.errors(reply, fields))
            return
        await ack()
        if reply is not None:
            self._later(self._show_after_submit(user_id, team_id, context, reply), "after form")

    async def _show_after_submit(
        self, user_id: str, team_id: str, context: dict, reply: Message
    ) -> None:
        where = context.get("c") and context.get("t")
        kept = isinstance(context.get("m"), list)  # the message's blocks, when they fitted
        known = where and kept
        if reply.file is not None:
            # An answer with a file (the booker's calendar invite) is a message of its own:
            # chat.update cannot attach one. The message the form came from loses the row
            # of buttons that opened it, and keeps the rest (a card's other questions).
            await self.sender.direct(user_id, reply)
            if known and context["m"]:
                await self.client.chat_update(
                    channel=context["c"],
                    ts=context["t"],
                    text=_text_of(context["m"]),
                    blocks=context["m"],
                )
        elif known:
            # The form was a modal, not part of the message: its answer goes under what the
            # message still shows, whatever it would redraw in a card.
            shown = replace(reply, redraw=False)
            await self.client.chat_update(
                channel=context["c"],
                ts=context["t"],
                text=render.fallback_text(shown),
                blocks=render.after_click(context["m"], "", shown, "s"),
            )
        elif where:
            # A message too big to keep in the modal's metadata (a post-session card): the
            # answer takes its place, followed by what it still asks, worded now.
            actor = await self.directory.actor(user_id, team_id)
            sent_as = f"{context['c']}:{context['t']}"
            rest = await self.engine.with_the_rest(actor, sent_as, replace(reply, redraw=False))
            whole = replace(rest, redraw=True)
            await self.client.chat_update(
                channel=context["c"],
                ts=context["t"],
                text=render.fallback_text(whole),
                blocks=render.after_click([], "", whole, "s"),
            )
        else:
            await self.sender.direct(user_id, reply)
        if context.get("h"):
            await self.publish_home(user_id, team_id)

    # --- background work ------------------------------------------------------------------------
    def _later(self, work: Awaitable[None], what: str) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("slack %s failed", what)

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for replies still being sent (at shutdown)."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)


def _text_of(blocks: list) -> str:
    """A notification text for blocks kept from a message (its first section's text)."""
    for block in blocks:
        text = block.get("text") if isinstance(block, dict) else None
        if isinstance(text, dict) and isinstance(text.get("text"), str):
            return text["text"][:3000]
    return " "


def _on_first_input(body: dict, text: str) -> dict[str, str]:
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    inputs = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
    return {inputs[0]: text} if inputs else {}
