"""The outbox registry: every kind has one complete entry, keys keep the formats already
stored (a changed format would queue a message again after an upgrade), and a kind that is not
registered fails when it is queued, not when it is sent."""

import inspect
from datetime import UTC, datetime

import pytest

from bot.domain import kinds as k
from bot.domain.kinds import OUTBOX, Kind, OnForget, OnPause
from bot.sending.compose import COMPOSERS
from tests.harness import MINA, unit_of_work


def test_every_kind_has_a_complete_entry():
    assert set(OUTBOX) == set(Kind), "a kind without an entry, or an entry without a kind"
    assert set(COMPOSERS) == set(Kind), "a kind without a composer, or a composer without one"
    reminders = {kind: spec.reminds for kind, spec in OUTBOX.items() if k.is_reminder(kind)}
    assert reminders == {
        Kind.REFLECT_REMINDER: Kind.REFLECT,
        Kind.CHECKIN_REMINDER: Kind.CHECKIN,
        Kind.FOLLOWTHROUGH_REMINDER: Kind.FOLLOWTHROUGH,
    }
    for reminder, question in reminders.items():
        assert COMPOSERS[reminder] is COMPOSERS[question], "a reminder is worded by its question"
    with pytest.raises(ValueError):
        k.note_key("shrugged", 7)  # a note's event is registered (Note)
    for kind, spec in OUTBOX.items():
        assert callable(spec.key), kind
        assert inspect.iscoroutinefunction(COMPOSERS[kind]), kind
        assert isinstance(spec.wakes_planner, bool), kind
        assert isinstance(spec.on_pause, OnPause) and isinstance(spec.on_forget, OnForget), kind
    assert k.kinds(wakes_planner=True) == [Kind.NUDGE, Kind.REFLECT]
    assert set(k.kinds(on_forget=OnForget.EMPTIED)) == {Kind.NOTE, Kind.ESCALATION}
    assert set(k.kinds(on_pause=OnPause.ASKED_AGAIN)) == {
        Kind.NUDGE,
        Kind.CHECKIN,
        Kind.CHECKIN_REMINDER,
    }


def test_keys_keep_the_formats_already_stored():
    base = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    series = k.nudge_series(7, base)
    assert series == "nudge:7:20260302T0930"
    built = [
        k.intro_key(7, None),
        k.intro_key(7, 3),
        k.nudge_key(series, 2, 3),
        k.escalation_key(series, 9),
        k.session_key(Kind.AGENDA, 11, 3),
        k.session_key(Kind.REFLECT_REMINDER, 11, 3),
        k.session_series(11),
        k.checkin_series("start"),
        k.checkin_key(7, "start", 3),
        k.checkin_key(7, "start", 3, reminder=True),
        k.digest_key(9, 2026, 5),
        k.invite_series("abc@mentorbot"),
        k.invite_key("abc@mentorbot", 2, 3),
        k.note_key(k.Note.PAUSED, 7, "20260302T093000"),
        k.owner_note_key(k.note_key(k.Note.DECLINED, 7), 9),
    ]
    assert built == [
        "intro:7:pair",
        "intro:7:3",
        "nudge:7:20260302T0930:2:3",
        "nudge:7:20260302T0930:escalation:9",
        "session:11:agenda:3",
        "session:11:reflect.reminder:3",
        "session:11",
        "checkin:start",
        "checkin:7:start:3",
        "checkin:7:start:3:reminder",
        "digest:9:2026W05",
        "invite:abc@mentorbot",
        "invite:abc@mentorbot:2:3",
        "paused:7:20260302T093000",
        "declined:7:owner:9",
    ]


async def test_a_kind_that_is_not_registered_fails_when_queued_and_writes_nothing(harness):
    from bot.domain.model import Notification

    person = await harness.person(MINA)

    async def queue(ctx):
        await ctx.outbox.notify("nudge.typo", person, harness.clock.now(), "typo:1")

    with pytest.raises(ValueError, match=r"nudge\.typo"):
        await harness.engine.run(queue)
    async with unit_of_work(harness.store) as tx:
        assert not await tx.find(Notification, key="typo:1")
    with pytest.raises(ValueError):
        Kind("nudge.typo")
