"""Export withholds what owners may not read; import is all or nothing."""

import csv
import io

import pytest

from bot.data.export import COLUMNS, export_rows, to_csv
from bot.data.roster import ImportRejected, import_roster
from bot.domain.model import Pairing, Participant, Program
from tests.harness import ERIK, MINA


async def _held_with_reflections(harness):
    await harness.held_session()
    await harness.submit(
        ERIK,
        "reflection.submit",
        1,
        what_changed="secret insight",
        will_do="quiet plan",
        visibility="private",
    )
    await harness.say(MINA, "=HYPERLINK(evil) shared with owners")


async def _export(harness):
    async def work(ctx):
        return await export_rows(ctx, await ctx.tx.find(Program))

    return await harness.engine.run(work)


async def test_export_withholds_private_reflection_text(harness):
    await _held_with_reflections(harness)
    rows = await _export(harness)
    by_role = {r["reflection_role"]: r for r in rows}
    assert by_role["mentee"]["reflection_visibility"] == "private"
    assert by_role["mentee"]["what_changed"] == "" and by_role["mentee"]["will_do"] == ""
    assert by_role["mentor"]["what_changed"] == "=HYPERLINK(evil) shared with owners"
    text = to_csv(rows)
    assert "secret insight" not in text and "quiet plan" not in text
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert tuple(parsed[0]) == COLUMNS
    assert {p["mentor"] for p in parsed if not p["figure"]} == {"Mina Park"}
    assert parsed[0]["session_minutes"] == "45" and parsed[0]["session_status"] == "held"
    assert any(p["what_changed"] == "'=HYPERLINK(evil) shared with owners" for p in parsed)


GOOD = """program,mentor,mentee,goal,why,mentor_name,mentee_name,mentor_timezone,mentee_timezone
Digital Leaders,slack:U1,slack:U2,Short video,Runs experiments,Mina Park,Erik Lund,Europe/Berlin,Europe/Berlin
Digital Leaders,teams:29:abc,slack:U3,Customer insight,,Priya Shah,Tom Becker,,America/New_York
"""


async def test_import_creates_participants_and_proposed_pairs(harness):
    result = await harness.engine.run(lambda ctx: import_roster(ctx, GOOD))
    assert result.pairings == 2 and result.programs_created == ["Digital Leaders"]
    people = await harness.engine.run(lambda ctx: ctx.tx.find(Participant))
    assert {p.handle for p in people} == {"slack:U1", "slack:U2", "teams:29:abc", "slack:U3"}
    assert next(p for p in people if p.user_id == "U3").timezone == "America/New_York"
    pairings = await harness.engine.run(lambda ctx: ctx.tx.find(Pairing))
    assert [p.status for p in pairings] == ["proposed", "proposed"]


@pytest.mark.parametrize(
    ("bad_row", "problem"),
    [
        ("Digital Leaders,slack:U4,,Goal,,,,,", "mentee is empty"),
        ("Digital Leaders,U4,slack:U5,Goal,,,,,", "should look like platform:user_id"),
        ("Digital Leaders,slack:U4,slack:U4,Goal,,,,,", "the same person"),
        ("Digital Leaders,slack:U4,slack:U5,Goal,,,,,Mars/Olympus", "Unknown timezone"),
        ("Digital Leaders,slack:U1,slack:U2,Again,,,,,", "repeats the pair on line 2"),
        ("Digital Leaders,irc:U4,slack:U5,Goal,,,,,", "platform must be one of"),
        ("digital leaders,Slack:U1,slack:U2,Same pair,,,,,", "repeats the pair on line 2"),
    ],
)
async def test_an_import_with_one_bad_row_imports_nothing_and_names_the_line(
    harness, bad_row, problem
):
    text = GOOD + bad_row + "\n"
    with pytest.raises(ImportRejected) as rejected:
        await harness.engine.run(lambda ctx: import_roster(ctx, text))
    [(line, message)] = rejected.value.problems
    assert line == 4 and problem in message
    assert await harness.engine.run(lambda ctx: ctx.tx.find(Pairing)) == []
    assert await harness.engine.run(lambda ctx: ctx.tx.find(Program)) == []
    assert await harness.engine.run(lambda ctx: ctx.tx.find(Participant)) == []


async def test_import_refuses_a_file_without_the_needed_columns(harness):
    with pytest.raises(ImportRejected) as rejected:
        await harness.engine.run(lambda ctx: import_roster(ctx, "name,email\nx,y\n"))
    assert rejected.value.problems == [
        (1, "the header needs the columns program, mentor, mentee, goal")
    ]


async def test_importing_the_same_pairs_twice_is_refused(harness):
    await harness.engine.run(lambda ctx: import_roster(ctx, GOOD))
    with pytest.raises(ImportRejected) as rejected:
        await harness.engine.run(lambda ctx: import_roster(ctx, GOOD))
    assert [line for line, _ in rejected.value.problems] == [2, 3]
    assert len(await harness.engine.run(lambda ctx: ctx.tx.find(Pairing))) == 2


async def test_program_names_in_a_file_match_without_regard_to_case(harness):
    text = GOOD + "digital leaders,slack:U7,slack:U8,Third pair,,,,,,\n"
    result = await harness.engine.run(lambda ctx: import_roster(ctx, text))
    assert result.pairings == 3 and result.programs_created == ["Digital Leaders"]
    assert len(await harness.engine.run(lambda ctx: ctx.tx.find(Program))) == 1


async def test_export_defuses_cells_starting_with_tab_or_carriage_return_names_included(harness):
    from bot.domain.events import Actor
    from tests.harness import OWNER

    await harness.held_session()
    # Display names come from the platform: people choose them.
    mina = Actor("console", "mina", "\t=HYPERLINK(evil)", timezone="Europe/Berlin")
    await harness.say(Actor("console", "erik", "\r@SUM(1+1)", timezone="Europe/Berlin"), "help")
    await harness.say(mina, "\t=cmd|' /C calc'!A0 in a reflection")
    reply = await harness.command(OWNER, "export")
    cells = [c for row in csv.reader(io.StringIO(reply.file.content, newline="")) for c in row]
    # Names are tidied of their surrounding whitespace when stored, then defused like typed text.
    assert "'=HYPERLINK(evil)" in cells and "'@SUM(1+1)" in cells
    assert any(c.startswith("'=cmd") for c in cells)  # typed text is stripped first
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == []
