"""The `mentorbot` commands that work on the data: export, import, program, status; and
what every command that needs the engine shares."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from adapters.bootstrap import build_engine, close_senders, open_store, platform_senders
from adapters.settings import Settings
from adapters.text_charts import section_charts
from bot.context import Context
from bot.data.export import export_rows, to_csv, to_json
from bot.data.pool_file import import_people, is_people_file
from bot.data.roster import import_roster
from bot.domain.model import Program
from bot.flows.pairings import create_program
from bot.flows.status import program_status
from bot.policy.guides import GuidesRefused, read_guides


class UsageError(Exception):
    """Bad command-line input; the message says what is expected."""


async def export(settings: Settings, args) -> int:
    async def work(ctx: Context) -> list[dict[str, str]]:
        programs = await _programs(ctx, args.program)
        return await export_rows(ctx, programs)

    rows = await with_engine(settings, None, lambda engine: engine.run(work))
    text = to_csv(rows) if args.format == "csv" else to_json(rows)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        print(f"wrote {len(rows)} rows to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


async def import_file(settings: Settings, args) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    if is_people_file(text):
        count = await with_engine(
            settings, None, lambda engine: engine.run(lambda ctx: import_people(ctx, text))
        )
        print(f"enrolled {count} people from {path}; an owner can now type: match PROGRAM")
        return 0
    result = await with_engine(
        settings, None, lambda engine: engine.run(lambda ctx: import_roster(ctx, text))
    )
    for name in result.programs_created:
        print(f"created program {name!r} with default settings (every 14 days, 45 min)")
    print(f"imported {result.pairings} pairings from {path}; intros go out on the next tick")
    if result.delegations:
        print(f"asked {result.delegations} assistants (the delegate column) to confirm")
    return 0


async def program(settings: Settings, args) -> int:
    if args.action == "guides":
        return await _guides(settings, args)

    async def work(ctx: Context) -> Program:
        return await create_program(
            ctx,
            args.name,
            objective=args.objective,
            cadence_days=args.cadence,
            session_minutes=args.minutes,
            owners=args.owner or None,
            timezone=args.timezone,
            starts_on=args.starts_on,
            ends_on=args.ends_on,
            reflection_visibility=args.visibility,
            working_hours=args.working_hours,
            recognition=args.recognition,
            allow_outside_hours=args.allow_outside_hours,
        )

    program = await with_engine(settings, None, lambda engine: engine.run(work))
    print(
        f"created program {program.name!r}: every {program.cadence_days} days,"
        f" {program.session_minutes} min"
    )
    return 0


async def _guides(settings: Settings, args) -> int:
    """`program guides NAME FILE`: the program's own topic guides, checked whole first (a
    malformed file changes nothing and says which line)."""
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    try:
        guides = read_guides(text)
    except GuidesRefused as exc:
        raise UsageError(f"{path}, line {exc.line}: {exc.reason}; nothing was changed") from None

    async def work(ctx: Context) -> Program | None:
        found = [p for p in await ctx.tx.find(Program) if p.name.lower() == args.name.lower()]
        if found:
            found[0].guides = guides
            await ctx.tx.save(found[0], fields=("guides",))
        return found[0] if found else None

    program = await with_engine(settings, None, lambda engine: engine.run(work))
    if program is None:
        raise UsageError(f"there is no program called {args.name!r}")
    count = len(guides["guides"])
    print(f"saved {count} topic guides for {program.name!r}; the next prep notes use them")
    return 0


async def status(settings: Settings, args) -> int:
    if getattr(args, "chart", False) and not args.program:
        raise UsageError("--chart needs a program: mentorbot status --chart PROGRAM")

    async def work(ctx: Context) -> list[str]:
        sections = [
            (await program_status(ctx, p)).section() for p in await _programs(ctx, args.program)
        ]
        if getattr(args, "chart", False):
            return [section_charts(s) for s in sections]
        return [s.plain() for s in sections]

    views = await with_engine(settings, None, lambda engine: engine.run(work))
    print(
        "\n\n".join(views)
        if views
        else "No programs yet. Create one with: mentorbot program create NAME"
    )
    return 0


async def _programs(ctx: Context, name: str | None) -> list[Program]:
    programs = sorted(await ctx.tx.find(Program), key=lambda p: p.name.lower())
    if name is None:
        return programs
    chosen = [p for p in programs if p.name.lower() == name.lower()]
    if not chosen:
        known = ", ".join(p.name for p in programs) or "none"
        raise UsageError(f"no program called {name!r} (programs: {known})")
    return chosen


async def with_engine(settings: Settings, clock, work: Callable[..., Awaitable]):
    import aiohttp

    store = await open_store(settings)
    try:
        async with aiohttp.ClientSession() as session:
            senders = platform_senders(settings, session)
            try:
                return await work(build_engine(settings, store, clock, senders))
            finally:
                await close_senders(senders)
    finally:
        await store.close()
