"""The `mentorbot` command: demo, serve, tick, db, slack-manifest, teams-package here;
import, export, program and status in adapters/cli_data.py."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from adapters.bootstrap import (
    StartupError,
    reason,
    safe_url,
)
from adapters.cli_data import UsageError, export, import_file, program, status, with_engine
from adapters.logs import configure_logging
from adapters.settings import Settings, SettingsError
from bot.data.roster import ImportRejected
from bot.domain.clock import VirtualClock, as_utc
from bot.domain.messages import Refused
from bot.domain.model import Recognition, Visibility
from storage import migrate
from storage.store import make_engine

log = logging.getLogger("mentorbot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentorbot",
        description="Run reverse-mentoring programs: pairs, sessions, reflections, status.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="simulate a 3-pair program (8 weeks) and print it")
    demo.add_argument("--weeks", type=int, default=8, help="simulated weeks (default 8)")

    serve = sub.add_parser("serve", help="run the HTTP server and the scheduler")
    serve.add_argument("--host", help="address to bind (default HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default PORT or 3978)")
    serve.add_argument(
        "--slack-socket-mode",
        action="store_true",
        help="receive Slack events over Socket Mode (needs SLACK_APP_TOKEN) instead of HTTP",
    )
    manifest = sub.add_parser("slack-manifest", help="print a Slack app manifest (YAML)")
    manifest.add_argument("--url", help="public base URL, e.g. https://mentorbot.example.com")
    manifest.add_argument("--socket-mode", action="store_true", help="a Socket Mode app")
    manifest.add_argument("--name", default="mentorbot", help="the app's name in Slack")

    package = sub.add_parser("teams-package", help="write a Teams app package (zip) to upload")
    package.add_argument("--output", default="mentorbot-teams.zip", help="the zip file to write")
    package.add_argument("--app-id", help="the Azure Bot's Microsoft App ID (MICROSOFT_APP_ID)")
    package.add_argument("--name", default="mentorbot", help="the app's name in Teams")

    tick = sub.add_parser("tick", help="plan and send what is due, once, then exit")
    tick.add_argument("--now", help="act as if it were this ISO-8601 time (default: now)")

    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"], help="apply migrations, or show")

    exp = sub.add_parser("export", help="sessions and reflections as CSV or JSON")
    exp.add_argument("--format", choices=["csv", "json"], default="csv")
    exp.add_argument("--program", help="only this program")
    exp.add_argument("--output", help="write to this file (default: standard output)")

    imp = sub.add_parser(
        "import", help="pairs (mentor,mentee columns) or a pool of people (person,role) from CSV"
    )
    imp.add_argument("file", help="CSV file (columns in the README)")

    program = sub.add_parser("program", help="programs")
    program_sub = program.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = program_sub.add_parser("create", help="create a program")
    create.add_argument("name")
    create.add_argument(
        "--objective",
        default="digital skills",
        help="e.g. 'digital skills', inclusion, retention, 'customer insight' (picks the agendas)",
    )
    create.add_argument("--cadence", type=int, default=14, help="days between sessions")
    create.add_argument("--minutes", type=int, default=45, choices=[30, 45, 60])
    create.add_argument("--owner", action="append", default=[], help="platform:user_id")
    create.add_argument("--timezone", help="IANA timezone (default MENTORBOT_TIMEZONE)")
    create.add_argument("--starts-on", type=date.fromisoformat, help="YYYY-MM-DD (default today)")
    create.add_argument("--ends-on", type=date.fromisoformat, help="YYYY-MM-DD (default open)")
    create.add_argument(
        "--visibility",
        choices=list(Visibility),
        default=Visibility.PROGRAM,
        help="who reads reflections by default (default: program)",
    )
    create.add_argument("--working-hours", help="e.g. 'Mon-Fri 08:00-17:00'")
    create.add_argument(
        "--allow-outside-hours",
        action="store_true",
        help="let the booking form take a time outside the partner's working hours",
    )
    create.add_argument(
        "--recognition",
        choices=list(Recognition),
        default=Recognition.MENTOR,
        help="who hears when a mentor's suggestion is implemented: the mentor, or also their"
        " manager (default: mentor)",
    )
    guides = program_sub.add_parser(
        "guides", help="give a program its own topic guides for mentors' prep notes"
    )
    guides.add_argument("name", help="the program")
    guides.add_argument("file", help="a TOML file of [[guides]] tables (see the README)")

    status = sub.add_parser("status", help="print the owner status of programs")
    status.add_argument("program", nargs="?", help="one program (default: all)")
    status.add_argument(
        "--chart", action="store_true", help="the program's charts as text (needs PROGRAM)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `mentorbot` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, quiet=args.command == "demo")
    handler = _COMMANDS[args.command]
    try:
        if args.command in ("serve", "slack-manifest", "teams-package"):
            return handler(settings, args)
        return asyncio.run(handler(settings, args))
    except SettingsError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 2
    except (StartupError, UsageError, Refused, TickStopped) as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 1
    except ImportRejected as exc:
        print("mentorbot: nothing was imported; fix these rows and try again:", file=sys.stderr)
        for line, problem in exc.problems:
            print(f"  line {line}: {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


async def _demo(settings: Settings, args) -> int:
    from adapters.console.demo import Demo

    started = time.monotonic()
    await Demo(sys.stdout, weeks=args.weeks).run()
    print(f"\n(demo finished in {time.monotonic() - started:.1f} s)")
    return 0


def _serve(settings: Settings, args) -> int:
    from aiohttp import web

    from adapters.server import create_app

    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    settings = replace(settings, host=host, port=port)
    settings.check_slack(args.slack_socket_mode)
    settings.check_teams()
    settings.check_public_url()
    # run_app awaits create_app before binding, so a bad database stops start-up right away.
    web.run_app(
        create_app(settings, slack_socket_mode=args.slack_socket_mode),
        host=host,
        port=port,
        print=lambda _: log.info("listening on %s:%s", host, port),
    )
    return 0


async def _tick(settings: Settings, args) -> int:
    clock = None
    if args.now:
        try:
            clock = VirtualClock(as_utc(datetime.fromisoformat(args.now)))
        except ValueError:
            raise UsageError(
                f"--now {args.now!r} is not ISO-8601, e.g. 2026-03-02T09:00:00Z"
            ) from None
    # The Teams invites a tick sends carry links to serve: the same rules as serve's.
    settings.check_public_url()
    if settings.teams and not settings.base_url:
        raise SettingsError(
            f"MENTORBOT_PUBLIC_URL is missing: Teams calendar-invite links sent by this tick "
            f"need the https address people reach serve on ({settings.host} is not one). Give "
            f"tick the same MENTORBOT_PUBLIC_URL as serve."
        )
    if settings.teams and not settings.link_secret:
        log.warning(
            "MENTORBOT_SECRET is not set: Teams calendar-invite links sent by this tick are "
            "signed with a key of its own, which serve cannot check. Give tick the same "
            "MENTORBOT_SECRET and MENTORBOT_PUBLIC_URL as serve."
        )
    print(await tick_once(settings, clock))
    return 0


async def tick_once(settings: Settings, clock=None) -> str:
    """One tick with these settings at `clock`'s now (default: the system clock); the line
    `mentorbot tick` prints."""
    return await with_engine(settings, clock, lambda engine: _one_tick(engine, settings))


class TickStopped(RuntimeError):
    """The database failed during a tick; the message says what became of the work."""


async def _one_tick(engine, settings: Settings) -> str:
    started = time.perf_counter()
    try:
        result = await engine.tick()
    except (DBAPIError, OSError) as exc:
        # What was sent and recorded stays recorded; rows claimed but not recorded wait for
        # their lease to expire and are sent by a later tick.
        raise TickStopped(
            f"tick stopped: the database at {safe_url(settings.database_url)} failed"
            f" ({reason(exc)}). Nothing unsent is marked sent; run the tick again when the"
            " database is back."
        ) from None
    seconds = time.perf_counter() - started
    return f"tick at {engine.clock.now().isoformat()}: {result.line()} in {seconds:.2f} s"


async def _db(settings: Settings, args) -> int:
    engine = make_engine(settings.database_url)
    try:
        if args.action == "upgrade":
            before, after = await migrate.upgrade(engine)
            print(f"database {safe_url(settings.database_url)}: {before or 'empty'} -> {after}")
        else:
            current = await migrate.current(engine)
            print(
                f"database {safe_url(settings.database_url)}: at {current or 'empty'},"
                f" head {migrate.head()}"
            )
    except Exception as exc:
        raise StartupError(
            f"Cannot use the database at {safe_url(settings.database_url)}: {reason(exc)}"
        ) from None
    finally:
        await engine.dispose()
    return 0


def _slack_manifest(settings: Settings, args) -> int:
    from adapters.slack.manifest import manifest_yaml

    if not args.socket_mode and not args.url:
        raise UsageError(
            "give --url https://YOUR-HOST (where Slack reaches mentorbot serve), "
            "or --socket-mode for a workspace without a public URL"
        )
    print(manifest_yaml(args.url, socket_mode=args.socket_mode, name=args.name), end="")
    return 0


def _teams_package(settings: Settings, args) -> int:
    from adapters.teams.package import build_package

    app_id = args.app_id or settings.microsoft_app_id
    try:
        data = build_package(app_id, name=args.name)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        Path(args.output).write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"wrote {args.output} ({len(data)} bytes); upload it in Teams > Apps > Manage your apps")
    return 0


_COMMANDS: dict[str, Callable] = {
    "demo": _demo,
    "serve": _serve,
    "tick": _tick,
    "db": _db,
    "export": export,
    "import": import_file,
    "program": program,
    "status": status,
    "slack-manifest": _slack_manifest,
    "teams-package": _teams_package,
}


if __name__ == "__main__":
    sys.exit(main())
