"""Driving a real `mentorbot serve` as Teams would: activities shaped like
../shared/reference/teams-payloads POSTed to /api/messages, whose serviceUrl points at a fake
Bot Connector, and `mentorbot tick --now` for travelling in time."""

from __future__ import annotations

import csv
import io
import itertools
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import aiohttp
from sqlalchemy.engine import make_url

from tests.e2e.slack_support import (
    BERLIN,  # the people's time zone (clientInfo in every activity)
    Serve,
    Workspace,
    eventually,
    person_number,
    weekday_at,
)
from tests.fakes.bot_connector import BOT_ID, TENANT_ID, FakeConnector, Sent

OWNER = "29:owner-olivia"
CARD = "application/vnd.microsoft.card.adaptive"
OWN_BUTTONS = "mb.own"  # adapters/teams/render.py: the ActionSet of a message's own buttons
CHOICE = "mb.c"  # the id of a one-choice menu's Input.ChoiceSet (Message.select)


def teams_env(database_url: str) -> dict[str, str]:
    """serve in Teams local mode (no tokens; serviceUrls on this machine only)."""
    return {
        "DATABASE_URL": database_url,
        "MENTORBOT_TEAMS": "local",
        "MENTORBOT_OWNERS": f"teams:{OWNER}",
        "MENTORBOT_TICK_SECONDS": "86400",  # tests tick explicitly, at the time they choose
        # Only ticks send, so what a test sees does not depend on the hour it runs at (serve
        # would send what is due now at once, in working hours only);
        # tests/e2e/test_instant_delivery.py covers instant delivery.
        "MENTORBOT_DELIVERY": "tick",
        "MENTORBOT_LOG_LEVEL": "INFO",
        "SLACK_BOT_TOKEN": "",
    }


class Tenant:
    """Sends what Teams would send to `serve` on behalf of people in one tenant; with `auth`,
    each activity gets the headers it returns (the Bot Connector's token)."""

    _ids = itertools.count(1000)

    def __init__(
        self,
        serve: Serve,
        fake: FakeConnector,
        auth: Callable[[dict], dict[str, str]] | None = None,
    ) -> None:
        self.serve = serve
        self.fake = fake
        self.auth = auth
        self.names: dict[str, str] = {}
        self.zones: dict[str, str] = {}  # a person's clock, when not Berlin's

    def person(self, user_id: str, name: str, timezone: str = "") -> str:
        self.names[user_id] = name
        if timezone:
            self.zones[user_id] = timezone
        self.fake.add_user(user_id, name)
        return user_id

    def chat(self, user: str) -> str:
        """The id of the person's 1:1 chat with the bot (the one the fake also creates)."""
        return self.fake.conversation_for(user)

    def activity(self, user: str, kind: str = "message", **fields) -> dict:
        n = next(self._ids)
        activity = {
            "type": kind,
            "id": f"{n}",
            "timestamp": datetime.now(UTC).isoformat(),
            "serviceUrl": self.fake.service_url,
            "channelId": "msteams",
            "from": {"id": user, "name": self.names.get(user, ""), "aadObjectId": f"aad-{user}"},
            "conversation": {"conversationType": "personal", "id": self.chat(user)},
            "recipient": {"id": BOT_ID, "name": "mentorbot"},
            "entities": [
                {
                    "type": "clientInfo",
                    "locale": "en-US",
                    "timezone": self.zones.get(user, "Europe/Berlin"),
                }
            ],
            "channelData": {"tenant": {"id": TENANT_ID}},
            "locale": "en-US",
        }
        activity.update(fields)
        return activity

    async def post(
        self, activity: dict | bytes | str, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        body = activity if isinstance(activity, bytes | str) else json.dumps(activity)
        if headers is None and self.auth is not None and isinstance(activity, dict):
            headers = self.auth(activity)
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{self.serve.url}/api/messages",
                data=body,
                headers={"Content-Type": "application/json", **(headers or {})},
            ) as resp,
        ):
            return resp.status, await resp.text()

    async def say(self, user: str, text: str, mentions: tuple[str, ...] = (), **fields) -> dict:
        """A typed message; each mentioned user id appears as <at>Name</at> in `text`'s
        `{}` slots, with its mention entity. Returns the activity sent."""
        tokens = [f"<at>{self.names[m]}</at>" for m in mentions]
        entities = [
            {"type": "mention", "text": t, "mentioned": {"id": m, "name": self.names[m]}}
            for t, m in zip(tokens, mentions, strict=True)
        ]
        activity = self.activity(user, text=text.format(*tokens), **fields)
        activity["entities"] = activity["entities"] + entities
        status, body = await self.post(activity)
        assert status == 200, body
        return activity

    async def install(self, user: str) -> None:
        """What Teams sends when a person adds the bot: installationUpdate, then
        conversationUpdate with the bot among the members added (no names in either)."""
        bare = {"id": user, "aadObjectId": f"aad-{user}"}
        install = self.activity(user, "installationUpdate", action="add", **{"from": bare})
        update = self.activity(
            user, "conversationUpdate", membersAdded=[{"id": BOT_ID}, bare], **{"from": bare}
        )
        for activity in (install, update):
            status, body = await self.post(activity)
            assert status == 200, body

    async def submit(
        self, user: str, sent: Sent, title: str, inputs: dict | None = None, under: str = ""
    ) -> dict:
        """Action.Submit on the card in `sent`: a message with the button's data (and the
        inputs) as its value, replying to the card's activity. With `under`, the button in
        the row under the question (a TextBlock) containing those words."""
        data = {**button(sent, title, under)["data"], **(inputs or {})}
        activity = self.activity(user, value=data, replyToId=sent.id, text="")
        status, body = await self.post(activity)
        assert status == 200, body
        return activity

    async def press(
        self, user: str, sent: Sent, action: str, value: str = "", inputs: dict | None = None
    ) -> dict:
        """Action.Submit on the first button of the card in `sent` that runs `action` (with a
        value ending in `value`, when given): a button found by what it does, not its title."""
        found = next((a for a in actions(sent) if _runs(a, action, value)), None)
        assert found, f"no {action} ({value!r}) button in {json.dumps(sent.latest)[:800]}"
        data = {**found["data"], **(inputs or {})}
        activity = self.activity(user, value=data, replyToId=sent.id, text="")
        status, body = await self.post(activity)
        assert status == 200, body
        return activity

    async def choose(self, user: str, sent: Sent, option: str, title: str) -> dict:
        """Pick `option` (by its title) in the card's one-choice menu (the Input.ChoiceSet
        "mb.c") and press the button `title` that sends it, as Teams does on Action.Submit."""
        menu = inputs(sent)[CHOICE]
        [value] = [c["value"] for c in menu["choices"] if c["title"] == option]
        return await self.submit(user, sent, title, {CHOICE: value})

    async def execute(
        self, user: str, sent: Sent, title: str, inputs: dict | None = None
    ) -> tuple[int, dict]:
        """Action.Execute on the card in `sent` (an adaptiveCard/action invoke)."""
        action = button(sent, title)
        value = {
            "action": {
                "type": "Action.Execute",
                "title": title,
                "data": {**action["data"], **(inputs or {})},
            },
            "trigger": "manual",
        }
        activity = self.activity(
            user, "invoke", name="adaptiveCard/action", value=value, replyToId=sent.id
        )
        status, body = await self.post(activity)
        return status, (json.loads(body) if body.startswith("{") else {})

    async def latest(self, user: str, containing: str, timeout: float = 10.0) -> Sent:
        """The newest activity in the person's chat whose text contains `containing`."""

        def find() -> Sent | None:
            for sent in reversed(self.fake.sent_to(self.chat(user))):
                if containing in activity_text(sent.latest):
                    return sent
            return None

        return await eventually(find, timeout, f"{containing!r} in {user}'s chat")

    def texts(self, user: str) -> str:
        return "\n---\n".join(self.fake.texts_in(self.chat(user)))

    def sent(self, user: str) -> list[Sent]:
        """Every activity in the person's chat, oldest first."""
        return self.fake.sent_to(self.chat(user))

    async def latest_asking(
        self, user: str, action: str, value: str = "", since: int = 0, timeout: float = 10.0
    ) -> Sent:
        """The newest activity in the person's chat (of those after the first `since`) with a
        button that runs `action` (with a value ending in `value`, when given): a message
        found by what it asks, not by its words."""

        def find() -> Sent | None:
            for sent in reversed(self.sent(user)[since:]):
                if any(_runs(a, action, value) for a in actions(sent)):
                    return sent
            return None

        return await eventually(find, timeout, f"{action} {value!r} in {user}'s chat")

    async def answer_to(self, user: str, text: str, mentions: tuple[str, ...] = ()) -> Sent:
        """The person types `text`; returns the bot's answer (the first activity after it in
        their chat)."""
        seen = len(self.sent(user))
        await self.say(user, text, mentions)
        found = await eventually(lambda: self.sent(user)[seen:], what=f"answer to {text!r}")
        return found[0]


def button(sent: Sent, title: str, under: str = "") -> dict:
    """The action titled `title` in the (latest version of the) card in `sent`: among its own
    actions, then in the rows of buttons in its body (each under its question). With `under`,
    only the row right under the TextBlock containing those words."""
    for action in actions(sent, under):
        if action.get("title") == title:
            return action
    where = f" under {under!r}" if under else ""
    raise AssertionError(f"no {title!r} button{where} in {json.dumps(sent.latest)[:800]}")


def actions(sent: Sent, under: str = "") -> list[dict]:
    """The buttons of the card in `sent`: its own actions (those of the message's text), then
    each ActionSet's in its body (those of each question). With `under`, only the ActionSet
    right after the TextBlock containing `under`."""
    found: list[dict] = []
    for card in FakeConnector.cards(sent):
        if not under:
            found += card.get("actions", [])
        body = card.get("body", [])
        for n, block in enumerate(body):
            if block.get("type") != "ActionSet":
                continue
            above = body[n - 1] if n else {}
            if not under or (above.get("type") == "TextBlock" and under in above.get("text", "")):
                found += block.get("actions", [])
    return found


def _runs(action: dict, name: str, value: str = "") -> bool:
    data = action.get("data") or {}
    return data.get("mb.a") == name and str(data.get("mb.v", "")).endswith(value)


def runs(sent: Sent, under: str = "") -> list[str]:
    """The action ids of the card's buttons (see `actions`): what each one does."""
    return [(a.get("data") or {}).get("mb.a", "") for a in actions(sent, under)]


def values(sent: Sent, action: str) -> list[str]:
    """The values of the card's buttons that run `action`, in card order."""
    return [a["data"].get("mb.v", "") for a in actions(sent) if _runs(a, action)]


def refusals(sent: Sent) -> dict[str, str]:
    """The reasons a form in the card was refused, by the id of the field each is drawn
    under (a TextBlock in the attention colour right after its input; the one above the
    form, which repeats them all, is left out)."""
    found = {}
    for card in FakeConnector.cards(sent):
        body = card.get("body", [])
        for above, block in itertools.pairwise(body):
            refused = block.get("type") == "TextBlock" and block.get("color") == "attention"
            if refused and str(above.get("type", "")).startswith("Input."):
                found[above["id"]] = block["text"]
    return found


def titles(sent: Sent, under: str = "") -> list[str]:
    """The titles of the card's buttons (see `actions`)."""
    return [a["title"] for a in actions(sent, under)]


def asks(sent: Sent) -> list[str]:
    """The questions of the card in `sent`: the text of each TextBlock that has a row of
    buttons right under it, in card order."""
    return [
        body[n - 1]["text"]
        for card in FakeConnector.cards(sent)
        for body in [card.get("body", [])]
        for n, block in enumerate(body)
        if block.get("type") == "ActionSet"
        and block.get("id") != OWN_BUTTONS  # the message's own, under its text
        and n
        and body[n - 1].get("type") == "TextBlock"
    ]


def activity_text(activity: dict) -> str:
    parts = [activity.get("text") or ""]
    for card in FakeConnector.cards(activity):
        for node in _nodes([card.get("body", []), card.get("actions", [])]):
            parts += [node[k] for k in ("text", "title", "value") if isinstance(node.get(k), str)]
    return "\n".join(parts)


def text_of(sent: Sent) -> str:
    """What the card in `sent` (as it stands now) says, buttons included."""
    return activity_text(sent.latest).strip()


def people_named(serve: Serve, user_id: str) -> int:
    """How many Teams participants with this user id serve's (SQLite) database holds."""
    path = make_url(serve.env["DATABASE_URL"]).database
    with sqlite3.connect(path, timeout=30) as db:
        query = "SELECT count(*) FROM participants WHERE platform = 'teams' AND user_id = ?"
        return db.execute(query, (user_id,)).fetchone()[0]


def _nodes(tree):
    """Every dict in a JSON tree, depth first."""
    if isinstance(tree, dict):
        yield tree
        tree = list(tree.values())
    if isinstance(tree, list):
        for item in tree:
            yield from _nodes(item)


def elements(sent: Sent, kind: str) -> list[dict]:
    """The elements of the card in `sent` of type `kind` (or, for a kind ending in a dot
    such as "Chart.", whose type starts with it), in card order."""

    def match(node: dict) -> bool:
        found = str(node.get("type", ""))
        return found.startswith(kind) if kind.endswith(".") else found == kind

    return [
        node
        for card in FakeConnector.cards(sent)
        for node in _nodes(card.get("body", []))
        if match(node)
    ]


def inputs(sent: Sent) -> dict[str, dict]:
    """The inputs of the card in `sent`, by id."""
    return {
        node["id"]: node
        for card in FakeConnector.cards(sent)
        for node in _nodes(card)
        if str(node.get("type", "")).startswith("Input.")
    }


# --- moving in time, and steps of a pair's life ------------------------------------------------
async def tick(tenant: Tenant, when: datetime) -> str:
    """`mentorbot tick --now when`: what is due then is sent; returns its output."""
    return await Workspace(tenant.serve, None).tick(when)


def teams_pair(tenant: Tenant) -> tuple[str, str]:
    """A fresh mentor and mentee for one test."""
    n = person_number()
    return (
        tenant.person(f"29:mentor-{n}", f"Mina Park{n}"),
        tenant.person(f"29:exec-{n}", f"Erik Lund{n}"),
    )


async def start_program(tenant: Tenant, name: str) -> None:
    """The owner creates the program `name`: a 45-minute session every 14 days."""
    await tenant.say(OWNER, f"program create {name} cadence=14 minutes=45")
    await tenant.latest(OWNER, f"Program {name} created")


async def active_pairs(
    tenant: Tenant, program: str, count: int = 1, goal: str = "Learn short video"
) -> tuple[list[tuple[str, str]], datetime]:
    """A new program (cadence 14 days, 45 min) with `count` pairs proposed with `goal`,
    introduced by one tick and accepted by both; returns (mentor, mentee) for each, and the
    time of that tick."""
    pairs = [teams_pair(tenant) for _ in range(count)]
    await start_program(tenant, program)
    for mentor, mentee in pairs:
        await tenant.say(OWNER, f"pair {{}} {{}} program={program} {goal}", (mentor, mentee))
    when = weekday_at(3, 9)
    await tick(tenant, when)
    for mentor, mentee in pairs:
        for user in (mentee, mentor):
            intro = await tenant.latest(user, "Accept")
            await tenant.submit(user, intro, "Accept")
        await tenant.latest(mentor, "both in")
    return pairs, when


async def active_pair(tenant: Tenant, program: str):
    """A proposed, introduced and accepted pair; returns (mentor, mentee, tick time)."""
    [(mentor, mentee)], when = await active_pairs(tenant, program)
    return mentor, mentee, when


def weekday_after(moment: datetime, days: int, hour: int) -> datetime:
    """hour:00 UTC on the day `days` days after `moment`, or on the next weekday after it."""
    later = (moment + timedelta(days=days)).replace(hour=hour, minute=0)
    while later.weekday() >= 5:
        later += timedelta(days=1)
    return later


async def book_from_me(tenant: Tenant, mentee: str, day: date, at: time = time(11, 0)) -> datetime:
    """The mentee books a 45-minute session on `day` at `at` Berlin from `me`; returns its
    start."""
    await tenant.say(mentee, "me")
    card = await tenant.latest(mentee, "Schedule with Mina")
    await tenant.submit(mentee, card, "Schedule with Mina")
    values = {"date": day.isoformat(), "time": f"{at:%H:%M}", "minutes": "45"}
    await tenant.submit(mentee, card, "Book it", values)
    assert "Booked:" in activity_text(card.latest), activity_text(card.latest)
    return datetime.combine(day, at, BERLIN).astimezone(UTC)


async def book_and_hold(tenant: Tenant, mentee: str, day: date) -> tuple[datetime, Sent]:
    """The mentee books a 45-minute session on `day` at 11:00 Berlin from `me`; a tick after
    its end asks them whether it happened, and they say it did. Returns its start and the
    card that asked, which is then the mentee's post-session card."""
    start = await book_from_me(tenant, mentee, day)
    await tick(tenant, start + timedelta(minutes=50))
    check = await tenant.latest(mentee, "How did your session")
    await tenant.submit(mentee, check, "It happened")
    assert "Thanks for your session with Mina" in activity_text(check.latest), activity_text(
        check.latest
    )
    return start, check


# --- the owners' export -------------------------------------------------------------------------
async def export_rows(tenant: Tenant, program: str, containing: str = "") -> list[dict[str, str]]:
    """The owner's export, downloaded from the link Teams shows: the rows of `program`'s
    sessions, reflections and check-ins (not its figure rows, which follow them), and of those
    only the ones whose what_changed holds `containing`, when given."""
    await tenant.say(OWNER, "export")
    ready = await tenant.latest(OWNER, "export is ready")
    url = button(ready, "Download CSV")["url"]
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        assert resp.status == 200
        content = await resp.text()
    return [
        r
        for r in csv.DictReader(io.StringIO(content))
        if r["program"] == program and not r["figure"] and containing in r["what_changed"]
    ]
