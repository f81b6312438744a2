"""The aiohttp application behind `mentorbot serve`: /healthz, /slack/events, the tick."""

from __future__ import annotations

import asyncio
import gc
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from adapters.bootstrap import (
    build_engine,
    close_senders,
    link_secret,
    open_store,
    platform_senders,
)
from adapters.logs import HideLinkTokens
from adapters.settings import EVERY_TENANT, Settings
from adapters.slack.app import SlackBot
from adapters.slack.http import events_handler
from bot.calendar.feed import PATH as FEED_PATH
from bot.engine import Engine
from bot.sending.courier import Courier, finish

log = logging.getLogger(__name__)

ENGINE = web.AppKey("engine", Engine)


async def healthz(request: web.Request) -> web.Response:
    """200 with {"status": "ok"} when the database answers a read, 503 otherwise; the read
    never waits for SQLite's write lock (a tick in another process may hold it)."""
    engine = request.app[ENGINE]
    try:
        await engine.store.ping()
    except Exception as exc:
        log.warning("health check failed: %s", exc)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


async def calendar_feed(request: web.Request) -> web.Response:
    """GET /calendar/{token}.ics: a person's own sessions as an iCalendar feed; any token
    that leads nowhere gets the same bare 404."""
    token = request.match_info["token"].removesuffix(".ics")
    feed = await request.app[ENGINE].calendar_feed(token)
    if feed is None:
        return web.Response(status=404, text="Not found")
    # Weak: the same feed built again (a restart, another replica) differs in its DTSTAMP.
    etag = f'W/"{feed.etag}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=300"}
    if _unchanged(request.headers.get("If-None-Match", ""), etag):
        return web.Response(status=304, headers=headers)
    return web.Response(
        body=feed.body,
        headers={
            **headers,
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": 'inline; filename="mentoring.ics"',
        },
    )


def _unchanged(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names this ETag (weakly compared, RFC 9110) or *."""
    named = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag.removeprefix("W/") in named or "*" in named


async def run_tick(engine: Engine) -> None:
    """One scheduled tick; a failure is logged and the next tick tries again."""
    try:
        result = await engine.tick()
    except Exception:
        log.exception("tick failed; the next tick will retry")
        return
    if result.due or result.planned:
        log.info("tick: %s", result.line())


# How long a stop waits for the tick and the courier to finish what they are sending: within
# the 10 s that `docker stop` (and 30 s that Kubernetes) give a process after SIGTERM.
STOP_WITHIN = 8.0


class Ticks:
    """The scheduler's job: one tick at a time, which a stop lets finish (the engine hands
    back what it has not sent) rather than cancelling it half-way through a send."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.running: asyncio.Task | None = None

    async def run(self) -> None:
        if self.engine.stopping:
            return
        self.running = asyncio.current_task()
        try:
            await run_tick(self.engine)
        finally:
            self.running = None


@dataclass
class _Slack:
    bot: SlackBot
    socket: AsyncSocketModeHandler | None

    async def close(self) -> None:
        if self.socket:
            await self.socket.close_async()
        await self.bot.drain()


def _mount_slack(
    app: web.Application, settings: Settings, engine: Engine, senders: dict, socket_mode: bool
) -> _Slack | None:
    """Slack over HTTP at POST /slack/events, or over Socket Mode; None when not configured."""
    if not settings.slack:
        return None
    bot = SlackBot(engine, senders["slack"])
    if socket_mode:
        return _Slack(bot, AsyncSocketModeHandler(bot.app, settings.slack_app_token))
    app.router.add_post("/slack/events", events_handler(bot, settings.slack_signing_secret))
    return _Slack(bot, None)


def _mount_teams(app: web.Application, settings: Settings, engine: Engine, senders: dict) -> None:
    """Teams at POST /api/messages, and the export download links."""
    from adapters.teams.app import TeamsBot
    from adapters.teams.auth import SigningKeys
    from adapters.teams.exports import ExportLinks
    from adapters.teams.gate import Gate

    if not settings.link_secret:  # only in local mode: MENTORBOT_SECRET is required otherwise
        log.info("download links are signed with a per-process key; set MENTORBOT_SECRET to share")
    links = ExportLinks(link_secret(settings).encode(), settings.base_url)
    if settings.teams_local:
        log.warning(
            "Teams runs in local mode (MENTORBOT_TEAMS=local): /api/messages is not "
            "authenticated and answers only serviceUrls on this machine (%s)",
            settings.host,
        )
        keys = None
    else:
        keys = SigningKeys(settings.teams_openid_url)
    tenants = settings.teams_tenants - {EVERY_TENANT}  # the gate's empty set: every tenant
    if tenants:
        log.info("Teams serves these tenants only: %s", ", ".join(sorted(tenants)))
    elif EVERY_TENANT in settings.teams_tenants:
        log.warning("Teams serves every tenant that installs the app (MENTORBOT_TEAMS_TENANTS=*)")
    else:
        log.info("Teams serves every tenant (local mode: this machine only)")
    gate = Gate(keys, settings.microsoft_app_id, tenants)
    sender = senders["teams"]
    TeamsBot(engine, sender.connector, links, gate, sender.invites).mount(app)

    async def start(_app: web.Application) -> None:
        gate.start()  # the first key fetch runs in the background: start-up does not wait

    async def stop(_app: web.Application) -> None:
        await gate.close()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)


async def teams_off(request: web.Request) -> web.Response:
    """POST /api/messages while Teams is off: say how to turn it on."""
    return web.json_response(
        {
            "error": "Teams is off on this server. Set MICROSOFT_APP_ID and "
            "MICROSOFT_APP_PASSWORD from your Azure Bot to serve Teams, or "
            "MENTORBOT_TEAMS=local for a trial on this machine."
        },
        status=404,
    )


async def create_app(settings: Settings, *, slack_socket_mode: bool = False) -> web.Application:
    """Build the application: store (migrated), engine, routes and the tick scheduler."""
    settings.check_slack(slack_socket_mode)
    settings.check_teams()
    settings.check_public_url()
    store = await open_store(settings)
    session = aiohttp.ClientSession()  # one connection pool for every platform API call
    senders = platform_senders(settings, session)
    engine = build_engine(settings, store, senders=senders)
    courier = Courier(engine.deliver_now)  # what an event queues for now goes at once
    if settings.delivery == "instant":
        engine.on_due = courier.wake
    app = web.Application(client_max_size=1024 * 1024)
    app[ENGINE] = engine
    app.router.add_get("/healthz", healthz)
    if settings.base_url:
        app.router.add_get(FEED_PATH + "{token}", calendar_feed)
    else:  # a feed link would name 0.0.0.0 (or the like), which no calendar can reach
        log.info(
            "calendar feeds are off: serve listens on %s and MENTORBOT_PUBLIC_URL is not set; "
            "set it to the https address that reaches serve to turn them on",
            settings.host,
        )
    logging.getLogger("aiohttp.access").addFilter(HideLinkTokens())
    slack = _mount_slack(app, settings, engine, senders, slack_socket_mode)
    if settings.teams:
        _mount_teams(app, settings, engine, senders)
    else:
        app.router.add_post("/api/messages", teams_off)
        log.info("Teams is off (MENTORBOT_TEAMS=off, or no MICROSOFT_APP_ID)")
    scheduler = AsyncIOScheduler()
    ticks = Ticks(engine)
    scheduler.add_job(
        ticks.run,  # a coroutine function, so APScheduler runs it on the loop
        "interval",
        seconds=settings.tick_seconds,
        max_instances=1,
        coalesce=True,
        id="tick",
        next_run_time=datetime.now(UTC),  # first tick right after start-up, in the background
    )

    listening = None

    async def start(_app: web.Application) -> None:
        nonlocal listening
        # What start-up made (modules, the app, the store) lives as long as the process: out
        # of the collector's sight, a full collection walks only what requests made since, so
        # it no longer stops the loop for about 80 ms (bench/feed.py measured it).
        gc.collect()
        gc.freeze()
        scheduler.start()
        if engine.on_due:  # on PostgreSQL, what other processes queue for now, too
            listening = await store.listen(courier.wake)
        if slack and slack.socket:
            await slack.socket.connect_async()

    async def stopping(_app: web.Application) -> None:
        # SIGTERM (every deploy): claim and send nothing more from now on, while aiohttp
        # still finishes the requests under way; the tick and the courier hand back at
        # once what they claimed and had not sent.
        engine.stop()

    async def stop(_app: web.Application) -> None:
        engine.stop()
        await asyncio.gather(finish(ticks.running, STOP_WITHIN), courier.close(STOP_WITHIN))
        scheduler.shutdown(wait=False)
        if listening:
            await listening()
        if slack:
            await slack.close()
        await close_senders(senders)
        await session.close()
        await store.close()

    app.on_startup.append(start)
    app.on_shutdown.append(stopping)
    app.on_cleanup.append(stop)
    return app
