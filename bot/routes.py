"""Every button action, form and command the engine answers, each registered once.

A button or form whose name is not here gets "I can't find that" (tests/unit/test_routes.py
fails when the engine renders a button or form that is not registered).
"""

from __future__ import annotations

from bot.calendar.feed import calendar_command
from bot.data.export import export_command
from bot.domain.model import FollowUp, Pairing, Reflection, Session
from bot.domain.outcomes import Objective
from bot.flows import commands, followthrough, lifecycle, objectives, privacy, proposals, pulse
from bot.flows.checkins import checkin_form, save_checkin
from bot.flows.debrief import action_done
from bot.flows.enrolment import enrolment_form, join, leave, save_enrolment
from bot.flows.learnings import learnings
from bot.flows.pairings import answer_consent
from bot.flows.rebooking import cancel, move, open_move_form
from bot.flows.reflections import (
    change_visibility,
    reflection_form,
    save_reflection,
    undo_reflection,
)
from bot.flows.sessions import book, open_schedule_form, record_outcome, snooze
from bot.flows.status import my_status, objective_tapped
from bot.router import Route, Who

MEMBER, AUTHOR, SELF = Who.MEMBER, Who.AUTHOR, Who.SELF


def _outcome(outcome: str) -> Route:
    """ "It happened", "It didn't" or "Reschedule" on a session's check."""
    return Route(
        lambda c, p, r: record_outcome(c, p, r.pairing, r.record, outcome), Session, MEMBER
    )


ACTIONS: dict[str, Route] = {
    "pairing.accept": Route(lambda c, p, r: answer_consent(c, p, r.record, True), Pairing, MEMBER),
    "pairing.decline": Route(
        lambda c, p, r: answer_consent(c, p, r.record, False), Pairing, MEMBER
    ),
    "pairing.snooze": Route(lambda c, p, r: snooze(c, p, r.record), Pairing, MEMBER),
    "pairing.pause": Route(lambda c, p, r: lifecycle.pause(c, p, r.record), Pairing, MEMBER),
    "pairing.resume": Route(lambda c, p, r: lifecycle.resume(c, p, r.record), Pairing, MEMBER),
    "pairing.end": Route(lambda c, p, r: lifecycle.ask_end(c, p, r.record), Pairing, MEMBER),
    "pairing.end_confirm": Route(lambda c, p, r: lifecycle.end(c, p, r.record), Pairing, MEMBER),
    "pairing.keep": Route(lambda c, p, r: lifecycle.keep(c, p, r.record), Pairing, MEMBER),
    "session.schedule": Route(lambda c, p, r: open_schedule_form(c, p, r.record), Pairing, MEMBER),
    "session.held": _outcome("held"),
    "session.missed": _outcome("missed"),
    "session.reschedule": _outcome("reschedule"),
    "session.move": Route(lambda c, p, r: open_move_form(c, p, r.record), Session, MEMBER),
    "session.cancel": Route(lambda c, p, r: cancel(c, p, r.record), Session, MEMBER),
    "reflection.write": Route(lambda c, p, r: reflection_form(c, p, r.record), Session, MEMBER),
    "reflection.undo": Route(lambda c, p, r: undo_reflection(c, p, r.record), Reflection, AUTHOR),
    "reflection.visibility": Route(
        lambda c, p, r: change_visibility(c, p, r.record, r.pairing, r.rest), Reflection, AUTHOR
    ),
    "followup.done": Route(lambda c, p, r: action_done(c, p, r.record, r.rest), FollowUp, MEMBER),
    "followthrough.answer": Route(
        lambda c, p, r: followthrough.answer(c, p, r.record, r.pairing, r.rest), FollowUp, AUTHOR
    ),
    "objective.state": Route(
        lambda c, p, r: objective_tapped(c, p, r.record, r.pairing, r.rest), Objective, MEMBER
    ),
    "objectives.edit": Route(lambda c, p, r: objectives.edit_form(c, p, r.record), Pairing, MEMBER),
    "pulse.answer": Route(
        lambda c, p, r: pulse.answer(c, p, r.record, r.pairing, r.rest), Session, MEMBER
    ),
    "checkin.answer": Route(lambda c, p, r: checkin_form(c, p, r.record, r.rest), Pairing, MEMBER),
    "enrolment.form": Route(lambda c, p, r: enrolment_form(c, p, r.value)),
    "match.confirm": Route(lambda c, p, r: proposals.confirm(c, p, r.value)),
    "match.edit": Route(lambda c, p, r: proposals.edit_form(c, p, r.value)),
    "privacy.forget": Route(lambda c, p, r: privacy.forget(c, p), who=SELF),
    "privacy.keep": Route(lambda c, p, r: privacy.keep(c, p), who=SELF),
}

# Forms: the value names what the form is about, its inputs come in `values`.
FORMS: dict[str, Route] = {
    "session.schedule": Route(lambda c, p, r: book(c, p, r.record, r.values), Pairing, MEMBER),
    "session.move": Route(lambda c, p, r: move(c, p, r.record, r.values), Session, MEMBER),
    "reflection.submit": Route(
        lambda c, p, r: save_reflection(
            c,
            p,
            r.record,
            r.values.get("what_changed", ""),
            r.values.get("will_do", ""),
            r.values.get("visibility"),
            r.values.get("implemented", ""),
        ),
        Session,
        MEMBER,
    ),
    "objectives.submit": Route(
        lambda c, p, r: objectives.save_form(c, p, r.record, r.values), Pairing, MEMBER
    ),
    "enrolment.submit": Route(lambda c, p, r: save_enrolment(c, p, r.value, r.values)),
    "match.edit": Route(lambda c, p, r: proposals.save_edit(c, p, r.value, r.values)),
    "checkin.submit": Route(
        lambda c, p, r: save_checkin(c, p, r.record, r.rest, r.values), Pairing, MEMBER
    ),
}

# Commands, typed or slashed; any other word is answered with help.
COMMANDS: dict[str, Route] = {
    "help": Route(commands.help_text, reads_only=True),
    "me": Route(lambda c, p, r: my_status(c, p), reads_only=True),
    "status": Route(commands.status, reads_only=True),
    "learnings": Route(learnings, reads_only=True),
    "join": Route(lambda c, p, r: join(c, p, r.args, r.mentions)),
    "leave": Route(lambda c, p, r: leave(c, p, r.args)),
    "pause": Route(lambda c, p, r: lifecycle.choose(c, p, "pause")),
    "resume": Route(lambda c, p, r: lifecycle.choose(c, p, "resume")),
    "end": Route(lambda c, p, r: lifecycle.choose(c, p, "end")),
    "forget-me": Route(lambda c, p, r: privacy.ask_forget(c, p)),
    "calendar": Route(lambda c, p, r: calendar_command(c, p, r.args)),
    "match": Route(lambda c, p, r: proposals.match(c, p, r.args)),
    "pair": Route(commands.pair),
    "program": Route(commands.program),
    "export": Route(export_command),
}
HELP = COMMANDS["help"]
