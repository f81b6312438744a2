"""The Slack app manifest (YAML) for `mentorbot slack-manifest`: create the app from it."""

from __future__ import annotations

from urllib.parse import urlsplit

import yaml

from adapters.settings import SettingsError

# What the bot does with each scope: post and update messages (chat:write), the /mentoring
# command (commands), open DMs and the pair's group DM (im:write, mpim:write), read what
# people type to it (im:history, im:read), names and time zones (users:read), e-mail
# addresses for calendar invites' attendees (users:read.email), exports and .ics invites
# (files:write).
BOT_SCOPES = [
    "chat:write",
    "commands",
    "im:history",
    "im:read",
    "im:write",
    "mpim:write",
    "users:read",
    "users:read.email",
    "files:write",
]
BOT_EVENTS = ["app_home_opened", "message.im"]
PATH = "/slack/events"


def manifest(url: str | None, *, socket_mode: bool = False, name: str = "mentorbot") -> dict:
    """The manifest as a dict; request URLs are `url` + /slack/events unless `socket_mode`."""
    endpoint = None if socket_mode else _endpoint(url or "")
    command = {
        "command": "/mentoring",
        "description": "Mentoring: join, your pairs, status, matching, export",
        "usage_hint": "help | me | join | calendar | pause | end | status [program] | match",
        "should_escape": True,  # mentions arrive as <@U123|name>
    }
    events: dict = {"bot_events": BOT_EVENTS}
    interactivity: dict = {"is_enabled": True}
    if endpoint:
        command["url"] = endpoint
        events = {"request_url": endpoint, **events}
        interactivity["request_url"] = endpoint
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name[:35],
            "description": "Runs your mentoring program: pairing, nudges, agendas, reflections.",
            "background_color": "#2f4858",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name[:80], "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": BOT_SCOPES}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(url: str | None, *, socket_mode: bool = False, name: str = "mentorbot") -> str:
    return yaml.safe_dump(
        manifest(url, socket_mode=socket_mode, name=name), sort_keys=False, allow_unicode=True
    )


def _endpoint(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.netloc:
        raise SettingsError(
            f"--url must be the public https address of mentorbot serve, not {url!r} "
            "(Slack only calls https URLs)."
        )
    return f"https://{parts.netloc}{parts.path.rstrip('/')}{PATH}"
