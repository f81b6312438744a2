"""Teams activities → neutral events: personal-chat messages (typed commands, Action.Submit),
Action.Execute invokes, and the bot being added; plus the conversation reference to keep."""

from __future__ import annotations

import hashlib
import html
import json
import re
import uuid
from dataclasses import dataclass

from adapters.teams import render
from bot.domain.events import (
    ActionClicked,
    Actor,
    Event,
    FormSubmitted,
    MemberJoined,
    Mention,
    MessageReceived,
)

PLATFORM = "teams"
MENTION_TOKEN = re.compile(r"(<at>[^<]*</at>)")
TAGS = re.compile(r"<[^<>]*>")
BOT_MENTIONS = 5  # mentions of the bot removed from a message's text


class BadActivity(ValueError):
    """An activity we cannot use (not JSON, or without what every activity has); 400."""


def parse(body: bytes) -> dict:
    """The request body as an activity dict, checked for the fields every activity has."""
    try:
        found = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadActivity("the body is not JSON") from None
    if not isinstance(found, dict):
        raise BadActivity("the body is not a JSON object")
    if not isinstance(found.get("type"), str) or not found["type"]:
        raise BadActivity("the activity has no type")
    for key in ("from", "conversation", "recipient"):
        part = found.get(key)
        if not isinstance(part, dict) or not isinstance(part.get("id"), str) or not part["id"]:
            raise BadActivity(f"the activity has no {key}.id")
    url = found.get("serviceUrl")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise BadActivity("the activity has no http(s) serviceUrl")
    for key in ("id", "replyToId", "text", "name"):
        if found.get(key) is not None and not isinstance(found[key], str):
            raise BadActivity(f"the activity's {key} is not a string")
    for key in ("entities", "membersAdded"):
        if found.get(key) is not None and not isinstance(found[key], list):
            raise BadActivity(f"the activity's {key} is not a list")
    return found


def personal(activity: dict) -> bool:
    """True for the one-to-one chat between a person and the bot (the only place we work)."""
    kind = activity["conversation"].get("conversationType")
    return kind in (None, "personal") and not activity["conversation"].get("isGroup")


def tenant(activity: dict) -> str:
    """The tenant id: Teams sends it in channelData (conversation.tenantId is not reliable)."""
    data = activity.get("channelData")
    tenant_data = data.get("tenant") if isinstance(data, dict) else None
    found = tenant_data.get("id") if isinstance(tenant_data, dict) else None
    if not isinstance(found, str) or not found:
        found = activity["conversation"].get("tenantId")
    return found if isinstance(found, str) else ""


def address(activity: dict) -> dict:
    """What a proactive message to this person needs later: the conversation reference."""
    return {
        "serviceUrl": activity["serviceUrl"],
        "conversationId": activity["conversation"]["id"],
        "tenantId": tenant(activity),
        "botId": activity["recipient"]["id"],
        "botName": str(activity["recipient"].get("name") or ""),
        "channelId": str(activity.get("channelId") or "msteams"),
    }


def actor(activity: dict, name: str = "") -> Actor:
    """The sender, with their timezone (when the client says) and conversation reference."""
    sender = activity["from"]
    return Actor(
        PLATFORM,
        sender["id"],
        display_name=str(sender.get("name") or name or ""),
        workspace=tenant(activity),
        timezone=_timezone(activity),
        address=address(activity),
    )


def _timezone(activity: dict) -> str | None:
    zone = activity.get("localTimezone")
    if isinstance(zone, str) and 0 < len(zone) <= 64:
        return zone
    for entity in activity.get("entities") or []:
        if isinstance(entity, dict) and entity.get("type") == "clientInfo":
            found = entity.get("timezone")
            if isinstance(found, str) and 0 < len(found) <= 64:
                return found
    return None


def event_id(activity: dict) -> str:
    """A dedupe key for the activity: Teams ids are unique within a conversation only."""
    raw = activity.get("id")
    if not raw:
        return f"new:{uuid.uuid4().hex}"
    key = f"{activity['conversation']['id']}|{raw}"
    return "act:" + hashlib.sha1(key.encode()).hexdigest()


def mentions(activity: dict) -> list[tuple[str, Actor]]:
    """People mentioned in a message (not the bot), as (token in the text, actor)."""
    found = []
    bot = activity["recipient"]["id"]
    # Where to reach them, but not which chat: the sender opens one when it is needed.
    partial = {k: v for k, v in address(activity).items() if k != "conversationId"}
    for entity in activity.get("entities") or []:
        if not isinstance(entity, dict) or entity.get("type") != "mention":
            continue
        who = entity.get("mentioned")
        if not isinstance(who, dict) or not isinstance(who.get("id"), str) or who["id"] == bot:
            continue
        name = str(who.get("name") or "")
        token = entity.get("text") if isinstance(entity.get("text"), str) else f"<at>{name}</at>"
        person = Actor(
            PLATFORM, who["id"], display_name=name, workspace=tenant(activity), address=partial
        )
        found.append((token, person))
    return found


def text(activity: dict) -> str:
    """The typed text without mentions of the bot, tags or HTML escapes; mentions of people
    stay as their `<at>Name</at>` tokens for the command to match.

    Never cut: a long reply is refused by the engine with its limit named. Every step is one
    pass over the text (the request body, at most 1 MB, bounds it)."""
    raw = activity.get("text") or ""
    bot = activity["recipient"]["id"]
    tokens = set()
    for entity in activity.get("entities") or []:
        if isinstance(entity, dict) and entity.get("type") == "mention":
            who, token = entity.get("mentioned"), entity.get("text")
            if isinstance(who, dict) and who.get("id") == bot and isinstance(token, str) and token:
                tokens.add(token)
    for token in sorted(tokens)[:BOT_MENTIONS]:  # Teams sends one; more are not its doing
        raw = raw.replace(token, " ")
    # People's <at>Name</at> tokens stay exactly as sent (commands match them against the
    # mention entities); between them, tags become spaces and HTML escapes characters.
    parts = MENTION_TOKEN.split(raw)
    for n in range(0, len(parts), 2):
        parts[n] = html.unescape(TAGS.sub(" ", parts[n]))
    return " ".join("".join(parts).split())


def message_event(activity: dict, who: Actor) -> MessageReceived:
    people = tuple(Mention(token, person) for token, person in mentions(activity))
    return MessageReceived(PLATFORM, event_id(activity), who, text=text(activity), mentions=people)


@dataclass(frozen=True)
class Submit:
    """A card's button or form submission, from Action.Submit or Action.Execute."""

    data: dict

    @property
    def previous(self) -> str:
        """The text of the card that was clicked."""
        return str(self.data.get(render.TEXT) or "")

    @property
    def values(self) -> dict[str, str]:
        """A form's inputs by field id."""
        return render.submitted(self.data)

    @property
    def is_form(self) -> bool:
        return isinstance(self.data.get(render.FORM), str)


def submission(activity: dict) -> Submit | None:
    """The card submission an activity carries, if any (ours only)."""
    if activity["type"] == "invoke":
        value = activity.get("value")
        action = value.get("action") if isinstance(value, dict) else None
        data = action.get("data") if isinstance(action, dict) else None
        if not isinstance(data, dict) and isinstance(action, dict):
            verb = action.get("verb")
            data = {render.ACTION: verb} if isinstance(verb, str) else None
    else:
        data = activity.get("value")
    if not isinstance(data, dict):
        return None
    if not isinstance(data.get(render.ACTION), str) and not isinstance(data.get(render.FORM), str):
        return None
    return Submit(data)


def submit_event(activity: dict, who: Actor, submit: Submit) -> Event:
    # A button carries its value; a one-choice menu's value is the option chosen.
    value = str(submit.data.get(render.VALUE) or submit.data.get(render.CHOICE) or "")
    if submit.is_form:
        return FormSubmitted(
            PLATFORM,
            event_id(activity),
            who,
            form_id=submit.data[render.FORM],
            value=value,
            values=submit.values,
        )
    return ActionClicked(
        PLATFORM, event_id(activity), who, action=submit.data[render.ACTION], value=value
    )


def is_join(activity: dict) -> bool:
    """True when the bot was installed in (or added to) this personal chat. Teams sends both
    an installationUpdate and a conversationUpdate for one install; the adapter welcomes the
    person on the conversationUpdate only."""
    kind = activity["type"]
    if kind == "installationUpdate":
        return activity.get("action") in ("add", "add-upgrade")
    if kind == "conversationUpdate":
        bot = activity["recipient"]["id"]
        added = activity.get("membersAdded") or []
        return any(isinstance(m, dict) and m.get("id") == bot for m in added)
    return False


def joined(activity: dict, who: Actor) -> MemberJoined:
    return MemberJoined(PLATFORM, event_id(activity), who)
