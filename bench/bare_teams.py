"""The Teams SDK floor: a bare botbuilder echo bot behind CloudAdapter, served by aiohttp.

Run it as `python -m bench.bare_teams PORT`. It is the SDK's own way of answering a message:
CloudAdapter with ConfigurationBotFrameworkAuthentication and an empty app id (local mode, no
tokens, as `mentorbot serve` with MENTORBOT_TEAMS=local), `adapter.process` on POST
/api/messages, and an ActivityHandler that replies with `turn_context.send_activity` to the
serviceUrl of the activity. Like serve, it is one process with one event loop, and its access
log is off at the default log level.
"""

from __future__ import annotations

import sys

from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

REPLY_PREFIX = "echo: "


class LocalConfig:
    """The settings ConfigurationBotFrameworkAuthentication reads: no app id, no password."""

    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


class EchoBot(ActivityHandler):
    """Answers every message with its own text."""

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(REPLY_PREFIX + (turn_context.activity.text or ""))


def build() -> web.Application:
    """The aiohttp app with POST /api/messages handed to the adapter."""
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(LocalConfig()))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


def main(argv: list[str]) -> int:
    """Serve on 127.0.0.1:PORT until terminated."""
    web.run_app(build(), host="127.0.0.1", port=int(argv[0]), print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
