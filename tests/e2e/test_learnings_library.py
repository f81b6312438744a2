"""The learnings library end to end, through a real `mentorbot serve`: a reflection shared
with the program (Slack: the modal's choice; Teams: the program's default, by a typed reply)
is found by `learnings` typed by someone in another pair of the same program, and not by
someone in another program."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.slack_support import (
    OWNER,
    accept_intro,
    eventually,
    pair_of_people,
    propose,
    start_program,
    texts,
    weekday_at,
)
from tests.e2e.teams_support import OWNER as TEAMS_OWNER
from tests.e2e.teams_support import activity_text, teams_pair, tick
from tests.e2e.teams_support import start_program as start_teams_program

SAID = "Dashboards & reels replaced <the> weekly report"


async def test_on_slack_a_reflection_shared_with_the_program_is_found_by_another_participant(
    workspace, fake
):
    mentor, mentee = pair_of_people(fake)
    reader, partner = pair_of_people(fake)
    outsider, other = pair_of_people(fake)
    await start_program(workspace, "Library")
    await start_program(workspace, "Elsewhere")
    await propose(workspace, "Library", mentor, mentee, "Learn short video")
    await propose(workspace, "Library", reader, partner, "Learn analytics")
    await propose(workspace, "Elsewhere", outsider, other, "Learn reels")
    when = weekday_at(3, 9)
    await workspace.tick(when)
    for pair in ((mentor, mentee), (reader, partner), (outsider, other)):
        await accept_intro(workspace, fake, *pair)

    # A session booked, held, and the mentee's reflection shared with the program.
    await workspace.tick(when + timedelta(minutes=10))
    [nudge] = [p for p in fake.posts_to(fake.dm(mentee)) if "Time to book" in p.text]
    await workspace.click(mentee, nudge, "session.schedule")
    view = (await eventually(lambda: fake.views, what="modal"))[-1]
    day = weekday_at(5, 9)
    await workspace.submit(
        mentee, view, {"date": day.date().isoformat(), "time": "10:00", "minutes": "45"}
    )
    start = day.replace(hour=9)  # 10:00 in Berlin (winter)
    await workspace.tick(start + timedelta(minutes=50))
    check = next(p for p in fake.posts_to(fake.dm(mentee)) if "How did your session" in p.text)
    await workspace.click(mentee, check, "session.held")
    # The question becomes the mentee's card, which asks for the reflection.
    await eventually(lambda: "What changed for you" in texts(check.blocks), what="held: card")
    prompt = check
    views = len(fake.views)
    await workspace.click(mentee, prompt, "reflection.write")
    await eventually(lambda: len(fake.views) > views, what="reflection modal")
    modal = fake.views[-1]
    options = next(
        e["options"]
        for b in modal["blocks"]
        if b.get("block_id") == "visibility"
        for e in [b["element"]]
    )
    assert [o["value"] for o in options][-2:] == ["shared", "shared_anonymous"]
    status, ack = await workspace.submit(
        mentee, modal, {"what_changed": SAID, "will_do": "Show finance", "visibility": "shared"}
    )
    assert status == 200 and ack == {}, ack
    await eventually(
        lambda: "learnings library" in texts(prompt.blocks), what="saved, shared with the program"
    )

    found = await workspace.command(reader, "learnings dashboards")
    body = texts(found["blocks"])
    assert "Dashboards &amp; reels replaced &lt;the&gt; weekly report" in body, body
    assert "Theme: digital skills (Library)" in body and "Erik, " in body
    missing = await workspace.command(reader, 'learnings "dashboards" NEAR(zebra*)')
    assert "Nothing shared matches" in missing["text"] and "fewer words" in missing["text"]
    elsewhere = await workspace.command(outsider, "learnings dashboards")
    assert "Dashboards" not in str(elsewhere) and "Nothing shared matches" in elsewhere["text"]
    assert "learnings [words]" in texts((await workspace.command(OWNER, "help"))["blocks"])


async def test_on_teams_a_reflection_shared_by_default_is_found_by_another_participant(
    tenant, connector
):
    mentor, mentee = teams_pair(tenant)
    reader, partner = teams_pair(tenant)
    outsider, other = teams_pair(tenant)
    await tenant.say(TEAMS_OWNER, "program create Commons cadence=14 minutes=45 visibility=shared")
    await tenant.latest(TEAMS_OWNER, "Program Commons created")
    await start_teams_program(tenant, "Faraway")
    for program, pair in (
        ("Commons", (mentor, mentee)),
        ("Commons", (reader, partner)),
        ("Faraway", (outsider, other)),
    ):
        await tenant.say(TEAMS_OWNER, f"pair {{}} {{}} program={program} Learn reels", pair)
    when = weekday_at(3, 9)
    await tick(tenant, when)
    for user in (mentee, mentor, reader, partner, outsider, other):
        intro = await tenant.latest(user, "Accept")
        await tenant.submit(user, intro, "Accept")
    await tenant.latest(mentor, "both in")

    await tick(tenant, when + timedelta(minutes=5))
    nudge = await tenant.latest(mentee, "Other time...")
    await tenant.submit(mentee, nudge, "Other time...")
    day = weekday_at(10, 9).date()
    good = {"date": day.isoformat(), "time": "10:00", "minutes": "45"}
    await eventually(lambda: "Book it" in activity_text(nudge.latest), what="booking form")
    await tenant.submit(mentee, nudge, "Book it", good)
    await eventually(lambda: "Booked:" in activity_text(nudge.latest), what="booked")
    start = weekday_at(10, 9).replace(year=day.year, month=day.month, day=day.day)
    await tick(tenant, start + timedelta(minutes=50))
    check = await tenant.latest(mentee, "How did your session")
    await tenant.submit(mentee, check, "It happened")
    # The question becomes the mentee's card, which asks for the reflection.
    await eventually(
        lambda: "What changed for you" in activity_text(check.latest), what="held: card"
    )
    assert "learnings library" in activity_text(check.latest), "the card says who reads it"
    await tenant.say(mentee, "Dashboards & reels replaced the *weekly* report")
    saved = await tenant.latest(mentee, "Thanks - saved")
    assert "Everyone in your program can find it" in activity_text(saved.latest)

    await tenant.say(reader, "learnings dashboard")
    found = activity_text((await tenant.latest(reader, "Learnings matching")).latest)
    assert "Dashboards & reels replaced the \\*weekly\\* report" in found, "escaped as Markdown"
    assert "Theme: digital skills (Commons)" in found and "Erik, " in found
    await tenant.say(outsider, "learnings dashboard")
    answer = activity_text((await tenant.latest(outsider, "Nothing shared matches")).latest)
    assert "Dashboards" not in answer
