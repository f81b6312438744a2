"""Teams wiring: POST /api/messages (activities from the Bot Connector) and the export
download links, in the `mentorbot serve` aiohttp app.

Every activity passes the Gate first (adapters/teams/gate.py: the Bot Framework token, or
local mode; the tenants served), and only JSON bodies are read (415 otherwise). We handle the
turn ourselves rather than through CloudAdapter.process_activity: that builds a new
ConnectorClient for every activity (about 12 ms of CPU), while our Connector keeps one per
serviceUrl. Replies go out before the HTTP answer; an Action.Execute invoke is answered with
the updated card in the response body; an Action.Submit click updates the card it came from
(PUT activities/{id}).

An export link works once: its nonce is the event id of the download, so the engine's event
dedupe refuses a second download on any replica (410).
"""

from __future__ import annotations

import logging

from aiohttp import web

from adapters import turns
from adapters.teams import inbound, invites, render
from adapters.teams.auth import NotAdmitted
from adapters.teams.connector import Connector
from adapters.teams.exports import INVITES, PATH, USED, ExportLinks, LinkError
from adapters.teams.gate import Gate
from adapters.teams.members import Members
from bot.domain import prompts
from bot.domain.events import Actor, CommandIssued, Event, MessageReceived
from bot.domain.messages import Button, FormErrors, Message
from bot.domain.ports import DeliveryError
from bot.engine import Engine

log = logging.getLogger(__name__)

INVOKE_CARD = "adaptiveCard/action"


class TeamsBot:
    """Turns Teams activities into engine events and answers them.

    Args:
        engine: the mentoring engine.
        connector: the Bot Connector client shared with the engine's Teams sender.
        links: makes and checks export download links.
        invites: checks the download links of calendar invites (the sender makes them).
        gate: admits activities (token or local mode, tenants).
    """

    def __init__(
        self,
        engine: Engine,
        connector: Connector,
        links: ExportLinks,
        gate: Gate,
        invites: ExportLinks,
    ) -> None:
        self.engine = engine
        self.connector = connector
        self.links = links
        self.gate = gate
        self.invites = invites
        self.members = Members(connector)

    def mount(self, app: web.Application) -> None:
        app.router.add_post("/api/messages", self.messages)
        # No HEAD: a link checker's HEAD would use up the one download a link allows.
        app.router.add_get(PATH + "{token}", self.download, allow_head=False)
        app.router.add_get(INVITES + "{token}", self.invite)

    async def invite(self, request: web.Request) -> web.Response:
        return await invites.download(self.engine, self.invites, request)

    # --- POST /api/messages ---------------------------------------------------------------------
    async def messages(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":  # a web page's form or text/plain POST
            return web.json_response(
                {"error": "activities must be sent as application/json"}, status=415
            )
        try:
            activity = inbound.parse(await request.read())
        except inbound.BadActivity as exc:
            return web.json_response({"error": str(exc)}, status=400)
        try:
            self.gate.check_request(request.host, request.headers.get("Origin"))
            self.gate.check(request.headers.get("Authorization", ""), activity)
        except NotAdmitted as refused:
            log.warning("Teams request refused (%s): %s", refused.status, refused.reason)
            headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else None
            return web.json_response(
                {"error": refused.message}, status=refused.status, headers=headers
            )
        if not inbound.personal(activity):
            return web.Response(status=200)  # channels and group chats are not ours (yet)
        kind = activity["type"]
        if kind == "invoke":
            return await self._invoke(activity)
        try:
            if kind == "message":
                await self._message(activity)
            elif kind in ("conversationUpdate", "installationUpdate"):
                await self._joined(activity)
        except DeliveryError as exc:  # the turn is saved; only the answer could not be sent
            log.warning("Teams answer not delivered: %s", exc.reason)
        return web.Response(status=200)

    async def _message(self, activity: dict) -> None:
        who = await self.members.with_email(inbound.actor(activity))
        log.info("Teams message from %s", who.handle)
        submit = inbound.submission(activity)
        if submit is not None:
            await self._clicked(activity, who, submit)
            return
        event = inbound.message_event(activity, who)
        message = (await turns.take(self.engine, event)).message
        if message is None:
            return  # Teams delivered this message before: it was answered then
        if message.file is not None:
            message = self._download_message(who.user_id, event)
        address = inbound.address(activity)
        reply_to = activity.get("id") or ""
        await self.connector.send(address, render.activity(message), reply_to, answering=True)

    async def _clicked(self, activity: dict, who: Actor, submit: inbound.Submit) -> None:
        """Action.Submit: answer by redrawing the card that was clicked, so it cannot be
        submitted again; when Teams did not say which card, the answer comes as a message."""
        card_id = activity.get("replyToId") or ""
        reply = await self._handle(inbound.submit_event(activity, who, submit))
        # The card is drawn again whole: what else it asked comes back under the answer.
        reply = self._with_links(await self.engine.with_the_rest(who, card_id, reply), who)
        if reply is None:
            return
        card = render.after_click(submit.previous, reply, submit.values)
        outgoing = {"type": "message", "attachments": [render.attachment(card)]}
        address = inbound.address(activity)
        if card_id:
            try:
                await self.connector.update(address, card_id, outgoing)
                return
            except Exception as exc:  # the card is gone or cannot be edited: say it anew
                log.info("card update failed (%s); sending the answer instead", exc)
        await self.connector.send(address, outgoing, answering=True)

    async def _invoke(self, activity: dict) -> web.Response:
        """Action.Execute: the updated card goes back in the invoke response."""
        submit = inbound.submission(activity) if activity.get("name") == INVOKE_CARD else None
        if submit is None:
            return web.Response(status=200)  # invokes we do not offer (search, tabs, ...)
        who = await self.members.with_email(inbound.actor(activity))
        turn = await self._handle(inbound.submit_event(activity, who, submit))
        card_id = activity.get("replyToId") or ""
        reply = self._with_links(await self.engine.with_the_rest(who, card_id, turn), who)
        answer = Message("") if reply is None else reply
        card = render.after_click(submit.previous, answer, submit.values)
        return web.json_response({"statusCode": 200, "type": render.CARD, "value": card})

    async def _joined(self, activity: dict) -> None:
        """The bot was added: keep the conversation reference, and welcome the person once."""
        if not inbound.is_join(activity):
            return
        name = ""
        if not activity["from"].get("name"):
            name = await self.connector.member_name(
                inbound.address(activity), activity["from"]["id"]
            )
        who = await self.members.with_email(inbound.actor(activity, name))
        event = inbound.joined(activity, who)
        reply = await self._handle(event, quiet=True)
        if isinstance(reply, Message) and activity["type"] == "conversationUpdate":
            await self.connector.send(
                inbound.address(activity), render.activity(reply), answering=True
            )

    def _with_links(self, reply, who: Actor):
        """A calendar invite in an answer (booking, the post-session card) as links: a bot
        cannot drop a file into a personal chat."""
        if isinstance(reply, Message) and reply.file is not None and reply.invite is not None:
            return invites.with_download(reply, self.invites, who.user_id)
        return reply

    async def _handle(self, event: Event, quiet: bool = False) -> Message | FormErrors | None:
        return (await turns.take(self.engine, event, quiet=quiet)).reply

    # --- exports --------------------------------------------------------------------------------
    def _download_message(self, user_id: str, event: MessageReceived) -> Message:
        words = event.text.split(None, 1)
        url = self.links.url(user_id, words[1] if len(words) > 1 else "")
        minutes = self.links.ttl // 60
        return Message(
            prompts.text("commands.export_link", minutes=minutes),
            buttons=(
                Button(prompts.text("buttons.download"), "export.download", url=url, primary=True),
            ),
        )

    async def download(self, request: web.Request) -> web.Response:
        """GET /teams/exports/{token}: the CSV, produced now for the person the link names."""
        try:
            link = self.links.check(request.match_info["token"])
        except LinkError as exc:
            return web.Response(status=403, text=str(exc))
        # The nonce as event id: a second download of this link is a duplicate event.
        event = CommandIssued(
            inbound.PLATFORM,
            f"download:{link.nonce}",
            Actor("teams", link.user_id),
            "export",
            link.args,
        )
        reply = await self._handle(event)
        if reply is None:
            return web.Response(status=410, text=USED, headers={"Cache-Control": "no-store"})
        if not isinstance(reply, Message) or reply.file is None:
            text = reply.text if reply is not None else prompts.text("general.trouble")
            return web.Response(status=403, text=text)
        return web.Response(
            body=reply.file.content.encode("utf-8"),
            content_type=reply.file.mime,
            charset="utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{reply.file.name}"',
                "Cache-Control": "no-store",
            },
        )
