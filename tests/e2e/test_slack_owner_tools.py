"""Slack end to end, program owners' tools (issue 6): joining the pool by button and by CSV,
matching with reasons, check-ins, recognition, forget-me, pause/resume/end and the weekly
digest, through a real `mentorbot serve` with signed requests and `mentorbot tick --now`."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import json
import re
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from tests.e2e.slack_support import (
    COMMAND,
    OWNER,
    Workspace,
    accept_intro,
    actions_of,
    active_pair,
    berlin,
    eventually,
    next_weekday,
    one_post,
    one_post_asking,
    open_form,
    pair_of_people,
    pairs_in,
    posts_asking,
    posts_with,
    press,
    propose,
    row_with,
    start_program,
    status_of,
    texts,
    values_of,
    weekday_at,
)
from tests.fakes.slack_api import FakeSlack, Posted

PEOPLE_HEADER = "program,person,role,name,teaches,learns,interests,manager\n"
_n = itertools.count(1)


# --- helpers ------------------------------------------------------------------------------------
def newcomer(fake: FakeSlack, first: str, last: str, n: int) -> tuple[str, str]:
    """A fresh Slack user (Berlin) called `first``n` `last`; returns (user id, full name)."""
    user, name = f"U{first.upper()}{n}", f"{first}{n} {last}"
    fake.add_user(user, name, "Europe/Berlin")
    return user, name


async def import_people(workspace: Workspace, folder: Path, rows: str) -> str:
    """`mentorbot import people.csv` (these rows under the header) against the serve's
    database, as an operator runs it."""
    path = folder / "people.csv"
    path.write_text(PEOPLE_HEADER + rows)
    process = await asyncio.create_subprocess_exec(
        *COMMAND,
        "import",
        str(path),
        env=workspace.serve.env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def join_pool(
    workspace: Workspace,
    user: str,
    program: str,
    values: dict[str, str],
    manager: str | None = None,
) -> dict:
    """`/mentoring join program=P [@manager]`, press Join, fill the profile; returns the modal."""
    text = f"join program={program}" + (f" <@{manager}|boss>" if manager else "")
    answer = await workspace.command(user, text)
    modal = await press(workspace, user, answer["blocks"], "enrolment.form", f"Join {program}")
    assert modal["callback_id"] == "enrolment.submit"
    status, ack = await workspace.submit(user, modal, values)
    assert status == 200 and ack == {}, ack
    return modal


REFUSED = "Slack refused a chart or table"
DRAWN = {"data_visualization", "data_table"}


async def exported(workspace: Workspace, program: str) -> list[dict[str, str]]:
    """The owner's /mentoring export, only the rows of `program`."""
    fake = workspace.fake
    before = len(fake.shared)
    assert "Preparing your export" in (await workspace.command(OWNER, "export"))["text"]
    shared = await eventually(lambda: fake.shared[before:], what="export shared")
    content = fake.uploads[shared[0]["files"][0]["id"]].decode()
    # The program's figure rows (name, value) follow its sessions and check-ins: not these.
    rows = csv.DictReader(io.StringIO(content))
    return [r for r in rows if r["program"] == program and not r["figure"]]


async def propose_pairs(workspace: Workspace, fake: FakeSlack, program: str, count: int) -> list:
    pairs = []
    for _ in range(count):
        mentor, mentee = pair_of_people(fake)
        reply = await propose(workspace, program, mentor, mentee, "Learn reels")
        assert "Proposed" in reply["text"], reply
        pairs.append((mentor, mentee))
    return pairs


async def answer_checkin(
    workspace: Workspace, user: str, question: Posted, values: dict[str, str], stage: str = ""
) -> dict:
    """Press Answer (1 min) on a check-in question (the one about `stage`, in a message asking
    more than one thing) and send the form; returns the modal. The answer takes the place of
    the question's row of buttons. (The words: tests/unit/test_checkin_words.py.)"""
    row = row_with(question.blocks, "checkin.answer", f":{stage}") if stage else ""
    modal = await open_form(workspace, user, question, "checkin.answer", row)
    assert modal["callback_id"] == "checkin.submit"
    asked = len(values_of(question.blocks, "checkin.answer"))
    status, ack = await workspace.submit(user, modal, values)
    assert status == 200 and ack == {}, ack
    await eventually(
        lambda: len(values_of(question.blocks, "checkin.answer")) < asked, what="answer saved"
    )
    return modal


async def answer_checkin_from_me(workspace: Workspace, user: str, values: dict[str, str]) -> None:
    """`/mentoring me` lists the check-in the person was asked and has not answered: Answer
    (1 min) there, and the form sent; the thanks comes as a DM."""
    me = await workspace.command(user, "me")
    assert [v.rsplit(":", 1)[1] for v in values_of(me["blocks"], "checkin.answer")] == [
        "expectations"
    ]
    modal = await press(workspace, user, me["blocks"], "checkin.answer", "Answer (1 min)")
    assert modal["callback_id"] == "checkin.submit"
    dm = workspace.fake.dm(user)
    before = len(workspace.fake.posts_to(dm))
    status, ack = await workspace.submit(user, modal, values)
    assert status == 200 and ack == {}, ack
    [thanks] = await eventually(lambda: workspace.fake.posts_to(dm)[before:], what="answer saved")
    assert not values_of(thanks.blocks, "checkin.answer"), "answered: nothing more to press"


def inputs(modal: dict) -> list[str]:
    return [b["block_id"] for b in modal["blocks"] if b["type"] == "input"]


# --- 7: the weekly digest (first: its week-old rule is checked before other programs exist) ----
async def test_owners_get_one_weekly_digest_on_monday_from_a_week_after_the_program_began(
    workspace, fake, caplog
):
    created = datetime.now(UTC)
    await start_program(workspace, "Almanac")
    mentor, mentee = pair_of_people(fake)
    await workspace.command(
        OWNER, f"pair <@{mentor}|mina> <@{mentee}|erik> program=Almanac Learn reels"
    )
    digest = "your weekly mentoring digest"

    # The first Monday comes less than a week after the program began: no digest yet.
    first_monday = created.date() + timedelta(days=(7 - created.weekday()) % 7)
    early = datetime.combine(first_monday, clock(9, 30), UTC)
    if early <= created:
        early += timedelta(days=7)
    assert early < created + timedelta(days=7)
    digests = len(posts_with(fake, fake.dm(OWNER), digest))
    await workspace.tick(early)
    assert len(posts_with(fake, fake.dm(OWNER), digest)) == digests
    await accept_intro(workspace, fake, mentor, mentee)
    await workspace.tick(early + timedelta(minutes=5))
    question = await one_post_asking(fake, fake.dm(mentee), "checkin.answer", ":expectations")
    await answer_checkin(workspace, mentee, question, {"text": "Confidence on camera"})

    # Five weeks on, the pair has never met: the Monday digest says so, with the check-ins.
    monday = early + timedelta(days=35)
    await workspace.tick(monday)
    [sent] = posts_with(fake, fake.dm(OWNER), digest)[digests:]
    assert sent.text.startswith("Good morning Olivia - your weekly mentoring digest.")
    # This program's section: from its title to the next program's.
    # The words (the notification text), then the same pair as a row of the at-risk table.
    section = sent.text.split("Almanac - ", 1)[1].split(", a session every")[1]
    assert "Pairs at risk:" in section
    names = " &amp; ".join(fake.users[u]["real_name"] for u in (mentee, mentor))
    assert re.search(rf"- {re.escape(names)}: no session yet after \d+ days", section), section
    assert "- Expectations at the start: 1 of 2 answered (50%)" in section, section
    assert re.search(r"Last week \(\d+ \w+\): 0 sessions held \(same as the week before\)", section)
    pages = [p for p in fake.posts_to(fake.dm(OWNER)) if p.ts >= sent.ts]
    tables = [b for p in pages for b in p.blocks if b["type"] == "data_table"]
    pair = " & ".join(fake.users[u]["real_name"] for u in (mentee, mentor))
    rows = [[c["text"] for c in row] for t in tables for row in t["rows"][1:]]
    assert [pair, "no session yet"] in [row[:2] for row in rows], rows
    shown = [b["title"] for p in pages for b in p.blocks if b["type"] == "data_visualization"]
    # No session in any week yet: no weekly chart is drawn, and a line says so.
    assert not shown and "Sessions by week: nothing yet" in section, shown
    await workspace.tick(monday + timedelta(hours=1))
    assert len(posts_with(fake, fake.dm(OWNER), digest)) == digests + 1, "one digest a week"

    # A week later Slack refuses charts and tables: the digest comes all the same, in words,
    # and the refusal is logged once for the whole digest (the tick runs in this process).
    caplog.clear()
    refused = len(fake.refused)
    fake.refuse_block_types(DRAWN)
    try:
        await workspace.tick(monday + timedelta(days=7))
    finally:
        fake.refuse_block_types(set())
    [plain] = posts_with(fake, fake.dm(OWNER), digest)[digests + 1 :]
    pages = [p for p in fake.posts_to(fake.dm(OWNER)) if p.ts >= plain.ts]
    assert not [b for p in pages for b in p.blocks if b["type"] in DRAWN]
    words = "\n".join(texts(p.blocks) for p in pages)
    assert "Sessions by week: nothing yet" in words, words
    assert f"- {names}: " in words, words  # still at risk, now escalated
    assert [r[0] for r in fake.refused[refused:]] == ["chat.postMessage"], fake.refused
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith(REFUSED)]
    assert len(logged) == 1, caplog.text
    assert "unsupported type `data_table`" in logged[0], "Slack's reasons are kept"


# --- 1, 2: the pool and matching ----------------------------------------------------------------
async def test_people_join_by_import_and_by_button_and_match_proposes_no_manager_or_repeat_pair(
    workspace, fake, tmp_path
):
    n = next(_n)
    ada, _ = newcomer(fake, "Ada", "Stone", n)
    bo, bo_name = newcomer(fake, "Bo", "Chen", n)
    cleo, _ = newcomer(fake, "Cleo", "Ruiz", n)
    dev, _ = newcomer(fake, "Dev", "Patel", n)
    eve, _ = newcomer(fake, "Eve", "Moss", n)
    await start_program(workspace, "Guild")

    # Eve joins as the best mentor for everyone, then leaves the pool again.
    await join_pool(
        workspace, eve, "Guild", {"role": "mentor", "teaches": "video, analytics, reels"}
    )
    left = await workspace.command(eve, "leave")
    assert left["response_type"] == "ephemeral" and "Guild" in left["text"], left

    # Ada and Cleo come from a CSV file; Ada is Cleo's manager.
    out = await import_people(
        workspace,
        tmp_path,
        f"""Guild,slack:{ada},mentor,Ada{n} Stone,"video, analytics, reels",,chess,
Guild,slack:{cleo},mentee,Cleo{n} Ruiz,,"video, analytics, reels",,slack:{ada}
""",
    )
    assert "enrolled 2 people" in out

    # Bo joins by button; a mentor must say what they teach. (What the form and its answers
    # say: tests/unit/test_enrol_words.py; here, where each is drawn.)
    answer = await workspace.command(bo, "join program=Guild")
    assert answer["response_type"] == "ephemeral"
    modal = await press(workspace, bo, answer["blocks"], "enrolment.form", "Join Guild")
    assert modal["callback_id"] == "enrolment.submit"
    assert inputs(modal) == ["role", "teaches", "learns", "interests"]
    kinds = [b["type"] for b in modal["blocks"]]
    assert kinds == ["context", "input", "input", "input", "input"], "the hint, above the form"
    status, ack = await workspace.submit(bo, modal, {"role": "mentor", "teaches": " "})
    assert status == 200 and ack["response_action"] == "errors"
    assert list(ack["errors"]) == ["teaches"] and ack["errors"]["teaches"], "on its field"
    _, ack = await workspace.submit(bo, modal, {"role": "mentor", "teaches": "Video"})
    assert ack == {}
    await one_post(fake, fake.dm(bo), "Guild")  # the answer, in Bo's DM

    # Dev joins naming Bo as his manager; a mentee must say what they want to learn.
    answer = await workspace.command(dev, f"join program=Guild <@{bo}|bo>")
    modal = await press(workspace, dev, answer["blocks"], "enrolment.form", "Join Guild")
    assert bo_name in texts(modal["blocks"][:1]), "the manager named above the form"
    _, ack = await workspace.submit(dev, modal, {"role": "mentee", "interests": "chess"})
    assert list(ack["errors"]) == ["learns"] and ack["errors"]["learns"], "on its field"
    _, ack = await workspace.submit(
        dev, modal, {"role": "mentee", "learns": "video", "interests": "chess"}
    )
    assert ack == {}
    await one_post(fake, fake.dm(dev), "Guild")

    # Only owners match.
    refused = await workspace.command(dev, "match Guild")
    assert "only program owners" in refused["text"] and refused["response_type"] == "ephemeral"

    # Best skill fit would be Ada-Cleo and Bo-Dev: both are manager pairs, so never proposed.
    # (How a proposal and its reasons are worded: tests/unit/test_match_words.py.)
    proposed = await workspace.command(OWNER, "match Guild")
    body = texts(proposed["blocks"])
    names = [f"{first}{n}" for first in ("Ada", "Bo", "Cleo", "Dev", "Eve")]
    assert pairs_in(body, names) == {(f"Bo{n}", f"Cleo{n}"), (f"Ada{n}", f"Dev{n}")}, body
    assert body.index(f"Bo{n}") < body.index(f"Ada{n}"), "in the mentees' order"
    assert f"Eve{n}" not in body, "someone who left the pool is not matched"
    buttons = [e for b in proposed["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(e["action_id"], e["text"]["text"]) for e in buttons] == [
        ("match.confirm", "Confirm all"),
        ("match.edit", "Change pairs"),
    ]
    assert "*Pairs*\nnone" in await status_of(workspace, "Guild"), (
        "nothing is proposed before confirming"
    )

    confirmed = await press(workspace, OWNER, proposed["blocks"], "match.confirm")
    assert "Guild" in confirmed["text"] and not actions_of(confirmed.get("blocks", [])), (
        "the proposal, answered in its place: nothing left to press"
    )

    # Intros at the next tick carry the reason (what was shared); each says yes or no.
    await workspace.tick(weekday_at(3, 9))
    [to_cleo] = fake.posts_to(fake.dm(cleo))
    assert f"Bo{n}" in to_cleo.text and "video" in to_cleo.text, to_cleo.text
    [to_ada] = fake.posts_to(fake.dm(ada))
    assert "with you as the mentor" in to_ada.text
    assert f"Dev{n}" in to_ada.text and "chess" in to_ada.text, to_ada.text
    [to_bo] = posts_with(fake, fake.dm(bo), "you're paired with")
    [to_dev] = posts_with(fake, fake.dm(dev), "you're paired with")
    for user, intro in ((cleo, to_cleo), (bo, to_bo), (dev, to_dev)):
        await workspace.click(user, intro, "pairing.accept")
    await workspace.click(ada, to_ada, "pairing.decline")
    await eventually(lambda: "both in" in texts(to_bo.blocks), what="Bo and Cleo active")
    await eventually(lambda: "Nobody will ask you why" in texts(to_ada.blocks), what="declined")
    assert "*Pairs*\n1 active, 1 declined" in await status_of(workspace, "Guild")

    # Ada and Dev are free again, but were paired before: no repeat is proposed, and Dev is
    # named as left without a match.
    again = await workspace.command(OWNER, "match Guild")
    assert f"Dev{n}" in texts(again["blocks"]) and not pairs_in(texts(again["blocks"]), names)
    assert "match.confirm" not in actions_of(again["blocks"]), "nothing to confirm"


async def test_change_pairs_refuses_a_mentor_twice_or_a_manager_and_confirms_the_edited_pairs(
    workspace, fake, tmp_path
):
    n = next(_n)
    finn, _ = newcomer(fake, "Finn", "Berg", n)
    gus, _ = newcomer(fake, "Gus", "Hall", n)
    jo, _ = newcomer(fake, "Jo", "Kerr", n)
    hana, _ = newcomer(fake, "Hana", "Sato", n)
    ivo, _ = newcomer(fake, "Ivo", "Novak", n)
    await start_program(workspace, "Swap")
    await import_people(
        workspace,
        tmp_path,
        f"""Swap,slack:{finn},mentor,Finn{n} Berg,sql,,,
Swap,slack:{gus},mentor,Gus{n} Hall,"sql, excel",,,
Swap,slack:{jo},mentor,Jo{n} Kerr,design,,,
Swap,slack:{hana},mentee,Hana{n} Sato,,"sql, excel",,slack:{gus}
Swap,slack:{ivo},mentee,Ivo{n} Novak,,sql,,
""",
    )
    proposed = await workspace.command(OWNER, "match Swap")
    names = [f"{first}{n}" for first in ("Finn", "Gus", "Jo", "Hana", "Ivo")]
    assert pairs_in(texts(proposed["blocks"]), names) == {
        (f"Finn{n}", f"Hana{n}"),
        (f"Gus{n}", f"Ivo{n}"),
    }

    # A non-owner pressing the owner's buttons changes nothing.
    refused = await press(workspace, finn, proposed["blocks"], "match.edit")
    assert "only program owners" in refused["text"]

    modal = await press(workspace, OWNER, proposed["blocks"], "match.edit")
    assert modal["callback_id"] == "match.edit"
    fields = {b["label"]["text"].split()[0]: b for b in modal["blocks"] if b["type"] == "input"}
    assert set(fields) == {f"Hana{n}", f"Ivo{n}"}
    hana_field, ivo_field = fields[f"Hana{n}"]["block_id"], fields[f"Ivo{n}"]["block_id"]
    options = {
        o["text"]["text"].split()[0]: o["value"] for o in fields[f"Hana{n}"]["element"]["options"]
    }
    assert "none" in options.values() and {f"Finn{n}", f"Gus{n}", f"Jo{n}"} <= set(options)
    assert fields[f"Hana{n}"]["element"]["initial_option"]["value"] == options[f"Finn{n}"]

    # Each refusal is shown on the field it is about, naming the people (its words:
    # tests/unit/test_match_words.py).
    twice = {hana_field: options[f"Finn{n}"], ivo_field: options[f"Finn{n}"]}
    status, ack = await workspace.submit(OWNER, modal, twice)
    assert status == 200 and ack["response_action"] == "errors"
    assert list(ack["errors"]) == [ivo_field], ack
    assert f"Finn{n}" in ack["errors"][ivo_field] and f"Hana{n}" in ack["errors"][ivo_field]
    manager = {hana_field: options[f"Gus{n}"], ivo_field: options[f"Finn{n}"]}
    _, ack = await workspace.submit(OWNER, modal, manager)
    assert list(ack["errors"]) == [hana_field] and f"Gus{n}" in ack["errors"][hana_field], ack
    assert "*Pairs*\nnone" in await status_of(workspace, "Swap"), "refused forms change nothing"

    status, ack = await workspace.submit(
        OWNER, modal, {hana_field: options[f"Jo{n}"], ivo_field: options[f"Gus{n}"]}
    )
    assert status == 200 and ack == {}, ack
    await one_post(fake, fake.dm(OWNER), "Swap")  # the confirmation, in the owner's DM
    stale = await press(workspace, OWNER, proposed["blocks"], "match.confirm")
    assert not actions_of(stale.get("blocks", [])), "answered in place, nothing to press"
    assert "*Pairs*\n2 proposed" in await status_of(workspace, "Swap"), "the stale one adds none"

    await workspace.tick(weekday_at(3, 9))
    [chosen] = fake.posts_to(fake.dm(jo, hana))
    assert {f"for.{jo}", f"for.{hana}"} <= {b.get("block_id") for b in chosen.blocks}
    [fit] = fake.posts_to(fake.dm(gus, ivo))
    assert f"Gus{n}" in fit.text and "sql" in fit.text, "the reason: what they share"
    assert not fake.posts_to(fake.dm(finn)), "the mentor left out is not asked"


async def test_join_offers_every_open_program(workspace, fake):
    n = next(_n)
    user, _ = newcomer(fake, "Noa", "Wolf", n)
    names = [f"Zone{n}x{k}" for k in range(6)]
    for name in names:
        await start_program(workspace, name)
    offered = texts((await workspace.command(user, "join"))["blocks"])
    assert [name for name in names if name not in offered] == []


async def test_join_typed_in_a_direct_message_remembers_the_mentioned_manager(workspace, fake):
    n = next(_n)
    user, _ = newcomer(fake, "Ola", "Dahl", n)
    boss, boss_name = newcomer(fake, "Per", "Boss", n)
    await start_program(workspace, "Direct")
    assert await workspace.dm(user, f"join program=Direct <@{boss}>") == 200
    answer = await one_post_asking(fake, fake.dm(user), "enrolment.form")
    modal = await open_form(workspace, user, answer, "enrolment.form")
    assert boss_name in texts(modal["blocks"][:1]), "the manager named above the form"


# --- 3: check-ins -------------------------------------------------------------------------------
async def test_check_ins_ask_at_the_start_half_way_and_end_and_owners_see_the_results(
    workspace, fake
):
    today = datetime.now(UTC).date()
    ends = today + timedelta(days=20)
    created = await workspace.command(
        OWNER, f"program create Punctual starts={today.isoformat()} ends={ends.isoformat()}"
    )
    assert "Program Punctual created" in created["text"]
    pairs = await propose_pairs(workspace, fake, "Punctual", 3)
    intro_at = weekday_at(3, 9)
    await workspace.tick(intro_at)
    for mentor, mentee in pairs:
        await accept_intro(workspace, fake, mentor, mentee)

    # Expectations, once the pair is active: each mentor (the second to say yes) is asked in
    # the answer to their yes; each mentee's question comes along with their nudge to book.
    # (What each stage asks: tests/unit/test_checkin_words.py; here, where it is drawn and
    # who is asked, told by the stage each Answer button is for.)
    for mentor, mentee in pairs:
        [intro] = fake.posts_to(fake.dm(mentor, mentee))
        assert [v.rsplit(":", 1)[1] for v in values_of(intro.blocks, "checkin.answer")] == [
            "expectations"
        ]
    await workspace.tick(intro_at + timedelta(minutes=5))
    mentors = [mentor for mentor, _ in pairs]
    mentees = [mentee for _, mentee in pairs]
    people = [person for pair in pairs for person in pair]

    def asking(user: str, stage: str) -> list[Posted]:
        """The messages in the person's DM with an Answer button for `stage` still on them
        (an answer takes its button away)."""
        return posts_asking(fake, fake.dm(user), "checkin.answer", f":{stage}")

    async def one_asking(user: str, stage: str) -> Posted:
        return await one_post_asking(fake, fake.dm(user), "checkin.answer", f":{stage}")

    asked = {u: await one_asking(u, "expectations") for u in mentees}
    first_mentee = pairs[0][1]
    question = asked[first_mentee]
    assert question.text.startswith("Time to book your first session with Mina")
    row = row_with(question.blocks, "checkin.answer")
    assert row != row_with(question.blocks, "session.schedule"), "each with its own row"
    assert [
        (e["action_id"], e["text"]["text"])
        for b in question.blocks
        if b.get("block_id") == row
        for e in b["elements"]
    ] == [("checkin.answer", "Answer (1 min)")]
    modal = await open_form(workspace, first_mentee, question, "checkin.answer", row)
    assert modal["callback_id"] == "checkin.submit" and inputs(modal) == ["text"]
    _, ack = await workspace.submit(first_mentee, modal, {"text": "  "})
    assert list(ack["errors"]) == ["text"] and ack["errors"]["text"], "on its field"
    await workspace.submit(first_mentee, modal, {"text": "Learn to plan reels"})
    await eventually(lambda: not asking(first_mentee, "expectations"), what="saved")
    left = actions_of(question.blocks)
    assert "checkin.answer" not in left and "session.schedule" in left, "the nudge stays"
    silent = pairs[2][1]  # the one person who never answers the expectations question
    for user in mentees:
        if user not in (first_mentee, silent):
            await answer_checkin(workspace, user, asked[user], {"text": "Learn from each other"})
    for user in mentors:
        await answer_checkin_from_me(workspace, user, {"text": "Learn from each other"})

    # Half-way: the mentees' half-way question (a 1-5 rating) comes along with their
    # reminder to book, and so does the one reminder of the unanswered expectations question:
    # the silent mentee has two messages asking about expectations, the others none.
    half_way = next_weekday(
        max(today + timedelta(days=10), (intro_at + timedelta(days=3)).date()), 10
    )
    await workspace.tick(half_way)
    assert len(asking(silent, "expectations")) == 2
    assert not [p for u in people if u != silent for p in asking(u, "expectations")], (
        "answered: no reminder"
    )
    mid = {u: await one_asking(u, "midpoint") for u in mentees}
    assert mid[silent].text.startswith("A gentle reminder: your next session with")
    assert mid[silent] in asking(silent, "expectations"), "one message"
    row = row_with(mid[first_mentee].blocks, "checkin.answer", ":midpoint")
    modal = await open_form(workspace, first_mentee, mid[first_mentee], "checkin.answer", row)
    assert inputs(modal) == ["rating", "text"]
    _, ack = await workspace.submit(first_mentee, modal, {"text": "More time on analytics"})
    assert list(ack["errors"]) == ["rating"] and ack["errors"]["rating"], "on its field"
    await workspace.submit(first_mentee, modal, {"rating": "4", "text": "More time on analytics"})
    await eventually(lambda: not asking(first_mentee, "midpoint"), what="saved")
    # The mentors get no message to go along with: theirs comes on its own a week later.
    assert not [p for u in mentors for p in asking(u, "midpoint")]
    await workspace.tick(half_way + timedelta(days=7))
    for user in mentors:
        mid[user] = await one_asking(user, "midpoint")
        own = row_with(mid[user].blocks, "checkin.answer", ":midpoint")
        assert own.startswith("actions."), "the message's own question, not one along with"
    others = [u for u in people if u != first_mentee]
    for user, rating in zip(others, "54545", strict=True):
        await answer_checkin(workspace, user, mid[user], {"rating": rating}, "midpoint")

    # After the end date the pairs are completed and asked the final survey.
    await workspace.tick(next_weekday(ends + timedelta(days=1), 10))
    final = {u: await one_asking(u, "final") for u in people}
    await answer_checkin(
        workspace,
        first_mentee,
        final[first_mentee],
        {"rating": "5", "text": "Book before you hang up"},
    )
    assert len(asking(silent, "expectations")) == 2, "one reminder, ever"

    status = await status_of(workspace, "Punctual")
    assert "*Pairs*\n3 completed" in status
    assert "Check-ins:" in status
    assert "- Expectations at the start: 5 of 6 answered (83%)" in status
    assert "- Half-way: 6 of 6 answered (100%), average 4.5 of 5" in status
    assert "- End of program: 1 of 6 answered (17%), average shown from 5 ratings" in status

    rows = await exported(workspace, "Punctual")
    answers = [r for r in rows if r["checkin_stage"]]
    assert sorted(r["checkin_stage"] for r in answers) == sorted(
        ["expectations"] * 5 + ["midpoint"] * 6 + ["final"]
    )
    mine = [
        (r["checkin_stage"], r["checkin_rating"], r["checkin_text"])
        for r in answers
        if r["checkin_by"] == fake.users[first_mentee]["real_name"]
    ]
    assert mine == [
        ("expectations", "", "Learn to plan reels"),
        ("midpoint", "4", "More time on analytics"),
        ("final", "5", "Book before you hang up"),
    ]


# --- 5: forget-me --------------------------------------------------------------------------------
async def test_forget_me_deletes_what_the_person_wrote_and_ends_the_pair_quietly(workspace, fake):
    mentor, mentee = pair_of_people(fake)
    mentor_name, mentee_name = (fake.users[u]["real_name"] for u in (mentor, mentee))
    await start_program(workspace, "Hush")
    await join_pool(workspace, mentor, "Hush", {"role": "mentor", "teaches": "podcasts"})
    await join_pool(workspace, mentee, "Hush", {"role": "mentee", "learns": "podcasts"})
    proposed = await workspace.command(OWNER, "match Hush")
    await press(workspace, OWNER, proposed["blocks"], "match.confirm")
    intro_at = weekday_at(3, 9)
    await workspace.tick(intro_at)
    await accept_intro(workspace, fake, mentor, mentee)
    await workspace.tick(intro_at + timedelta(minutes=5))
    question = await one_post_asking(fake, fake.dm(mentee), "checkin.answer", ":expectations")
    await answer_checkin(workspace, mentee, question, {"text": "I hope to start a podcast"})
    rows = await exported(workspace, "Hush")
    assert [(r["checkin_by"], r["checkin_text"]) for r in rows] == [
        (mentee_name, "I hope to start a podcast")
    ]

    asked = await workspace.command(mentee, "forget-me")
    assert asked["response_type"] == "ephemeral"
    kept = await press(workspace, mentee, asked["blocks"], "privacy.keep", "Keep it")
    assert kept["text"] == "Good - nothing was deleted."
    assert "1 active" in await status_of(workspace, "Hush")
    asked = await workspace.command(mentee, "forget-me")
    done = await press(workspace, mentee, asked["blocks"], "privacy.forget", "Delete my data")
    assert done["text"].startswith("Done. Your profile and what you wrote are deleted")

    seen = {u: len(fake.posts_to(fake.dm(u))) for u in (mentor, mentee, OWNER)}
    later = intro_at + timedelta(days=3, minutes=5)  # reminders would be due by now
    await workspace.tick(next_weekday(later.date(), later.hour, later.minute))
    [ended] = fake.posts_to(fake.dm(mentor))[seen[mentor] :]
    assert "Hush" in ended.text and "Erik" not in ended.text, "only that it ended"
    assert len(fake.posts_to(fake.dm(mentee))) == seen[mentee], "nothing more for them"
    to_owner = [p.text for p in fake.posts_to(fake.dm(OWNER))[seen[OWNER] :]]
    assert (
        "A participant asked for their data to be deleted, so their pairing with"
        f" {mentor_name} in Hush has ended. {mentor_name} has only been told that it ended."
    ) in to_owner

    rows = await exported(workspace, "Hush")
    assert [(r["mentee"], r["checkin_by"], r["checkin_text"]) for r in rows] == [
        ("a former participant", "a former participant", "")
    ]
    assert mentee_name not in json.dumps(rows)
    again = texts((await workspace.command(OWNER, "match Hush"))["blocks"])
    assert "Erik" not in again and "Mina" not in again, "the mentee's profile is gone"


# --- 6: pause, resume, end ----------------------------------------------------------------------
async def test_a_paused_pair_gets_no_nudges_until_resumed_and_ending_is_confidential(
    workspace, fake
):
    mentor, mentee, when = await active_pair(workspace, fake, "Still")
    mentor_name, mentee_name = (fake.users[u]["real_name"] for u in (mentor, mentee))
    book = "Time to book your first session"
    # (What each step says: tests/unit/test_lifecycle_words.py; here, that each answer takes
    # the place of the buttons pressed and who is told.)

    choose = await workspace.command(mentor, "pause")
    assert choose["response_type"] == "ephemeral"
    assert actions_of(choose["blocks"]) == ["pairing.pause"]
    paused = await press(
        workspace, mentor, choose["blocks"], "pairing.pause", "Pause: Erik (Still)"
    )
    assert "Erik" in paused["text"] and not actions_of(paused.get("blocks", [])), paused
    await workspace.tick(when + timedelta(minutes=5))
    told = await one_post(fake, fake.dm(mentee), "Still")  # the one message: Mina paused
    assert "Mina" in told.text and not actions_of(told.blocks), told.text
    assert not posts_with(fake, fake.dm(mentee), book) and not posts_with(
        fake, fake.dm(mentor), book
    )
    assert "1 paused" in await status_of(workspace, "Still")

    choose = await workspace.command(mentee, "resume")
    resumed = await press(
        workspace, mentee, choose["blocks"], "pairing.resume", "Resume: Mina (Still)"
    )
    assert not actions_of(resumed.get("blocks", [])), resumed
    await workspace.tick(when + timedelta(minutes=10))
    # Erik, who leads, is nudged to book (Mina had her nudge in the answer to her yes).
    await one_post(fake, fake.dm(mentee), book)
    told = await one_post(fake, fake.dm(mentor), "Still")  # the one message: Erik resumed
    assert "Erik" in told.text, told.text

    choose = await workspace.command(mentee, "end")
    question = await press(workspace, mentee, choose["blocks"], "pairing.end", "End: Mina (Still)")
    assert "Mina" in question["text"]
    assert actions_of(question["blocks"]) == ["pairing.end_confirm", "pairing.keep"]
    kept = await press(workspace, mentee, question["blocks"], "pairing.keep", "Keep going")
    assert not actions_of(kept.get("blocks", [])), kept
    assert "1 active" in await status_of(workspace, "Still")
    choose = await workspace.command(mentee, "end")
    question = await press(workspace, mentee, choose["blocks"], "pairing.end")
    ended = await press(
        workspace, mentee, question["blocks"], "pairing.end_confirm", "End the pairing"
    )
    assert not actions_of(ended.get("blocks", [])), ended

    seen = {u: len(fake.posts_to(fake.dm(u))) for u in (mentor, OWNER)}
    await workspace.tick(when + timedelta(minutes=15))
    [told] = fake.posts_to(fake.dm(mentor))[seen[mentor] :]
    assert "Still" in told.text and "Erik" not in told.text, "not who ended it"
    to_owner = [p.text for p in fake.posts_to(fake.dm(OWNER))[seen[OWNER] :]]
    # The owner is told who ended it: Erik named first, then Mina.
    who = rf"{re.escape(mentee_name)}\b.* {re.escape(mentor_name)}\b.* Still\b"
    assert [t for t in to_owner if re.search(who, t)], to_owner
    nothing = await workspace.command(mentee, "pause")
    assert not actions_of(nothing.get("blocks", [])), "no pairing left to pause"


async def test_a_pair_paused_while_its_first_messages_waited_gets_them_after_resume(
    workspace, fake
):
    mentor, mentee, when = await active_pair(workspace, fake, "Lapse")
    evening = when.replace(hour=19)  # 20:00 or 21:00 in Berlin: messages wait for morning
    await workspace.tick(evening)
    assert not fake.posts_to(fake.dm(mentee)), "nothing sent in the evening"
    choose = await workspace.command(mentor, "pause")
    await press(workspace, mentor, choose["blocks"], "pairing.pause")
    morning = next_weekday((evening + timedelta(days=1)).date(), 9)
    await workspace.tick(morning)
    choose = await workspace.command(mentor, "resume")
    await press(workspace, mentor, choose["blocks"], "pairing.resume")
    await workspace.tick(next_weekday((morning + timedelta(days=4)).date(), 9))
    assert posts_with(fake, fake.dm(mentee), "Time to book"), "no nudge after resume"
    assert posts_asking(fake, fake.dm(mentee), "checkin.answer", ":expectations"), "no check-in"


# --- 4: recognition, and reflection visibility (last: its five pairs would fill later ticks) --
async def test_an_implemented_suggestion_thanks_the_mentor_and_tells_their_manager(workspace, fake):
    n = next(_n)
    mentor, mentee = pair_of_people(fake)
    boss, boss_name = newcomer(fake, "Bea", "Boss", n)
    await start_program(workspace, "Kudos")
    assert (
        "Saved the new settings of Kudos."
        in (await workspace.command(OWNER, "program set Kudos recognition=manager"))["text"]
    )
    modal = await join_pool(
        workspace, mentor, "Kudos", {"role": "mentor", "teaches": "reels, analytics"}, manager=boss
    )
    assert boss_name in texts(modal["blocks"][:1]), "the manager named above the form"
    await workspace.command(
        OWNER, f"pair <@{mentor}|mina> <@{mentee}|erik> program=Kudos Learn reels"
    )
    intro_at = weekday_at(3, 9)
    await workspace.tick(intro_at)
    await accept_intro(workspace, fake, mentor, mentee)

    # A session, booked from /mentoring me, then held.
    me = await workspace.command(mentee, "me")
    form = await press(workspace, mentee, me["blocks"], "session.schedule")
    day = next_weekday((intro_at + timedelta(days=2)).date(), 0).date()
    _, ack = await workspace.submit(
        mentee, form, {"date": day.isoformat(), "time": "10:00", "minutes": "45"}
    )
    assert ack == {}, ack
    start = berlin(day, 10)
    await workspace.tick(start + timedelta(minutes=50))
    check = await one_post(fake, fake.dm(mentee), "How did your session")
    await workspace.click(mentee, check, "session.held")
    await eventually(
        lambda: "Thanks for your session with Mina" in texts(check.blocks), what="held"
    )
    await workspace.tick(start + timedelta(minutes=55))
    await one_post(fake, fake.dm(mentor), "Thanks for your session with Erik")  # Mina's card

    # The mentor's typed reflection can be narrowed with one choice: a select menu under its
    # label, beside Undo. (The menu's words: tests/unit/test_visibility_words.py.)
    await workspace.dm(mentor, "Erik is ready for analytics")
    saved = await one_post(fake, fake.dm(mentor), "Thanks - saved")
    menu_at = next(n for n, b in enumerate(saved.blocks) if b.get("block_id") == "select")
    assert saved.blocks[menu_at - 1]["type"] == "context", "the menu's label, above it"
    elements = [e for b in saved.blocks if b["type"] == "actions" for e in b["elements"]]
    [menu] = [e for e in elements if e["type"] == "static_select"]
    assert menu["action_id"] == "reflection.visibility"
    choices = {o["value"].split(":", 1)[1]: o for o in menu["options"]}
    assert list(choices) == ["program", "pair", "private", "shared", "shared_anonymous"]
    assert all("Erik" in choices[c]["text"]["text"] for c in ("program", "pair")), "by name"
    assert menu["initial_option"] == choices["program"], "the program's default, chosen"
    assert [(e["action_id"], e["text"]["text"]) for e in elements if e["type"] == "button"] == [
        ("reflection.undo", "Undo")
    ]
    pair = choices["pair"]["text"]["text"]
    await workspace.choose(mentor, saved, "reflection.visibility", pair)
    await eventually(
        lambda: "reflection.visibility" not in actions_of(saved.blocks), what="narrowed"
    )

    # The mentee names a suggestion they put into practice, in a pair-only reflection written
    # from their card.
    modal = await open_form(workspace, mentee, check, "reflection.write")
    assert inputs(modal) == ["what_changed", "will_do", "visibility", "implemented"]
    _, ack = await workspace.submit(
        mentee,
        modal,
        {
            "what_changed": "I post reels at lunchtime now",
            "visibility": "pair",
            "implemented": "Post reels at lunchtime",
        },
    )
    assert ack == {}, ack
    await eventually(lambda: "Thanks - saved" in texts(check.blocks), what="saved")
    assert not fake.posts_to(fake.dm(boss))

    # Owners see the count at once; mentors are named only once the program has five.
    status = await status_of(workspace, "Kudos")
    assert "*Suggestions implemented*\n1" in status
    assert "Mentors are named here once" in status, status  # (tests/unit/test_owner_tools.py)
    others = await propose_pairs(workspace, fake, "Kudos", 4)

    await workspace.tick(start + timedelta(minutes=60))
    # (The thanks' and the note's words: tests/unit/test_recognition_words.py.)
    thanks = await one_post(fake, fake.dm(mentor), '"Post reels at lunchtime"')
    assert "Erik" in thanks.text, thanks.text
    [note] = fake.posts_to(fake.dm(boss))
    assert "Kudos" in note.text and "Mina" in note.text, note.text
    assert "Post reels" not in note.text and "Erik" not in note.text, (
        "a pair-only reflection's words and the mentee's name stay out of the manager's note"
    )

    for other_mentor, other_mentee in others:
        await accept_intro(workspace, fake, other_mentor, other_mentee)
    status = await status_of(workspace, "Kudos")
    mentor_name = fake.users[mentor]["real_name"]
    assert "*Pairs*\n5 active" in status
    assert f"Mentors whose suggestions were implemented most: {mentor_name} (1)" in status

    rows = await exported(workspace, "Kudos")
    by_author = {r["reflection_author"]: r for r in rows if r["reflection_author"]}
    assert by_author[mentor_name]["reflection_visibility"] == "pair"
    assert by_author[mentor_name]["what_changed"] == "", "narrowed: owners no longer read it"
