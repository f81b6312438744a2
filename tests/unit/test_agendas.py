"""Agendas that fit the meeting (issue 24): every plan of every agenda set, and the plans a
pair makes of its own objectives and actions, share out each booked length exactly; a pair
gets each plan of its set once, in order, then plans of its own; each item names who leads."""

import re
from datetime import UTC, datetime

import pytest

from bot.domain import prompts
from bot.domain.model import Program
from bot.policy.agenda import agenda_items, lines, share_out
from tests.harness import ERIK

LENGTHS = (30, 45, 60)


def _program(agenda_set: str) -> Program:
    return Program(name="P", objective=agenda_set, agenda_set=agenda_set)


@pytest.mark.parametrize("agenda_set", prompts.agenda_sets())
@pytest.mark.parametrize("minutes", LENGTHS)
def test_every_plan_of_every_set_adds_up_to_the_booked_length(agenda_set, minutes):
    plans = prompts.agenda_plans(agenda_set)
    assert plans, agenda_set
    for number in range(1, len(plans) + 1):
        items = agenda_items(_program(agenda_set), number, "Mina", "Erik", minutes)
        assert sum(item.minutes for item in items) == minutes, (agenda_set, number)
        assert all(item.minutes >= 5 for item in items), (agenda_set, number, items)
        assert all(item.lead in ("mentor", "leader", "both") for item in items)
        assert len(items) >= 3


@pytest.mark.parametrize("minutes", LENGTHS)
@pytest.mark.parametrize(
    ("objectives", "actions"),
    [
        ([], []),
        (["Run a 15-second video test"], []),
        ([], ["Share the dashboard"]),
        (["A", "B"], ["C"]),
    ],
)
def test_a_pairs_own_plans_add_up_too(minutes, objectives, actions):
    program = _program("digital skills")
    past = len(prompts.agenda_plans("digital skills")) + 1
    for number in range(past, past + 3):
        items = agenda_items(program, number, "Mina", "Erik", minutes, objectives, actions)
        assert sum(item.minutes for item in items) == minutes


def test_a_pair_gets_each_plan_of_its_set_once_then_plans_from_its_own_objectives():
    program = _program("digital skills")
    count = len(prompts.agenda_plans("digital skills"))
    seen = [
        tuple(i.text for i in agenda_items(program, n, "Mina", "Erik", 45))
        for n in range(1, count + 1)
    ]
    assert len(set(seen)) == count, "a plan came twice within the set"
    goals = ["Run a 15-second video test", "Post weekly"]
    own = [
        agenda_items(program, n, "Mina", "Erik", 45, goals, ["Share the dashboard"])
        for n in (count + 1, count + 2)
    ]
    texts = [" ".join(i.text for i in items) for items in own]
    assert all("Share the dashboard" in t for t in texts)
    assert all(t not in {" ".join(p) for p in seen} for t in texts)
    assert {g for g in goals if any(g in t for t in texts)} == set(goals), texts


def test_minutes_are_shared_in_steps_of_five_and_the_largest_item_takes_the_rest():
    assert share_out([3, 2, 3], 45) == [20, 10, 15]
    assert share_out([1, 1, 1], 30) == [10, 10, 10]
    assert sum(share_out([2, 4, 2], 37)) == 37
    assert min(share_out([1, 10, 1], 30)) >= 5


def test_each_line_says_how_long_and_who_leads():
    items = agenda_items(_program("digital skills"), 1, "Mina", "Erik", 45)
    shown = lines(items, "Mina", "Erik")
    assert shown[0].startswith("1) Mina demos")
    assert shown[0].endswith("(20 min, Mina leads)")
    assert shown[1].endswith("(10 min, Erik leads)")
    assert shown[2].endswith("(15 min, together)")


async def test_a_session_rebooked_after_a_missed_one_gets_the_next_plan(harness):
    """The missed session's plan was sent; the one booked after it does not repeat it."""
    pairing = await harness.active_pairing(await harness.program(objective="digital skills"))
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-03", "10:00")
    await harness.tick()  # the agenda goes a day ahead (with Mina's invite)
    await harness.tick(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))
    await harness.click(ERIK, "session.missed", 1)
    await harness.book(ERIK, pairing, "2026-03-05", "10:00")
    await harness.tick(datetime(2026, 3, 5, 8, 0, tzinfo=UTC))
    agendas = [t for t in harness.texts("mina") if "Suggested agenda" in t]
    assert len(agendas) == 2
    assert "Mina demos a tool" in agendas[0]
    assert "Mina demos a tool" not in agendas[1] and "Shadowing" in agendas[1], agendas[1]
    for agenda in agendas:
        assert sum(int(m) for m in re.findall(r"\((\d+) min,", agenda)) == 45, agenda
