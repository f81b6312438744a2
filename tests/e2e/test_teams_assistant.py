"""Teams end to end (issue 28): a leader names an assistant by typing `delegate @...`; the
assistant confirms on a card, books one of the offered times and moves the session, the
pair gets each invite, and every reflection, rating and fit button of the leader's card,
pressed by the assistant, is refused - through a real `mentorbot serve` and the fake Bot
Connector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.slack_support import BERLIN, eventually, person_number, working_hour_after
from tests.e2e.teams_support import (
    active_pair,
    activity_text,
    inputs,
    runs,
    tick,
    values,
)

TAP = "session.book_at"
REFUSED = "That belongs to someone else's pairing"


def _start(value: str) -> datetime:
    return datetime.strptime(value.partition(":")[2], "%Y%m%dT%H%MZ").replace(tzinfo=UTC)


def _refusals(tenant, user: str) -> int:
    return sum(REFUSED in activity_text(s.latest) for s in tenant.sent(user))


async def test_an_assistant_books_and_moves_for_the_leader_and_is_refused_the_rest(tenant):
    mentor, mentee, when = await active_pair(tenant, "AssistedTeams")
    assistant = tenant.person(f"29:assistant-{person_number()}", "Lena Vogt")

    # The leader names her; she confirms on the card, which then offers the pair's times.
    answer = await tenant.answer_to(mentee, "delegate {}", (assistant,))
    assert activity_text(answer.latest).startswith("I've asked Lena to confirm.")
    await tick(tenant, when + timedelta(minutes=1))
    ask = await tenant.latest_asking(assistant, "delegation.accept")
    assert "would like you to book their mentoring sessions" in activity_text(ask.latest)
    await tenant.press(assistant, ask, "delegation.accept")
    await eventually(lambda: "you now book for Erik" in activity_text(ask.latest), what="yes")
    offered = values(ask, TAP)
    assert len(offered) == 3
    for value in offered:
        local = _start(value).astimezone(BERLIN)
        assert local.weekday() < 5 and 9 <= local.hour < 18, local
    await tick(tenant, when + timedelta(minutes=2))
    await tenant.latest(mentor, "assistant Lena can also book your sessions with Erik")

    # She presses the last time offered (on the latest day): booked, for both of them; the
    # leader's nudge is drawn again in place, its times gone.
    nudge = await tenant.latest_asking(mentee, TAP)
    chosen = offered[-1]
    await tenant.press(assistant, ask, TAP, chosen)
    await eventually(lambda: "Booked for Erik:" in activity_text(ask.latest), what="booked")
    start = _start(chosen)
    sent = working_hour_after(datetime.now(UTC))  # the pair's invites: next working hour
    assert sent < start
    await tick(tenant, sent)
    await eventually(
        lambda: "Your assistant Lena booked it: " in activity_text(nudge.latest),
        what="his nudge redrawn",
    )
    assert not values(nudge, TAP)
    for user, name in ((mentor, "Erik's assistant Lena"), (mentee, "Your assistant Lena")):
        await tenant.latest(user, f"{name} booked your next session")

    # She moves it a week later, 10:00 Berlin, from the answer's Reschedule.
    await tenant.press(assistant, ask, "session.move")
    await eventually(lambda: inputs(ask), what="the move form in the card")
    day = (start + timedelta(days=7)).astimezone(BERLIN).date()
    moved_to = {"date": day.isoformat(), "time": "10:00", "minutes": "45"}
    await tenant.submit(assistant, ask, "Move it", moved_to)
    await eventually(lambda: "Moved Erik's session:" in activity_text(ask.latest), what="moved")
    moved = datetime(day.year, day.month, day.day, 10, tzinfo=BERLIN).astimezone(UTC)
    await tick(tenant, working_hour_after(sent))
    for user, name in ((mentor, "Erik's assistant Lena"), (mentee, "Your assistant Lena")):
        await tenant.latest(user, f"{name} moved your session")

    # It happens: whether it did, and the leader's card after it, are his alone.
    await tick(tenant, moved + timedelta(minutes=50))
    check = await tenant.latest(mentee, "How did your session")
    refused = _refusals(tenant, assistant)
    await tenant.press(assistant, check, "session.held")
    await eventually(lambda: _refusals(tenant, assistant) > refused, what="held refused")
    await tenant.press(mentee, check, "session.held")
    await eventually(lambda: "pulse.answer" in runs(check), what="his card")
    tried = [(a, v) for a in ("pulse.answer", "reflection.write") for v in values(check, a)]
    assert len(tried) == 5 + 3 + 1, tried  # a rating of 1-5, the fit question, his reflection
    for action, value in tried:
        before = _refusals(tenant, assistant)
        await tenant.press(assistant, check, action, value)
        await eventually(
            lambda seen=before: _refusals(tenant, assistant) > seen, what=f"{value} refused"
        )
    assert "pulse.answer" in runs(check), "his card is untouched"
