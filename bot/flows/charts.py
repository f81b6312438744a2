"""Owners' charts: a program week by week (sessions by outcome, pairs on cadence), its funnel
and its ratings, and the pairs at risk as a table; each says the same in words too.

Averages appear only over MIN_GROUP answers or more, and shares only over MIN_GROUP pairs or
more (below that, the chart shows counts), as the rest of owner status does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.domain import prompts
from bot.domain.messages import Chart, Series, Table
from bot.domain.model import Program, Stage
from bot.domain.ports import WeeklyFigures
from bot.flows.figures import MIN_GROUP
from bot.policy.hours import zone

if TYPE_CHECKING:
    from bot.flows.status import ProgramStatus, Risk

WEEKS = 12
WEEK = timedelta(days=7)
TABLE_ROWS = 50  # pairs at risk shown as table rows; the words and the export list them all


def week_ends(now: datetime, weeks: int = WEEKS) -> list[datetime]:
    """The ends of the last `weeks` weeks, oldest first; the last one is now."""
    return [now - WEEK * (weeks - 1 - n) for n in range(weeks)]


def week_labels(program: Program, ends: list[datetime]) -> tuple[str, ...]:
    """Each week by the day it began in the program's time zone, such as "24 Nov"."""
    tz = zone(program.timezone)
    starts = [(end - WEEK).astimezone(tz) for end in ends]
    return tuple(f"{d.day} {d:%b}" for d in starts)


def _t(key: str, **values: object) -> str:
    return prompts.text(f"status.chart.{key}", **values)


def sessions_chart(labels: tuple[str, ...], weekly: WeeklyFigures) -> Chart:
    outcomes = (
        ("held", weekly.held),
        ("missed", weekly.missed),
        ("unconfirmed", weekly.unconfirmed),
    )
    series = tuple(Series(_t(name), tuple(values)) for name, values in outcomes)
    return Chart(_t("sessions"), "bar", labels, series, _t("sessions_unit"))


def cadence_chart(labels: tuple[str, ...], weekly: WeeklyFigures) -> Chart:
    """The share of pairs under way (begun, not ended; paused ones too) that had met within
    a cadence, or had begun within one, at each week's end; their number while a week had
    fewer than MIN_GROUP of them. Unlike the "on cadence" figure of status, a session booked
    ahead does not count: which were booked at a past moment is not kept."""
    if any(0 < active < MIN_GROUP for active in weekly.active):
        values = tuple(float(n) for n in weekly.on_cadence)
        series = Series(_t("cadence_series"), values)
        return Chart(_t("cadence_count"), "line", labels, (series,), _t("pairs_unit"))
    shares = tuple(
        float(round(100 * on / active)) if active else 0.0
        for on, active in zip(weekly.on_cadence, weekly.active, strict=True)
    )
    series = Series(_t("cadence_series"), shares)
    return Chart(_t("cadence_share"), "line", labels, (series,), _t("share_unit"))


def funnel_chart(weekly: WeeklyFigures) -> Chart:
    steps = tuple(_t(k) for k in ("proposed", "accepted", "first_held", "reflected"))
    series = Series(_t("funnel_series"), tuple(float(n) for n in weekly.funnel))
    return Chart(_t("funnel"), "bar", steps, (series,), _t("pairs_unit"))


def ratings_chart(status: ProgramStatus) -> Chart | None:
    """Check-in and session pulse averages that rest on MIN_GROUP answers or more."""
    shown: list[tuple[str, float]] = []
    for stage in (Stage.EXPECTATIONS, Stage.MIDPOINT, Stage.FINAL):
        found = status.checkins.get(stage)
        if found is not None and found.rated >= MIN_GROUP:
            shown.append((_t(stage.value), round(found.rating_sum / found.rated, 1)))
    o = status.outcomes
    if o.pulse_answers >= MIN_GROUP:
        shown.append((_t("pulse"), round(o.pulse_sum / o.pulse_answers, 1)))
    if not shown:
        return None
    series = Series(_t("ratings_series"), tuple(v for _, v in shown))
    return Chart(_t("ratings"), "bar", tuple(k for k, _ in shown), (series,), _t("ratings_unit"))


def risk_table(risks: list[Risk], lines: tuple[str, ...]) -> Table | None:
    """Pairs at risk, worst first, as rows of (pair, reason, days); `lines` are the words."""
    if not risks:
        return None
    rows = tuple(
        (_t("pair", mentee=r.mentee, mentor=r.mentor), _t(f"reason_{r.reason}"), r.days)
        for r in risks[:TABLE_ROWS]
    )
    columns = (_t("risk_pair"), _t("risk_reason"), _t("risk_days"))
    more = max(0, len(risks) - TABLE_ROWS)
    return Table(_t("risk_table"), columns, rows, lines, more)


def week_change(weekly: WeeklyFigures) -> str:
    """This week's headline figures against the week before."""
    if len(weekly.held) < 2:
        return ""

    def last_two(values: list[int]) -> tuple[int, int]:
        return values[-1], values[-2]

    def change(now: float, before: float, points: bool = False) -> str:
        amount = now - before
        if not amount:
            return _t("no_change")
        sign = "+" if amount > 0 else "-"
        size = _t("points", amount=f"{abs(amount):g}") if points else f"{abs(amount):g}"
        return _t("change", sign=sign, amount=size)

    def share(on: int, active: int) -> int:
        return round(100 * on / active) if active else 0

    held, missed, booked = (last_two(v) for v in (weekly.held, weekly.missed, weekly.booked))
    active = last_two(weekly.active)
    on = last_two(weekly.on_cadence)
    cadence = (share(on[0], active[0]), share(on[1], active[1]))
    if any(0 < a < MIN_GROUP for a in active):  # a share of so few pairs names people
        cadence_text, cadence_change = str(on[0]), change(*on)
    else:
        cadence_text, cadence_change = f"{cadence[0]}%", change(*cadence, points=True)
    return _t(
        "week_change",
        held=held[0],
        held_change=change(*held),
        missed=missed[0],
        missed_change=change(*missed),
        booked=booked[0],
        booked_change=change(*booked),
        active=active[0],
        active_change=change(*active),
        cadence=cadence_text,
        cadence_change=cadence_change,
    )
