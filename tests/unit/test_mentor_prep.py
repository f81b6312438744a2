"""The junior mentor comes prepared: the day-before message to the mentor is their prep (the
agenda, two things to prepare, questions to ask, one tip on saying it upward, the leader's
objectives and open actions but none from a private reflection, and before the first session a
script); the leader's agenda has none of it. After the first and third held sessions the
mentor alone is asked "were you heard?", and a Partly or No reaches the owners only. An
owner's guides file is checked whole, and a good one changes the next prep note."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.model import Program, Session
from bot.domain.outcomes import Pulse
from bot.policy.guides import GuidesRefused, read_guides
from tests.harness import ERIK, MINA, OWNER

HEARD = "Did Erik listen to what you brought?"


def _one(harness, user: str, words: str) -> str:
    [found] = [t for t in harness.texts(user) if words in t]
    return found


async def _held(harness, pairing, day: int, *, reflect: dict | None = None) -> None:
    """A session on 2026-03-`day` at 10:00 Berlin, its agenda sent the day before, held (Erik
    says so); with `reflect`, Erik's reflection on it."""
    await harness.book(ERIK, pairing, f"2026-03-{day:02d}", "10:00")
    await harness.tick(datetime(2026, 3, day - 1, 9, 0, tzinfo=UTC))
    await harness.tick(datetime(2026, 3, day, 11, 0, tzinfo=UTC))
    start = datetime(2026, 3, day, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
    [session] = await harness.engine.run(
        lambda ctx: ctx.tx.find(Session, pairing_id=pairing.id, starts_at=start)
    )
    await harness.click(ERIK, "session.held", session.id)
    if reflect:
        await harness.submit(ERIK, "reflection.submit", session.id, **reflect)
    await harness.tick(datetime(2026, 3, day, 11, 30, tzinfo=UTC))


async def test_the_mentors_day_before_message_is_the_prep_and_the_leaders_is_the_agenda(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await harness.submit(ERIK, "objectives.submit", pairing.id, objective_1="Post one reel")
    await harness.book(ERIK, pairing, "2026-03-05", "10:00")
    await harness.tick(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    prep = _one(harness, "mina", "Suggested agenda")
    agenda = _one(harness, "erik", "Suggested agenda")
    assert "Your prep for Thu 5 Mar, 10:00, 45 min with Erik" in prep
    assert "To prepare:\n- The tool or app you will demo" in prep  # digital skills, plan 1
    assert "Questions you could ask Erik: Where in the business could this save time?" in prep
    assert "Saying it upward: Start with what you saw" in prep
    assert "Your first session, in three steps:\n1) Open with why you joined" in prep
    assert "1. Post one reel (not started)" in prep and "1. Post one reel" in agenda
    for words in ("To prepare", "Saying it upward", "three steps", "Questions you could ask"):
        assert words not in agenda, words
    assert "Thu 5 Mar, 10:00, 45 min with Mina. Suggested agenda:" in agenda


async def test_later_preps_carry_open_actions_but_none_from_a_private_reflection(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    shared = {"what_changed": "Reels", "will_do": "Brief the brand team", "visibility": "program"}
    await _held(harness, pairing, 3, reflect=shared)
    private = {"what_changed": "Mine", "will_do": "Call my coach", "visibility": "private"}
    await _held(harness, pairing, 10, reflect=private)
    await harness.book(ERIK, pairing, "2026-03-17", "10:00")
    await harness.tick(datetime(2026, 3, 16, 9, 0, tzinfo=UTC))
    prep = next(t for t in harness.texts("mina") if "Your prep for Tue 17 Mar" in t)
    assert "Still open from last time:\n- Brief the brand team" in prep
    assert "Call my coach" not in prep
    assert "three steps" not in prep, "the script is for the first session only"
    assert "Saying it upward: Name one thing that works" in prep  # the third tip


async def test_the_mentor_alone_is_asked_if_heard_after_the_first_and_third(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    for day in (3, 10, 17):
        await _held(harness, pairing, day)
    cards = [t for t in harness.texts("mina") if "Thanks for your session with Erik" in t]
    assert [HEARD in t for t in cards] == [True, False, True]
    assert not [t for t in harness.texts("erik") if "listen to what you brought" in t]

    card = harness.last("mina", "pulse.answer").message
    no = next(b for b in card.every_button if b.value.endswith(":heard:no"))
    said = await harness.click(MINA, "pulse.answer", no.value)
    assert "Thank you for saying so. Only the program owners hear of it" in said.text
    again = await harness.click(MINA, "pulse.answer", no.value)
    assert "You've already answered that" in again.text
    forged = await harness.click(ERIK, "pulse.answer", no.value)
    assert "someone else" in forged.text or forged.text.startswith("I couldn't find")
    await harness.tick()
    told = _one(harness, "olivia", "may need support")
    assert told.startswith("A mentor in Digital Leaders may need support: Mina Park felt not heard")
    assert not [t for t in harness.texts("erik") if "heard" in t.lower()]
    answers = await harness.engine.run(lambda ctx: ctx.tx.find(Pulse, kind="heard"))
    assert [(a.value, a.participant_id) for a in answers] == [("no", pairing.mentor_id)]


async def test_status_shows_preps_sent_and_heard_answers_from_five(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await _held(harness, pairing, 3)
    status = (await harness.command(OWNER, "status")).plain()
    assert "Prep notes sent to mentors: 1" in status
    assert (
        "Were mentors heard? (answers): too few mentors have answered to show yet (0; they"
        in status
    )


def test_a_malformed_guides_file_is_refused_with_its_line():
    with pytest.raises(GuidesRefused) as bad_toml:
        read_guides('[[guides]]\nprepare = ["a"\nask = []\n')
    assert bad_toml.value.line in (2, 3)
    with pytest.raises(GuidesRefused) as no_prepare:
        read_guides('[[guides]]\nprepare = ["a"]\n\n[[guides]]\nask = ["b"]\n')
    assert (no_prepare.value.line, "needs prepare" in no_prepare.value.reason) == (4, True)
    with pytest.raises(GuidesRefused) as unknown:
        read_guides('[[guides]]\nprepare = ["a"]\ncolour = "red"\n')
    assert unknown.value.line == 3 and "colour" in unknown.value.reason
    with pytest.raises(GuidesRefused) as too_long:
        read_guides(f'[[guides]]\nprepare = ["{"x" * 301}"]\n')
    assert too_long.value.line == 2
    with pytest.raises(GuidesRefused) as empty:
        read_guides("# nothing\n")
    assert "at least one [[guides]]" in empty.value.reason
    with pytest.raises(GuidesRefused) as quoted:
        read_guides('[[guides]]\nprepare = ["a"]\n"ask" = 5\n')
    assert quoted.value.line == 3
    with pytest.raises(GuidesRefused) as unclosed:
        read_guides('[[guides]]\nprepare = ["a"]\nask = ["b",\n')
    assert unclosed.value.line == 4  # the end of the file
    with pytest.raises(GuidesRefused) as nested:
        read_guides("x = " + "[" * 5000)
    assert "nests too deeply" in nested.value.reason
    with pytest.raises(GuidesRefused) as control:
        read_guides('[[guides]]\nprepare = ["a\\u0007"]\n')
    assert control.value.line == 2
    with pytest.raises(GuidesRefused) as big:
        read_guides("# " + "x" * 70_000)
    assert "larger than 64 KB" in big.value.reason


async def test_a_programs_own_guides_change_the_next_prep(harness):
    text = (
        '[[guides]]\nprepare = ["Your three favourite {mentee} dashboards", "A coffee"]\n'
        'ask = ["Which numbers do you trust?"]\nsensitive = true\n\n'
        '[sensitive]\ntopics = "pay"\ndecline = "Say no, kindly."\n'
    )
    guides = read_guides(text)
    pairing = await harness.active_pairing()

    async def give(ctx):
        program = await ctx.get(Program, pairing.program_id, lock=True)
        program.guides = guides
        await ctx.tx.save(program, fields=("guides",))

    await harness.engine.run(give)
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-05", "10:00")
    await harness.tick(datetime(2026, 3, 4, 9, 0, tzinfo=UTC) + timedelta(minutes=1))
    prep = _one(harness, "mina", "Suggested agenda")
    assert "To prepare:\n- Your three favourite Erik dashboards\n- A coffee" in prep
    assert "Questions you could ask Erik: Which numbers do you trust?" in prep
    assert "This one may touch pay. Say no, kindly." in prep
    # Where the owner gave no guide (session 2), the agenda set's applies.
    await harness.tick(datetime(2026, 3, 5, 11, 0, tzinfo=UTC))
    await harness.click(ERIK, "session.held", 1)
    await harness.book(ERIK, pairing, "2026-03-12", "10:00")
    await harness.tick(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    await harness.tick(datetime(2026, 3, 11, 9, 5, tzinfo=UTC))  # one message at a time
    second = next(t for t in harness.texts("mina") if "Your prep for Thu 12 Mar" in t)
    assert "A real task you can do end to end" in second  # digital skills, plan 2
