"""Test databases: a migrated SQLite file per test, and one fresh PostgreSQL database per run."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text

from storage import migrate
from storage.store import make_engine
from storage.tables import metadata

PG_SERVER = os.environ.get("MENTORBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_SERVER, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _run(coroutine):
    """Run a coroutine to completion on a private loop (callers may be inside a loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class PostgresRun:
    """Creates `mentorbot_test_<random>` on the local server and drops it afterwards."""

    def __init__(self) -> None:
        self.name = f"mentorbot_test_{uuid.uuid4().hex[:12]}"
        base = PG_SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        self.url = f"{base}/{self.name}"

    def create(self) -> None:
        _run(_admin(f'CREATE DATABASE "{self.name}"'))
        _run(self._migrate())

    async def _migrate(self) -> None:
        engine = make_engine(self.url)
        await migrate.upgrade(engine)
        await engine.dispose()

    def drop(self) -> None:
        _run(_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


def postgres_or_skip(request: pytest.FixtureRequest) -> PostgresRun:
    """One PostgreSQL database for the whole run; a missing server fails under CI=true."""
    run = PostgresRun()
    try:
        run.create()
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        reason = f"PostgreSQL at {PG_SERVER} is not usable ({exc.__class__.__name__}: {exc})"
        if in_ci():
            pytest.fail(f"{reason}; under CI=true the PostgreSQL tests must run", pytrace=False)
        pytest.skip(reason)
    request.addfinalizer(run.drop)
    return run


async def empty_postgres(url: str) -> None:
    """Remove every row (and reset ids) so each test starts from an empty schema."""
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


def migrated_sqlite_template(folder: Path) -> Path:
    path = folder / "template.db"

    async def build() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(engine)
        await engine.dispose()

    _run(build())
    return path


def fresh_sqlite(template: Path, folder: Path) -> str:
    path = folder / "mentorbot.db"
    shutil.copy(template, path)
    return f"sqlite+aiosqlite:///{path}"
