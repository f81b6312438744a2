"""Program owners' tools through the engine: matching from a pool with reasons, check-ins,
recognition, privacy, pair lifecycle and the weekly digest (issue 6)."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta
from statistics import mean

from bot.data.export import export_rows
from bot.data.pool_file import import_people
from bot.domain.events import Mention
from bot.domain.messages import FormErrors
from bot.domain.model import (
    Enrolment,
    Notification,
    Pairing,
    PairingStatus,
    Participant,
    Proposal,
    Reflection,
)
from bot.domain.outcomes import CheckIn
from bot.flows.pairings import propose_pairing
from bot.policy.matching import Candidate, barrier, overlap
from tests.harness import ERIK, MINA, OWNER, PRIYA, TOM
from tests.unit.matching_support import MENTEES, MENTORS, PAST


def _handle(person: Candidate) -> str:
    return f"console:{person.name.lower()}"


def _people_csv(program: str) -> str:
    """The 20 people of test_matching's fixture as an import file."""
    everyone = {p.id: p for p in MENTORS + MENTEES}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["program", "person", "role", "name", "teaches", "learns", "interests", "manager"]
    )
    for role, people in (("mentor", MENTORS), ("mentee", MENTEES)):
        for p in people:
            boss = _handle(everyone[p.manager_id]) if p.manager_id else ""
            writer.writerow(
                [
                    program,
                    _handle(p),
                    role,
                    f"{p.name} Doe",
                    ", ".join(p.teaches),
                    ", ".join(p.learns),
                    ", ".join(p.interests),
                    boss,
                ]
            )
    return out.getvalue()


async def _ids(harness) -> dict[int, Candidate]:
    """Participant id -> the fixture candidate it was imported from."""
    people = await harness.engine.run(lambda ctx: ctx.tx.find(Participant))
    by_handle = {p.handle: p.id for p in people}
    return {by_handle[_handle(c)]: c for c in MENTORS + MENTEES}


async def test_match_of_twenty_people_states_a_reason_for_each_pair_and_beats_random(harness):
    await harness.program("Rotation")
    last_year = await harness.program("Last year")
    await harness.engine.run(lambda ctx: import_people(ctx, _people_csv("Rotation")))
    ids = await _ids(harness)
    back = {c.id: pid for pid, c in ids.items()}

    async def past_pairs(ctx):
        for pair in PAST:
            mentor, mentee = sorted(pair)  # mentors have the lower fixture ids
            await propose_pairing(
                ctx, last_year, await ctx.person(back[mentor]), await ctx.person(back[mentee]), "x"
            )

    await harness.engine.run(past_pairs)
    reply = await harness.command(OWNER, "match", "Rotation")
    proposals = await harness.engine.run(lambda ctx: ctx.tx.find(Proposal, status="draft"))
    assert len(proposals) == 9, reply.text  # Tomas shares no skill with anyone
    assert "No good match yet for: Tomas" in reply.text
    chosen = []
    for proposal in proposals:
        mentor, mentee = ids[proposal.mentor_id], ids[proposal.mentee_id]
        assert proposal.reason.endswith(".") and "wants to learn" in proposal.reason
        assert proposal.reason in reply.text
        assert barrier(mentor, mentee, PAST) is None, (mentor.name, mentee.name)
        chosen.append(overlap(mentor, mentee))
    ours = sum(len(m.skills) for m in chosen)
    rng = random.Random(11)
    totals = []
    for _ in range(500):
        shuffled = MENTORS[:]
        rng.shuffle(shuffled)
        totals.append(
            sum(len(overlap(r, e).skills) for r, e in zip(shuffled, MENTEES, strict=True))
        )
    assert ours > mean(totals) and ours > max(totals) * 0.8, (ours, mean(totals), max(totals))

    assert not harness.sender.delivered, "nothing is sent before the owner confirms"
    [confirm] = [b for b in reply.buttons if b.action == "match.confirm"]
    done = await harness.click(OWNER, "match.confirm", confirm.value)
    assert "Confirmed in Rotation: 9 pairs." in done.text
    again = await harness.click(OWNER, "match.confirm", confirm.value)
    assert "already confirmed" in again.text
    pairings = await harness.engine.run(lambda ctx: ctx.tx.find(Pairing, program_id=1))
    assert len(pairings) == 9 and all(p.status == PairingStatus.PROPOSED for p in pairings)
    await harness.tick()
    karen = harness.inbox("karen")
    assert len(karen) == 1 and "Why you two:" in karen[0].message.text
    assert [b.action for b in karen[0].message.buttons] == ["pairing.accept", "pairing.decline"]


async def test_joining_in_chat_saves_a_profile_with_the_manager_and_refuses_gaps(harness):
    await harness.program("Pool")
    reply = await harness.command(ERIK, "join", "@tom", (Mention("@tom", TOM),))
    [button] = reply.buttons
    assert button.action == "enrolment.form"
    form = await harness.click(ERIK, "enrolment.form", button.value)
    assert "Tom Becker" in form.text
    assert [f.id for f in form.form.fields] == ["role", "teaches", "learns", "interests"]
    refused = await harness.submit(
        ERIK, "enrolment.submit", button.value, role="mentee", learns=" "
    )
    assert isinstance(refused, FormErrors) and "learns" in refused.errors
    saved = await harness.submit(
        ERIK, "enrolment.submit", button.value, role="mentee", learns="TikTok, analytics"
    )
    assert "pool as a mentee" in saved.text
    [profile] = await harness.engine.run(lambda ctx: ctx.tx.find(Enrolment))
    tom = (await harness.engine.run(lambda ctx: ctx.tx.find(Participant, user_id="tom")))[0]
    assert (profile.learns, profile.manager_id) == (["tiktok", "analytics"], tom.id)
    left = await harness.command(ERIK, "leave")
    assert "left the pool of Pool" in left.text
    [profile] = await harness.engine.run(lambda ctx: ctx.tx.find(Enrolment))
    assert profile.status == "left"


async def _pool(harness, name="Pool", **program):
    await harness.program(name, **program)
    for actor, role, teaches, learns in (
        (MINA, "mentor", "tiktok, analytics", ""),
        (PRIYA, "mentor", "tiktok", ""),
        (ERIK, "mentee", "", "tiktok, analytics"),
        (TOM, "mentee", "", "tiktok"),
    ):
        reply = await harness.command(actor, "join")
        await harness.submit(
            actor,
            "enrolment.submit",
            reply.buttons[0].value,
            role=role,
            teaches=teaches,
            learns=learns,
        )


async def test_the_owner_changes_proposals_in_a_form_that_refuses_a_mentor_twice(harness):
    await _pool(harness)
    reply = await harness.command(OWNER, "match")
    run = reply.buttons[0].value
    form = await harness.click(OWNER, "match.edit", run)
    ids = {f.label.split()[0]: f.id for f in form.form.fields}
    mentors = {c.label.split()[0]: c.value for c in form.form.fields[0].choices}
    assert set(ids) == {"Erik", "Tom"} and set(mentors) == {"No", "Mina", "Priya"}
    twice = await harness.submit(
        OWNER, "match.edit", run, **{ids["Erik"]: mentors["Mina"], ids["Tom"]: mentors["Mina"]}
    )
    assert isinstance(twice, FormErrors) and "already chosen" in twice.errors[ids["Tom"]]
    done = await harness.submit(
        OWNER, "match.edit", run, **{ids["Erik"]: mentors["Priya"], ids["Tom"]: "none"}
    )
    assert "Confirmed in Pool: 1 pair." in done.text
    [pairing] = await harness.engine.run(lambda ctx: ctx.tx.find(Pairing))
    assert "Priya can help with tiktok" in pairing.why
    assert "already confirmed" in (await harness.click(OWNER, "match.confirm", run)).text
    assert "only program owners" in (await harness.command(ERIK, "match")).text


async def test_check_ins_at_start_half_way_and_end_with_one_reminder_each(harness):
    program = await harness.program("Dated", starts_on=date(2026, 3, 2), ends_on=date(2026, 4, 30))
    pairing = await harness.pairing(program)
    await harness.click(MINA, "pairing.accept", pairing.id)
    # Erik's yes makes the pair active: his answer asks the expectations check-in too.
    answer = await harness.click(ERIK, "pairing.accept", pairing.id)
    [ask] = [a for a in answer.asks if "what do you hope" in a.text]
    [button] = ask.buttons
    form = await harness.click(ERIK, button.action, button.value)
    assert [f.id for f in form.form.fields] == ["text"]
    empty = await harness.submit(ERIK, "checkin.submit", button.value, text=" ")
    assert isinstance(empty, FormErrors) and "text" in empty.errors
    assert (
        "program owners"
        in (await harness.submit(ERIK, "checkin.submit", button.value, text="Learn to post")).text
    )
    # Mina's goes along with her first nudge, a day later. Her one reminder, due 3 days after
    # that, waits for another message to go with; none comes, so it goes alone on 19 March.
    await harness.run_until(datetime(2026, 3, 18, 12, 0, tzinfo=UTC), timedelta(hours=6))
    [to_mina] = harness.inbox("mina", "what do you hope")
    assert to_mina.message.text.startswith("Time to book your first session with Erik")
    assert not harness.inbox("mina", "won't ask again")
    await harness.run_until(datetime(2026, 3, 19, 12, 0, tzinfo=UTC), timedelta(hours=6))
    assert not harness.inbox("erik", "won't ask again"), "Erik answered: no reminder"
    assert len(harness.inbox("mina", "won't ask again")) == 1
    # Half-way: 31 March; with no other message to go along with, it goes alone a week later.
    await harness.run_until(datetime(2026, 4, 6, 16, 0, tzinfo=UTC), timedelta(hours=12))
    assert not harness.inbox("mina", "half-way")
    await harness.run_until(datetime(2026, 4, 7, 16, 0, tzinfo=UTC), timedelta(hours=12))
    [mid] = harness.inbox("mina", "half-way")
    form = await harness.click(MINA, "checkin.answer", mid.message.buttons[0].value)
    assert [f.id for f in form.form.fields] == ["rating", "text"]
    bad = await harness.submit(MINA, "checkin.submit", mid.message.buttons[0].value, rating="9")
    assert isinstance(bad, FormErrors) and "1 to 5" in bad.errors["rating"]
    await harness.submit(
        MINA, "checkin.submit", mid.message.buttons[0].value, rating="4", text="Good"
    )
    # The end: the pair is completed and both get the survey.
    await harness.run_until(datetime(2026, 5, 1, 16, 0, tzinfo=UTC), timedelta(hours=12))
    stored = await harness.engine.run(lambda ctx: ctx.tx.get(Pairing, pairing.id))
    assert stored.status == PairingStatus.COMPLETED
    assert len(harness.inbox("erik", "has ended - thank you")) == 1
    status = await harness.command(OWNER, "status", "Dated")
    lines = status.sections[0].lines
    assert "- Expectations at the start: 1 of 2 answered (50%)" in lines
    assert any(
        line.startswith("- Half-way: 1 of 2 answered (50%), average shown from 5") for line in lines
    )
    rows = await harness.engine.run(lambda ctx: export_rows(ctx, [program]))
    answers = [
        (r["checkin_stage"], r["checkin_rating"], r["checkin_text"])
        for r in rows
        if r["checkin_stage"]
    ]
    assert answers == [("expectations", "", "Learn to post"), ("midpoint", "4", "Good")]


async def test_pause_stops_nudges_and_resume_brings_them_back(harness):
    pairing = await harness.active_pairing()
    choose = await harness.command(ERIK, "pause")
    [button] = choose.buttons
    paused = await harness.click(ERIK, button.action, button.value)
    assert "Paused" in paused.text
    await harness.run_until(harness.clock.now() + timedelta(days=10))
    assert not harness.inbox("erik", "book"), "no nudges while paused"
    assert not harness.inbox("mina", "book"), "not even the mentor's first, due the next day"
    assert len(harness.inbox("mina", "paused your pairing")) == 1
    await harness.click(MINA, "pairing.resume", pairing.id)
    await harness.run_until(harness.clock.now() + timedelta(days=1))
    # Erik's reminder (his first nudge was his answer to Accept) and Mina's first nudge.
    assert len(harness.inbox("erik", "gentle reminder")) == 1
    assert len(harness.inbox("mina", "book your first session")) == 1
    assert len(harness.inbox("erik", "resumed your pairing")) == 1


async def test_ending_a_pair_tells_the_other_only_that_it_ended_and_the_owner_who(harness):
    pairing = await harness.active_pairing()
    question = await harness.click(MINA, "pairing.end", pairing.id)
    assert "only hear that the pairing has ended" in question.text
    ended = await harness.click(MINA, "pairing.end_confirm", pairing.id)
    assert "has ended" in ended.text
    await harness.tick()
    [told] = harness.inbox("erik", "has ended")
    assert "Mina" not in told.message.text
    [owner] = harness.inbox("olivia", "ended the pairing")
    assert "Mina Park ended the pairing with Erik Lund" in owner.message.text
    stored = await harness.engine.run(lambda ctx: ctx.tx.get(Pairing, pairing.id))
    assert stored.status == PairingStatus.ENDED


async def test_forget_me_asks_first_then_deletes_texts_and_keeps_counts(harness):
    program = await harness.program()
    pairing = await harness.held_session(await harness.active_pairing(program))
    await harness.say(ERIK, "I now post weekly")
    await harness.command(ERIK, "join")
    question = await harness.command(ERIK, "forget-me")
    assert [b.action for b in question.buttons] == ["privacy.forget", "privacy.keep"]
    assert (
        "nothing was deleted"
        in (await harness.click(ERIK, "privacy.keep", question.buttons[0].value)).text
    )
    done = await harness.click(ERIK, "privacy.forget", question.buttons[0].value)
    assert "deleted" in done.text
    [reflection] = await harness.engine.run(lambda ctx: ctx.tx.find(Reflection))
    assert reflection.what_changed == ""
    erik = await harness.engine.run(lambda ctx: ctx.tx.find(Participant, user_id="erik"))
    assert not erik, "the old handle is gone"
    stored = await harness.engine.run(lambda ctx: ctx.tx.get(Pairing, pairing.id))
    assert stored.status == PairingStatus.ENDED
    rows = await harness.engine.run(lambda ctx: export_rows(ctx, [program]))
    text = repr(rows)
    assert "Erik" not in text and "weekly" not in text and "a former participant" in text
    status = await harness.command(OWNER, "status")
    assert ("Reflections collected", "1") in status.sections[0].facts


async def test_recognition_thanks_the_mentor_and_tells_their_manager(harness):
    program = await harness.program(recognition="manager")
    reply = await harness.command(MINA, "join", "@tom", (Mention("@tom", TOM),))
    await harness.submit(
        MINA, "enrolment.submit", reply.buttons[0].value, role="mentor", teaches="tiktok"
    )
    pairing = await harness.held_session(await harness.active_pairing(program))
    saved = await harness.submit(
        ERIK,
        "reflection.submit",
        1,
        what_changed="Posting",
        implemented="Weekly video",
        visibility="pair",
    )
    assert "saved" in saved.text
    thanked_at = harness.clock.now()
    await harness.run_until(thanked_at + timedelta(hours=12))  # Tom works in New York
    [boss] = harness.inbox("tom", "put into practice")
    assert "Weekly video" not in boss.message.plain(), (
        "a pair-only reflection's words stay in the pair"
    )
    assert "Erik" not in boss.message.plain()
    # Mina's thanks waits up to 2 days for a message of hers to go along with, then goes.
    assert not harness.inbox("mina", "Weekly video")
    await harness.run_until(thanked_at + timedelta(days=2, hours=1))
    [thanks] = harness.inbox("mina", "Weekly video")
    assert thanks.at == thanked_at + timedelta(days=2)
    assert "Erik put one of your suggestions into practice" in thanks.message.plain()
    status = await harness.command(OWNER, "status")
    assert any("named here once the program has 5" in line for line in status.sections[0].lines)
    assert pairing.id


async def test_weekly_digest_reaches_each_owner_once_on_monday(harness):
    await harness.active_pairing(await harness.program())
    await harness.run_until(datetime(2026, 3, 9, 7, 0, tzinfo=UTC), timedelta(hours=12))
    assert not harness.inbox("olivia", "weekly mentoring digest"), "not in the program's first week"
    await harness.run_until(datetime(2026, 3, 10, 12, 0, tzinfo=UTC), timedelta(hours=1))
    [digest] = harness.inbox("olivia", "weekly mentoring digest")
    section = digest.message.sections[0]
    assert section.title.startswith("Digital Leaders")
    assert ("Pairs", "1 active") in section.facts
    assert any(line.startswith("- Expectations at the start") for line in section.lines)
    await harness.run_until(datetime(2026, 3, 16, 12, 1, tzinfo=UTC), timedelta(hours=12))
    assert len(harness.inbox("olivia", "weekly mentoring digest")) == 2


async def test_checkin_answers_are_counted_once_per_person_and_stage(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    value = f"{pairing.id}:expectations"
    await harness.submit(ERIK, "checkin.submit", value, text="One")
    again = await harness.submit(ERIK, "checkin.submit", value, text="Two")
    assert "already answered" in again.text
    rows = await harness.engine.run(lambda ctx: ctx.tx.find(CheckIn))
    assert [r.text for r in rows] == ["One"]
    outsider = await harness.click(TOM, "checkin.answer", value)
    assert "someone else's" in outsider.text
    sent = await harness.engine.run(lambda ctx: ctx.tx.find(Notification, kind="checkin"))
    assert len(sent) == 2
