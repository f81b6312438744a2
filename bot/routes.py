"""Everything people can do with the bot: each button action, form and command, registered
once, with the flow that answers it, what its value names and who may use it.

A button or form whose name is not here gets "I can't find that" (tests/unit/test_routes.py
fails when the engine renders a button or form that is not registered).
"""

from __future__ import annotations

from bot.calendar.feed import calendar_command
from bot.data.export import export_command
from bot.domain.model import Delegation, FollowUp, Pairing, Reflection, Session
from bot.domain.outcomes import Objective
from bot.flows import (
    checkins,
    commands,
    debrief,
    delegation,
    enrolment,
    followups,
    learnings,
    lifecycle,
    objectives,
    owner_pairs,
    pairings,
    privacy,
    proposals,
    pulse,
    rebooking,
    reflections,
    sessions,
    status,
)
from bot.router import Route, Who

MEMBER, AUTHOR, SELF, OWNER = Who.MEMBER, Who.AUTHOR, Who.SELF, Who.OWNER
# Booking routes: the pair, or the assistant its leader named (bot/flows/delegation.py).
BOOKER, ASSISTANT = Who.BOOKER, Who.ASSISTANT

# Buttons: the value names the record the button is about.
ACTIONS: dict[str, Route] = {
    # A proposed pairing: each person says yes or no; an active one can rest, pause or end.
    "pairing.accept": Route(pairings.answer_consent, Pairing, MEMBER),
    "pairing.decline": Route(pairings.answer_consent, Pairing, MEMBER),
    "pairing.snooze": Route(sessions.snooze, Pairing, MEMBER),
    "pairing.pause": Route(lifecycle.pause, Pairing, MEMBER),
    "pairing.resume": Route(lifecycle.resume, Pairing, MEMBER),
    "pairing.end": Route(lifecycle.ask_end, Pairing, MEMBER),
    "pairing.end_confirm": Route(lifecycle.end, Pairing, MEMBER),
    "pairing.keep": Route(lifecycle.keep, Pairing, MEMBER),
    # Sessions: book one (a time offered in a nudge, or the form), move or cancel it (the
    # leader's assistant too); say whether it happened (the pair alone).
    "session.book_at": Route(sessions.book_at, Pairing, BOOKER),
    "session.schedule": Route(sessions.open_schedule_form, Pairing, BOOKER),
    "session.move": Route(rebooking.open_move_form, Session, BOOKER),
    "session.cancel": Route(rebooking.cancel, Session, BOOKER),
    "session.held": Route(sessions.record_outcome, Session, MEMBER),
    "session.missed": Route(sessions.record_outcome, Session, MEMBER),
    "session.reschedule": Route(sessions.record_outcome, Session, MEMBER),
    # An assistant named by a leader says whether they will book for them.
    "delegation.accept": Route(delegation.answer, Delegation, ASSISTANT),
    "delegation.decline": Route(delegation.answer, Delegation, ASSISTANT),
    # After a session: reflections, ratings, actions and objectives.
    "reflection.write": Route(reflections.reflection_form, Session, MEMBER),
    "reflection.undo": Route(reflections.undo_reflection, Reflection, AUTHOR),
    "reflection.visibility": Route(reflections.change_visibility, Reflection, AUTHOR),
    "followup.done": Route(debrief.followup_done, FollowUp, AUTHOR),
    "followthrough.answer": Route(followups.answer, FollowUp, AUTHOR),
    "objective.state": Route(status.objective_tapped, Objective, MEMBER),
    "objectives.edit": Route(objectives.edit_form, Pairing, MEMBER),
    "pulse.answer": Route(pulse.answer, Session, MEMBER),
    "checkin.answer": Route(checkins.checkin_form, Pairing, MEMBER),
    # Joining a program's pool; owners confirming or changing a match.
    "enrolment.form": Route(enrolment.enrolment_form),
    "match.confirm": Route(proposals.confirm, who=OWNER, program=proposals.program_of_run),
    "match.edit": Route(proposals.edit_form, who=OWNER, program=proposals.program_of_run),
    # Owners acting on one pair from status or the digest.
    "owner.message": Route(owner_pairs.message_form, Pairing, OWNER),
    "owner.pause": Route(owner_pairs.pause, Pairing, OWNER),
    # forget-me, confirmed or not.
    "privacy.forget": Route(privacy.forget, who=SELF),
    "privacy.keep": Route(privacy.keep, who=SELF),
}

# Forms: the value names what the form is about, its inputs come in `values`.
FORMS: dict[str, Route] = {
    "session.schedule": Route(sessions.book, Pairing, BOOKER),
    "session.move": Route(rebooking.move, Session, BOOKER),
    "reflection.submit": Route(reflections.submit, Session, MEMBER),
    "objectives.submit": Route(objectives.save_form, Pairing, MEMBER),
    "checkin.submit": Route(checkins.save_checkin, Pairing, MEMBER),
    "enrolment.submit": Route(enrolment.save_enrolment),
    "match.edit": Route(proposals.save_edit, who=OWNER, program=proposals.program_of_run),
    "owner.message": Route(owner_pairs.send_message, Pairing, OWNER),
}

# Commands, typed or slashed; any other word is answered with help.
COMMANDS: dict[str, Route] = {
    "help": Route(commands.help_text, reads_only=True),
    "me": Route(status.me, reads_only=True),
    "status": Route(commands.status, reads_only=True),
    "learnings": Route(learnings.learnings, reads_only=True),
    "join": Route(enrolment.join),
    "leave": Route(enrolment.leave),
    "pause": Route(lifecycle.choose),
    "resume": Route(lifecycle.choose),
    "end": Route(lifecycle.choose),
    "calendar": Route(calendar_command),
    "delegate": Route(delegation.delegate),
    "forget-me": Route(privacy.ask_forget),
    # Owners' tools.
    "pair": Route(commands.pair, who=OWNER, program=commands.program_named),
    "match": Route(proposals.match, who=OWNER, program=proposals.program_named),
    "program": Route(commands.program, who=OWNER, program=commands.program_to_set),
    "export": Route(export_command, who=OWNER),
}
HELP = COMMANDS["help"]
