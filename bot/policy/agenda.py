"""Agendas: concrete items for a session, each with who leads it and its minutes.

A pair gets its set's plans in order (by the session's number), none twice; after the last,
a plan of its own made of its objectives and the actions it left open. The minutes of a
plan's items always add up to the booked length: each item has a share, and the length is
shared out in steps of 5 minutes (the largest item takes what rounding leaves).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import prompts
from bot.domain.model import Program, Session

STEP = 5  # minutes an item's length is rounded to
SHORTEST = 5  # minutes any item gets


@dataclass(frozen=True)
class Item:
    """One agenda item: what to do, who leads it ("mentor", "leader" or "both"), how long."""

    text: str
    lead: str
    minutes: int


def agenda_items(
    program: Program,
    number: int,
    mentor: str,
    mentee: str,
    minutes: int,
    objectives: list[str] | None = None,
    actions: list[str] | None = None,
) -> list[Item]:
    """The items for session `number` (1-based) of a pair in `program`, `minutes` long:
    plan `number` of the program's set, or past the set's last plan, one made of the pair's
    open `objectives` and `actions` (their texts)."""
    plans = prompts.agenda_plans(program.agenda_set or program.objective)
    number = max(number, 1)
    if number <= len(plans):
        plan = plans[number - 1]
    else:
        plan = own_plan(number, objectives or [], actions or [])
    shares = share_out([int(item["share"]) for item in plan], minutes)
    return [
        Item(_fill(item["text"], mentor, mentee), str(item["lead"]), length)
        for item, length in zip(plan, shares, strict=True)
    ]


def session_lines(
    program: Program,
    session: Session,
    mentor: str,
    mentee: str,
    objectives: list[str] | None = None,
    actions: list[str] | None = None,
) -> list[str]:
    """The agenda of `session` as lines (see `agenda_items` and `lines`)."""
    items = agenda_items(
        program, session.number, mentor, mentee, session.minutes, objectives, actions
    )
    return lines(items, mentor, mentee)


def own_plan(number: int, objectives: list[str], actions: list[str]) -> list[dict]:
    """A plan for a pair past its set's plans: reporting back on its open actions, a step on
    one of its objectives (a different one each time), and what to try next."""
    own = prompts.agenda_own()
    report = dict(own["report_actions"] if actions else own["report"])
    report["text"] = report["text"].replace("{actions}", "; ".join(actions[:3]))
    work = dict(own["work_objective"] if objectives else own["work"])
    if objectives:
        work["text"] = work["text"].replace("{objective}", objectives[number % len(objectives)])
    return [report, work, dict(own["close"])]


def share_out(shares: list[int], total: int) -> list[int]:
    """`total` minutes over items in proportion to `shares`, each a multiple of STEP (at
    least SHORTEST) but the largest, which takes what is left so that they add up."""
    whole = sum(shares) or 1
    minutes = [max(SHORTEST, STEP * round(total * s / whole / STEP)) for s in shares]
    largest = max(range(len(shares)), key=lambda n: (shares[n], -n))
    minutes[largest] += total - sum(minutes)
    return minutes


def lines(items: list[Item], mentor: str, mentee: str) -> list[str]:
    """The items as numbered lines: what, how long, who leads."""
    who = {"mentor": mentor, "leader": mentee}
    return [
        prompts.text(
            "agenda.item_together" if item.lead not in who else "agenda.item",
            n=n,
            text=item.text,
            minutes=item.minutes,
            lead=who.get(item.lead, ""),
        )
        for n, item in enumerate(items, start=1)
    ]


def _fill(text: str, mentor: str, mentee: str) -> str:
    # Plain replacement: an objective or action quoted in the text may hold braces.
    return text.replace("{mentor}", mentor).replace("{mentee}", mentee)
