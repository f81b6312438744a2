"""The composition root: settings → store (migrated) → engine with its senders."""

from __future__ import annotations

import asyncio
import logging
import secrets

import aiohttp
from sqlalchemy.engine import make_url

from adapters.console.render import render
from adapters.console.sender import ConsoleSender, Delivered
from adapters.settings import Settings
from bot.domain.clock import Clock, SystemClock
from bot.domain.ports import Sender
from bot.engine import Engine
from storage import migrate
from storage.store import SqlStore, make_engine

log = logging.getLogger(__name__)


class StartupError(RuntimeError):
    """mentorbot cannot start; the message says what to do about it."""


def reason(exc: BaseException) -> str:
    """The driver's own words for a database error, without SQLAlchemy's wrapping."""
    return str(getattr(exc, "orig", None) or exc).strip()


def safe_url(url: str) -> str:
    """The database URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is reported as given, minus nothing secret to hide
        return url


async def open_store(settings: Settings) -> SqlStore:
    """Connect to DATABASE_URL; migrate the embedded SQLite, insist on a current PostgreSQL."""
    try:
        engine = make_engine(settings.database_url)
    except Exception as exc:
        raise StartupError(
            f"DATABASE_URL {safe_url(settings.database_url)!r} is not usable: {exc}. "
            "Use sqlite+aiosqlite:///./mentorbot.db or postgresql+asyncpg://user@host/db."
        ) from None
    try:
        if settings.embedded:
            before, after = await migrate.upgrade(engine)
            if before != after:
                log.info("database migrated from %s to %s", before or "empty", after)
        else:
            current = await migrate.current(engine)
            if current != migrate.head():
                raise StartupError(
                    f"The database is at schema revision {current or 'none'}, this mentorbot "
                    f"needs {migrate.head()}. Run `mentorbot db upgrade` first."
                )
    except StartupError:
        await engine.dispose()
        raise
    except Exception as exc:
        await engine.dispose()
        # aiosqlite's worker thread may still hand back a result; if the loop is closed by
        # then, the thread prints a traceback under our one-line message.
        await asyncio.sleep(0.2)
        raise StartupError(
            f"Cannot use the database at {safe_url(settings.database_url)}: {reason(exc)}"
        ) from None
    return SqlStore(engine)


def console_sender(clock: Clock) -> ConsoleSender:
    """Console deliveries outside the demo go to the log (standard error)."""

    def write(item: Delivered) -> None:
        log.info("console message to %s: %s", item.recipient.user_id, render(item.message))

    return ConsoleSender(clock, write)


def build_engine(
    settings: Settings,
    store: SqlStore,
    clock: Clock | None = None,
    senders: dict[str, Sender] | None = None,
) -> Engine:
    """The engine with the console sender plus `senders` (one per configured platform)."""
    clock = clock or SystemClock()
    return Engine(
        store,
        clock,
        settings.engine_config(),
        {"console": console_sender(clock), **(senders or {})},
    )


def platform_senders(settings: Settings, session: aiohttp.ClientSession | None = None) -> dict:
    """A sender for every platform whose credentials are configured."""
    senders: dict[str, Sender] = {}
    if settings.slack:
        from adapters.slack.client import make_client
        from adapters.slack.sender import SlackSender

        client = make_client(settings.slack_bot_token, settings.slack_api_url, session)
        senders["slack"] = SlackSender(client, settings.slack_rate)
    if settings.teams:
        from adapters.teams.connector import make_connector
        from adapters.teams.invites import invite_links
        from adapters.teams.sender import TeamsSender

        links = invite_links(link_secret(settings).encode(), settings.base_url)
        senders["teams"] = TeamsSender(make_connector(settings, session), links)
    return senders


_PROCESS_SECRET = secrets.token_urlsafe(32)


def link_secret(settings: Settings) -> str:
    """The key that signs download links: MENTORBOT_SECRET (required with a Microsoft app id,
    see Settings.check_teams), else one made for this process (local trials)."""
    return settings.link_secret or _PROCESS_SECRET


async def close_senders(senders: dict) -> None:
    """Release what the senders hold open (connector clients)."""
    for sender in senders.values():
        close = getattr(sender, "close", None)
        if close is not None:
            await close()
