"""The aiohttp application behind `mentorbot serve`: /healthz now, platform endpoints later."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text

from adapters.bootstrap import build_engine, open_store
from adapters.settings import Settings
from bot.engine import Engine

log = logging.getLogger(__name__)

ENGINE = web.AppKey("engine", Engine)


async def healthz(request: web.Request) -> web.Response:
    """200 with {"status": "ok"} when the database answers, 503 otherwise."""
    engine = request.app[ENGINE]
    try:
        async with engine.store.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("health check failed: %s", exc)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


async def run_tick(engine: Engine) -> None:
    """One scheduled tick; a failure is logged and the next tick tries again."""
    try:
        result = await engine.tick()
    except Exception:
        log.exception("tick failed; the next tick will retry")
        return
    if result.due or result.planned:
        log.info("tick: %s", result.line())


async def create_app(settings: Settings) -> web.Application:
    """Build the application: store (migrated), engine, routes and the tick scheduler."""
    store = await open_store(settings)
    engine = build_engine(settings, store)
    app = web.Application(client_max_size=1024 * 1024)
    app[ENGINE] = engine
    app.router.add_get("/healthz", healthz)
    scheduler = AsyncIOScheduler()
    scheduler.add_job(
        run_tick,
        "interval",
        seconds=settings.tick_seconds,
        args=[engine],
        max_instances=1,
        coalesce=True,
        id="tick",
        next_run_time=datetime.now(UTC),  # first tick right after start-up, in the background
    )

    async def start(_app: web.Application) -> None:
        scheduler.start()

    async def stop(_app: web.Application) -> None:
        scheduler.shutdown(wait=False)
        await store.close()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return app
