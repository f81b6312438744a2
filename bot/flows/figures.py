"""Owner figures about outcomes, for status, the digest and the export: objectives, follow-
through, the session pulse, fit alerts, mentors' prep notes and "were you heard?". Averages
(and the "were you heard?" answers) show only from MIN_GROUP answers."""

from __future__ import annotations

from bot.domain import prompts
from bot.domain.ports import OutcomeFigures

# Averages over fewer answers than this are not shown (nor are names over fewer people).
MIN_GROUP = 5


def pulse_average(o: OutcomeFigures) -> str:
    """The average usefulness, or "" below MIN_GROUP answers."""
    return f"{o.pulse_sum / o.pulse_answers:.1f}" if o.pulse_answers >= MIN_GROUP else ""


def _rate(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


def outcome_figures(o: OutcomeFigures) -> dict[str, str]:
    """Label key -> value, in words (status.label.<key> names each)."""
    objectives = sum(o.objectives.values())
    average = pulse_average(o)
    if average:
        pulse = prompts.text(
            "figures.pulse",
            average=average,
            answers=o.pulse_answers,
            rate=_rate(o.pulse_answers, o.pulse_asked),
        )
    else:
        pulse = prompts.text("figures.pulse_few", answers=o.pulse_answers, least=MIN_GROUP)
    return {
        "objectives": prompts.text(
            "figures.objectives",
            total=objectives,
            started=o.objectives.get("started", 0),
            done=o.objectives.get("done", 0),
        ),
        "followthrough": prompts.text(
            "figures.followthrough",
            done=o.followups_done,
            dropped=o.followups_dropped,
            asked=o.followups_asked,
            planned=o.followups_planned,
        ),
        "pulse": pulse,
        "fit_alerts": str(o.fit_alerts),
        "preps": str(o.preps_sent),
        "heard": _heard(o),
    }


def _heard(o: OutcomeFigures) -> str:
    """The mentors' "were you heard?" answers by value, once MIN_GROUP mentors gave them
    (fewer could point at the one who did: each mentor is asked twice per pair)."""
    if o.heard_mentors < MIN_GROUP:
        return prompts.text("figures.heard_few", mentors=o.heard_mentors, least=MIN_GROUP)
    return prompts.text(
        "figures.heard",
        yes=o.heard.get("yes", 0),
        partly=o.heard.get("partly", 0),
        no=o.heard.get("no", 0),
    )


def outcome_numbers(o: OutcomeFigures) -> dict[str, str]:
    """The same figures as plain numbers, for the export (the average blank below MIN_GROUP
    answers, the "were you heard?" answers below MIN_GROUP mentors)."""
    enough = o.heard_mentors >= MIN_GROUP
    return {
        "objectives": str(sum(o.objectives.values())),
        "objectives_started": str(o.objectives.get("started", 0)),
        "objectives_done": str(o.objectives.get("done", 0)),
        "followups_planned": str(o.followups_planned),
        "followups_asked": str(o.followups_asked),
        "followups_done": str(o.followups_done),
        "followups_dropped": str(o.followups_dropped),
        "pulse_asked": str(o.pulse_asked),
        "pulse_answers": str(o.pulse_answers),
        "pulse_average": pulse_average(o),
        "pulse_response_rate": _rate(o.pulse_answers, o.pulse_asked),
        "fit_alerts_open": str(o.fit_alerts),
        "preps_sent": str(o.preps_sent),
        **{
            f"heard_{answer}": str(o.heard.get(answer, 0)) if enough else ""
            for answer in ("yes", "partly", "no")
        },
    }
