"""The neutral message model: text, optional buttons, optional form; adapters render it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type only: bot.calendar builds invites, adapters read them
    from bot.calendar.ics import Occurrence


@dataclass(frozen=True)
class Button:
    """A button; `action` is a stable namespaced id such as ``pairing.accept``."""

    label: str
    action: str
    value: str = ""
    primary: bool = False
    for_person: str = ""  # the handle of the one person this button is for, in a shared chat
    url: str = ""  # a link to open instead of an action to run


@dataclass(frozen=True)
class Ask:
    """One question of a message with its own one-tap answers (a 1-5 rating, yes / no, Mark
    done), shown as a line with its row of buttons under it."""

    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Select:
    """One choice among options, which runs `action` with the chosen option's value (the
    whole value, id included): a select menu in Slack, a choice list with a button in Teams.
    For one setting with several values, where a button each would crowd the message."""

    label: str
    action: str
    options: tuple[Choice, ...]
    initial: str = ""
    submit_label: str = "OK"


@dataclass(frozen=True)
class Field:
    """One input of a form. `kind` is one of date, time, choice, text, multiline; `limit`
    is the most characters the engine keeps (0: the platform's default for the kind)."""

    id: str
    label: str
    kind: str = "text"
    choices: tuple[Choice, ...] = ()
    optional: bool = False
    initial: str = ""
    limit: int = 0


@dataclass(frozen=True)
class Form:
    """A form; submitting it raises a FormSubmitted event with `id` as its action."""

    id: str
    title: str
    fields: tuple[Field, ...]
    submit_label: str = "Save"
    value: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file to hand over, such as an export or a calendar invite. `ref` names it for the
    engine to produce again later (a download link on a platform without file uploads)."""

    name: str
    content: str
    mime: str = "text/csv"
    ref: str = ""


@dataclass(frozen=True)
class Invite:
    """What a calendar invite in a message is: adapters offer "add to calendar" links for a
    REQUEST (`event` is the first VEVENT of its file), and the console shows the line."""

    method: str
    event: Occurrence
    events: int = 1  # VEVENTs in the file (a cancellation may cover several sessions)


@dataclass(frozen=True)
class Series:
    """One named line or set of bars: a value for each of its chart's categories."""

    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Chart:
    """A bar or line chart for adapters that can draw one (kind "bar" or "line"), with its
    words: `plain()` says the same, for notifications, screen readers and the console.
    `unit` names what the values count and `axis` the categories; the categories at the
    positions in `quiet` (weeks without activity) are drawn but left out of the words, and
    `spoken` words the categories where they differ from the short labels drawn. `top` is
    where the value axis ends (whole numbers for counts, 5 for ratings; 0: the platform's
    choice)."""

    title: str
    kind: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = ""
    quiet: frozenset[int] = frozenset()
    top: float = 0.0
    axis: str = ""
    spoken: tuple[str, ...] = ()

    def plain(self) -> str:
        names = " / ".join(s.name for s in self.series)
        title = self.title if len(self.series) == 1 else f"{self.title} ({names})"
        points = ", ".join(
            f"{c} {'/'.join(f'{s.values[n]:g}' for s in self.series)}"
            for n, c in enumerate(self.spoken or self.categories)
            if n not in self.quiet
        )
        return f"{title}: {points}"


@dataclass(frozen=True)
class Table:
    """Rows under column headings, for adapters that draw tables; `lines` say the same in
    words: a heading, then a line for each row (what the console and notifications show).
    `more` counts the rows left out of `rows` (the lines hold them all)."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str | int, ...], ...]
    lines: tuple[str, ...] = ()
    more: int = 0

    def words(self, rows: int) -> tuple[str, ...]:
        """The heading and the lines of the first `rows` rows: the table in words, cut where
        a drawn one is."""
        return self.lines[: 1 + rows]


@dataclass(frozen=True)
class Section:
    """A titled part of a message: label/value facts, then a table, lines, questions with
    their own buttons (`asks`, such as a pair at risk to act on) and charts (one program's
    status)."""

    title: str
    facts: tuple[tuple[str, str], ...] = ()
    lines: tuple[str, ...] = ()
    charts: tuple[Chart, ...] = ()
    table: Table | None = None
    asks: tuple[Ask, ...] = ()

    def plain(self, buttons: bool = False) -> str:
        """The section in words; with `buttons`, each ask's buttons as [Label] too."""
        shown = [self.title, *(f"{k}: {v}" for k, v in self.facts)]
        if self.table:
            shown += self.table.lines
        shown += self.lines
        for ask in self.asks:
            shown.append(ask.text)
            if buttons and ask.buttons:
                shown.append(" ".join(f"[{b.label}]" for b in ask.buttons))
        return "\n".join([*shown, *(c.plain() for c in self.charts)])


@dataclass(frozen=True)
class Message:
    """What the engine says to one person; `form` is opened or shown inline by the adapter.

    `audience` names further people (handles) the message is for: a platform that has group
    chats sends it once to all of them together. `asks` are questions with their own buttons,
    after the text; `select` a one-choice menu before the buttons. `redraw`, on the answer
    to a click, says that the answer is the clicked message drawn anew (a card with one of
    its asks answered): it replaces the whole message, not only the row that was pressed.
    `replaces` names (by the platform's id, SENT_AS) a message of ours sent earlier that this
    one is drawn in place of, pinging nobody: a nudge whose times are gone once the pair
    booked.
    """

    text: str
    buttons: tuple[Button, ...] = ()
    form: Form | None = None
    file: Attachment | None = None
    sections: tuple[Section, ...] = ()
    audience: tuple[str, ...] = ()
    invite: Invite | None = None
    asks: tuple[Ask, ...] = ()
    redraw: bool = False
    select: Select | None = None
    replaces: str = ""

    def plain(self) -> str:
        """The text, the asks and the sections as plain text: what a platform without layout
        shows, and what notifications and screen readers read."""
        parts = [self.text, *(a.text for a in self.asks), *(s.plain() for s in self.sections)]
        return "\n\n".join(p for p in parts if p)

    @property
    def every_button(self) -> tuple[Button, ...]:
        """The asks' buttons, then the message's own."""
        return (*(b for a in self.asks for b in a.buttons), *self.buttons)


@dataclass(frozen=True)
class FormErrors:
    """A refused form: messages keyed by field id, for the adapter to show on the right field."""

    errors: dict[str, str] = field(default_factory=dict)
    form: Form | None = None

    @property
    def text(self) -> str:
        return " ".join(self.errors.values())


def shorten(text: str, limit: int) -> str:
    """`text` for display in at most `limit` characters, with an ellipsis when cut (what is
    stored stays whole)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class NotYours:
    """The answer to someone pressing buttons meant for another person (`owner`, a handle):
    what they pressed stays as it is, and only they are told whose buttons those are."""

    owner: str


class Refused(Exception):
    """A request the engine will not carry out; the message says why and what to do. The
    engine answers it as a reply, from whichever flow raised it."""
