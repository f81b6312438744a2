"""Tests for the Teams test doubles: the Adaptive Card checker and the fake Bot Connector."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from urllib.parse import quote

import aiohttp
import pytest

from tests.fakes.bot_connector import BOT_ID, TENANT_ID, FakeConnector
from tests.fakes.card_schema import ADAPTIVE_CARD, problems


def valid_card() -> dict:
    """A realistic 1.5 card: a session proposal with date, time, choice and text inputs."""
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": "Plan your next session", "weight": "Bolder"},
            {
                "type": "FactSet",
                "facts": [{"title": "Mentor", "value": "Ada"}, {"title": "Week", "value": "3"}],
            },
            {
                "type": "ColumnSet",
                "columns": [
                    {
                        "type": "Column",
                        "items": [
                            {
                                "type": "Input.Date",
                                "id": "day",
                                "label": "Day",
                                "value": "2025-06-03",
                                "min": "2025-06-01",
                            }
                        ],
                    },
                    {
                        "width": "auto",
                        "items": [
                            {"type": "Input.Time", "id": "time", "label": "Time", "value": "14:30"}
                        ],
                    },
                ],
            },
            {
                "type": "Input.ChoiceSet",
                "id": "length",
                "label": "Length",
                "value": "30",
                "choices": [
                    {"title": "30 minutes", "value": "30"},
                    {"title": "1 hour", "value": "60"},
                ],
            },
            {"type": "Input.Text", "id": "note", "isMultiline": True, "maxLength": 500},
            {
                "type": "Container",
                "id": "details",
                "isVisible": False,
                "items": [{"type": "TextBlock", "text": "Sessions are private.", "wrap": True}],
            },
            {
                "type": "ActionSet",
                "actions": [
                    {
                        "type": "Action.ToggleVisibility",
                        "title": "Details",
                        "targetElements": ["details"],
                    }
                ],
            },
        ],
        "actions": [
            {"type": "Action.Submit", "title": "Propose", "data": {"action": "propose"}},
            {
                "type": "Action.Execute",
                "title": "Skip this week",
                "verb": "skip",
                "data": {"week": 3},
            },
            {
                "type": "Action.ShowCard",
                "title": "Decline",
                "card": {
                    "type": "AdaptiveCard",
                    "body": [{"type": "Input.Text", "id": "reason", "placeholder": "Why?"}],
                    "actions": [{"type": "Action.Submit", "data": {"action": "decline"}}],
                },
            },
            {"type": "Action.OpenUrl", "title": "Guide", "url": "https://example.com/guide"},
        ],
    }


def test_realistic_card_is_valid() -> None:
    assert problems(valid_card()) == []


def _set_version(card: dict) -> None:
    card["version"] = "1.6"


def _add_unknown_element(card: dict) -> None:
    card["body"].append({"type": "Carousel", "pages": []})


def _duplicate_input_id(card: dict) -> None:
    card["actions"][2]["card"]["body"][0]["id"] = "note"


def _drop_choice_value(card: dict) -> None:
    del card["body"][3]["choices"][1]["value"]


def _string_submit_data(card: dict) -> None:
    card["actions"][0]["data"] = "propose"


def _drop_input_id(card: dict) -> None:
    del card["body"][4]["id"]


def _bad_date(card: dict) -> None:
    card["body"][2]["columns"][0]["items"][0]["value"] = "03/06/2025"


def _missing_target(card: dict) -> None:
    card["body"][6]["actions"][0]["targetElements"] = ["nowhere"]


@pytest.mark.parametrize(
    ("breaks", "expected"),
    [
        # checks by hand: the official schema lets these through
        (_set_version, "card: version 1.6 is above 1.5"),
        (_duplicate_input_id, "duplicate id 'note'"),
        (_string_submit_data, "data must be an object for Teams"),
        (_bad_date, "YYYY-MM-DD"),
        (_missing_target, "'nowhere', which no element has"),
        # the official schema catches these (the hand checks for them are gone)
        (_add_unknown_element, "official schema: 'Carousel' is not a type allowed here"),
        (_drop_choice_value, "choices[1]: official schema: 'value' is a required property"),
        (_drop_input_id, "(Input.Text): official schema: 'id' is a required property"),
    ],
)
def test_validator_reports_exactly_the_broken_rule(
    breaks: Callable[[dict], None], expected: str
) -> None:
    card = copy.deepcopy(valid_card())
    breaks(card)
    found = problems(card)
    assert len(found) == 1, found
    assert expected in found[0]


def test_validator_rejects_non_cards() -> None:
    assert problems({"type": "AdaptiveCard"}) == ["card: version is missing"]
    assert problems({"type": "HeroCard", "version": "1.2"}) == [
        "card (HeroCard): official schema: 'HeroCard' is not a type allowed here"
    ]
    assert problems("not a card") == [
        "card: official schema: 'not a card' is not valid under any of the given schemas"
    ]


# --- the fake Bot Connector --------------------------------------------------------------------


@pytest.fixture
def connector() -> Iterator[FakeConnector]:
    fake = FakeConnector().start()
    fake.add_user("29:ada", "Ada Lovelace")
    yield fake
    fake.stop()


def _url(fake: FakeConnector, *parts: str) -> str:
    """The URL botbuilder's ConnectorClient builds: each path argument percent-encoded."""
    encoded = "/".join(quote(part, safe="") for part in parts)
    return f"{fake.service_url}v3/conversations/{encoded}"


def _message(text: str, card: dict | None = None) -> dict:
    attachments = [{"contentType": ADAPTIVE_CARD, "content": card}] if card else []
    return {"type": "message", "text": text, "attachments": attachments}


async def test_one_to_one_conversation_has_a_stable_id(connector: FakeConnector) -> None:
    params = {
        "bot": {"id": BOT_ID},
        "members": [{"id": "29:ada"}],
        "tenantId": TENANT_ID,
        "channelData": {"tenant": {"id": TENANT_ID}},
    }
    async with aiohttp.ClientSession() as http:
        ids = []
        for _ in range(2):
            async with http.post(f"{connector.service_url}v3/conversations", json=params) as r:
                assert r.status == 200
                ids.append((await r.json())["id"])
    assert ids == ["a:conv-29:ada", "a:conv-29:ada"]
    assert ids[0] == connector.conversation_for("29:ada")
    assert [c.status for c in connector.calls_of("create")] == [200, 200]
    assert connector.calls[0].authorization is None
    assert connector.violations == []


async def test_send_and_update_are_recorded(connector: FakeConnector) -> None:
    conversation = connector.conversation_for("29:ada")
    card = valid_card()
    async with aiohttp.ClientSession() as http:
        async with http.post(
            _url(connector, conversation, "activities"), json=_message("Hi", card)
        ) as r:
            assert r.status == 200
            activity_id = (await r.json())["id"]
        updated = {"type": "message", "id": activity_id, "text": "Proposed for Tuesday"}
        async with http.put(
            _url(connector, conversation, "activities", activity_id), json=updated
        ) as r:
            assert r.status == 200
            assert (await r.json()) == {"id": activity_id}
        async with http.put(
            _url(connector, conversation, "activities", "1:nope"), json=updated
        ) as r:
            assert r.status == 404

    [sent] = connector.sent_to(conversation)
    assert sent.id == activity_id and sent.reply_to is None
    assert sent.activity["text"] == "Hi"
    assert sent.updates == [updated]
    assert connector.cards(sent.activity) == [card]
    assert connector.cards(sent) == []  # the update replaced the card with plain text
    assert connector.texts_in(conversation) == ["Proposed for Tuesday"]
    assert [(c.method, c.status) for c in connector.calls] == [
        ("POST", 200),
        ("PUT", 200),
        ("PUT", 404),
    ]
    assert connector.violations == []


async def test_texts_include_card_text_blocks_and_facts(connector: FakeConnector) -> None:
    conversation = connector.conversation_for("29:ada")
    async with aiohttp.ClientSession() as http:
        url = _url(connector, conversation, "activities")
        async with http.post(url, json=_message("", valid_card())) as r:
            activity_id = (await r.json())["id"]
        reply = _url(connector, conversation, "activities", activity_id)
        async with http.post(reply, json=_message("Thanks")) as r:
            assert r.status == 200
    texts = connector.texts_in(conversation)
    assert len(texts) == 2
    assert "Plan your next session" in texts[0] and "Mentor\nAda" in texts[0]
    assert texts[1] == "Thanks"
    assert connector.sent_to(conversation)[1].reply_to == activity_id


async def test_injected_throttling_then_success(connector: FakeConnector) -> None:
    connector.fail("send", 429, retry_after=1)
    url = _url(connector, connector.conversation_for("29:ada"), "activities")
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=_message("one")) as r:
            assert r.status == 429
            assert r.headers["Retry-After"] == "1"
            assert (await r.json())["error"]["code"] == "Throttled"
        async with http.post(url, json=_message("one")) as r:
            assert r.status == 200
    first, second = connector.calls_of("send")
    assert (first.status, second.status) == (429, 200)
    assert first.at <= second.at <= time.monotonic()
    assert len(connector.activities) == 1


async def test_blocked_member(connector: FakeConnector) -> None:
    connector.block("29:ada")
    params = {"bot": {"id": BOT_ID}, "members": [{"id": "29:ada"}], "tenantId": TENANT_ID}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{connector.service_url}v3/conversations", json=params) as r:
            assert r.status == 403
            assert (await r.json())["error"]["code"] == "ConversationBlockedByUser"
        url = _url(connector, connector.conversation_for("29:ada"), "activities")
        async with http.post(url, json=_message("hello")) as r:
            assert r.status == 403
    assert connector.activities == {}
    assert [c.status for c in connector.calls] == [403, 403]


async def test_get_member(connector: FakeConnector) -> None:
    conversation = connector.conversation_for("29:ada")
    async with aiohttp.ClientSession() as http:
        async with http.get(_url(connector, conversation, "members", "29:ada")) as r:
            assert r.status == 200
            member = await r.json()
        async with http.get(_url(connector, conversation, "members", "29:nobody")) as r:
            assert r.status == 404
            error = await r.json()
    assert member["id"] == "29:ada" and member["name"] == "Ada Lovelace"
    assert member["tenantId"] == TENANT_ID
    assert member["aadObjectId"] and member["userPrincipalName"]
    assert error["error"]["code"] == "MemberNotFoundInConversation"


async def test_invalid_cards_become_violations(connector: FakeConnector) -> None:
    card = valid_card()
    card["version"] = "1.6"
    url = _url(connector, connector.conversation_for("29:ada"), "activities")
    async with aiohttp.ClientSession() as http, http.post(url, json=_message("Hi", card)) as r:
        assert r.status == 200
    assert len(connector.violations) == 1
    assert "attachments[0]" in connector.violations[0]
    assert "version 1.6" in connector.violations[0]
