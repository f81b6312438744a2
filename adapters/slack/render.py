"""Neutral messages and forms → Block Kit messages, modals and the App Home view: pure
functions within Slack's limits (https://api.slack.com/reference/block-kit/blocks): 50 blocks
per message, 100 per view, 3000 characters per text object, 75 per button label, 25 elements
per actions block."""

from __future__ import annotations

from dataclasses import replace

from adapters.slack import charts
from bot.calendar.ics import REQUEST, google_link, outlook_link
from bot.domain import prompts
from bot.domain.ids import parse_handle
from bot.domain.messages import Button, Field, Form, FormErrors, Message, Section, Select

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
TEXT_LIMIT = 3000
LABEL_LIMIT = 75
TITLE_LIMIT = 24
ACTIONS_PER_BLOCK = 25
FIELDS_PER_SECTION = 10
FIELD_LIMIT = 2000
INPUT_LIMIT = 3000  # the most a plain_text_input takes
URL_LIMIT = 3000  # the longest address a button may open
INPUT = "value"  # the action_id of every input element; the block_id is the field id


def escape(text: str) -> str:
    """User text made inert in mrkdwn: no `<!channel>`, no fake mentions or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_text(text: str, limit: int = TEXT_LIMIT) -> dict:
    return {"type": "plain_text", "text": _cut(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": _cut(escape(text), TEXT_LIMIT)}


def with_calendar_links(message: Message) -> Message:
    """An invite with "Add to Google Calendar" and "Add to Outlook" link buttons first (a
    cancellation has none: calendars take it from the attached file)."""
    invite = message.invite
    if invite is None or invite.method != REQUEST:
        return message
    links = (
        Button(prompts.text("buttons.add_google"), "link.google", url=google_link(invite.event)),
        Button(prompts.text("buttons.add_outlook"), "link.outlook", url=outlook_link(invite.event)),
    )
    # A longer address would get the whole message refused; the file still carries it all.
    fitting = tuple(b for b in links if len(b.url) <= URL_LIMIT)
    return replace(message, buttons=(*fitting, *message.buttons))


def fallback_text(message: Message) -> str:
    """The notification text shown where blocks cannot be (push notifications, old clients)."""
    return _cut(escape(message.plain()), TEXT_LIMIT)


def message_blocks(message: Message, limit: int = MESSAGE_BLOCKS) -> list[dict]:
    """One message's blocks: text, sections (facts as fields; charts, tables in words)."""
    content = [b for unit in _units(message) for b in unit.words]
    return _fit(content, _actions(message), limit)


def message_pages(message: Message, most: int = 0) -> list[charts.Page]:
    """The message as messages (at most `most`, if given) with its charts and tables drawn,
    two charts and one table each at most; each page also comes with them in words."""
    if not charts.has_pictures(message):
        blocks = message_blocks(message)
        return [charts.Page(fallback_text(message), blocks, blocks)]
    units, buttons = _units(message), _actions(message)
    pages = charts.paginate(units, buttons, MESSAGE_BLOCKS, _fit)
    pages = charts.at_most(pages, most or len(pages), _fit, MESSAGE_BLOCKS)
    return [replace(pages[0], text=fallback_text(message)), *pages[1:]]


def _units(message: Message) -> list[charts.Unit]:
    own = button_blocks(message.buttons) if message.asks else []  # under the text they answer
    units = [charts.text_unit(text_blocks(message.text) + own)]
    for n, ask in enumerate(message.asks):  # each question with its own row of buttons
        units.append(
            charts.text_unit(text_blocks(ask.text) + button_blocks(ask.buttons, f"ask.{n}"))
        )
    for n, section in enumerate(message.sections):
        divider = [{"type": "divider"}] if n or message.text else []
        units.append(charts.text_unit(divider + _section_blocks(section)))
        for k, ask in enumerate(section.asks):  # a pair to act on, with its buttons
            own = button_blocks(ask.buttons, f"section.{n}.ask.{k}")
            units.append(charts.text_unit(text_blocks(ask.text) + own))
        units += charts.section_units(section, n, text_blocks, _small)
    return units


def _small(text: str) -> dict:
    return {"type": "context", "elements": [mrkdwn(chunk) for chunk in _chunks(text)][:10]}


def text_blocks(text: str) -> list[dict]:
    """Sections of mrkdwn, split on line breaks so that none passes the text limit."""
    return [{"type": "section", "text": mrkdwn(chunk)} for chunk in _chunks(text)]


def _actions(message: Message) -> list[dict]:
    """The message's select menu (with its label), then its buttons (which go under its text
    instead when questions with their own buttons follow it)."""
    own = () if message.asks else message.buttons
    return select_blocks(message.select) + button_blocks(own)


def select_blocks(select: Select | None, prefix: str = "select") -> list[dict]:
    """A one-choice menu: a static_select in an actions block (choosing runs the action with
    the option's value; https://api.slack.com/reference/block-kit/block-elements#static_select)."""
    if select is None:
        return []
    options = [
        {"text": plain_text(c.label, LABEL_LIMIT), "value": c.value[:150]}
        for c in select.options[:100]
    ]
    element: dict = {
        "type": "static_select",
        "action_id": select.action,
        "placeholder": plain_text(select.label, 150),
        "options": options,
    }
    chosen = [o for o, c in zip(options, select.options, strict=False) if c.value == select.initial]
    if chosen:
        element["initial_option"] = chosen[0]
    label = {"type": "context", "elements": [mrkdwn(select.label)]}
    return [label, {"type": "actions", "block_id": prefix, "elements": [element]}]


def button_blocks(buttons: tuple[Button, ...], prefix: str = "actions") -> list[dict]:
    """Actions blocks; buttons meant for one person get their own block, named after them."""
    blocks: list[dict] = []
    groups: list[tuple[str, list[Button]]] = []
    for button in buttons:
        if groups and groups[-1][0] == button.for_person:
            groups[-1][1].append(button)
        else:
            groups.append((button.for_person, [button]))
    for n, (person, group) in enumerate(groups):
        user_id = parse_handle(person)[1] if person else ""
        if user_id:
            blocks.append(
                {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<@{user_id}>"}]}
            )
        for start in range(0, len(group), ACTIONS_PER_BLOCK):
            chunk = group[start : start + ACTIONS_PER_BLOCK]
            block_id = f"for.{user_id}" if user_id else f"{prefix}.{n}.{start}"
            blocks.append({"type": "actions", "block_id": block_id, "elements": _buttons(chunk)})
    return blocks


def after_click(blocks: list[dict], block_id: str, reply: Message, tag: str) -> list[dict]:
    """The original message's blocks with the clicked actions block replaced by the reply
    (and the reply's own buttons), so the same buttons cannot be pressed twice; a reply that
    redraws the message replaces it whole."""
    if reply.redraw:
        return message_blocks(with_calendar_links(reply))
    answer = [{"type": "context", "elements": [mrkdwn(chunk)]} for chunk in _chunks(reply.text)]
    for n, ask in enumerate(reply.asks):  # the answer's own questions, each with its buttons
        answer += [{"type": "context", "elements": [mrkdwn(c)]} for c in _chunks(ask.text)]
        answer += button_blocks(ask.buttons, prefix=f"r{tag}.{n}")
    answer += [
        {"type": "context", "elements": [mrkdwn(chunk)]}
        for section in reply.sections
        for chunk in _chunks(section.plain())
    ]
    answer += select_blocks(reply.select, prefix=f"rs{tag}") + button_blocks(
        reply.buttons, prefix=f"r{tag}"
    )
    out: list[dict] = []
    replaced = False
    for block in blocks:
        if block.get("block_id") == block_id and not replaced:
            out += answer
            replaced = True
        else:
            out.append(block)
    if not replaced:
        out += answer
    if len(out) <= MESSAGE_BLOCKS:
        return out
    kept = [b for b in out if b.get("type") != "actions"]
    return _fit(kept, [b for b in out if b.get("type") == "actions"], MESSAGE_BLOCKS)


def modal(form: Form, intro: str, metadata: str) -> dict:
    """A modal for `form`; `intro` (the message that came with it) is shown above the inputs."""
    blocks = [{"type": "context", "elements": [mrkdwn(intro)]}] if intro else []
    blocks += [_input(f) for f in form.fields]
    return {
        "type": "modal",
        "callback_id": form.id,
        "title": plain_text(form.title, TITLE_LIMIT),
        "submit": plain_text(form.submit_label, TITLE_LIMIT),
        "close": plain_text("Cancel", TITLE_LIMIT),
        "private_metadata": metadata,
        "blocks": blocks[:VIEW_BLOCKS],
    }


def errors(refused: FormErrors, form_fields: list[str]) -> dict[str, str]:
    """`response_action: errors` content: each message on its field's block (the first field
    when the engine named none of the modal's fields)."""
    out: dict[str, str] = {}
    for field_id, text in refused.errors.items():
        target = field_id if field_id in form_fields else (form_fields[0] if form_fields else "")
        out[target] = _cut(f"{out[target]} {text}" if target in out else text, FIELD_LIMIT)
    return out


def form_values(view: dict) -> dict[str, str]:
    """The submitted inputs of a modal by field id, as text (empty when left blank)."""
    values: dict[str, str] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        element = actions.get(INPUT) if isinstance(actions, dict) else None
        if not isinstance(element, dict):
            continue
        kind = element.get("type")
        if kind == "datepicker":
            value = element.get("selected_date")
        elif kind == "timepicker":
            value = element.get("selected_time")
        elif kind == "static_select":
            value = (element.get("selected_option") or {}).get("value")
        else:
            value = element.get("value")
        values[str(block_id)] = value if isinstance(value, str) else ""
    return values


def home_view(title: str, message: Message) -> dict:
    """The App Home tab: a header, then the person's status with its buttons."""
    header = {"type": "header", "text": plain_text(title, 150)}
    return {"type": "home", "blocks": [header, *message_blocks(message, VIEW_BLOCKS - 1)]}


def _section_blocks(section: Section) -> list[dict]:
    blocks: list[dict] = [{"type": "section", "text": mrkdwn(section.title)}]
    blocks[0]["text"]["text"] = f"*{blocks[0]['text']['text']}*"
    facts = [
        {"type": "mrkdwn", "text": _cut(f"*{escape(label)}*\n{escape(value)}", FIELD_LIMIT)}
        for label, value in section.facts
    ]
    for start in range(0, len(facts), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": facts[start : start + FIELDS_PER_SECTION]})
    if section.lines:
        blocks += text_blocks("\n".join(section.lines))
    return blocks


def _buttons(buttons: list[Button]) -> list[dict]:
    elements, seen = [], set()
    for button in buttons:
        action_id = button.action
        if action_id in seen:  # action ids must be unique within a block
            action_id = f"{button.action}#{len(seen)}"
        seen.add(action_id)
        element = {
            "type": "button",
            "action_id": action_id,
            "text": plain_text(button.label, LABEL_LIMIT),
        }
        if button.value:  # a link button carries none
            element["value"] = button.value[:2000]
        if button.primary:
            element["style"] = "primary"
        if button.url:
            element["url"] = button.url
        elements.append(element)
    return elements


def _input(field: Field) -> dict:
    element: dict = {"action_id": INPUT}
    if field.kind == "date":
        element["type"] = "datepicker"
        if field.initial:
            element["initial_date"] = field.initial
    elif field.kind == "time":
        element["type"] = "timepicker"
        if field.initial:
            element["initial_time"] = field.initial
    elif field.kind == "choice":
        options = [
            {"text": plain_text(c.label, LABEL_LIMIT), "value": c.value[:150]}
            for c in field.choices[:100]
        ]
        element.update(type="static_select", options=options)
        initial = [
            o for o, c in zip(options, field.choices, strict=False) if c.value == field.initial
        ]
        if initial:
            element["initial_option"] = initial[0]
    else:
        element["type"] = "plain_text_input"
        element["multiline"] = field.kind == "multiline"
        if field.limit:  # Slack's own ceiling is 3000; longer texts can be typed as a reply
            element["max_length"] = min(field.limit, INPUT_LIMIT)
        if field.initial:
            element["initial_value"] = field.initial
    return {
        "type": "input",
        "block_id": field.id,
        "label": plain_text(field.label, FIELD_LIMIT),
        "optional": field.optional,
        "element": element,
    }


def _fit(content: list[dict], actions: list[dict], limit: int) -> list[dict]:
    """Content blocks, then the actions; content is cut short (with a note) to fit `limit`."""
    room = limit - len(actions)
    if len(content) > room:
        dropped = len(content) - room + 1
        note = {"type": "context", "elements": [mrkdwn(f"({dropped} more parts not shown.)")]}
        content = [*content[: room - 1], note]
    return content + actions


def _chunks(text: str, limit: int = 2400) -> list[str]:
    """Split on line breaks into pieces of at most `limit` characters (no empty pieces); the
    margin below 3000 leaves room for escaping."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return pieces


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
