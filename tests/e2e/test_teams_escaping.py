"""Teams end to end: a topic typed as a Markdown link reaches the partner's agenda as the
text that was typed, not as a disguised link (Teams reads message and card text as Markdown)."""

from __future__ import annotations

from datetime import timedelta

from markdown_it import MarkdownIt

from tests.e2e.slack_support import weekday_at
from tests.e2e.teams_support import Tenant, active_pair, inputs, tick
from tests.fakes.bot_connector import FakeConnector

TOPIC = "[Join the call](https://evil.example/login)"


def _markdown_texts(activity: dict) -> list[str]:
    """Every text Teams would read as Markdown: the message text, TextBlocks and facts."""
    found = [activity["text"]] if activity.get("text") else []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(node["text"])
            if node.get("type") == "FactSet":
                found.extend(part for f in node["facts"] for part in (f["title"], f["value"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(FakeConnector.cards(activity))
    return found


def _links(text: str) -> list[str]:
    tokens = [t for block in MarkdownIt("commonmark").parse(text) for t in block.children or []]
    return [t.attrGet("href") for t in tokens if t.type == "link_open"]


async def test_a_topic_typed_as_a_link_reaches_the_partner_as_plain_text(tenant: Tenant):
    mentor, mentee, when = await active_pair(tenant, "Escaping")
    await tick(tenant, when + timedelta(minutes=5))
    nudge = await tenant.latest(mentee, "Other time...")
    await tenant.submit(mentee, nudge, "Other time...")
    day = weekday_at(10, 9)
    form = {"date": day.date().isoformat(), "time": "10:00", "minutes": "45", "topic": TOPIC}
    assert "topic" in inputs(await tenant.latest(mentee, "Book it"))
    await tenant.submit(mentee, nudge, "Book it", form)
    await tenant.latest(mentee, "Booked:")

    await tick(tenant, day - timedelta(hours=20))  # the agenda goes out the day before
    agenda = await tenant.latest(mentor, "Topic:")
    texts = _markdown_texts(agenda.latest)
    assert any("Join the call" in t for t in texts), texts
    for text in texts:
        assert _links(text) == [], f"a link was made of user text: {text!r}"
