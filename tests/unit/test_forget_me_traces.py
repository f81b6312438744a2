"""forget-me leaves no trace of the person's words or name: not in topics they typed, notes
sent to others about them, match reasons, what their partner wrote, logs, nor - on the
embedded SQLite database - in the file's free space."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.context import Context
from bot.domain.model import Notification, Pairing, Participant, Reflection, Session
from bot.domain.outcomes import Objective
from storage.store import SqlStore
from storage.tables import metadata
from tests.databases import fresh_sqlite
from tests.harness import ERIK, MINA, Harness

# Erasure down to each database's files: part of the storage contract, on both.
pytestmark = pytest.mark.both_databases

# Erik's name and the words only he typed.
TRACES = ("Erik", "Lund", "budget deck", "third-quarter brief", "insight about reels")
# A word only Erik wrote, as the full-text index keeps it: lower case, and without its first
# letter, which the index may share with the term stored before it (prefix compression).
INDEXED = (b"yzzyplex",)


async def _pair_with_history(harness) -> Pairing:
    pairing = await harness.pairing(
        await harness.program(),
        goal="Erik learns short video",
        why="Mina can help with tiktok, which Erik wants to learn.",
    )
    for person in (MINA, ERIK):
        await harness.click(person, "pairing.accept", pairing.id)
    await harness.tick()
    when = {"date": "2026-03-03", "time": "10:00", "minutes": "45"}
    await harness.submit(ERIK, "session.schedule", pairing.id, **when, topic="Erik's budget deck")
    await harness.tick()  # Mina is told "Erik booked your next session", with the invite
    assert any("Erik booked" in t for t in harness.texts("mina"))
    await harness.run_until(harness.clock.now().replace(day=3, hour=11))
    await harness.click(ERIK, "session.held", 1)
    await harness.tick()
    await harness.submit(
        ERIK,
        "reflection.submit",
        1,
        what_changed="An insight about reels from the Xyzzyplex demo",
        will_do="Write the third-quarter brief",
        visibility="pair",
    )
    await harness.say(MINA, "Erik Lund understood why reels matter; Erik will try one.")
    await harness.submit(
        MINA, "objectives.submit", pairing.id, objective_1="Erik posts three reels"
    )
    again = {"date": "2026-03-10", "time": "10:00", "minutes": "45"}
    await harness.submit(
        MINA, "session.schedule", pairing.id, **again, topic="Show Erik the dashboard"
    )
    await harness.tick()
    return pairing


async def _all_text(harness) -> str:
    """Every stored value of every table, as one text."""
    parts = []
    async with harness.store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            parts += [repr(tuple(row)) for row in (await conn.execute(select(table))).all()]
    return "\n".join(parts)


async def test_forget_me_takes_their_name_and_words_out_of_everything_stored(harness, caplog):
    caplog.set_level(logging.DEBUG)
    pairing = await _pair_with_history(harness)
    erik = await harness.person(ERIK)
    assert "budget deck" in await _all_text(harness)

    done = await harness.click(ERIK, "privacy.forget", erik.id)
    assert done.text.startswith("Done.")
    stored = await _all_text(harness)
    left = [t for t in TRACES if t in stored]
    assert not left, f"still stored after forget-me: {left}"

    async def read(ctx: Context):
        return (
            await ctx.tx.get(Pairing, pairing.id),
            await ctx.tx.find(Session, pairing_id=pairing.id),
            await ctx.tx.find(Reflection),
            await ctx.tx.find(Notification, pairing_id=pairing.id),
            await ctx.tx.get(Participant, erik.id),
        )

    kept, sessions, reflections, notes, person = await harness.engine.run(read)
    assert kept.why == "" and kept.goal == "a former participant learns short video"
    assert [s.topic for s in sorted(sessions, key=lambda s: s.id)] == [
        "",  # Erik typed it
        "Show a former participant the dashboard",  # Mina typed it: only the name goes
    ]
    by_author = {r.author_id: r for r in reflections}
    assert by_author[erik.id].what_changed == ""
    mina = await harness.person(MINA)
    assert by_author[mina.id].what_changed == (
        "a former participant understood why reels matter; a former participant will try one."
    )
    # The booking notes are calendar invites now: worded when sent, they store only ids
    # (and, once sent, the platform's id of the message).
    invites = [row for row in notes if row.kind == "invite"]
    assert invites and all(
        set(row.payload) <= {"method", "sequence", "sessions", "event", "by", "sent_as"}
        for row in invites
    )
    assert person.display_name == "" and person.forgotten_at is not None
    [objective] = await harness.engine.run(lambda ctx: ctx.tx.find(Objective))
    assert objective.text == "a former participant posts three reels"

    # No log line of ours named him (the console platform's transcript aside); libraries that
    # log statement parameters at DEBUG are held at INFO by the command line (tested below).
    ours = [r for r in caplog.records if r.name.split(".")[0] in ("bot", "storage", "adapters")]
    ours = [r for r in ours if not r.name.startswith("adapters.console")]
    assert ours, "the flow logs something"
    named = [r.getMessage() for r in ours if "Erik" in r.getMessage() or "Lund" in r.getMessage()]
    assert not named, named


async def test_on_sqlite_the_deleted_words_do_not_survive_in_the_file(sqlite_template, tmp_path):
    url = fresh_sqlite(sqlite_template, tmp_path)
    store = SqlStore.from_url(url)
    try:
        harness = Harness(store)
        await _pair_with_history(harness)
        erik = await harness.person(ERIK)
        path = Path(url.split("///", 1)[1])
        before = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert b"budget deck" in before, "the test can only pass for the right reason"
        assert all(word in before for word in INDEXED), "the search index holds his words"

        await harness.click(ERIK, "privacy.forget", erik.id)
        files = sorted(path.parent.glob(path.name + "*"))
        raw = b"".join(p.read_bytes() for p in files)
        left = [t for t in TRACES if t.encode() in raw]
        assert not left, f"{left} still readable in {[p.name for p in files]}"
        # FTS5 leaves a deleted text's words in its older index segments until they merge.
        indexed = [word for word in INDEXED if word in raw]
        assert not indexed, f"{indexed} still in the search index's pages"
    finally:
        await store.close()


def test_libraries_that_log_statement_parameters_stay_at_info_even_at_debug():
    from adapters.logs import PERSONAL_DEBUG, configure_logging

    configure_logging("DEBUG")
    assert "aiosqlite" in PERSONAL_DEBUG and "msrest" in PERSONAL_DEBUG
    for name in PERSONAL_DEBUG:
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name


async def test_a_long_topic_naming_them_still_fits_once_their_name_is_replaced(harness):
    pairing = await harness.active_pairing()
    erik = await harness.person(ERIK)
    topic = ("Walk through the launch plan with Erik " * 5)[:195]
    when = {"date": "2026-03-05", "time": "10:00", "minutes": "45"}
    booked = await harness.submit(MINA, "session.schedule", pairing.id, **when, topic=topic)
    assert booked.text.startswith("Booked")

    done = await harness.click(ERIK, "privacy.forget", erik.id)
    assert done.text.startswith("Done.")
    [session] = await harness.engine.run(lambda ctx: ctx.tx.find(Session))
    assert "Erik" not in session.topic and len(session.topic) <= 200
    assert session.topic.startswith("Walk through the launch plan with a former participant")


async def test_undo_erases_the_words_from_the_file_as_forget_me_does(sqlite_template, tmp_path):
    """Issue 25, item 7: Undo after a typed reply that was not meant as a reflection leaves
    its words neither in the table's pages nor in the search index's."""
    url = fresh_sqlite(sqlite_template, tmp_path)
    store = SqlStore.from_url(url)
    secret = "quarterlyforecastleak"
    try:
        harness = Harness(store)
        await harness.held_session()
        saved = await harness.say(ERIK, f"Please forward the {secret} numbers to finance")
        [undo] = [b for b in saved.every_button if b.action == "reflection.undo"]
        path = Path(url.split("///", 1)[1])
        before = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert secret.encode() in before, "the test can only pass for the right reason"
        undone = await harness.click(ERIK, undo.action, undo.value)
        assert "nothing of it is kept" in undone.text, undone.text
        files = sorted(path.parent.glob(path.name + "*"))
        raw = b"".join(p.read_bytes() for p in files)
        assert secret.encode() not in raw, f"still readable in {[p.name for p in files]}"
    finally:
        await store.close()
