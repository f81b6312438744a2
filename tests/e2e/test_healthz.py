"""`/healthz` of a real `mentorbot serve` on SQLite answers while another process (a cron
`mentorbot tick`, a backup) holds the database's write lock: it only reads."""

import json
import sqlite3
import time
import urllib.request

from tests.e2e.slack_support import Serve, slack_env
from tests.fakes.slack_api import FakeSlack


def test_healthz_answers_at_once_while_another_process_holds_the_sqlite_write_lock(tmp_path):
    fake = FakeSlack().start()
    path = tmp_path / "mentorbot.db"
    serve = Serve(slack_env(fake, f"sqlite+aiosqlite:///{path}"), tmp_path / "serve.log")
    holder = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        holder.execute("BEGIN IMMEDIATE")  # what a tick in another process holds while it writes
        started = time.monotonic()
        with urllib.request.urlopen(f"{serve.url}/healthz", timeout=30) as response:
            status, body = response.status, json.loads(response.read())
        took = time.monotonic() - started
        holder.execute("ROLLBACK")
    finally:
        holder.close()
        serve.stop()
        fake.stop()
    assert (status, body) == (200, {"status": "ok", "database": "ok"})
    # Generous: a health check that waited for the lock took the 10 s busy timeout.
    assert took < 3, f"/healthz took {took:.1f} s while the write lock was held"
