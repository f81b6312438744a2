"""Steps of the Slack calendar tests: people with e-mail addresses paired in a new program,
booking from `me` (answered with the booker's invite), and the feed link in the answer to
`calendar`; and what the Slack and Teams calendar tests both use to read invites and feeds."""

from __future__ import annotations

import itertools
import re
from datetime import datetime

import aiohttp
from icalendar import Calendar

from tests.e2e.slack_support import (
    Workspace,
    accept_intro,
    eventually,
    open_form,
    propose,
    start_program,
    weekday_at,
)
from tests.fakes.slack_api import FakeSlack, Posted

_n = itertools.count(1)


class Person:
    """A Slack member in Berlin with an e-mail address users.info shows."""

    def __init__(self, fake: FakeSlack, user: str, first: str, last: str) -> None:
        self.user, self.first = user, first
        self.email = f"{first.lower()}.{last.lower()}@example.com"
        fake.add_user(user, f"{first} {last}", "Europe/Berlin", email=self.email)
        self.dm = fake.dm(user)


async def active_pairs(
    workspace: Workspace, program: str, count: int
) -> tuple[list[tuple[Person, Person]], datetime]:
    """A new program with `count` proposed, introduced and accepted pairs (mentor, mentee);
    returns them and the time of the tick that sent the intros."""
    fake = workspace.fake
    await start_program(workspace, program)
    pairs = []
    for _ in range(count):
        n = next(_n)
        mentor = Person(fake, f"UCALMENTOR{n}", "Mina", f"Park{n}")
        mentee = Person(fake, f"UCALEXEC{n}", "Erik", f"Lund{n}")
        reply = await propose(workspace, program, mentor.user, mentee.user, "Reels")
        assert "Proposed" in reply["text"], reply
        pairs.append((mentor, mentee))
    when = weekday_at(3, 9)
    await workspace.tick(when)
    for mentor, mentee in pairs:
        await accept_intro(workspace, fake, mentor.user, mentee.user)
    return pairs, when


async def reply_in_dm(workspace: Workspace, person: Person, text: str) -> Posted:
    """Type `text` in the bot's DM; returns the bot's answer there."""
    before = len(workspace.fake.posts_to(person.dm))
    assert await workspace.dm(person.user, text) == 200
    [answer] = await eventually(lambda: workspace.fake.posts_to(person.dm)[before:], what=text)
    return answer


async def book(workspace: Workspace, person: Person, values: dict[str, str]) -> Posted:
    """`me` in the DM, Schedule, and the booking form sent with `values`; returns the answer:
    a DM of its own carrying the booker's calendar invite. The `me` message loses the row of
    buttons Schedule was in."""
    status = await reply_in_dm(workspace, person, "me")
    form = await open_form(workspace, person.user, status, "session.schedule")
    assert form["callback_id"] == "session.schedule"
    answer = await answer_with_invite(workspace, person, form, values)
    assert answer.text.startswith("Booked"), answer.text
    await eventually(lambda: "session.schedule" not in str(status.blocks), what="Schedule used")
    return answer


async def answer_with_invite(
    workspace: Workspace, person: Person, form: dict, values: dict[str, str]
) -> Posted:
    """Send a booking or move form; returns its answer, which comes as a DM of its own with
    the person's calendar invite (a file share shown as a message)."""
    before = len(shares(workspace.fake, person))
    sent, ack = await workspace.submit(person.user, form, values)
    assert sent == 200 and ack == {}, ack

    def shown() -> list[Posted]:
        return [message_of(workspace.fake, s) for s in shares(workspace.fake, person)[before:]]

    [answer] = await eventually(lambda: all(shown()) and shown(), what="answer with invite")
    assert answer.channel == person.dm
    return answer


def shares(fake: FakeSlack, person: Person) -> list[dict]:
    """Every file shared in the person's DM, oldest first."""
    return [s for s in fake.shared if s.get("channel_id") == person.dm]


def message_of(fake: FakeSlack, share: dict) -> Posted | None:
    """The message a file share shows up as in the DM (a share with blocks)."""
    [file] = share["files"]
    return next((p for p in list(fake.messages.values()) if file["id"] in p.files), None)


async def fetch(url: str) -> tuple[int, str, str]:
    """GET `url`: status, content type (without its parameters) and body."""
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status, resp.content_type, await resp.text()


def mailto(value) -> str:
    """The address of an ATTENDEE or ORGANIZER, without its mailto: (in either case)."""
    return re.sub(r"^mailto:", "", str(value), flags=re.IGNORECASE)


def events(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))


def buttons(posted: Posted | dict) -> dict[str, dict]:
    """The buttons by action id of a posted message, or of a command's answer (a dict, which
    may have no blocks)."""
    blocks = posted.get("blocks", []) if isinstance(posted, dict) else posted.blocks
    return {e["action_id"]: e for b in blocks if b.get("type") == "actions" for e in b["elements"]}


def feed_link(answer: Posted) -> str:
    """The feed's address from the answer to `calendar`: a link button (Feed link), with the
    same address for calendar apps (Subscribe, webcal://) beside it; the text has no link."""
    found = buttons(answer)
    url = found["link.feed"]["url"]
    assert found["link.webcal"]["url"] == "webcal://" + url.removeprefix("http://")
    assert "http" not in answer.text and "webcal" not in answer.text, answer.text
    return url
