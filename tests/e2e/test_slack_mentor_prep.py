"""Slack end to end (issue 29): the junior mentor's day-before message is their prep (the
first session's with its script; later ones with the leader's open actions but none from a
private reflection), the leader's is the plain agenda; after the first held session the
mentor alone is asked "were you heard?", and a No reaches the owners, never the leader -
through a real `mentorbot serve`, signed requests and the fake Slack Web API."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tests.e2e.slack_support import (
    OWNER,
    active_pair,
    berlin,
    eventually,
    one_post,
    open_form,
    posts_with,
    press,
    row_for,
    texts,
)

HEARD = "listen to what you brought"


def _midweek(day: date) -> date:
    """`day`, or the Tuesday to Friday after it: the day before is a working day too (the
    prep goes then)."""
    while day.weekday() not in (1, 2, 3, 4):
        day += timedelta(days=1)
    return day


async def _book(workspace, mentee: str, day: date) -> datetime:
    """The leader books a 45-minute session on `day`, 10:00 Berlin, from `me`."""
    me = await workspace.command(mentee, "me")
    form = await press(workspace, mentee, me["blocks"], "session.schedule")
    _, ack = await workspace.submit(
        mentee, form, {"date": day.isoformat(), "time": "10:00", "minutes": "45"}
    )
    assert ack == {}, ack
    return berlin(day, 10)


async def _hold(workspace, fake, mentee: str, start: datetime, plan: str, visibility: str):
    """After `start`, the leader says it happened and writes a reflection planning `plan`;
    returns his card."""
    await workspace.tick(start + timedelta(minutes=50))
    check = [p for p in posts_with(fake, fake.dm(mentee), "How did your session") if p.blocks][-1]
    await workspace.click(mentee, check, "session.held")
    await eventually(lambda: "Thanks for your session" in texts(check.blocks), what="his card")
    modal = await open_form(workspace, mentee, check, "reflection.write")
    values = {"what_changed": "Reels matter", "will_do": plan, "visibility": visibility}
    _, ack = await workspace.submit(mentee, modal, values)
    assert ack == {}, ack
    return check


async def test_the_mentor_comes_prepared_and_alone_is_asked_if_heard(workspace, fake):
    mentor, mentee, when = await active_pair(workspace, fake, "Prepared")
    first = await _book(workspace, mentee, _midweek(when.date() + timedelta(days=2)))

    # The day before: the mentor's prep, with the first session's script; his plain agenda.
    await workspace.tick(first - timedelta(hours=20))
    prep = await one_post(fake, fake.dm(mentor), "Your prep for")
    shown = texts(prep.blocks) or prep.text
    assert "To prepare:" in shown and "Saying it upward:" in shown, shown
    assert "Your first session, in three steps:" in shown and "1) Open with why" in shown
    agenda = await one_post(fake, fake.dm(mentee), "Suggested agenda")
    for words in ("To prepare", "Saying it upward", "three steps"):
        assert words not in texts(agenda.blocks) + agenda.text, words

    # It happens; his reflection plans a thing for the pair to see.
    await _hold(workspace, fake, mentee, first, "Brief the brand team", "program")
    # Her card asks whether she was heard, and no one else's does; she says No.
    await workspace.tick(first + timedelta(minutes=55))
    card = await one_post(fake, fake.dm(mentor), "Thanks for your session with")
    assert HEARD in texts(card.blocks)
    await workspace.click(
        mentor, card, "pulse.answer", block_prefix=row_for(card.blocks, HEARD), label="No"
    )
    await eventually(
        lambda: "Only the program owners hear of it" in texts(card.blocks), what="thanks"
    )
    await workspace.tick(first + timedelta(minutes=58))
    await one_post(fake, fake.dm(OWNER), "may need support")
    everything = [p.text + texts(p.blocks) for p in fake.posts_to(fake.dm(mentee))]
    assert not [t for t in everything if HEARD in t or "may need support" in t], everything

    # A second session, whose reflection he keeps private; then the third one's prep holds
    # the first plan and not the private one, and no script.
    second = await _book(workspace, mentee, _midweek(first.date() + timedelta(days=7)))
    await workspace.tick(second - timedelta(hours=20))
    await _hold(workspace, fake, mentee, second, "Call my coach", "private")
    third = await _book(workspace, mentee, _midweek(second.date() + timedelta(days=7)))
    await workspace.tick(third - timedelta(hours=20))
    await workspace.tick(third - timedelta(hours=19))  # (one message a person at a time)
    label = f"Your prep for {third:%a} {third.day} "  # 10:00 Berlin is the same day in UTC
    later = [p for p in posts_with(fake, fake.dm(mentor), "Your prep for") if label in p.text]
    assert later, "\n".join(p.text[:150] for p in fake.posts_to(fake.dm(mentor)))
    shown = texts(later[-1].blocks) or later[-1].text
    assert "Brief the brand team" in shown and "Call my coach" not in shown, shown
    assert "three steps" not in shown
