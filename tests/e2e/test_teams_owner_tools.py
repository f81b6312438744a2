"""Owner tools on Teams, end to end: joining the pool (typed `join` and the CSV import),
`match` with its reasons and the Change pairs form, program check-ins, recognition of a
mentor's manager, forget-me, pause / resume / end, and the weekly digest. Everything goes
through a real `mentorbot serve` (activities POSTed to /api/messages, a fake Bot Connector
as their serviceUrl) and `mentorbot tick --now`.

The digest test comes first: a digest lists every running program of the owner and is sent
once per ISO week, so it runs before the other tests add programs and tick in later weeks.
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import re
from datetime import UTC, datetime, timedelta

from tests.e2e.slack_support import COMMAND, pairs_in, weekday_at
from tests.e2e.teams_support import (
    OWNER,
    Tenant,
    active_pair,
    asks,
    book_and_hold,
    button,
    elements,
    export_rows,
    inputs,
    refusals,
    runs,
    start_program,
    text_of,
    tick,
    titles,
    values,
    weekday_after,
)
from tests.fakes.bot_connector import Sent

_ids = itertools.count(1)
DIGEST = "your weekly mentoring digest"


def people(tenant: Tenant, *names: str) -> list[str]:
    """Fresh Teams users for one test; each surname gets a number so owner notes from
    different tests cannot be mistaken for each other (first names stay as given)."""
    n = next(_ids)
    return [tenant.person(f"29:ot{n}-{name.split()[0].lower()}", f"{name}{n}") for name in names]


def naming(tenant: Tenant, user: str, seen: int, *words: str) -> list[str]:
    """The lines of the messages in the person's chat after the first `seen` that hold each
    of `words` (names, a program), in that order: who is said to have done what to which
    pairing, whatever the words around them."""
    pattern = ".*".join(rf"\b{re.escape(w)}\b" for w in words)
    return [
        line
        for sent in tenant.sent(user)[seen:]
        for line in text_of(sent).split("\n")
        if re.search(pattern, line)
    ]


def count(tenant: Tenant, user: str, words: str) -> int:
    """How many messages in the person's chat contain `words`."""
    return sum(words in text for text in tenant.fake.texts_in(tenant.chat(user)))


async def mentorbot(tenant: Tenant, *args: str) -> str:
    """Run a `mentorbot` command against serve's database (as an operator would)."""
    process = await asyncio.create_subprocess_exec(
        *COMMAND,
        *args,
        env=tenant.serve.env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def import_people(tenant: Tenant, tmp_path, rows: list[dict[str, str]]) -> str:
    path = tmp_path / "people.csv"
    columns = ["program", "person", "role", "name", "teaches", "learns", "interests", "manager"]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows({c: row.get(c, "") for c in columns} for row in rows)
    return await mentorbot(tenant, "import", str(path))


async def join(
    tenant: Tenant, user: str, program: str, values: dict[str, str], manager: str | None = None
) -> Sent:
    """Type `join` (naming a manager with an <at> mention), press Join PROGRAM, submit the
    form inline with `values`; returns the card as it stands after the submit."""
    if manager:
        await tenant.say(user, f"join program={program} {{}}", (manager,))
    else:
        await tenant.say(user, f"join program={program}")
    card = await tenant.latest(user, f"Join {program}")
    await tenant.submit(user, card, f"Join {program}")
    assert set(inputs(card)) == {"role", "teaches", "learns", "interests"}, text_of(card)
    await tenant.submit(user, card, "Join", values)
    return card


async def owner_says(tenant: Tenant, text: str, expect: str) -> Sent:
    await tenant.say(OWNER, text)
    return await tenant.latest(OWNER, expect)


async def answer_checkin(
    tenant: Tenant, user: str, stage: str, answer: dict[str, str], since: int = 0
) -> Sent:
    """Press Answer (1 min) for the `stage` check-in on the newest message asking it (a
    check-in, or `me` listing an open one; one after the first `since` in the person's chat),
    then send `answer`: the thanks takes the form's place. (The words:
    tests/unit/test_checkin_words.py.)"""
    card = await tenant.latest_asking(user, "checkin.answer", f":{stage}", since)
    await tenant.press(user, card, "checkin.answer", f":{stage}")
    await tenant.submit(user, card, "Send", answer)
    assert "Send" not in titles(card) and not refusals(card), text_of(card)
    return card


def stages(sent: Sent) -> list[str]:
    """The check-in stages the card asks about (each Answer button's), in card order."""
    return [v.rsplit(":", 1)[1] for v in values(sent, "checkin.answer")]


def asking(tenant: Tenant, user: str, stage: str) -> int:
    """How many messages in the person's chat ask the `stage` check-in still (an answer takes
    its button away)."""
    return sum(stage in stages(sent) for sent in tenant.sent(user))


# --- 7. the weekly digest ---------------------------------------------------------------------


async def test_owners_get_one_weekly_digest_from_the_monday_a_week_after_a_program_began(
    tenant,
):
    mentor, mentee = people(tenant, "Mina Park", "Erik Lund")
    await tenant.say(OWNER, "program create Digest cadence=3 minutes=30")
    await tenant.latest(OWNER, "Program Digest created")
    await tenant.say(OWNER, "pair {} {} program=Digest Learn analytics", (mentor, mentee))
    now = datetime.now(UTC)
    monday = (now + timedelta(days=-now.weekday() % 7)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    if monday <= now:
        monday += timedelta(days=7)

    # The first Monday is less than a week after the program began: no digest yet.
    await tick(tenant, monday)
    assert count(tenant, OWNER, DIGEST) == 0
    for user in (mentee, mentor):
        await tenant.submit(user, await tenant.latest(user, "Accept"), "Accept")
    await tick(tenant, monday + timedelta(minutes=5))
    await answer_checkin(tenant, mentee, "expectations", {"text": "Read my numbers"})

    # A week later: the digest, with the program's figures, pairs at risk and check-ins.
    await tick(tenant, monday + timedelta(days=7))
    digest = await tenant.latest(OWNER, DIGEST)
    body = text_of(digest)
    assert "Good morning Olivia - your weekly mentoring digest." in body
    assert "Digest - digital skills, a session every 3 days" in body
    assert "1 active" in body, body
    assert re.search(r"Erik Lund\d+ & Mina Park\d+: no session yet after \d+ days", body), body
    assert "Expectations at the start: 1 of 2 answered (50%)" in body, body
    # Beside the words: the at-risk table with its fallback for clients that cannot draw it
    # (the fake checks the card against the schemas); no session in any week yet, so no
    # weekly chart, and a line says so.
    assert not elements(digest, "Chart.") and "Sessions by week: nothing yet" in body, body
    [table] = elements(digest, "Table")
    rows = [[cell["items"][0]["text"] for cell in row["cells"]] for row in table["rows"]]
    assert rows[0] == ["Pair", "Reason", "Days since a session"], rows
    assert [row[1] for row in rows[1:]] == ["no session yet"], rows
    assert re.fullmatch(r"Erik Lund\d+ & Mina Park\d+", rows[1][0]), rows
    assert "Pairs at risk:" in table["fallback"]["text"], table

    # Owner status (now, when the pair is new) has the funnel too; the mentee's own status
    # has no program charts.
    status = await owner_says(tenant, "status Digest", "Digest - ")
    assert [c["title"] for c in elements(status, "Chart.")] == ["From proposal to reflection"]
    await tenant.say(mentee, "status")
    own = await tenant.latest(mentee, "Mentored by")
    assert not elements(own, "Chart.") and not elements(own, "Table"), text_of(own)

    # Once a week: the Tuesday's tick sends no second one.
    await tick(tenant, monday + timedelta(days=8))
    assert count(tenant, OWNER, DIGEST) == 1


# --- 1 and 2. joining the pool, and match ----------------------------------------------------


async def test_people_enrolled_by_import_and_join_are_matched_with_reasons_but_never_with_their_manager_or_a_past_partner(
    tenant, tmp_path
):
    ana, bo, cy, dee = people(tenant, "Ana Silva", "Bo Berg", "Cy Nakamura", "Dee Okafor")
    await start_program(tenant, "Pool")

    # Ana (mentor) and Dee (mentee, managed by Bo) come from the CSV file.
    out = await import_people(
        tenant,
        tmp_path,
        [
            {
                "program": "Pool",
                "person": f"teams:{ana}",
                "role": "mentor",
                "name": tenant.names[ana],
                "teaches": "TikTok, Analytics, Reels",
            },
            {
                "program": "Pool",
                "person": f"teams:{dee}",
                "role": "mentee",
                "name": tenant.names[dee],
                "learns": "analytics",
                "manager": f"teams:{bo}",
            },
        ],
    )
    assert "enrolled 2 people" in out, out
    for user in (ana, dee):  # the app is installed for them: now they can be written to
        await tenant.install(user)

    # Cy joins in chat naming Ana as manager; the form refuses a mentee who learns nothing.
    await tenant.say(cy, "join program=Pool {}", (ana,))
    card = await tenant.latest(cy, "Join Pool")
    await tenant.submit(cy, card, "Join Pool")
    assert tenant.names[ana] in text_of(card), text_of(card)
    assert [c["value"] for c in inputs(card)["role"]["choices"]] == ["mentor", "mentee"]
    # A refusal is drawn above the form, which stays (the words:
    # tests/unit/test_enrol_words.py).
    await tenant.submit(cy, card, "Join", {"role": "mentee", "teaches": "", "learns": ""})
    assert list(refusals(card)) == ["learns"] and "learns" in inputs(card), text_of(card)
    assert inputs(card)["role"].get("value") == "mentee", "what was picked is kept"
    mentee_profile = {
        "role": "mentee",
        "learns": "tiktok, analytics, reels",
        "interests": "Running",
    }
    await tenant.submit(cy, card, "Join", mentee_profile)
    assert not inputs(card) and not refusals(card), text_of(card)

    # Bo joins as a mentor; a mentor must say what they teach.
    card = await join(tenant, bo, "Pool", {"role": "mentor", "teaches": " "})
    assert list(refusals(card)) == ["teaches"] and "teaches" in inputs(card), text_of(card)
    await tenant.submit(
        bo, card, "Join", {"role": "mentor", "teaches": "TikTok, analytics", "interests": "running"}
    )
    assert not inputs(card) and not refusals(card), text_of(card)

    # Only owners may match.
    await tenant.say(bo, "match Pool")
    await tenant.latest(bo, "only program owners")

    # Without the manager rule the best fit would be Ana-Cy and Bo-Dee: both are refused.
    # (How a proposal and its reasons are worded: tests/unit/test_match_words.py.)
    proposal = await tenant.answer_to(OWNER, "match Pool")
    body = text_of(proposal)
    assert pairs_in(body, ["Ana", "Bo", "Cy", "Dee"]) == {("Bo", "Cy"), ("Ana", "Dee")}, body
    assert [a["title"] for a in proposal.latest["attachments"][0]["content"]["actions"]] == [
        "Confirm all",
        "Change pairs",
    ]

    # A non-owner sending the owner's Confirm all is refused and nothing is proposed.
    await tenant.submit(bo, proposal, "Confirm all")
    await tenant.latest(bo, "only program owners")
    assert count(tenant, bo, "only program owners") == 2
    status = await owner_says(tenant, "status Pool", "Pool - ")
    assert "Pairs\nnone" in text_of(status), text_of(status)

    await tenant.submit(OWNER, proposal, "Confirm all")
    assert not titles(proposal), text_of(proposal)
    assert "Confirm all" not in str(proposal.latest["attachments"]), "no buttons left"

    # The next tick introduces each pair, with the reason: what they share.
    await tick(tenant, weekday_at(3, 9))
    intro = text_of(await tenant.latest(dee, "Accept"))
    assert "paired with Ana" in intro
    assert "analytics" in intro, intro
    to_cy = text_of(await tenant.latest(cy, "Accept"))
    assert "Bo" in to_cy and "tiktok" in to_cy and "running" in to_cy, to_cy
    for user in (dee, ana):
        await tenant.submit(user, await tenant.latest(user, "Accept"), "Accept")
    await tenant.latest(ana, "both in")
    await tenant.submit(cy, await tenant.latest(cy, "Accept"), "Accept")
    await tenant.submit(bo, await tenant.latest(bo, "Not for me"), "Not for me")

    # Bo and Cy are free again, but a past pair is never proposed again: Cy is named as
    # left without a match, and there is nothing to confirm.
    again = await tenant.answer_to(OWNER, "match Pool")
    assert "Cy" in text_of(again), text_of(again)
    assert not pairs_in(text_of(again), ["Ana", "Bo", "Cy", "Dee"]), text_of(again)
    assert "Confirm all" not in str(again.latest)

    # The reason is a sentence of its own in the intro, with one full stop.
    assert "learn.." not in intro, intro


async def test_the_owner_changes_pairs_in_a_form_that_refuses_a_mentor_twice_or_a_manager(
    tenant, tmp_path
):
    ana, bo, cy, dee, eve = people(
        tenant, "Ana Silva", "Bo Berg", "Cy Nakamura", "Dee Okafor", "Eve Adams"
    )
    await start_program(tenant, "Swap")
    rows = [
        {"person": ana, "role": "mentor", "teaches": "SEO, ads"},
        {"person": bo, "role": "mentor", "teaches": "seo"},
        {"person": cy, "role": "mentee", "learns": "seo"},
        {"person": dee, "role": "mentee", "learns": "seo, ads", "manager": f"teams:{ana}"},
        {"person": eve, "role": "mentee", "learns": "seo"},
    ]
    for row in rows:
        row |= {"program": "Swap", "name": tenant.names[row["person"]]}
        row["person"] = f"teams:{row['person']}"
    assert "enrolled 5 people" in await import_people(tenant, tmp_path, rows)

    # Eve leaves the pool: she is neither proposed nor offered in the form. (What leaving
    # says: tests/unit/test_enrol_words.py.)
    left = await tenant.answer_to(eve, "leave")
    assert "Swap" in text_of(left) and not left.latest.get("attachments"), left.latest
    again = await tenant.answer_to(eve, "leave")
    assert "Swap" not in text_of(again), "no pool left to name"

    proposal = await tenant.answer_to(OWNER, "match Swap")
    body = text_of(proposal)
    assert pairs_in(body, ["Ana", "Bo", "Cy", "Dee"]) == {("Bo", "Dee"), ("Ana", "Cy")}, body
    assert "Eve" not in body

    await tenant.submit(OWNER, proposal, "Change pairs")
    fields = inputs(proposal)
    assert len(fields) == 2 and all(f.startswith("mentee.") for f in fields), fields
    field_of = {f["label"].split(" ")[0]: field_id for field_id, f in fields.items()}
    assert set(field_of) == {"Cy", "Dee"}
    choices = fields[field_of["Cy"]]["choices"]
    mentor_of = {c["title"].split(" ")[0]: c["value"] for c in choices}
    assert mentor_of["No"] == "none" and set(mentor_of) == {"No", "Ana", "Bo"}
    assert fields[field_of["Dee"]]["value"] == mentor_of["Bo"], "the proposal is preselected"

    # Ana twice, then Ana for the mentee she manages: the form comes back with the reason
    # under the field it is about, naming who (its words: tests/unit/test_match_words.py).
    await tenant.submit(
        OWNER,
        proposal,
        "Confirm pairs",
        {field_of["Cy"]: mentor_of["Ana"], field_of["Dee"]: mentor_of["Ana"]},
    )
    [(field, refused)] = refusals(proposal).items()
    assert field == field_of["Dee"] and "Ana" in refused and "Cy" in refused, refused
    await tenant.submit(
        OWNER,
        proposal,
        "Confirm pairs",
        {field_of["Cy"]: mentor_of["Bo"], field_of["Dee"]: mentor_of["Ana"]},
    )
    [(field, refused)] = refusals(proposal).items()
    assert field == field_of["Dee"] and "Ana" in refused, refused
    assert inputs(proposal)[field_of["Cy"]]["value"] == mentor_of["Bo"], "the picks are kept"

    # A valid choice confirms exactly the edited pairs.
    await tenant.submit(
        OWNER,
        proposal,
        "Confirm pairs",
        {field_of["Cy"]: mentor_of["Bo"], field_of["Dee"]: "none"},
    )
    assert not inputs(proposal) and not titles(proposal), text_of(proposal)
    await tenant.say(cy, "me")
    assert "Mentored by Bo Berg" in text_of(await tenant.latest(cy, "Mentored by"))
    await tenant.say(dee, "me")
    await tenant.latest(dee, "You're not in any pairing yet.")
    status = await owner_says(tenant, "status Swap", "Swap - ")
    assert "1 proposed" in text_of(status), text_of(status)


# --- 3. check-ins -----------------------------------------------------------------------------


async def test_pairs_answer_check_ins_at_the_start_half_way_and_end_and_owners_see_the_results(
    tenant,
):
    today = datetime.now(UTC).date()
    ends = today + timedelta(days=50)  # half-way: today + 25 days
    await owner_says(tenant, f"program create Checks ends={ends.isoformat()}", "Checks created")
    pairs = [people(tenant, "Mina Park", "Erik Lund") for _ in range(3)]
    for mentor, mentee in pairs:
        await tenant.say(OWNER, "pair {} {} program=Checks Learn", (mentor, mentee))
    await tick(tenant, weekday_at(1, 9))
    for mentor, mentee in pairs:
        for user in (mentee, mentor):
            await tenant.submit(user, await tenant.latest(user, "Accept"), "Accept")
    (mentor1, mentee1), (mentor2, mentee2), (mentor3, mentee3) = pairs

    # Both said yes: each is asked what they expect, the mentor (who said yes last) in the
    # answer to that, the mentee along with their first nudge at the next tick. (What each
    # stage asks: tests/unit/test_checkin_words.py; here, where it is drawn and who is asked,
    # told by the stage each Answer button is for.)
    answered = await tenant.latest_asking(mentor1, "checkin.answer", ":expectations")
    assert {"session.schedule", "checkin.answer"} <= set(runs(answered)), "in the answer"
    assert not asking(tenant, mentee1, "expectations"), "the mentee's waits for the nudge"
    started = weekday_at(1, 9) + timedelta(minutes=5)
    await tick(tenant, started)
    question = await tenant.latest_asking(mentee1, "checkin.answer", ":expectations")
    assert "Time to book your first session" in text_of(question), text_of(question)
    assert asking(tenant, mentee1, "expectations") == 1, "one message"
    await tenant.submit(mentee1, question, "Answer (1 min)")
    assert list(inputs(question)) == ["text"], "no rating at the start"
    await tenant.submit(mentee1, question, "Send", {"text": "  "})
    assert list(refusals(question)) == ["text"], text_of(question)
    await tenant.submit(mentee1, question, "Send", {"text": "Learn to read retention curves"})
    assert not inputs(question) and not refusals(question), text_of(question)
    for user in (mentee2, mentor2, mentee3):
        await answer_checkin(tenant, user, "expectations", {"text": f"Hopes of {user}"})

    # One reminder, only to those who did not answer. It would go along with another message
    # from three days on; the mentors get none (their first nudge was the answer to Accept),
    # so it goes alone, 17 days after the question: a second message asking it.
    silent = (mentor1, mentor3)
    await tick(tenant, weekday_at(7, 10))
    assert [asking(tenant, u, "expectations") for u in silent] == [1, 1], "not yet"
    await tick(tenant, weekday_at(18, 10))
    assert [asking(tenant, u, "expectations") for u in silent] == [2, 2]
    others = (mentee1, mentor2, mentee2, mentee3)
    assert [asking(tenant, u, "expectations") for u in others] == [0] * 4

    # Half-way: a 1-5 rating and a few words. The tick after the half-way day asks it; with
    # no other message to go along with, it goes alone a week after that day.
    await tick(tenant, weekday_at(26, 10))
    await tick(tenant, weekday_at(33, 10))
    midpoint = await tenant.latest_asking(mentee1, "checkin.answer", ":midpoint")
    assert stages(midpoint) == ["midpoint"], "alone"
    await tenant.submit(mentee1, midpoint, "Answer (1 min)")
    assert set(inputs(midpoint)) == {"rating", "text"}
    assert [c["value"] for c in inputs(midpoint)["rating"]["choices"]] == list("54321")
    await tenant.submit(mentee1, midpoint, "Send", {"text": "Good"})
    assert list(refusals(midpoint)) == ["rating"], text_of(midpoint)
    await tenant.submit(mentee1, midpoint, "Send", {"rating": "5", "text": "Very good"})
    ratings = {mentee2: "4", mentee3: "4", mentor1: "5", mentor2: "3"}  # mentor3 stays silent
    for user, rating in ratings.items():
        await answer_checkin(tenant, user, "midpoint", {"rating": rating, "text": "ok"})

    # After the end date the pairs are completed and asked the final survey at once.
    await tick(tenant, weekday_at(51, 10))
    for user, rating in ((mentee1, "5"), (mentor1, "4")):
        await answer_checkin(tenant, user, "final", {"rating": rating, "text": f"Final of {user}"})
    assert asking(tenant, mentor1, "expectations") == 2, "the reminder is never repeated"

    status = text_of(await owner_says(tenant, "status Checks", "Checks - "))
    assert "3 completed" in status, status
    assert "Expectations at the start: 4 of 6 answered (67%)" in status, status
    assert "Half-way: 5 of 6 answered (83%), average 4.2 of 5" in status, status
    assert "End of program: 2 of 6 answered (33%), average shown from 5 ratings" in status

    rows = [r for r in await export_rows(tenant, "Checks") if r["checkin_stage"]]
    by_stage = {
        s: [r for r in rows if r["checkin_stage"] == s]
        for s in ("expectations", "midpoint", "final")
    }
    assert [len(v) for v in by_stage.values()] == [4, 5, 2], rows
    first = next(r for r in by_stage["expectations"] if r["checkin_by"] == tenant.names[mentee1])
    assert first["checkin_text"] == "Learn to read retention curves"
    assert first["checkin_rating"] == ""
    final = next(r for r in by_stage["final"] if r["checkin_by"] == tenant.names[mentor1])
    assert (final["checkin_rating"], final["checkin_text"]) == ("4", f"Final of {mentor1}")


# --- 4 and 5. recognition, then forget-me -----------------------------------------------------


async def test_implemented_suggestions_reach_the_mentors_manager_and_forget_me_erases_the_mentee(
    tenant,
):
    mentor, mentee, boss = people(tenant, "Mina Park", "Erik Lund", "Bea Stone")
    await start_program(tenant, "Credit")
    await owner_says(tenant, "program set Credit recognition=boss", "Recognition is mentor")
    await owner_says(tenant, "program set Credit recognition=manager", "Saved the new settings")
    await join(tenant, mentor, "Credit", {"role": "mentor", "teaches": "reels"}, manager=boss)
    await join(tenant, mentee, "Credit", {"role": "mentee", "learns": "reels"})
    proposal = await tenant.answer_to(OWNER, "match Credit")
    await tenant.submit(OWNER, proposal, "Confirm all")
    await tick(tenant, weekday_at(3, 9))
    for user in (mentee, mentor):
        await tenant.submit(user, await tenant.latest(user, "Accept"), "Accept")

    # Session 1: the mentee names a suggestion put into practice and plans another; the
    # mentor plans something too. The mentee's expectations check-in came along with "Did it
    # happen?"; `me` still offers it once that card has become the post-session card.
    first, card = await book_and_hold(tenant, mentee, weekday_at(4, 9).date())
    me = len(tenant.sent(mentee))
    await tenant.say(mentee, "me")
    await answer_checkin(tenant, mentee, "expectations", {"text": "My secret hopes"}, since=me)
    await tenant.submit(mentee, card, "Write more")
    assert "implemented" in inputs(card), "the mentee's form asks what was put into practice"
    reflection = {
        "what_changed": "My private thoughts on reels",
        "will_do": "Post reels at 6pm",
        "visibility": "program",
        "implemented": "Reply to every comment",
    }
    await tenant.submit(mentee, card, "Save", reflection)
    assert "Thanks - saved" in text_of(card), text_of(card)
    await tick(tenant, first + timedelta(minutes=55))
    card = await tenant.latest(mentor, "What stood out")
    await tenant.submit(mentor, card, "Write more")
    assert "implemented" not in inputs(card), "only mentees report what they implemented"
    values = {"what_changed": "Erik is quick", "will_do": "Send my dashboard"}
    await tenant.submit(mentor, card, "Save", values | {"visibility": "pair"})

    # Session 2: the mentor's thanks and the manager's note for session 1 arrive; the
    # mentee's post-session card offers what they planned last time.
    second, card = await book_and_hold(tenant, mentee, weekday_after(first, 1, 9).date())
    # (The thanks' and the note's words: tests/unit/test_recognition_words.py.)
    thanks = text_of(await tenant.latest(mentor, '"Reply to every comment"'))
    assert "Erik" in thanks, thanks
    note = text_of(await tenant.latest(boss, "Credit"))
    assert "Mina" in note, note
    # Written for the program's owners (and the partner), so not quoted to the manager.
    assert "Reply to every comment" not in note and "Erik" not in note, note
    # Only the mentee's own follow-ups: the mentor's "Send my dashboard" is not theirs to mark.
    planned = [ask for ask in asks(card) if ask.startswith("You planned")]
    assert planned == ["You planned: Post reels at 6pm"], asks(card)
    assert titles(card, "You planned: Post reels at 6pm") == ["Mark done"]
    await tenant.submit(mentee, card, "Mark done", under="Post reels at 6pm")
    assert "Nice - marked as done. I'll let Mina know." in text_of(card), text_of(card)
    assert not [ask for ask in asks(card) if ask.startswith("You planned")], "one tap, then gone"

    # Before the next tick the mentee asks to be forgotten; Keep it changes nothing.
    await tenant.say(mentee, "forget-me")
    ask = await tenant.latest(mentee, "This deletes your profile")
    await tenant.submit(mentee, ask, "Keep it")
    assert "Good - nothing was deleted." in text_of(ask)
    await tenant.say(mentee, "forget-me")
    ask = await tenant.latest(mentee, "This deletes your profile")
    await tenant.submit(mentee, ask, "Delete my data")
    assert "Your profile and what you wrote are deleted" in text_of(ask), text_of(ask)

    # The partner hears only that the pairing ended; the owner hears why, without a name.
    seen = len(tenant.sent(mentor))
    await tick(tenant, second + timedelta(minutes=60))
    ended = [text_of(s) for s in tenant.sent(mentor)[seen:] if "Credit" in text_of(s)]
    assert ended and not [t for t in ended if "Erik" in t], ended
    owner_note = text_of(await tenant.latest(OWNER, "asked for their data to be deleted"))
    assert f"their pairing with {tenant.names[mentor]} in Credit has ended" in owner_note
    # (The note may come along with the weekly digest, which names other tests' pairs.)
    assert tenant.names[mentee] not in owner_note

    rows = await export_rows(tenant, "Credit")
    assert rows and all(r["mentee"] == "a former participant" for r in rows), rows
    everything = str(rows)
    for words in ("Erik Lund", "My private thoughts", "My secret hopes", "Reply to every"):
        assert words not in everything, (words, rows)
    authors = {r["reflection_author"] for r in rows} | {r["checkin_by"] for r in rows}
    assert "a former participant" in authors, rows
    again = await tenant.answer_to(OWNER, "match Credit")
    assert "Erik" not in text_of(again) and not titles(again), "the profile is gone"

    # What the mentee wrote is not sent after forget-me: the thanks to the mentor and the
    # note to the manager were still waiting, and quote the deleted follow-up.
    for user in (mentor, boss):
        assert not count(tenant, user, "Post reels at 6pm"), tenant.texts(user)


# --- 6. pause, resume, end --------------------------------------------------------------------


async def test_a_paused_pair_is_not_nudged_until_resumed_and_ending_is_confidential(tenant):
    mentor, mentee, when = await active_pair(tenant, "Breaks")
    first = when + timedelta(minutes=5)
    await tick(tenant, first)
    assert count(tenant, mentee, "Time to book your first session") == 1

    # (What each step says: tests/unit/test_lifecycle_words.py; here, that each answer takes
    # the place of the buttons pressed and who is told.)
    choice = await tenant.answer_to(mentee, "pause")
    assert runs(choice) == ["pairing.pause"], text_of(choice)
    await tenant.submit(mentee, choice, "Pause: Mina (Breaks)")
    assert not titles(choice) and "Mina" in text_of(choice), text_of(choice)
    nothing = await tenant.answer_to(mentee, "pause")
    assert not titles(nothing), "no pairing left to pause"

    # Four days on, the reminder would be due: a paused pair gets none.
    paused = weekday_after(first, 4, 10)
    seen = len(tenant.sent(mentor))
    await tick(tenant, paused)
    assert naming(tenant, mentor, seen, "Erik", "Breaks"), "Mina is told Erik paused it"
    for user in (mentee, mentor):
        assert count(tenant, user, "isn't booked yet") == 0, tenant.texts(user)

    choice = await tenant.answer_to(mentor, "resume")
    assert runs(choice) == ["pairing.resume"], text_of(choice)
    await tenant.submit(mentor, choice, "Resume: Erik (Breaks)")
    assert not titles(choice), text_of(choice)
    seen = len(tenant.sent(mentee))
    await tick(tenant, paused + timedelta(minutes=5))
    reminder = await tenant.latest(mentee, "isn't booked yet")
    button(reminder, "Other time...")
    assert naming(tenant, mentee, seen, "Mina", "Breaks"), "Erik is told Mina resumed it"

    # Ending asks once more; Keep going keeps it.
    choice = await tenant.answer_to(mentor, "end")
    await tenant.submit(mentor, choice, "End: Erik (Breaks)")
    assert "Erik" in text_of(choice), text_of(choice)
    assert runs(choice) == ["pairing.end_confirm", "pairing.keep"], text_of(choice)
    await tenant.submit(mentor, choice, "Keep going")
    assert not titles(choice), text_of(choice)
    choice = await tenant.answer_to(mentor, "end")
    await tenant.submit(mentor, choice, "End: Erik (Breaks)")
    await tenant.submit(mentor, choice, "End the pairing")
    assert not titles(choice), text_of(choice)

    seen = {u: len(tenant.sent(u)) for u in (mentee, OWNER)}
    await tick(tenant, paused + timedelta(minutes=10))
    assert naming(tenant, mentee, seen[mentee], "Breaks"), "Erik is told it ended"
    assert not naming(tenant, mentee, seen[mentee], "Mina"), "but not who ended it"
    # The owner is told who ended it: Mina named first, then Erik.
    mina, erik = tenant.names[mentor], tenant.names[mentee]
    assert naming(tenant, OWNER, seen[OWNER], mina, erik, "Breaks"), tenant.texts(OWNER)
    nothing = await tenant.answer_to(mentee, "end")
    assert not titles(nothing), "no pairing left to end"


# --- owner status with charts and the at-risk table -------------------------------------


async def test_owner_status_shows_an_escalated_pair_in_the_at_risk_table_beside_its_charts(
    tenant,
):
    _mentor, _mentee, when = await active_pair(tenant, "Quiet")
    for days in range(12):  # nudge, reminder, then the owner is told (working days only)
        moment = when + timedelta(days=days, minutes=10)
        if moment.weekday() < 5:
            await tick(tenant, moment)
    status = await owner_says(tenant, "status Quiet", "Quiet - ")
    assert "nothing booked after two reminders" in text_of(status), text_of(status)
    [table] = elements(status, "Table")
    rows = [[cell["items"][0]["text"] for cell in row["cells"]] for row in table["rows"]]
    assert rows[0] == ["Pair", "Reason", "Days since a session"], rows
    assert [row[1] for row in rows[1:]] == ["no reply to reminders"], rows
    assert table["fallback"]["type"] == "TextBlock", table
    charts = elements(status, "Chart.")
    assert [c["type"] for c in charts] == ["Chart.VerticalBar"], charts
    assert all(c["fallback"]["type"] == "TextBlock" for c in charts), charts
