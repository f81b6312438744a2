"""`mentorbot` processes and plain SQL for end-to-end tests: a command run with its output in
files (so no pipe can fill up), its tick summary read back, and the test's database queried
without the product's code."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import sqlite3
import subprocess
import time
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.e2e.slack_support import COMMAND

TICK_LINE = re.compile(
    r"tick at \S+: due (?P<due>\d+), sent (?P<sent>\d+), failed (?P<failed>\d+)"
    r" \(planned (?P<planned>\d+), skipped (?P<skipped>\d+), retrying (?P<retrying>\d+),"
    r" deferred (?P<deferred>\d+)\)"
)
LOCKED = "database is locked"
_runs = itertools.count(1)


# --- processes --------------------------------------------------------------------------------
class Run:
    """One `mentorbot` process; its output goes to files, so no pipe can fill up and block it."""

    def __init__(self, env: dict[str, str], folder: Path, *args: str) -> None:
        n = next(_runs)
        self.args = args
        self.out_path, self.err_path = folder / f"run{n}.out", folder / f"run{n}.err"
        with self.out_path.open("wb") as out, self.err_path.open("wb") as err:
            self.process = subprocess.Popen(
                [*COMMAND, *args], env={**os.environ, **env}, stdout=out, stderr=err
            )

    def wait(self, timeout: float = 120) -> Run:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"mentorbot {' '.join(self.args)} ran over {timeout} s:\n{self.stderr}")
        return self

    @property
    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def ok(self) -> Run:
        """Waits; the process must have succeeded without a traceback or a locked database."""
        self.wait()
        assert self.process.returncode == 0, f"{self.args}: {self.stderr[-3000:]}"
        assert "Traceback" not in self.stderr, self.stderr[-3000:]
        assert LOCKED not in self.stderr, self.stderr[-3000:]
        return self

    def counts(self) -> dict[str, int]:
        """The numbers of the tick's one-line summary."""
        found = TICK_LINE.search(self.stdout)
        assert found, f"no tick summary in {self.stdout!r} ({self.stderr[-2000:]})"
        return {name: int(value) for name, value in found.groupdict().items()}


def mentorbot(env: dict[str, str], folder: Path, *args: str) -> Run:
    return Run(env, folder, *args).ok()


def tick(env: dict[str, str], folder: Path, now: datetime) -> Run:
    return Run(env, folder, "tick", "--now", now.isoformat())


def total(runs: list[Run], name: str) -> int:
    return sum(run.counts()[name] for run in runs)


def wait_for(check, timeout: float = 60, what: str = "condition", interval: float = 0.05):
    """Poll `check()` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def query(url: str, sql: str, *params) -> list[tuple]:
    """Plain SQL against the test's database, without the product's code."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(make_url(url).database, timeout=30)
        try:
            with connection:
                sql = re.sub(r"\$\d+", "?", sql)
                return [tuple(row) for row in connection.execute(sql, params).fetchall()]
        finally:
            connection.close()

    async def run() -> list[tuple]:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncpg.connect(dsn, timeout=10)
        try:
            return [tuple(row) for row in await connection.fetch(sql, *params)]
        finally:
            await connection.close()

    return asyncio.run(run())
