"""Teams reads text as Markdown: what people type must reach their partner as typed, with no
link, emphasis or HTML made from it (checked with a CommonMark parser)."""

from __future__ import annotations

from markdown_it import MarkdownIt

from adapters.teams import render
from bot.domain.messages import Button, Field, Form, FormErrors, Message, Section

ATTACK = "[Join the call](https://evil.example/login) **urgent** <b>x</b> `code` _it_ ~s~ a\\b"
MARKDOWN = MarkdownIt("commonmark")


def _inline_tokens(text: str):
    for block in MARKDOWN.parse(text):
        yield from block.children or []


def shown_as_typed(text: str) -> str:
    """What a CommonMark renderer shows for `text`, failing on any markup it would make."""
    shown = []
    for token in _inline_tokens(text):
        assert token.type in ("text", "softbreak", "hardbreak"), (token.type, text)
        shown.append(token.content if token.type == "text" else "\n")
    return "".join(shown)


def _texts(node) -> list[str]:
    """Every markdown-read text of a card: TextBlocks and facts."""
    found = []
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            found.append(node["text"])
        if node.get("type") == "FactSet":
            found += [part for fact in node["facts"] for part in (fact["title"], fact["value"])]
        for value in node.values():
            found += _texts(value)
    elif isinstance(node, list):
        for value in node:
            found += _texts(value)
    return found


def test_plain_message_text_shows_a_link_attempt_literally():
    activity = render.activity(Message(f"Topic: {ATTACK}"))
    assert activity["textFormat"] == "markdown"
    assert shown_as_typed(activity["text"]) == f"Topic: {ATTACK}"


def test_every_card_text_shows_user_text_literally():
    form = Form("f", f"Form {ATTACK}", (Field("topic", "Topic", initial=ATTACK),), value="1")
    message = Message(
        f"Agenda\nTopic: {ATTACK}",
        buttons=(Button("Accept", "pairing.accept", "1"),),
        sections=(Section(f"Title {ATTACK}", ((f"Pair {ATTACK}", ATTACK),), (ATTACK,)),),
        form=form,
    )
    card = render.card(message, above=f"Earlier: {ATTACK}")
    texts = _texts(card)
    assert len(texts) >= 6
    for text in texts:
        assert ATTACK in shown_as_typed(text), text
    refused = render.after_click(ATTACK, FormErrors({"topic": f"Bad {ATTACK}"}, form))
    for text in _texts(refused):
        assert ATTACK in shown_as_typed(text) or text.strip() == "", text


def test_our_own_lists_and_line_breaks_still_render():
    text = render.activity(Message("Suggested agenda:\n1) Demo\n- open item"))["text"]
    assert "1) Demo" in text and "- open item" in text


def test_an_input_takes_as_many_characters_as_the_engine_keeps():
    field = Field("what_changed", "What changed?", kind="multiline", limit=20_000)
    [element] = [
        b
        for b in render.card(Message("", form=Form("r", "R", (field,))))["body"]
        if b.get("id") == "what_changed"
    ]
    assert element["maxLength"] == 20_000


def test_a_huge_text_fits_a_teams_message_in_bytes_escaped_and_all():
    import json

    for huge in ("_" * 25_000, "ü" * 25_000, "[x](y) " * 5_000):
        activity = render.activity(Message(huge))
        assert len(json.dumps(activity, ensure_ascii=False).encode()) < 28_000
        assert activity["text"].endswith("…") and not activity["text"].endswith("\\…")
        card = render.card(Message(huge, buttons=(Button("Ok", "x.y"),)))
        assert len(json.dumps(card, ensure_ascii=False).encode()) < 28_000
