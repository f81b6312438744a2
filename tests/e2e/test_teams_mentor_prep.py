"""Teams end to end (issue 29): the junior mentor's day-before message is their prep (the
first session's with its script; later ones with the leader's open actions but none from a
private reflection), the leader's is the plain agenda; after the first held session the
mentor alone is asked "were you heard?", and a No reaches the owners, never the leader -
through a real `mentorbot serve` and the fake Bot Connector."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tests.e2e.slack_support import eventually
from tests.e2e.teams_support import OWNER, active_pair, book_from_me, text_of, tick, values

HEARD = "listen to what you brought"


def _midweek(day: date) -> date:
    """`day`, or the Tuesday to Friday after it (the day before is a working day too)."""
    while day.weekday() not in (1, 2, 3, 4):
        day += timedelta(days=1)
    return day


async def _the_day_before(tenant, start: datetime) -> None:
    await tick(tenant, start - timedelta(hours=20))
    await tick(tenant, start - timedelta(hours=19))  # (one message a person at a time)


def _preps(tenant, mentor: str) -> list[str]:
    return [text_of(s) for s in tenant.sent(mentor) if "Your prep for" in text_of(s)]


async def _hold(tenant, mentee: str, start: datetime, plan: str, visibility: str):
    """After `start`, the leader says it happened and writes a reflection planning `plan`."""
    await tick(tenant, start + timedelta(minutes=50))
    check = await tenant.latest(mentee, "How did your session")
    await tenant.submit(mentee, check, "It happened")
    await tenant.submit(mentee, check, "Write more")
    reflection = {"what_changed": "Reels matter", "will_do": plan, "visibility": visibility}
    await tenant.submit(mentee, check, "Save", reflection)
    assert "Thanks - saved" in text_of(check), text_of(check)


async def test_the_mentor_comes_prepared_and_alone_is_asked_if_heard(tenant):
    mentor, mentee, when = await active_pair(tenant, "PreparedTeams")
    first = await book_from_me(tenant, mentee, _midweek(when.date() + timedelta(days=2)))

    # The day before: the mentor's prep, with the first session's script; his plain agenda.
    await _the_day_before(tenant, first)
    [prep] = _preps(tenant, mentor)
    assert "To prepare:" in prep and "Saying it upward:" in prep, prep
    assert "Your first session, in three steps:" in prep and "1) Open with why" in prep
    agenda = await tenant.latest(mentee, "Suggested agenda")
    for words in ("To prepare", "Saying it upward", "three steps"):
        assert words not in text_of(agenda), words

    # It happens; his reflection plans a thing for the pair to see. Her card asks whether
    # she was heard (his does not); she says No: the owners hear, he never does.
    await _hold(tenant, mentee, first, "Brief the brand team", "program")
    await tick(tenant, first + timedelta(minutes=55))
    card = await tenant.latest(mentor, "Thanks for your session with")
    assert HEARD in text_of(card)
    [no] = [v for v in values(card, "pulse.answer") if v.endswith(":heard:no")]
    await tenant.press(mentor, card, "pulse.answer", no)
    await eventually(lambda: "Only the program owners hear of it" in text_of(card), what="thanks")
    await tick(tenant, first + timedelta(minutes=58))
    await tenant.latest(OWNER, "may need support")
    assert HEARD not in tenant.texts(mentee) and "may need support" not in tenant.texts(mentee)

    # A second session, whose reflection he keeps private; the third one's prep holds the
    # first plan and not the private one, and no script.
    second = await book_from_me(tenant, mentee, _midweek(first.date() + timedelta(days=7)))
    await _the_day_before(tenant, second)
    await _hold(tenant, mentee, second, "Call my coach", "private")
    third = await book_from_me(tenant, mentee, _midweek(second.date() + timedelta(days=7)))
    await _the_day_before(tenant, third)
    label = f"Your prep for {third:%a} {third.day} "
    [later] = [p for p in _preps(tenant, mentor) if label in p]
    assert "Brief the brand team" in later and "Call my coach" not in later, later
    assert "three steps" not in later
