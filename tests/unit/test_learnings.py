"""The learnings library (`learnings [words]`): a reflection shared with the program is read
by everyone in that program and by nobody else; owners also read what was left to them; an
entry without its author's name never names them; visibility changes and forget-me count at
once; and nothing typed is ever read as search syntax."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.events import Actor
from bot.domain.model import Enrolment, Pairing, Participant, Program, Reflection, Session
from bot.flows.learnings import QUOTED, SHOWN
from bot.policy.library import library_scope, search_words
from tests.harness import ERIK, MINA, OWNER, PRIYA, TOM

# The query is each database's own: these run on SQLite and PostgreSQL.
pytestmark = pytest.mark.both_databases

ANA = Actor("console", "ana", "Ana Diaz", timezone="UTC")
BEN = Actor("console", "ben", "Ben Okafor", timezone="UTC")
OMAR = Actor("console", "omar", "Omar Haddad", timezone="UTC")  # owns the other program only
NOBODY = Actor("console", "nora", "Nora Quinn", timezone="UTC")  # in no program

SHARED = "We moved the weekly report to a shared dashboard"
OWNERS_ONLY = "Erik asked sharp questions about the analytics dashboard"
PRIVATE = "A private worry about the dashboard budget"


async def _library(harness, visibility: str = "shared", **more: str):
    """Digital Leaders: Mina mentors Erik (a held session, Erik's reflection with
    `visibility`, Mina's left to owners) and Priya mentors Tom. Inclusion, owned by Omar:
    Ana mentors Ben. Returns Erik's save reply."""
    program = await harness.program("Digital Leaders", objective="digital skills")
    pairing = await harness.active_pairing(program)
    await harness.active_pairing(program, PRIYA, TOM)
    other = await harness.program("Inclusion", objective="inclusion", owners=[OMAR.handle])
    await harness.active_pairing(other, ANA, BEN)
    await harness.held_session(pairing)
    saved = await harness.submit(
        ERIK,
        "reflection.submit",
        1,
        what_changed=SHARED,
        will_do="Try reels with the finance team",
        visibility=visibility,
        implemented="Post reels at lunchtime",
        **more,
    )
    assert saved.text.startswith("Thanks - saved"), saved.text
    mina = await harness.submit(
        MINA, "reflection.submit", 1, what_changed=OWNERS_ONLY, visibility="program"
    )
    assert mina.text.startswith("Thanks - saved"), mina.text
    return saved


async def _held_session_card(harness, pairing: Pairing):
    """The harness's held session of Tue 3 March, keeping the post-session card that Erik
    gets as the answer to his "It happened" (with its reflection ask)."""
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-03", "10:00")
    await harness.tick(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))
    card = await harness.click(ERIK, "session.held", 1)
    await harness.tick()
    return card


async def _search(harness, actor: Actor, words: str = "") -> str:
    reply = await harness.command(actor, "learnings", words)
    return reply.plain()


def _choice(reply, choice: str):
    """The option for `choice` in the saved reply's one choice of who can read it."""
    assert reply.select.action == "reflection.visibility"
    return next(o for o in reply.select.options if o.value.endswith(f":{choice}"))


async def test_a_shared_reflection_is_read_by_everyone_in_its_program(harness):
    await _library(harness)
    for reader in (ERIK, MINA, TOM, PRIYA, OWNER):
        found = await _search(harness, reader, "dashboard")
        assert SHARED in found, reader.user_id
        assert "Theme: digital skills (Digital Leaders)" in found
        assert "Done: Post reels at lunchtime" in found, "what was done is shown"
        assert "Erik, 3 Mar 2026" in found, "the author's first name and the date"


async def test_nobody_outside_the_program_reads_it(harness):
    await _library(harness)
    for reader in (ANA, BEN, OMAR):
        found = await _search(harness, reader, "dashboard")
        assert SHARED not in found and OWNERS_ONLY not in found, reader.user_id
        assert "Nothing shared matches" in found
        assert SHARED not in await _search(harness, reader)
    stranger = await _search(harness, NOBODY, "dashboard")
    assert "not in a pairing of a program yet" in stranger and SHARED not in stranger


async def test_owners_also_read_what_was_left_to_owners_and_participants_do_not(harness):
    await _library(harness)
    assert OWNERS_ONLY in await _search(harness, OWNER, "analytics")
    for reader in (ERIK, MINA, TOM):
        assert OWNERS_ONLY not in await _search(harness, reader, "analytics"), reader.user_id
        assert OWNERS_ONLY not in await _search(harness, reader), reader.user_id
    assert OWNERS_ONLY not in await _search(harness, OMAR, "analytics"), "not his program"


@pytest.mark.parametrize("visibility", ["pair", "private"])
async def test_pair_and_private_reflections_are_not_in_the_library_even_for_their_author(
    harness, visibility
):
    await _library(harness, visibility)
    for reader in (ERIK, MINA, TOM, OWNER):
        assert SHARED not in await _search(harness, reader), reader.user_id
        assert SHARED not in await _search(harness, reader, "weekly report"), reader.user_id


async def test_an_entry_shared_without_a_name_names_nobody_not_even_to_owners(harness):
    await _library(harness, "shared_anonymous")
    for reader in (TOM, OWNER, MINA):
        found = await _search(harness, reader, "dashboard")
        assert SHARED in found and "Someone in Digital Leaders" in found, reader.user_id
        assert "Erik" not in found.replace(OWNERS_ONLY, ""), reader.user_id


async def test_a_visibility_change_counts_at_once_both_ways(harness):
    saved = await _library(harness)
    assert saved.select.initial == _choice(saved, "shared").value
    narrowed = await harness.click(ERIK, "reflection.visibility", _choice(saved, "pair").value)
    assert narrowed.text == "Done. Only you and Mina can read it."
    assert SHARED not in await _search(harness, TOM, "dashboard")
    widened = await harness.click(
        ERIK, "reflection.visibility", _choice(saved, "shared_anonymous").value
    )
    assert "without your name" in widened.text
    found = await _search(harness, TOM, "dashboard")
    assert SHARED in found and "Erik" not in found
    reflection_id = _choice(saved, "pair").value.split(":")[0]
    named = await harness.click(ERIK, "reflection.visibility", f"{reflection_id}:shared")
    assert "with your first name" in named.text
    assert "Erik, 3 Mar 2026" in await _search(harness, TOM, "dashboard")


async def test_forget_me_takes_the_entries_out_at_once_and_the_former_participant_reads_nothing(
    harness,
):
    await _library(harness)
    erik = await harness.person(ERIK)
    await harness.click(ERIK, "privacy.forget", erik.id)
    for reader in (TOM, MINA, OWNER):
        assert SHARED not in await _search(harness, reader), reader.user_id
        assert "Post reels" not in await _search(harness, reader), reader.user_id
    forgotten = await harness.engine.run(lambda ctx: ctx.tx.get(Participant, erik.id))
    assert not library_scope(forgotten, await _pairings(harness, erik.id), [])
    # Writing again, they are someone new, in no program.
    assert "not in a pairing of a program yet" in await _search(harness, ERIK)


async def _pairings(harness, person_id: int):
    return await harness.engine.run(lambda ctx: ctx.pairings_of(person_id))


async def test_a_place_in_the_pool_opens_nothing_until_an_owner_pairs_them(harness):
    """Issue 25, item 1: anyone can `join` a pool, so joining reads nothing; being paired
    (even before both said yes) opens the program's library."""
    await _library(harness)
    nora = await harness.person(NOBODY)
    await harness.engine.run(
        lambda ctx: ctx.tx.add(Enrolment(program_id=1, participant_id=nora.id, role="mentee"))
    )
    assert SHARED not in await _search(harness, NOBODY, "dashboard")
    program = await harness.engine.run(lambda ctx: ctx.tx.get(Program, 1))
    await harness.pairing(program, mentor=PRIYA, mentee=NOBODY)
    assert SHARED in await _search(harness, NOBODY, "dashboard")


SYNTAX = [
    '"',
    '"dashboard',
    "*",
    "dash*",
    "NEAR(weekly dashboard)",
    "what_changed:dashboard",
    "will_do:finance",
    "dashboard OR budget",
    "dashboard AND NOT budget",
    "-dashboard",
    "^dashboard",
    "(dashboard",
    "dashboard)",
    "{what_changed will_do}: dashboard",
    "dashboard + budget",
    "'; DROP TABLE reflections; --",
    "\\",
    "%",
    "_",
    "&|!",
    "dashboard:*",
    "<-> dashboard",
]


@pytest.mark.parametrize("query", SYNTAX)
async def test_search_syntax_typed_is_plain_words_never_an_error_or_a_wider_search(harness, query):
    await _library(harness)
    outsider = await _search(harness, ANA, query)
    assert SHARED not in outsider and OWNERS_ONLY not in outsider and PRIVATE not in outsider
    assert "Sorry" not in outsider, "no error"
    inside = await _search(harness, TOM, query)
    assert "Sorry" not in inside and OWNERS_ONLY not in inside
    words = search_words(query)
    if not words:
        assert SHARED in inside, "no words: the newest entries"
    elif {"budget", "changed", "dash"} & set(words):
        assert "Nothing shared matches" in inside, "every word must match; no prefixes"


async def test_a_search_with_no_results_says_so_and_suggests_fewer_words(harness):
    await _library(harness)
    found = await _search(harness, TOM, "dashboard zebra")
    assert found == (
        'Nothing shared matches "dashboard zebra". Try fewer words, or type learnings on its '
        "own for the newest."
    )
    assert SHARED in await _search(harness, TOM, "Dashboards REPORTING"), "stemmed, any case"


async def test_an_empty_library_says_what_will_appear_there(harness):
    program = await harness.program("Digital Leaders")
    await harness.active_pairing(program)
    found = await _search(harness, MINA)
    assert found.startswith("Nothing has been shared with your programs yet.")


async def test_long_texts_are_shortened_visibly(harness):
    program = await harness.program("Digital Leaders")
    pairing = await harness.active_pairing(program)
    await harness.held_session(pairing)
    long = "dashboard " + "x" * (QUOTED * 2)
    await harness.submit(ERIK, "reflection.submit", 1, what_changed=long, visibility="shared")
    found = await _search(harness, MINA, "dashboard")
    assert "(shortened)" in found and long not in found
    assert "x" * (QUOTED - 20) in found


async def test_only_the_newest_five_are_shown_and_it_says_there_are_more(harness):
    program = await harness.program("Digital Leaders")
    pairing = await harness.active_pairing(program)
    erik = await harness.person(ERIK)

    async def write(ctx):
        for n in range(SHOWN + 2):
            session = await ctx.tx.add(
                Session(pairing.id, harness.clock.now(), 45, number=n + 1, status="held")
            )
            await ctx.tx.add(
                Reflection(
                    session.id, erik.id, "mentee", f"Lesson {n} on dashboards", visibility="shared"
                )
            )

    await harness.engine.run(write)
    found = await _search(harness, MINA, "dashboard")
    shown = [n for n in range(SHOWN + 2) if f"Lesson {n} " in found]
    assert shown == [2, 3, 4, 5, 6], "the newest five"
    assert "Showing the 5 newest. Add a word to narrow it down." in found
    assert found.index("Lesson 6") < found.index("Lesson 2"), "newest first"


def test_search_words_keep_letters_and_digits_only():
    assert search_words('"Q3" NEAR(reels*) what_changed:x ^y -z') == [
        "q3",
        "near",
        "reels",
        "what",
        "changed",
        "x",
        "y",
        "z",
    ]
    assert search_words("über Café café") == ["über", "café"]
    assert search_words("a " * 20) == ["a"]
    assert len(search_words(" ".join(f"w{n}" for n in range(20)))) == 8


async def test_an_owner_can_make_sharing_with_the_program_the_default(harness):
    program = await harness.program("Digital Leaders")
    pairing = await harness.active_pairing(program)
    await harness.active_pairing(program, PRIYA, TOM)
    refused = await harness.command(OWNER, "program", "set Digital Leaders visibility=public")
    assert refused.text == (
        "Reflection visibility is program (owners and the partner), pair, private or shared"
        " (everyone in the program)."
    )
    done = await harness.command(OWNER, "program", "set Digital Leaders visibility=shared")
    assert done.text == "Saved the new settings of Digital Leaders."
    card = await _held_session_card(harness, pairing)
    [prompt] = [a.text for a in card.asks if any(b.action == "reflection.write" for b in a.buttons)]
    assert "in the learnings library - with your first name" in prompt
    saved = await harness.say(ERIK, "Reels reach people our ads never do")
    assert "Everyone in your program can find it in the learnings library" in saved.text
    assert "Reels reach people" in await _search(harness, TOM, "reels")


async def test_the_export_has_no_row_for_entries_shared_without_a_name_only_a_count(harness):
    """Issue 25, item 5: a row would tie an unnamed entry to its pair, its author's role and
    its minute, where the library shows only the day; the export counts it instead."""
    from bot.data.export import UNNAMED, export_rows

    await _library(harness, "shared_anonymous")

    async def rows(ctx):
        return await export_rows(ctx, await ctx.tx.find(Program))

    found = await harness.engine.run(rows)
    by_role = {r["reflection_role"]: r for r in found if r["reflection_role"]}
    assert "mentee" not in by_role, "no row, no author, no time for the unnamed entry"
    assert by_role["mentor"]["what_changed"] == OWNERS_ONLY
    assert sum(int(r["value"]) for r in found if r["figure"] == UNNAMED) == 1
    reflection = (await harness.engine.run(lambda ctx: ctx.tx.find(Reflection)))[0]
    await harness.click(ERIK, "reflection.visibility", f"{reflection.id}:shared")
    found = await harness.engine.run(rows)
    by_role = {r["reflection_role"]: r for r in found if r["reflection_role"]}
    assert by_role["mentee"]["what_changed"] == SHARED, "shared with a name: owners read it"
    assert sum(int(r["value"]) for r in found if r["figure"] == UNNAMED) == 0


def test_only_pairings_an_owner_made_and_owning_open_a_programs_library():
    me = Participant("console", "me", id=1)
    pair = {status: Pairing(7, 1, 2, status=status) for status in ("active", "paused")}
    pair |= {s: Pairing(8, 2, 1, status=s) for s in ("proposed", "ended")}
    pair["declined"] = Pairing(10, 2, 1, status="declined")
    scope = library_scope(me, pair.values(), [])
    assert scope.shared == {7, 8} and not scope.owned, "declined: no"
    completed = library_scope(me, [Pairing(9, 1, 2, status="completed")], [])
    assert completed.shared == {9}
    assert not library_scope(me, [Pairing(9, 3, 2, status="active")], []), "not theirs"
    owner = library_scope(me, [], [Program("Owned", id=4)])
    assert owner.shared == {4} and owner.owned == {4}
    me.forgotten_at = datetime(2026, 3, 2, tzinfo=UTC)
    assert not library_scope(me, pair.values(), [Program("Owned", id=4)])
