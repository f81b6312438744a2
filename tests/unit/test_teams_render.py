"""Adaptive Cards from neutral messages: every kind the engine produces is a valid 1.5 card."""

from __future__ import annotations

import asyncio
import time

from adapters.pacing import Pacer
from adapters.teams import render
from adapters.teams.connector import backoff
from adapters.teams.inbound import text
from bot.domain.messages import Button, Choice, Field, Form, FormErrors, Message, Section
from tests.fakes.card_schema import problems

FORM = Form(
    "session.schedule",
    "Book a session",
    (
        Field("date", "Date", kind="date"),
        Field("time", "Start time", kind="time"),
        Field("minutes", "Length", kind="choice", choices=(Choice("30", "30"), Choice("45", "45"))),
        Field("topic", "Topic", optional=True),
        Field("notes", "Notes", kind="multiline", optional=True),
    ),
    submit_label="Book it",
    value="7",
)


def test_messages_with_buttons_sections_forms_and_links_are_valid_cards():
    messages = [
        Message("Hi", buttons=(Button("Accept", "pairing.accept", "1", primary=True),)),
        Message("Status", sections=(Section("Pilot", (("pairs", "2"),), ("- one at risk",)),)),
        Message("Pick a time", form=FORM),
        Message("Ready", buttons=(Button("Download", "x", url="https://h/x"),)),
    ]
    for message in messages:
        activity = render.activity(message)
        [attachment] = activity["attachments"]
        assert attachment["contentType"] == render.CARD
        assert problems(attachment["content"]) == [], message
    assert render.activity(Message("plain"))["text"] == "plain"


def test_a_refused_form_comes_back_with_reasons_and_what_was_typed():
    refused = FormErrors({"minutes": "Sessions are 30 to 60 minutes."}, FORM)
    card = render.after_click("Time to book", refused, {"date": "2026-12-01", "minutes": "90"})
    assert problems(card) == []
    assert "30 to 60" in str(card["body"]) and card["body"][0]["isSubtle"]
    by_id = {b["id"]: b for b in card["body"] if "id" in b}
    assert by_id["date"]["value"] == "2026-12-01"
    [submit] = card["actions"]
    assert submit["data"][render.FORM] == "session.schedule" and submit["data"][render.VALUE] == "7"


def test_after_a_click_the_buttons_are_gone():
    card = render.after_click("Would you like to join?", Message("Thanks - you're in."))
    assert problems(card) == [] and "actions" not in card


def test_typed_text_keeps_people_mentions_and_drops_the_bots():
    activity = {
        "text": "<at>mentorbot</at> pair <at>Mina</at> <at>Erik</at> Learn&nbsp;video<br>",
        "recipient": {"id": "28:bot"},
        "entities": [
            {"type": "mention", "text": "<at>mentorbot</at>", "mentioned": {"id": "28:bot"}},
            {"type": "mention", "text": "<at>Mina</at>", "mentioned": {"id": "29:m"}},
        ],
    }
    assert text(activity) == "pair <at>Mina</at> <at>Erik</at> Learn video"


async def test_pacer_spaces_calls_per_key():
    pacer = Pacer(20.0)  # one call per 50 ms for a key
    started = time.monotonic()
    await asyncio.gather(*(pacer.wait("a") for _ in range(5)), pacer.wait("b"))
    assert time.monotonic() - started >= 0.19  # the 5th call of "a" waited 4 intervals


def test_backoff_never_undercuts_retry_after_and_grows():
    assert all(backoff(1, 2.0) >= 2.0 for _ in range(50))
    assert max(backoff(4, None) for _ in range(200)) > max(backoff(1, None) for _ in range(200))
