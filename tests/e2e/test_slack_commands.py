"""Slack end to end: /mentoring subcommands, owner-only refusals, App Home, Snooze and the
reflection modal, through a real `mentorbot serve`."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.slack_support import (
    OWNER,
    actions_of,
    active_pair,
    eventually,
    pair_of_people,
    row_of,
    start_program,
    texts,
    weekday_at,
)


async def test_help_and_unknown_subcommands_answer_with_help(workspace):
    for text in ("", "help", "dance"):
        reply = await workspace.command(OWNER, text)
        assert reply["response_type"] == "ephemeral"
        assert "pair @mentor @mentee" in texts(reply["blocks"])


async def test_owner_status_is_block_kit_with_figures_and_pairs_at_risk(workspace, fake):
    _mentor, _mentee, when = await active_pair(workspace, fake, "Risky")
    log = []
    for days in range(12):  # nudge, reminder, then the owner is told (working days only)
        moment = when + timedelta(days=days, minutes=10)
        if moment.weekday() < 5:
            log.append(await workspace.tick(moment))
    reply = await workspace.command(OWNER, "status Risky")
    fields = [f["text"] for b in reply["blocks"] for f in b.get("fields", [])]
    assert "*Pairs*\n1 active" in fields
    assert "*Meeting regularly*\n0 of 1 active pairs (0%)" in fields
    # In words (the notification text), and as a table row on one of the pages.
    assert "Pairs at risk:" in reply["text"]
    assert "nothing booked after two reminders" in reply["text"]
    tables = [b for page in reply["pages"] for b in page["blocks"] if b["type"] == "data_table"]
    [table] = tables
    assert [c["text"] for c in table["rows"][0]] == ["Pair", "Reason", "Days since a session"]
    assert [row[1]["text"] for row in table["rows"][1:]] == ["no reply to reminders"]
    escalation = [
        p for p in fake.posts_to(fake.dm(OWNER)) if "booked a session after two" in p.text
    ]
    assert len(escalation) == 1, log


async def test_when_slack_refuses_charts_owner_status_comes_in_words_logged_once(workspace, fake):
    await active_pair(workspace, fake, "Wordy")
    drawn = {"data_visualization", "data_table"}
    refusals = workspace.serve.output().count("Slack refused a chart or table")
    refused = len(fake.refused)
    fake.refuse_block_types(drawn)
    try:
        reply = await workspace.command(OWNER, "status Wordy")
    finally:
        fake.refuse_block_types(set())
    # Nothing was shown before the refusal: the whole answer comes in words, in one reply.
    assert len(reply["pages"]) == 1
    assert not [b for page in reply["pages"] for b in page["blocks"] if b["type"] in drawn]
    words = "\n".join(texts(page["blocks"]) for page in reply["pages"])
    assert "*Pairs*\n1 active" in words, words
    for chart in ("Sessions by week: nothing yet", "From proposal to reflection: "):
        assert chart in words, words
    assert [r[0] for r in fake.refused[refused:]] == ["response_url"], fake.refused
    assert workspace.serve.output().count("Slack refused a chart or table") == refusals + 1


async def test_a_participant_asking_for_status_gets_only_their_own(workspace, fake):
    _mentor, mentee, _ = await active_pair(workspace, fake, "Mine")
    reply = await workspace.command(mentee, "status")
    body = texts(reply["blocks"])
    assert "Mentored by Mina Park" in body and "Pairs at risk" not in body
    assert "pages" not in reply, "answered at once: no program charts for a participant"
    assert not [b for b in reply["blocks"] if b["type"].startswith("data_")]
    me = await workspace.command(mentee, "me")
    assert "No session booked yet." in texts(me["blocks"])
    buttons = [e for b in me["blocks"] if b["type"] == "actions" for e in b["elements"]]
    # Booking first; then the pair's objectives (none yet: an offer to set them).
    assert [b["action_id"] for b in buttons] == ["session.schedule", "objectives.edit"]


async def test_a_non_owner_cannot_pair_create_or_export_and_nothing_changes(workspace, fake):
    mentor, mentee = pair_of_people(fake)
    await start_program(workspace, "Guarded")
    reply = await workspace.command(mentee, f"pair <@{mentor}> <@{mentee}> program=Guarded goal")
    # (The refusal's words: tests/unit/test_status_and_outbox.py; here, only they see it.)
    assert "only program owners" in reply["text"] and reply["response_type"] == "ephemeral"
    for text in ("program create Mine", "export"):
        assert "only program owners" in (await workspace.command(mentee, text))["text"]
    status = texts((await workspace.command(OWNER, "status Guarded"))["blocks"])
    assert "*Pairs*\nnone" in status
    assert not fake.posts_to(fake.dm(mentor, mentee)), "no intro was queued"


async def test_pair_needs_a_program_name_when_there_are_several(workspace, fake):
    mentor, mentee = pair_of_people(fake)
    await start_program(workspace, "Alpha")
    await start_program(workspace, "Beta")
    reply = await workspace.command(OWNER, f"pair <@{mentor}|mina> <@{mentee}> goal")
    assert "Add program=NAME" in reply["text"]
    goal = await workspace.command(
        OWNER, f"pair <@{mentor}|mina> <@{mentee}> program=Beta Learn from <@{OWNER}|olivia>"
    )
    assert "Proposed" in goal["text"]


async def test_app_home_shows_pairs_and_its_buttons_work(workspace, fake):
    _mentor, mentee, _ = await active_pair(workspace, fake, "Homely")
    assert (
        await workspace.event(
            {"type": "app_home_opened", "user": mentee, "channel": "D1", "tab": "home"}
        )
        == 200
    )
    home = await eventually(lambda: fake.homes.get(mentee), what="home published")
    assert home["type"] == "home" and "Mentored by Mina Park" in texts(home["blocks"])
    await workspace.click(mentee, None, "session.schedule", home=home)
    view = await eventually(lambda: fake.views, what="modal from home")
    assert view[-1]["callback_id"] == "session.schedule"
    day = weekday_at(12, 9).date().isoformat()
    status, ack = await workspace.submit(
        mentee, view[-1], {"date": day, "time": "11:00", "minutes": "30"}
    )
    assert status == 200 and ack == {}
    await eventually(
        lambda: "Next session" in texts(fake.homes[mentee]["blocks"]), what="home refreshed"
    )
    assert any("Booked:" in p.text for p in fake.posts_to(fake.dm(mentee)))


async def test_snooze_updates_the_message_so_it_cannot_be_pressed_again(workspace, fake):
    _mentor, mentee, when = await active_pair(workspace, fake, "Sleepy")
    await workspace.tick(when + timedelta(minutes=10))
    [nudge] = [p for p in fake.posts_to(fake.dm(mentee)) if "Time to book" in p.text]
    await workspace.click(mentee, nudge, "pairing.snooze")
    await eventually(lambda: "Snoozed for a week" in texts(nudge.blocks), what="snoozed")
    # Schedule and Snooze are gone; the check-in that came along keeps its own button.
    assert actions_of(nudge.blocks) == ["checkin.answer"]
    later = when + timedelta(days=4)  # the reminder would be due by now (on a working day)
    while later.weekday() >= 5:
        later += timedelta(days=1)
    await workspace.tick(later)
    reminders = [p for p in fake.posts_to(fake.dm(mentee)) if "isn't booked yet" in p.text]
    assert not reminders, "no reminder while snoozed"


async def test_reflection_modal_saves_with_the_chosen_visibility(workspace, fake):
    mentor, mentee, when = await active_pair(workspace, fake, "Reflective")
    await workspace.tick(when + timedelta(minutes=10))
    [nudge] = [p for p in fake.posts_to(fake.dm(mentee)) if "Time to book" in p.text]
    await workspace.click(mentee, nudge, "session.schedule")
    view = (await eventually(lambda: fake.views, what="modal"))[-1]
    day = weekday_at(5, 9)
    await workspace.submit(
        mentee, view, {"date": day.date().isoformat(), "time": "10:00", "minutes": "60"}
    )
    start = day.replace(hour=9)  # 10:00 in Berlin (winter)
    await workspace.tick(start + timedelta(minutes=65))
    check = next(p for p in fake.posts_to(fake.dm(mentee)) if "How did your session" in p.text)
    stale = type(check)(check.channel, check.ts, check.text, list(check.blocks))
    await workspace.click(mentee, check, "session.held")
    await eventually(
        lambda: "Thanks for your session with Mina" in texts(check.blocks), what="held"
    )
    await workspace.click(mentee, stale, "session.missed")  # a second, late click on the old copy
    await eventually(lambda: "already recorded as held" in texts(check.blocks), what="answered")

    # Mina's card comes at the next tick; Write more opens the reflection modal.
    await workspace.tick(start + timedelta(minutes=70))
    card = next(
        p for p in fake.posts_to(fake.dm(mentor)) if "Thanks for your session with Erik" in p.text
    )
    assert "reflection.write" in actions_of(row_of(card.blocks, "What stood out")), card.blocks
    views_before = len(fake.views)
    await workspace.click(mentor, card, "reflection.write")
    await eventually(lambda: len(fake.views) > views_before, what="reflection modal")
    modal = fake.views[-1]
    assert modal["callback_id"] == "reflection.submit"
    empty = await workspace.submit(mentor, modal, {"what_changed": "", "visibility": "pair"})
    assert empty[1]["errors"]["what_changed"].startswith("Write a sentence")
    status, ack = await workspace.submit(
        mentor,
        modal,
        {"what_changed": "Shorter meetings", "will_do": "Try reels", "visibility": "pair"},
    )
    assert status == 200 and ack == {}
    await eventually(lambda: "Only you and Erik" in texts(card.blocks), what="card updated")
    assert "reflection.write" not in actions_of(card.blocks), "Write more is used up"
    again = await workspace.submit(mentor, modal, {"what_changed": "Twice", "visibility": "pair"})
    assert again[0] == 200
    await eventually(
        lambda: any("already shared" in p.text for p in fake.posts_to(fake.dm(mentor))),
        what="second save answered",
    )
