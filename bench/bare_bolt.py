"""The Slack framework floor: a bare Bolt AsyncApp served by aiohttp that acknowledges
`/mentoring` with a short text; with DATABASE_URL set, after one indexed read of the person
who asked (SQLAlchemy's async engine, as serve uses), the floor for any answer from the store.

Run it as `python -m bench.bare_bolt PORT` with SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and
SLACK_API_URL set (bench/http_bench.py does). Like `mentorbot serve`, it is one process with
one event loop, it checks every request's signature, it answers before the HTTP response is
written (`process_before_response`), and its access log is off at the default log level.
"""

from __future__ import annotations

import os
import sys

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

ANSWER = "Mentoring status: all good"
# The participants' unique (platform, user_id) index answers this.
READ = text("SELECT display_name FROM participants WHERE platform = 'slack' AND user_id = :user")


def build() -> AsyncApp:
    """The app: Bolt's own signature check, and one listener for the slash command."""
    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]
    )
    app = AsyncApp(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=True,
        name="bare-bolt",
    )

    url = os.environ.get("DATABASE_URL")
    database = create_async_engine(url, pool_size=1, max_overflow=0) if url else None

    @app.command("/mentoring")
    async def mentoring(ack, command) -> None:
        if database is None:
            await ack(text=ANSWER)
            return
        async with database.connect() as conn:
            name = (await conn.execute(READ, {"user": command["user_id"]})).scalar()
        await ack(text=f"{ANSWER} ({name})")

    return app


def main(argv: list[str]) -> int:
    """Serve POST /slack/events on 127.0.0.1:PORT until terminated."""
    port = int(argv[0])
    web.run_app(build().web_app(path="/slack/events"), host="127.0.0.1", port=port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
