"""A minimal Slack Web API and Bot Connector for throughput benchmarks, in its own process.

It answers the few calls a tick makes (chat.postMessage, conversations.open, a file upload's
three calls, sending to a Teams conversation, creating one) with no rate limit and no checks
beyond counting what arrived per conversation, so the benchmark measures mentorbot rather
than the fake. The richer fakes in tests/fakes validate every message; they cost too much
CPU for this.

Run: `python -m bench.platform_stub PORT`; it prints "ready" once listening. GET /stats
returns {"slack": {channel: posts}, "teams": {conversation: activities}}.
"""

from __future__ import annotations

import itertools
import sys
from collections import Counter
from urllib.parse import parse_qs

from aiohttp import web

slack: Counter[str] = Counter()
teams: Counter[str] = Counter()
ids = itertools.count(1)


async def _form(request: web.Request) -> dict[str, str]:
    body = await request.read()
    if request.content_type == "application/json":
        import json

        return {k: str(v) for k, v in json.loads(body or b"{}").items()}
    return {k: v[0] for k, v in parse_qs(body.decode()).items()}


async def post_message(request: web.Request) -> web.Response:
    args = await _form(request)
    channel = args.get("channel", "")
    slack[channel] += 1
    return web.json_response({"ok": True, "channel": channel, "ts": f"{next(ids)}.000100"})


async def open_conversation(request: web.Request) -> web.Response:
    args = await _form(request)
    users = args.get("users", "").replace(",", "-")
    return web.json_response({"ok": True, "channel": {"id": f"D-{users}"}})


async def upload_url(request: web.Request) -> web.Response:
    await request.read()
    file_id = f"F{next(ids)}"
    base = f"http://{request.host}"
    return web.json_response({"ok": True, "file_id": file_id, "upload_url": f"{base}/up/{file_id}"})


async def upload(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(text="OK")


async def complete_upload(request: web.Request) -> web.Response:
    """A file shared into a conversation counts as one message there, as Slack shows it
    (slack_sdk sends this method's arguments in the query string)."""
    args = {**request.query, **await _form(request)}
    slack[args.get("channel_id", "")] += 1
    return web.json_response({"ok": True, "files": [{"id": "F0", "title": "file"}]})


async def send_activity(request: web.Request) -> web.Response:
    await request.read()
    teams[request.match_info["conversation"]] += 1
    return web.json_response({"id": f"activity-{next(ids)}"})


async def create_conversation(request: web.Request) -> web.Response:
    body = await request.json()
    member = (body.get("members") or [{}])[0].get("id", "")
    return web.json_response({"id": f"a:conv-{member}"})


async def stats(_request: web.Request) -> web.Response:
    return web.json_response({"slack": slack, "teams": teams})


def app() -> web.Application:
    application = web.Application(client_max_size=4 * 1024 * 1024)
    application.router.add_post("/api/chat.postMessage", post_message)
    application.router.add_post("/api/conversations.open", open_conversation)
    application.router.add_post("/api/files.getUploadURLExternal", upload_url)
    application.router.add_post("/up/{file_id}", upload)
    application.router.add_post("/api/files.completeUploadExternal", complete_upload)
    application.router.add_post("/v3/conversations/{conversation}/activities", send_activity)
    application.router.add_post(
        "/v3/conversations/{conversation}/activities/{reply_to}", send_activity
    )
    application.router.add_post("/v3/conversations", create_conversation)
    application.router.add_get("/stats", stats)
    return application


def main() -> None:
    port = int(sys.argv[1])

    async def ready(_app: web.Application) -> None:
        print("ready", flush=True)

    application = app()
    application.on_startup.append(ready)
    web.run_app(application, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
