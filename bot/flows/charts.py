"""Owners' charts: a program week by week (sessions by outcome, pairs meeting regularly), its funnel
and its ratings, and the pairs at risk as a table; each says the same in words too.

Averages appear only over MIN_GROUP answers or more, and shares only over MIN_GROUP pairs or
more (below that, the chart shows counts), as the rest of owner status does.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from bot.domain import prompts
from bot.domain.messages import Chart, Series, Table
from bot.domain.model import Stage
from bot.domain.ports import WeeklyFigures
from bot.flows.figures import MIN_GROUP

if TYPE_CHECKING:
    from bot.flows.status import ProgramStatus, Risk

TABLE_ROWS = 50  # pairs at risk shown as table rows; the words and the export list them all


def _t(key: str, **values: object) -> str:
    return prompts.text(f"status.chart.{key}", **values)


def week_labels(weekly: WeeklyFigures) -> tuple[str, ...]:
    """Each week by its Monday ("9 Mar"), short enough to be drawn side by side."""
    return tuple(w.week.label() for w in weekly.weeks)


def _spoken(weekly: WeeklyFigures) -> tuple[str, ...]:
    """The same in words: the current week "so far"."""
    return tuple(
        w.week.label() if w.closed else _t("so_far", week=w.week.label()) for w in weekly.weeks
    )


def _weeks_axis(weekly: WeeklyFigures) -> str:
    current = bool(weekly.weeks) and not weekly.weeks[-1].closed
    return _t("weeks_axis_so_far" if current else "weeks_axis")


def whole_top(*values: float) -> float:
    """Where a count's axis ends: a multiple of 4 (so that its ticks are whole numbers) at
    or above the largest value, and at least 4."""
    return float(max(4, 4 * math.ceil(max(values, default=0) / 4)))


def _quiet(weekly: WeeklyFigures) -> frozenset[int]:
    return frozenset(n for n, w in enumerate(weekly.weeks) if w.quiet)


def weekly_charts(weekly: WeeklyFigures) -> tuple[list[Chart], list[str]]:
    """The two weekly charts, or, while no week has had a session, a line saying so."""
    if all(w.quiet for w in weekly.weeks):
        return [], [_t("quiet", title=_t("sessions"))]
    return [sessions_chart(weekly), regular_chart(weekly)], []


def _weekly_chart(
    weekly: WeeklyFigures, title: str, kind: str, series: tuple[Series, ...], unit: str, top: float
) -> Chart:
    return Chart(
        title,
        kind,
        week_labels(weekly),
        series,
        unit,
        _quiet(weekly),
        top=top,
        axis=_weeks_axis(weekly),
        spoken=_spoken(weekly),
    )


def sessions_chart(weekly: WeeklyFigures) -> Chart:
    outcomes = ("held", "missed", "unconfirmed")
    series = tuple(
        Series(_t(name), tuple(float(n) for n in weekly.series(name))) for name in outcomes
    )
    top = whole_top(*(v for s in series for v in s.values))
    return _weekly_chart(weekly, _t("sessions"), "bar", series, _t("sessions_unit"), top)


def regular_chart(weekly: WeeklyFigures) -> Chart:
    """The share of active pairs meeting regularly at each week's end (now, for the current
    week); their number while a week had fewer than MIN_GROUP active pairs."""
    active, regular = weekly.series("active"), weekly.series("regular")
    if any(0 < n < MIN_GROUP for n in active):
        series = Series(_t("regular_series"), tuple(float(n) for n in regular))
        top = whole_top(*series.values)
        unit = _t("pairs_unit")
        return _weekly_chart(weekly, _t("regular_count"), "line", (series,), unit, top)
    shares = tuple(
        float(round(100 * on / n)) if n else 0.0 for on, n in zip(regular, active, strict=True)
    )
    series = Series(_t("regular_series"), shares)
    return _weekly_chart(weekly, _t("regular_share"), "line", (series,), _t("share_unit"), 100.0)


def funnel_chart(weekly: WeeklyFigures) -> Chart | None:
    """From proposal to reflection; None while no pair was proposed."""
    if not any(weekly.funnel):
        return None
    steps = tuple(_t(k) for k in ("proposed", "accepted", "first_held", "reflected"))
    series = Series(_t("funnel_series"), tuple(float(n) for n in weekly.funnel))
    top = whole_top(*series.values)
    return Chart(_t("funnel"), "bar", steps, (series,), _t("pairs_unit"), top=top)


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
    labels = tuple(k for k, _ in shown)
    return Chart(_t("ratings"), "bar", labels, (series,), _t("ratings_unit"), top=5.0)


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


def last_week(weekly: WeeklyFigures) -> str:
    """The last closed week's figures, against the week before; "" before a week closed."""
    closed = [w for w in weekly.weeks if w.closed]
    if not closed:
        return ""
    week = closed[-1]
    before = closed[-2] if len(closed) > 1 else None

    def change(name: str) -> str:
        amount = getattr(week, name) - (getattr(before, name) if before else 0)
        if not amount:
            return _t("no_change")
        return _t("change", sign="+" if amount > 0 else "-", amount=abs(amount))

    return _t(
        "last_week",
        week=week.week.label(),
        held=_t("held_count", count=week.held),
        held_change=change("held"),
        missed=week.missed,
        unconfirmed=week.unconfirmed,
        booked=week.booked,
        regular=week.regular,
        active=week.active,
        regular_change=change("regular"),
    )
