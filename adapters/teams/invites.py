"""Calendar invites on Teams: a bot cannot simply drop a file into a personal chat, so an
invite's .ics comes as a signed download link (like export links, but good until the
session is over and usable again), next to a Teams "new meeting" deep link that fills in
the subject, attendees, start and end, so the pair can add a video call in one click."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from aiohttp import web

from adapters.teams.exports import INVITES, ExportLinks, LinkError
from bot.calendar.ics import REQUEST, teams_meeting_link
from bot.domain import prompts
from bot.domain.messages import Button, Message
from bot.engine import Engine

AGAIN = "Type calendar in Teams for a feed of all your sessions."
GONE = (
    "This invite link no longer works: the session changed or is over since (the newest "
    "message about it in Teams has the current invite), or calendar reset replaced your links."
)
SHORTEST = timedelta(days=7)
LONGEST = timedelta(days=400)


def invite_links(secret: bytes, base_url: str) -> ExportLinks:
    return ExportLinks(secret, base_url, int(SHORTEST.total_seconds()), INVITES, AGAIN)


def with_download(message: Message, links: ExportLinks, user_id: str) -> Message:
    """The message with its .ics as a download link (valid until a day after the last
    session, at least a week) and, for a request, the Teams meeting link; other files
    (there are none sent proactively today) are left as they are."""
    invite, file = message.invite, message.file
    if invite is None or file is None or not file.ref:
        return message
    event = invite.event
    last_end = event.ends_at + timedelta(days=event.repeat_days * max(event.repeat_count - 1, 0))
    now = datetime.fromtimestamp(time.time(), UTC)
    ttl = min(max(last_end + timedelta(days=1) - now, SHORTEST), LONGEST)
    url = links.url(user_id, file.ref, ttl=int(ttl.total_seconds()))
    buttons = [Button(prompts.text("buttons.add_ics"), "link.ics", url=url, primary=True)]
    if invite.method == REQUEST:
        meeting = teams_meeting_link(event)
        buttons.append(Button(prompts.text("buttons.teams_meeting"), "link.teams", url=meeting))
    return replace(message, file=None, buttons=(*buttons, *message.buttons))


async def download(engine: Engine, links: ExportLinks, request: web.Request) -> web.Response:
    """GET /teams/invites/{token}: the invite's .ics as it stands now, for the person the
    signed link names; 403 for a bad link, 410 when the invite no longer holds."""
    try:
        link = links.check(request.match_info["token"])
    except LinkError as exc:
        return web.Response(status=403, text=str(exc))
    file = await engine.invite_file(link.args, "teams", link.user_id)
    if file is None:
        return web.Response(status=410, text=GONE, headers={"Cache-Control": "no-store"})
    return web.Response(
        body=file.content.encode("utf-8"),
        headers={
            "Content-Type": f"{file.mime}; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{file.name}"',
            "Cache-Control": "no-store",
        },
    )
