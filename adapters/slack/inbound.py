"""Slack payloads → neutral events: slash commands, DMs, button clicks and modal submissions."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs

from adapters.slack.render import form_values
from bot.domain.events import (
    ActionClicked,
    Actor,
    CommandIssued,
    FormSubmitted,
    Mention,
    MessageReceived,
)
from bot.routes import COMMANDS

PLATFORM = "slack"
# With "escape channels, users and links" on (see the manifest), Slack sends mentions as
# <@U123|name> or <@U123>: https://api.slack.com/interactivity/slash-commands
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")


class BadPayload(ValueError):
    """A request body that parses but lacks what Slack always sends; answered with a 400."""


@dataclass(frozen=True)
class MentionRef:
    token: str
    user_id: str
    name: str


def mentions(text: str) -> list[MentionRef]:
    """The people mentioned in a command's text, in order, as far as a command uses them:
    only `pair` (two people), `join` (a manager) and `delegate` (an assistant) read
    mentions, so other text resolves none, and at most USED_MENTIONS are looked up (each
    may cost a users.info call)."""
    words = text.split(None, 1)
    if not words or words[0].lower() not in MENTIONING:
        return []
    found = []
    for m in MENTION.finditer(text):
        found.append(MentionRef(m.group(0), m.group(1), m.group(2) or ""))
        if len(found) == USED_MENTIONS:
            break
    return found


# The commands that read mentions (bot/flows: pair @mentor @mentee, join @manager,
# delegate @assistant), and the most any of them reads.
MENTIONING = ("pair", "join", "delegate")
USED_MENTIONS = 3


def unescape(text: str) -> str:
    """Slack escapes &, < and > in message text; the engine keeps what the person typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def command_parts(text: str) -> tuple[str, str]:
    """`/mentoring status Pilot` → ("status", "Pilot"); an unknown word asks for help."""
    words = text.strip().split(None, 1)
    name = words[0].lower() if words else "help"
    if name not in COMMANDS:
        return "help", ""
    return name, words[1] if len(words) > 1 else ""


def command_event(
    body: dict, actor: Actor, people: list[tuple[MentionRef, Actor]]
) -> CommandIssued:
    name, args = command_parts(_text(body, "text"))
    return CommandIssued(
        PLATFORM,
        f"command:{body.get('trigger_id') or uuid.uuid4().hex}",
        actor,
        name=name,
        args=unescape(args),
        mentions=tuple(Mention(ref.token, person) for ref, person in people),
    )


def is_direct_message(event: dict) -> bool:
    """A plain message a person typed in their DM with the bot; edits, joins, bot posts and
    other subtypes are not."""
    return (
        event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and isinstance(event.get("user"), str)
        and isinstance(event.get("text"), str)
    )


def message_event(
    body: dict, actor: Actor, people: tuple[tuple[MentionRef, Actor], ...] | list = ()
) -> MessageReceived:
    """A typed DM, with the people it mentions (as a command typed there needs them)."""
    event_id = body.get("event_id")
    if not isinstance(event_id, str) or not event_id:
        raise BadPayload("event_callback without event_id")
    return MessageReceived(
        PLATFORM,
        event_id,
        actor,
        text=unescape(body["event"]["text"]),
        mentions=tuple(Mention(ref.token, person) for ref, person in people),
    )


@dataclass(frozen=True)
class Click:
    """One button press, with where it happened so the message can be updated."""

    action: str
    value: str
    block_id: str
    user_id: str
    team_id: str
    trigger_id: str
    container: dict
    message: dict | None
    event_id: str


def click(body: dict) -> Click:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise BadPayload("block_actions without actions")
    act = actions[0]
    user_id = _user(body)
    action_id = act.get("action_id")
    if not isinstance(action_id, str):
        raise BadPayload("action without action_id")
    stamp = act.get("action_ts") or uuid.uuid4().hex
    return Click(
        action=action_id.split("#", 1)[0],
        value=str(act.get("value") or _selected(act)),
        block_id=str(act.get("block_id") or ""),
        user_id=user_id,
        team_id=_team(body),
        trigger_id=str(body.get("trigger_id") or ""),
        container=body.get("container") if isinstance(body.get("container"), dict) else {},
        message=body.get("message") if isinstance(body.get("message"), dict) else None,
        event_id=f"action:{stamp}:{user_id}:{action_id}",
    )


def _selected(act: dict) -> str:
    """The value of the option chosen in a select menu ("" for a button without a value)."""
    option = act.get("selected_option")
    return str(option.get("value") or "") if isinstance(option, dict) else ""


def clicked(c: Click, actor: Actor) -> ActionClicked:
    """The click as an event; buttons in a block "for.U123" are for that person only."""
    owner = c.block_id.removeprefix("for.") if c.block_id.startswith("for.") else ""
    return ActionClicked(
        PLATFORM,
        c.event_id,
        actor,
        action=c.action,
        value=c.value,
        for_person=f"{PLATFORM}:{owner}" if owner else "",
    )


def submission(body: dict, actor: Actor) -> tuple[FormSubmitted, dict]:
    """The submitted form as an event, and the context stored in the modal when it opened."""
    view = body.get("view")
    if not isinstance(view, dict) or not isinstance(view.get("callback_id"), str):
        raise BadPayload("view_submission without a view")
    context = metadata(view.get("private_metadata"))
    event = FormSubmitted(
        PLATFORM,
        f"view:{body.get('trigger_id') or uuid.uuid4().hex}",
        actor,
        form_id=view["callback_id"],
        value=str(context.get("v", "")),
        values=form_values(view),
    )
    return event, context


def metadata(raw: object) -> dict:
    """The modal's private_metadata as a dict (empty when it is not ours)."""
    try:
        found = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def user_and_team(body: dict) -> tuple[str, str]:
    return _user(body), _team(body)


def _user(body: dict) -> str:
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        raise BadPayload("no user in the payload")
    return user_id


def _team(body: dict) -> str:
    team = body.get("team")
    if isinstance(team, dict):
        return str(team.get("id") or "")
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    return str(body.get("team_id") or "")


def _text(body: dict, key: str) -> str:
    value = body.get(key, "")
    return value if isinstance(value, str) else ""


def parse(body: str) -> dict:
    """The request body as Slack sent it: JSON (events) or a form (commands, `payload=`).

    Raises:
        BadPayload: when the body is neither, or lacks what every request of its kind has.
    """
    if body.lstrip().startswith("{"):
        try:
            found = json.loads(body)
        except ValueError:
            raise BadPayload("the JSON body does not parse") from None
        if not isinstance(found, dict) or not isinstance(found.get("type"), str):
            raise BadPayload("the JSON body has no type")
        event_ok = isinstance(found.get("event"), dict) and found.get("event_id")
        if found["type"] == "event_callback" and not event_ok:
            raise BadPayload("event_callback without event or event_id")
        return found
    form = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
    if "payload" in form:
        try:
            payload = json.loads(form["payload"])
        except ValueError:
            raise BadPayload("payload= does not hold JSON") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
            raise BadPayload("payload= holds no interaction type")
        if payload["type"] == "block_actions":
            click(payload)
        elif payload["type"] == "view_submission":
            user_and_team(payload)
            if not isinstance(payload.get("view"), dict):
                raise BadPayload("view_submission without a view")
        return payload
    if not form.get("command") or not form.get("user_id"):
        raise BadPayload("neither an event, an interaction nor a slash command")
    return form
