"""Teams end to end (issue 28): a booking nudge's card offers three times inside both
people's working hours; pressing one books it (the answer, drawn in the card, carries the
booker's invite link; the partner's invite comes at the next tick); the partner's press on
their own card is told which one stands; a forged time books nothing - through a real
`mentorbot serve` and `mentorbot tick --now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.slack_support import BERLIN, eventually, person_number, weekday_at
from tests.e2e.teams_support import (
    OWNER,
    actions,
    active_pair,
    activity_text,
    button,
    inputs,
    refusals,
    start_program,
    tick,
    titles,
    values,
)

TAP = "session.book_at"


def _start(value: str) -> datetime:
    return datetime.strptime(value.partition(":")[2], "%Y%m%dT%H%MZ").replace(tzinfo=UTC)


async def _press(tenant, user: str, card, value: str) -> None:
    """Press a time button of `card`, sending `value` (as Teams sends what the card holds)."""
    data = {**next(a["data"] for a in _times(card)), "mb.v": value}
    activity = tenant.activity(user, value=data, replyToId=card.id, text="")
    assert (await tenant.post(activity))[0] == 200


def _times(card) -> list[dict]:
    return [a for a in actions(card) if (a.get("data") or {}).get("mb.a") == TAP]


async def test_pressing_an_offered_time_books_it_for_both(tenant):
    mentor, mentee, when = await active_pair(tenant, "TapsTeams")
    # Mina's Accept completed the pair: her answer is her nudge, with three times.
    hers = await tenant.latest(mentor, "both in")
    assert len(values(hers, TAP)) == 3 and "Other time..." in titles(hers)

    await tick(tenant, when + timedelta(minutes=5))
    nudge = await tenant.latest(mentee, "Time to book your first session")
    offered = values(nudge, TAP)
    assert len(offered) == 3 and "Other time..." in titles(nudge)
    for value in offered:
        local = _start(value).astimezone(BERLIN)
        end = local + timedelta(minutes=45)
        assert local.weekday() < 5 and local.hour >= 9 and (end.hour, end.minute) <= (18, 0)
        assert local.date() > when.astimezone(BERLIN).date()
        label = f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"
        assert button(nudge, label)["data"]["mb.v"] == value

    # A forged time (a Sunday) books nothing: two that fit come instead.
    pair = offered[0].partition(":")[0]
    sunday = _start(offered[0]) + timedelta(days=6 - _start(offered[0]).weekday())
    updates = len(nudge.updates)
    await _press(tenant, mentee, nudge, f"{pair}:{sunday:%Y%m%dT%H%MZ}")
    await eventually(lambda: len(nudge.updates) > updates, what="refusal")
    assert "outside working hours" in activity_text(nudge.latest)
    assert len(values(nudge, TAP)) == 2

    # Pressing a time the nudge offered books it; the answer in the card has his invite.
    await _press(tenant, mentee, nudge, offered[0])
    await eventually(lambda: "Booked:" in activity_text(nudge.latest), what="booked")
    assert button(nudge, "Add to calendar (.ics)")["type"] == "Action.OpenUrl"
    assert not values(nudge, TAP), "the times are gone once booked"

    # Mina's invite comes at the next tick; her press on her own card is told which stands.
    await tick(tenant, when + timedelta(minutes=10))
    await tenant.latest(mentor, "booked your next session")
    updates = len(hers.updates)
    await _press(tenant, mentor, hers, values(hers, TAP)[1])
    await eventually(lambda: len(hers.updates) > updates, what="told")
    assert "just booked your next session" in activity_text(hers.latest)


async def test_the_card_form_refuses_a_time_outside_the_partners_hours_with_two_that_fit(
    tenant,
):
    n = person_number()
    mentor = tenant.person(f"29:hours-mentor-{n}", f"Mina Park{n}")  # Berlin
    mentee = tenant.person(f"29:hours-exec-{n}", f"Erik Lund{n}", "America/New_York")
    await start_program(tenant, "HoursTeams")
    await tenant.say(OWNER, "pair {} {} program=HoursTeams Reels", (mentor, mentee))
    when = weekday_at(3, 15)  # 16:00 in Berlin, 10:00 or 11:00 in New York
    await tick(tenant, when)
    for user in (mentor, mentee):
        intro = await tenant.latest(user, "Accept")
        await tenant.submit(user, intro, "Accept")
    card = await tenant.latest(mentee, "both in")  # his answer is his nudge
    await tenant.submit(mentee, card, "Other time...")
    await eventually(lambda: inputs(card), what="the form in the card")
    assert "Mina's working day is" in activity_text(card.latest)
    day = weekday_at(10, 12).date()
    # 16:00 in New York is 22:00 in Berlin: refused under the time, with two that fit.
    await tenant.submit(
        mentee, card, "Book it", {"date": day.isoformat(), "time": "16:00", "minutes": "45"}
    )
    await eventually(lambda: refusals(card), what="refused")
    said = refusals(card)["time"]
    assert "for Mina, outside their working hours" in said and said.count(" or ") == 1, said
    await tenant.submit(
        mentee, card, "Book it", {"date": day.isoformat(), "time": "09:00", "minutes": "45"}
    )
    await eventually(lambda: "Booked:" in activity_text(card.latest), what="booked")
