"""Neutral messages → Teams activities: plain text, or one Adaptive Card (version 1.5) when
the message has buttons, a form or sections.

Every button and form submits with Action.Submit and a data object that says what it is:
``mb.a`` (a button's action id) or ``mb.f`` (a form's id), ``mb.v`` (its value) and ``mb.t``
(the text of the card it came from, so the card can be redrawn after the click). Teams merges
a form's inputs into the same object, keyed by field id.
"""

from __future__ import annotations

import json
from dataclasses import replace

from adapters.teams import charts
from bot.domain.messages import Button, Field, Form, FormErrors, Message, Section, Select

CARD = "application/vnd.microsoft.card.adaptive"
VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
ACTION, FORM, VALUE, TEXT = "mb.a", "mb.f", "mb.v", "mb.t"
CHOICE = "mb.c"  # the input of a one-choice menu (Message.select): its option is the value
OWN = "mb.own"  # the ActionSet of the message's own buttons, under its text (before its asks)
CONTEXT_LIMIT = 1000  # characters of the original text carried in each button's data
SUMMARY_LIMIT = 500  # characters of a card's summary
# Teams refuses an activity over about 28 KB in all; one text keeps well inside that.
TEXT_BYTES = 24_000
# Default Input.Text lengths when the engine sets no limit of its own.
MULTILINE_LIMIT, LINE_LIMIT = 4000, 200
# Teams reads message text and TextBlock/FactSet text as Markdown
# (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format),
# so a topic like "[Join](https://evil.example)" would become a disguised link. Our own copy
# uses none of these characters; everything we show is escaped, which keeps people's text as
# they typed it.
_MARKUP = str.maketrans({c: "\\" + c for c in "\\`*_[]<>~"})


def escape(text: str) -> str:
    """Text made inert as Markdown: no links, emphasis, code or HTML from what people typed."""
    return text.translate(_MARKUP)


def activity(message: Message) -> dict:
    """The message as a Bot Framework activity (a dict the connector client accepts)."""
    text = _fit(escape(message.plain()))
    if not (message.buttons or message.form or message.sections or message.asks or message.select):
        return {"type": "message", "text": text, "textFormat": "markdown"}
    return {
        "type": "message",
        "summary": summary(message),
        "attachments": [attachment(card(message))],
    }


def summary(message: Message) -> str:
    """What a notification and a screen reader say of a card: the whole message in words,
    the questions included, shortened at a word when long (a status's figures)."""
    words = " ".join(message.plain().split())
    if len(words) <= SUMMARY_LIMIT:
        return words
    return words[: SUMMARY_LIMIT - 1].rsplit(" ", 1)[0] + "…"


def attachment(content: dict) -> dict:
    return {"contentType": CARD, "content": content}


def card(message: Message, *, above: str = "", errors: FormErrors | None = None) -> dict:
    """An Adaptive Card for `message`; `above` is earlier text shown dimmed at the top (the
    card this one replaces), `errors` the reasons a submitted form was refused."""
    body: list[dict] = []
    if above:
        body.append(_text(above, subtle=True))
    if message.text:
        body.append(_text(message.text))
    own = [_button(b, message.text) for b in message.buttons]
    if message.asks and own:  # the text's own buttons under it, not under the last question
        body.append({"type": "ActionSet", "id": OWN, "actions": own})
        own = []
    for ask in message.asks:  # each question with its own row of buttons
        body.append(_text(ask.text))
        if ask.buttons:
            body.append(
                {"type": "ActionSet", "actions": [_button(b, message.text) for b in ask.buttons]}
            )
    for section in message.sections:
        body += _section(section, message.text)
    actions = own
    if message.select is not None:
        body += _select(message.select)
        actions.insert(0, _choose(message.select, message.text))
    form = errors.form if errors and errors.form else message.form
    if form is not None:
        if errors:
            body.append(_text(errors.text, attention=True))
        body += _inputs(form, errors)
        actions.append(_submit(form, message.text))
    content: dict = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body or [_text(" ")],
    }
    if actions:
        content["actions"] = actions
    if message.sections:  # figures, charts and tables: the chat's full width, not ~450 px
        content["msteams"] = {"width": "Full"}
    return content


def after_click(previous: str, reply: Message | FormErrors, submitted: dict | None = None) -> dict:
    """The card that replaces a clicked one: its old text, dimmed, then the answer (or the
    form again with the reasons it was refused, keeping what the person typed)."""
    if isinstance(reply, FormErrors):
        form = reply.form
        if form is not None and submitted:
            form = _refill(form, submitted)
        return card(Message(""), above=previous, errors=FormErrors(reply.errors, form))
    return card(reply) if reply.redraw else card(reply, above=previous)


def _refill(form: Form, submitted: dict) -> Form:
    fields = tuple(replace(f, initial=str(submitted.get(f.id, f.initial))) for f in form.fields)
    return Form(form.id, form.title, fields, form.submit_label, form.value)


def _text(text: str, *, subtle: bool = False, attention: bool = False) -> dict:
    block = {"type": "TextBlock", "text": _fit(escape(text)), "wrap": True}
    if subtle:
        block["isSubtle"] = True
    if attention:
        block["color"] = "attention"
        block["weight"] = "bolder"
    return block


def _section(section: Section, text: str) -> list[dict]:
    blocks = [_text(section.title) | {"weight": "bolder"}]
    if section.facts:
        facts = [{"title": escape(label), "value": escape(value)} for label, value in section.facts]
        blocks.append({"type": "FactSet", "facts": facts})
    blocks += [_text(line) for line in section.lines]
    for ask in section.asks:  # a pair to act on, with its buttons
        blocks.append(_text(ask.text))
        if ask.buttons:
            blocks.append({"type": "ActionSet", "actions": [_button(b, text) for b in ask.buttons]})
    blocks += [charts.chart_element(chart, _text) for chart in section.charts]
    if section.table is not None:
        blocks += charts.table_element(section.table, _text, _text)
    return blocks


def _data(text: str, **fields: str) -> dict:
    return {**fields, TEXT: text[:CONTEXT_LIMIT]}


def _button(b: Button, text: str) -> dict:
    if b.url:
        button: dict = {"type": "Action.OpenUrl", "title": b.label, "url": b.url}
    else:
        button = {
            "type": "Action.Submit",
            "title": b.label,
            "data": _data(text, **{ACTION: b.action, VALUE: b.value}),
        }
    if b.primary:
        button["style"] = "positive"
    return button


def _select(select: Select) -> list[dict]:
    """A one-choice menu: a compact ChoiceSet whose value is the action's whole value."""
    element: dict = {
        "type": "Input.ChoiceSet",
        "id": CHOICE,
        "label": select.label,
        "style": "compact",
        "choices": [{"title": c.label, "value": c.value} for c in select.options],
    }
    if select.initial:
        element["value"] = select.initial
    return [element]


def _choose(select: Select, text: str) -> dict:
    return {
        "type": "Action.Submit",
        "title": select.submit_label,
        "data": _data(text, **{ACTION: select.action}),
    }


def _submit(form: Form, text: str) -> dict:
    return {
        "type": "Action.Submit",
        "title": form.submit_label,
        "style": "positive",
        "data": _data(text, **{FORM: form.id, VALUE: form.value}),
    }


def _inputs(form: Form, errors: FormErrors | None) -> list[dict]:
    blocks: list[dict] = [_text(form.title) | {"weight": "bolder"}]
    for f in form.fields:
        blocks.append(_input(f))
        if errors and f.id in errors.errors:
            blocks.append(_text(errors.errors[f.id], attention=True))
    return blocks


def _input(f: Field) -> dict:
    element: dict = {"id": f.id, "label": f.label, "isRequired": not f.optional}
    if f.kind == "date":
        element["type"] = "Input.Date"
    elif f.kind == "time":
        element["type"] = "Input.Time"
    elif f.kind == "choice":
        element["type"] = "Input.ChoiceSet"
        element["style"] = "expanded" if len(f.choices) <= 3 else "compact"
        element["choices"] = [{"title": c.label, "value": c.value} for c in f.choices]
    else:
        element["type"] = "Input.Text"
        element["isMultiline"] = f.kind == "multiline"
        element["maxLength"] = f.limit or (MULTILINE_LIMIT if f.kind == "multiline" else LINE_LIMIT)
    if f.initial:
        element["value"] = f.initial
    if not f.optional:
        element["errorMessage"] = f"{f.label} is needed."
    return element


def submitted(data: dict) -> dict[str, str]:
    """A submitted form's inputs by field id (our own keys left out), as text."""
    return {
        str(k): v if isinstance(v, str) else str(v)
        for k, v in data.items()
        if not str(k).startswith("mb.") and v is not None
    }


def _fit(text: str, limit: int = TEXT_BYTES) -> str:
    """Escaped text whose JSON, as the connector sends it (UTF-8), fits a Teams message;
    visibly shortened when it must be, never ending on half an escape."""
    size = _json_bytes(text)
    if size <= limit:
        return text
    keep = len(text)
    while size > limit:  # each round keeps the share that fits; two or three rounds
        keep = keep * limit // size - 1
        size = _json_bytes(text[:keep])
    return text[:keep].rstrip("\\") + "…"


def _json_bytes(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False).encode())
