"""Slack end to end (issue 28): a booking nudge offers three times inside both people's
working hours, each on the reader's clock; one tap books it (the booker's invite as a DM of
its own, the partner's at the next tick); the partner's later tap is told which one stands;
a forged time books nothing - through a real `mentorbot serve` and `mentorbot tick --now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.slack_support import (
    accept_intro,
    eventually,
    one_post_asking,
    open_form,
    person_number,
    propose,
    start_program,
    texts,
    values_of,
    weekday_at,
)

TAP = "session.book_at"
LISBON, LOS_ANGELES = ZoneInfo("Europe/Lisbon"), ZoneInfo("America/Los_Angeles")


def _start(value: str) -> datetime:
    return datetime.strptime(value.partition(":")[2], "%Y%m%dT%H%MZ").replace(tzinfo=UTC)


def _inside(start: datetime, zone: ZoneInfo, minutes: int = 45) -> bool:
    """Inside the program's default hours, Mon-Fri 09:00-18:00, on that clock."""
    local, end = start.astimezone(zone), (start + timedelta(minutes=minutes)).astimezone(zone)
    return local.weekday() < 5 and local.hour >= 9 and (end.hour, end.minute) <= (18, 0)


def _labels(blocks: list) -> dict[str, str]:
    return {
        e["value"]: e["text"]["text"]
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"].split("#")[0] == TAP
    }


def _first_tap(blocks: list) -> dict:
    """The first offered time's button in a message's blocks."""
    return next(
        e
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"].split("#")[0] == TAP
    )


async def _pair_across(workspace, fake, program: str) -> tuple[str, str, datetime]:
    """A mentor in Lisbon and a leader in Los Angeles, introduced at 17:30 UTC (inside both
    people's hours) and accepted, the mentor second; returns them and that moment."""
    n = person_number()
    mentor, mentee = f"UTAPMENTOR{n}", f"UTAPEXEC{n}"
    fake.add_user(mentor, f"Mina Park{n}", "Europe/Lisbon")
    fake.add_user(mentee, f"Erik Lund{n}", "America/Los_Angeles")
    await start_program(workspace, program)
    await propose(workspace, program, mentor, mentee, "Reels")
    when = weekday_at(3, 17, 30)
    await workspace.tick(when)
    await accept_intro(workspace, fake, mentor, mentee)
    return mentor, mentee, when


async def test_one_tap_on_an_offered_time_books_it_for_both(workspace, fake):
    mentor, mentee, when = await _pair_across(workspace, fake, "Taps")

    # Mina's nudge is the answer to her Accept: three times on her clock, then Other time.
    [intro] = fake.posts_to(fake.dm(mentor, mentee))
    hers = _labels(intro.blocks)
    assert len(hers) == 3 and "Other time..." in texts(intro.blocks)
    for value, label in hers.items():
        start = _start(value)
        assert _inside(start, LISBON) and _inside(start, LOS_ANGELES), label
        local = start.astimezone(LISBON)
        assert label == f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"

    # Erik's comes at the start of his working day, on his clock.
    await workspace.tick(when + timedelta(minutes=5))
    nudge = await one_post_asking(fake, fake.dm(mentee), TAP)
    assert "(America/Los_Angeles)" in nudge.text
    his = _labels(nudge.blocks)
    assert len(his) == 3
    for value, label in his.items():
        start = _start(value)
        assert _inside(start, LISBON) and _inside(start, LOS_ANGELES), label
        assert label.endswith(f"{start.astimezone(LOS_ANGELES):%H:%M}")

    # A forged time (3 a.m. in Los Angeles) books nothing: two that fit come instead.
    pair = next(iter(his)).partition(":")[0]
    first = _start(next(iter(his)))
    forged = f"{pair}:{first.replace(hour=11):%Y%m%dT%H%MZ}"
    _first_tap(nudge.blocks)["value"] = forged
    status, _ = await workspace.click(mentee, nudge, TAP)
    assert status == 200
    await eventually(lambda: "outside working hours" in texts(nudge.blocks), what="refused")
    assert len(values_of(nudge.blocks, TAP)) == 2

    # One tap on a time his nudge offered books it: the answer with Erik's invite is a DM
    # of its own. (The two just offered were picked as of the wall clock, which `tick --now`
    # has left behind, so this taps one of the three instead.)
    chosen = sorted(his)[0]
    _first_tap(nudge.blocks)["value"] = chosen
    status, _ = await workspace.click(mentee, nudge, TAP)
    assert status == 200
    booked = await eventually(
        lambda: [p for p in fake.posts_to(fake.dm(mentee)) if p.text.startswith("Booked:")],
        what="booked",
    )
    [share] = [s for s in fake.shared if s.get("channel_id") == fake.dm(mentee)]
    assert fake.uploads[share["files"][0]["id"]].startswith(b"BEGIN:VCALENDAR")
    assert f"{_start(chosen).astimezone(LOS_ANGELES):%H:%M}" in booked[0].text
    await eventually(lambda: TAP not in str(nudge.blocks), what="the tapped row gone")

    # Mina gets her invite at the next tick in her hours; her own tap is told which stands.
    await workspace.tick(when + timedelta(minutes=10))
    await eventually(
        lambda: [s for s in fake.shared if s.get("channel_id") == fake.dm(mentor)],
        what="Mina's invite",
    )
    status, _ = await workspace.click(mentor, intro, TAP)
    assert status == 200
    await eventually(lambda: "just booked your next session" in texts(intro.blocks), what="told")
    assert len([s for s in fake.shared if s.get("channel_id") == fake.dm(mentee)]) == 1


async def test_the_form_refuses_a_time_outside_the_partners_hours_with_two_that_fit(
    workspace, fake
):
    _mentor, mentee, when = await _pair_across(workspace, fake, "Hours")
    await workspace.tick(when + timedelta(minutes=5))
    nudge = await one_post_asking(fake, fake.dm(mentee), TAP)
    view = await open_form(workspace, mentee, nudge, "session.schedule")
    shown = texts(view["blocks"])
    assert "Mina's working day is" in shown and "your time" in shown, shown
    day = weekday_at(10, 12).date()
    # 14:00 in Los Angeles is 22:00 in Lisbon: refused on the time field, with two that fit.
    status, ack = await workspace.submit(
        mentee, view, {"date": day.isoformat(), "time": "14:00", "minutes": "45"}
    )
    assert status == 200 and ack["response_action"] == "errors", ack
    said = ack["errors"]["time"]
    assert "for Mina, outside their working hours" in said and said.count(" or ") == 1, said
    assert not [p for p in fake.posts_to(fake.dm(mentee)) if p.text.startswith("Booked:")]
    status, ack = await workspace.submit(
        mentee, view, {"date": day.isoformat(), "time": "09:00", "minutes": "45"}
    )
    assert status == 200 and ack == {}, ack
