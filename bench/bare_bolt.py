"""The Slack framework floor: a bare Bolt AsyncApp served by aiohttp that only acknowledges
`/mentoring` with a short text.

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

ANSWER = "Mentoring status: all good"


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

    @app.command("/mentoring")
    async def mentoring(ack) -> None:
        await ack(text=ANSWER)

    return app


def main(argv: list[str]) -> int:
    """Serve POST /slack/events on 127.0.0.1:PORT until terminated."""
    port = int(argv[0])
    web.run_app(build().web_app(path="/slack/events"), host="127.0.0.1", port=port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
