"""Simulated people for the demo: each reacts to what the bot sends, in their own way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.domain.events import ActionClicked, Actor, Event, FormSubmitted, MessageReceived
from bot.domain.messages import Button, Message
from bot.policy.hours import zone


@dataclass
class Persona:
    """A person in the demo and the habits that drive their replies.

    Args:
        books: True for the one who picks session times (usually the executive mentee).
        own_time: picks a time in the form (`hour`, `minutes`) rather than tapping the first
            time a nudge offers.
        ignore_nudges: nudges to ignore before acting on one (a forgetful executive).
        snoozes: times to press "Snooze a week" before booking.
        outcomes: answers to "did it happen?", in order (held / missed / reschedule).
        reflections: what they write when asked; "form:" prefix means the detailed form.
        skip_first_prompt: ignore a reflection prompt and answer only the reminder.
        implements: press "Done" on an open follow-up when offered.
        rates: the 1-5 tapped for "How useful was it?" ("" to let it pass).
        fit: the answer to "Is this pairing working for you?" ("" to let it pass).
        heard: a mentor's answer to "Did <leader> listen to what you brought?" ("" to let
            it pass).
        follows_through: the answer to "Did it happen?" (a button's label).
    """

    actor: Actor
    delay: timedelta = timedelta(hours=1)
    books: bool = False
    own_time: bool = False
    answers_checks: bool = False
    ignore_nudges: int = 0
    snoozes: int = 0
    hour: int = 10
    minutes: str = "45"
    outcomes: list[str] = field(default_factory=list)
    reflections: list[str] = field(default_factory=list)
    skip_first_prompt: bool = False
    implements: bool = False
    rates: str = ""
    fit: str = ""
    heard: str = ""
    follows_through: str = ""
    woken_by_owner: bool = False
    seen_nudges: int = 0
    skipped_prompt: bool = False
    last_nudge: Message | None = None
    cards_seen: set = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.actor.display_name.split()[0]

    def react(self, message: Message, now: datetime, ids) -> list[tuple[datetime, str, Event]]:
        """What this person does about `message`: (when, narration, event) triples; a
        check-in that came along with the message is answered too."""
        done = self._react(message, now, ids)
        buttons = {b.action: b for b in message.every_button}
        if "checkin.answer" in buttons and self.answers_checks and len(buttons) > 1:
            at = now + self.delay
            done.append(self._click(at, buttons["checkin.answer"], ids, "opens the check-in"))
        return done

    def _react(self, message: Message, now: datetime, ids) -> list[tuple[datetime, str, Event]]:
        at = now + self.delay
        buttons = {b.action: b for b in message.every_button}
        if "pairing.accept" in buttons:
            return [self._click(at, buttons["pairing.accept"], ids, "accepts")]
        if "pairing.snooze" in buttons or (
            "session.schedule" in buttons and "objectives.edit" in buttons
        ):
            return self._on_nudge(message, at, buttons, ids)  # a nudge, or "you're both in"
        if "session.held" in buttons and self.answers_checks:
            outcome = self.outcomes.pop(0) if self.outcomes else "held"
            return [self._click(at, buttons[f"session.{outcome}"], ids, f"answers '{outcome}'")]
        if message.form is not None and self.books and message.form.id == "session.schedule":
            return [self._book(at, message.form, ids)]
        if "pulse.answer" in buttons or "reflection.write" in buttons:
            return self._on_card(message, at, buttons, ids)
        if "session.schedule" in buttons and self.books:
            return [self._book_from(message, at, ids, "opens the booking form")]
        if "followthrough.answer" in buttons and self.follows_through:
            [chosen] = [b for b in message.every_button if b.label == self.follows_through]
            return [self._click(at, chosen, ids, f"answers '{chosen.label}'")]
        if "checkin.answer" in buttons and self.answers_checks:
            return [self._click(at, buttons["checkin.answer"], ids, "opens the check-in")]
        if message.form is not None and message.form.id == "checkin.submit":
            return [self._check_in(at, message.form, ids)]
        if message.form is not None and message.form.id == "reflection.submit" and self.reflections:
            return [self._reflect_in_form(at, message.form.value, ids)]
        return []

    def wake(self, now: datetime, ids) -> list[tuple[datetime, str, Event]]:
        """The owner had a word: book from the last nudge after all."""
        if self.last_nudge is None:
            return []
        self.ignore_nudges = 0
        return [self._book_from(self.last_nudge, now + self.delay, ids, "opens the booking form")]

    def _on_nudge(self, message, at, buttons, ids):
        self.seen_nudges += 1
        self.last_nudge = message
        if not self.books or self.seen_nudges <= self.ignore_nudges:
            return []
        if self.snoozes and "pairing.snooze" in buttons:
            self.snoozes -= 1
            return [self._click(at, buttons["pairing.snooze"], ids, "snoozes for a week")]
        return [self._book_from(message, at, ids, "opens the booking form")]

    def _book_from(self, message: Message, at: datetime, ids, story: str):
        """Book from what `message` offers: one tap on the first time it offers, or the form
        (`story`) for someone who picks their own time or when no time is offered."""
        offered = [b for b in message.every_button if b.action == "session.book_at"]
        if offered and not self.own_time:
            return self._click(at, offered[0], ids, f"taps {offered[0].label}")
        form = next(b for b in message.every_button if b.action == "session.schedule")
        return self._click(at, form, ids, story)

    def _on_card(self, message, at, buttons, ids):
        """The post-session card, all in one sitting: the rating and the fit question, an
        action done, the reflection, and booking the next session. The card drawn again
        after each tap is the same card: it is answered once (its reminder once more)."""
        session = next(
            b.value.split(":")[0]
            for b in message.every_button
            if b.action in ("reflection.write", "pulse.answer")
        )
        reminder = "reminder" in message.text
        if (session, reminder) in self.cards_seen:
            return []
        self.cards_seen.add((session, reminder))
        if self.skip_first_prompt and not self.skipped_prompt and not reminder:
            self.skipped_prompt = True
            return []
        done = self._tap(message, at, ids)
        actions = [b for b in message.every_button if b.action == "followup.done"]
        if self.implements and actions:
            done.append(self._click(at, actions[0], ids, "marks a planned action done"))
        if "reflection.write" in buttons and self.reflections:
            if self.reflections[0].startswith("form:"):
                write = buttons["reflection.write"]
                done.append(self._click(at, write, ids, "opens the reflection form"))
            else:
                text = self.reflections.pop(0)
                event = MessageReceived(**self._base(ids), text=text)
                done.append((at, f"replies: {text}", event))
        if "session.schedule" in buttons and self.books:
            done.append(self._book_from(message, at, ids, "books the next one"))
        return done

    def _tap(self, message: Message, at: datetime, ids) -> list:
        """The rating ("<session>:useful:<n>"), the fit answer ("<session>:fit:<answer>") and
        a mentor's "were you heard?" ("<session>:heard:<answer>") this person gives, where
        the message asks them."""
        taps = []
        for button in message.every_button:
            if button.action != "pulse.answer":
                continue
            _, kind, value = button.value.split(":")
            wanted = {"useful": self.rates, "heard": self.heard}.get(kind, self.fit)
            if value == wanted:
                story = f"taps {button.label}" if kind == "useful" else f"answers '{button.label}'"
                taps.append(self._click(at, button, ids, story))
        return taps

    def _book(self, at: datetime, form, ids):
        """The date the form suggests (the next session's due day), else three days on."""
        pairing_value = form.value
        tz = zone(self.actor.timezone or "UTC")
        suggested = next((f.initial for f in form.fields if f.id == "date" and f.initial), "")
        soonest = at.astimezone(tz).date() + timedelta(days=1)
        day = date.fromisoformat(suggested) if suggested else soonest + timedelta(days=2)
        day = max(day, soonest)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        values = {"date": day.isoformat(), "time": f"{self.hour:02d}:00", "minutes": self.minutes}
        story = f"books {_day(day)} {self.hour:02d}:00 ({tz.key}), {self.minutes} min"
        event = FormSubmitted(
            **self._base(ids), form_id="session.schedule", value=pairing_value, values=values
        )
        return (at, story, event)

    def _reflect_in_form(self, at: datetime, session_value: str, ids):
        _, what, will_do, visibility = self.reflections.pop(0).split("|")
        values = {"what_changed": what, "will_do": will_do, "visibility": visibility}
        story = f"writes: {what} / will do: {will_do} (visible to: {visibility})"
        event = FormSubmitted(
            **self._base(ids), form_id="reflection.submit", value=session_value, values=values
        )
        return (at, story, event)

    def _check_in(self, at: datetime, form, ids):
        """Answer a check-in: a 4 where a rating is asked, and a line either way."""
        rated = any(f.id == "rating" for f in form.fields)
        values = {"rating": "4", "text": "More of the same, please"} if rated else {}
        values = values or {"text": "Learn how my teams' tools really get used"}
        story = f"answers the check-in: {values.get('rating', '-')} / {values['text']}"
        event = FormSubmitted(
            **self._base(ids), form_id="checkin.submit", value=form.value, values=values
        )
        return (at, story, event)

    def _click(self, at: datetime, button: Button, ids, story: str):
        event = ActionClicked(**self._base(ids), action=button.action, value=button.value)
        return (at, story, event)

    def _base(self, ids) -> dict:
        return {"platform": "console", "event_id": f"demo-{next(ids)}", "actor": self.actor}


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"
