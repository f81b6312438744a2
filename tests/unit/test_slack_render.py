"""Block Kit rendering keeps within Slack's limits and never lets user text act as markup."""

from dataclasses import replace
from datetime import UTC, datetime

from adapters.slack import render
from bot.calendar.ics import Occurrence
from bot.domain.messages import Button, Choice, Field, Form, FormErrors, Invite, Message, Section


def test_user_text_cannot_mention_the_channel_or_fake_a_link():
    blocks = render.message_blocks(Message("Goal: <!channel> <@U123> <http://x|y> & co"))
    text = blocks[0]["text"]["text"]
    assert "<" not in text and ">" not in text
    assert "&lt;!channel&gt;" in text and "&amp; co" in text


def test_long_text_is_split_into_sections_under_3000_characters():
    line = "x" * 120
    blocks = render.message_blocks(Message("\n".join([line] * 100) + "\n" + "y" * 7000))
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks)
    assert sum(b["text"]["text"].count("x" * 120) for b in blocks) == 100


def test_a_huge_message_is_cut_to_50_blocks_and_keeps_its_buttons():
    sections = tuple(Section(f"Program {n}", facts=(("Pairs", "1 active"),)) for n in range(60))
    message = Message(
        "Status", buttons=(Button("Open", "session.schedule", "1"),), sections=sections
    )
    blocks = render.message_blocks(message)
    assert len(blocks) == 50
    assert blocks[-1]["type"] == "actions"
    assert "more parts not shown" in str(blocks[-2])


def test_buttons_have_unique_action_ids_and_short_labels():
    buttons = tuple(Button("Done: " + "z" * 100, "followup.done", str(n)) for n in range(3))
    [block] = render.button_blocks(buttons)
    ids = [e["action_id"] for e in block["elements"]]
    assert len(set(ids)) == 3 and all(i.split("#")[0] == "followup.done" for i in ids)
    assert all(len(e["text"]["text"]) <= 75 for e in block["elements"])


def test_buttons_for_one_person_get_a_block_named_after_them():
    buttons = (
        Button("Accept", "pairing.accept", "7", True, "slack:UA"),
        Button("Accept", "pairing.accept", "7", True, "slack:UB"),
    )
    blocks = render.button_blocks(buttons)
    assert [b.get("block_id") for b in blocks if b["type"] == "actions"] == ["for.UA", "for.UB"]
    assert blocks[0]["elements"][0]["text"] == "<@UA>"


def test_a_form_becomes_a_modal_and_its_errors_land_on_fields():
    form = Form(
        "session.schedule",
        "Book a session with a very long title",
        (
            Field("date", "Date", kind="date"),
            Field(
                "minutes", "Length", kind="choice", choices=(Choice("30", "30 min"),), initial="30"
            ),
            Field("topic", "Topic", optional=True),
        ),
    )
    view = render.modal(form, "Pick a time", '{"v": "1"}')
    assert len(view["title"]["text"]) <= 24 and view["callback_id"] == "session.schedule"
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["element"]["type"] for b in inputs] == [
        "datepicker",
        "static_select",
        "plain_text_input",
    ]
    assert inputs[1]["element"]["initial_option"]["value"] == "30"
    refused = FormErrors({"minutes": "Pick 30, 45 or 60.", "elsewhere": "Try again."})
    assert render.errors(refused, ["date", "minutes", "topic"]) == {
        "minutes": "Pick 30, 45 or 60.",
        "date": "Try again.",
    }


def test_after_a_click_only_the_clicked_buttons_are_replaced():
    original = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Intro"}},
        {"type": "actions", "block_id": "for.UA", "elements": []},
        {"type": "actions", "block_id": "for.UB", "elements": []},
    ]
    blocks = render.after_click(original, "for.UA", Message("Thanks, <b>A"), "t1")
    assert [b.get("block_id") for b in blocks] == [None, None, "for.UB"]
    assert "Thanks, &lt;b&gt;A" in str(blocks[1])


def _invite(topic: str) -> Message:
    event = Occurrence(
        uid="u1@mentorbot",
        sequence=0,
        starts_at=datetime(2026, 3, 5, 9, 0, tzinfo=UTC),
        minutes=45,
        tzid="Europe/Berlin",
        summary="Mentoring: Erik and Mina (Digital Leaders)",
        description=f"Topic: {topic}\nSuggested agenda:\n1) Wins",
    )
    return Message("Here's the calendar invite.", invite=Invite("REQUEST", event))


def test_an_invite_gets_calendar_links_that_carry_no_value_and_fit_slacks_limit():
    blocks = render.message_blocks(render.with_calendar_links(_invite("Reels")))
    links = [e for b in blocks if b["type"] == "actions" for e in b["elements"] if "url" in e]
    assert [e["action_id"] for e in links] == ["link.google", "link.outlook"]
    assert all("value" not in e for e in links), "a link button has no value to send back"
    assert "dates=20260305T090000Z%2F20260305T094500Z" in links[0]["url"]
    # A topic that percent-encodes past 3,000 characters would get the message refused:
    # such a link is left out (the .ics carries everything).
    long = render.with_calendar_links(_invite("数据" * 250))
    assert all(len(b.url) <= 3000 for b in long.buttons)
    assert len(long.buttons) < 2


def test_a_cancellation_gets_no_calendar_links():
    cancel = replace(_invite("Reels"), invite=Invite("CANCEL", _invite("x").invite.event))
    assert render.with_calendar_links(cancel).buttons == ()
