"""Table definitions (SQLAlchemy Core); column names match the bot.domain.model dataclass fields."""

from __future__ import annotations

import dataclasses

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from bot.domain import model, outcomes
from storage.timestamps import UTCDateTime
from storage.timestamps import utcnow as utcnow  # where older code looks for it

metadata = MetaData()


def _id() -> Column:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _created() -> Column:
    return Column("created_at", UTCDateTime(), nullable=True)


programs = Table(
    "programs",
    metadata,
    _id(),
    Column("name", String(200), nullable=False, unique=True),
    Column("objective", String(200), nullable=False),
    Column("cadence_days", Integer, nullable=False),
    Column("session_minutes", Integer, nullable=False),
    Column("starts_on", Date, nullable=True),
    Column("ends_on", Date, nullable=True),
    Column("owners", JSON, nullable=False),
    Column("agenda_set", String(100), nullable=False),
    Column("reflection_visibility", String(20), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("working_hours", String(100), nullable=True),
    Column("recognition", String(20), nullable=False, server_default="mentor"),
    _created(),
    Column("followup_days", Integer, nullable=False, server_default="30"),
    Column("allow_outside_hours", Boolean, nullable=False, server_default=false()),
    Column("guides", JSON, nullable=True),
)

participants = Table(
    "participants",
    metadata,
    _id(),
    Column("platform", String(20), nullable=False),
    Column("user_id", String(200), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("workspace", String(200), nullable=False),
    Column("timezone", String(64), nullable=True),
    Column("reachable", Boolean, nullable=False),
    Column("address", JSON, nullable=True),
    Column("forgotten_at", UTCDateTime(), nullable=True),
    _created(),
    Column("contacted_at", UTCDateTime(), nullable=True),
    Column("email", String(320), nullable=False, server_default=""),
    Column("calendar_token", String(64), nullable=True),
    Column("link_generation", Integer, nullable=False, server_default="0"),
    UniqueConstraint("platform", "user_id", name="uq_participants_platform_user"),
    Index("ix_participants_calendar_token", "calendar_token", unique=True),
)

pairings = Table(
    "pairings",
    metadata,
    _id(),
    Column("program_id", Integer, ForeignKey("programs.id"), nullable=False, index=True),
    Column("mentor_id", Integer, ForeignKey("participants.id"), nullable=False, index=True),
    Column("mentee_id", Integer, ForeignKey("participants.id"), nullable=False, index=True),
    Column("goal", Text, nullable=False),
    Column("why", Text, nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("mentor_consent", Boolean, nullable=True),
    Column("mentee_consent", Boolean, nullable=True),
    Column("declined_by", Integer, ForeignKey("participants.id"), nullable=True),
    _created(),
    Column("activated_at", UTCDateTime(), nullable=True),
    Column("snoozed_until", UTCDateTime(), nullable=True),
    Column("escalated_at", UTCDateTime(), nullable=True),
    Column("ended_at", UTCDateTime(), nullable=True),
    Column("ended_by", Integer, nullable=True),  # a participant id
    Column("plan_at", UTCDateTime(), nullable=True),
    Index("ix_pairings_status_plan_at", "status", "plan_at"),
    # The pair's own figures for owner status, one column each, are declared and added in
    # storage/pair_figures.py (imported at the end of this module).
)

sessions = Table(
    "sessions",
    metadata,
    _id(),
    Column("pairing_id", Integer, ForeignKey("pairings.id"), nullable=False, index=True),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("topic", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("scheduled_by", Integer, ForeignKey("participants.id"), nullable=True),
    _created(),
    Column("outcome_at", UTCDateTime(), nullable=True),
    Column("outcome_by", Integer, ForeignKey("participants.id"), nullable=True),
    # The calendar event (issue 14; migration 0006 gave older sessions a uid of their own).
    Column("uid", String(100), nullable=True, index=True),
    Column("sequence", Integer, nullable=False, server_default="0"),
    Column("location", String(300), nullable=False, server_default=""),
    Column("tzid", String(64), nullable=False, server_default="UTC"),
    Column("recurrence_id", UTCDateTime(), nullable=True),
    Column("repeat_days", Integer, nullable=False, server_default="0"),
    Column("repeat_count", Integer, nullable=False, server_default="0"),
    # Grows by one with every UPDATE of the row, by a trigger (migration 0014), whoever
    # writes it: Tx.sessions_version, for calendar feeds.
    Column("revision", Integer, nullable=False, server_default="0"),
    # A pair's sessions by status and start: its figures' recount, its next booked session.
    Index("ix_sessions_pairing_status_start", "pairing_id", "status", "starts_at", "created_at"),
    # The pairing's program, copied by the store, so owner status counts a program's sessions
    # in a time window from one index range (storage/pair_figures.py).
    Column("program_id", Integer, nullable=True),
    Index("ix_sessions_program_status_start", "program_id", "status", "starts_at"),
    Index("ix_sessions_program_status_pair", "program_id", "status", "pairing_id", "starts_at"),
    Index("ix_sessions_program_created", "program_id", "created_at", "status"),
)

reflections = Table(
    "reflections",
    metadata,
    _id(),
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=False, index=True),
    Column("author_id", Integer, ForeignKey("participants.id"), nullable=False),
    Column("role", String(20), nullable=False),
    Column("what_changed", Text, nullable=False),
    Column("will_do", Text, nullable=False),
    Column("visibility", String(20), nullable=False),
    _created(),
    Column("anonymous", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("session_id", "author_id", name="uq_reflections_session_author"),
    # Full-text search (the learnings library) is kept by migration 0007 beside this table:
    # an FTS5 table reflections_fts on SQLite, an expression GIN index on PostgreSQL.
    Index("ix_reflections_visibility", "visibility", "id"),
)

followups = Table(
    "followups",
    metadata,
    _id(),
    Column("pairing_id", Integer, ForeignKey("pairings.id"), nullable=False, index=True),
    Column("reflection_id", Integer, ForeignKey("reflections.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("done", Boolean, nullable=False),
    _created(),
    Column("done_at", UTCDateTime(), nullable=True),
    Column("state", String(20), nullable=False, server_default="open"),
    Column("asks", Integer, nullable=False, server_default="0"),
    Index("ix_followups_reflection", "reflection_id"),
)

objectives = Table(
    "objectives",
    metadata,
    _id(),
    Column("pairing_id", Integer, ForeignKey("pairings.id"), nullable=False, index=True),
    Column("text", String(200), nullable=False),
    Column("state", String(20), nullable=False),
    Column("done_on", Date, nullable=True),
    _created(),
    Column("updated_at", UTCDateTime(), nullable=True),
    Column("written_by", Integer, ForeignKey("participants.id"), nullable=True),
    Column("edited_by", Integer, ForeignKey("participants.id"), nullable=True),
)

pulses = Table(
    "pulses",
    metadata,
    _id(),
    Column("kind", String(10), nullable=False),
    Column("pairing_id", Integer, ForeignKey("pairings.id"), nullable=False, index=True),
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=False),
    Column("participant_id", Integer, ForeignKey("participants.id"), nullable=False),
    Column("value", String(10), nullable=False),
    _created(),
    UniqueConstraint("kind", "session_id", "participant_id", name="uq_pulses_once"),
)

enrolments = Table(
    "enrolments",
    metadata,
    _id(),
    Column("program_id", Integer, ForeignKey("programs.id"), nullable=False),
    Column("participant_id", Integer, ForeignKey("participants.id"), nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("interests", JSON, nullable=False),
    Column("teaches", JSON, nullable=False),
    Column("learns", JSON, nullable=False),
    Column("manager_id", Integer, ForeignKey("participants.id"), nullable=True),
    Column("status", String(20), nullable=False),
    _created(),
    UniqueConstraint("program_id", "participant_id", name="uq_enrolments_program_person"),
)

proposals = Table(
    "proposals",
    metadata,
    _id(),
    Column("program_id", Integer, ForeignKey("programs.id"), nullable=False, index=True),
    Column("run", String(40), nullable=False, index=True),
    Column("mentor_id", Integer, ForeignKey("participants.id"), nullable=False),
    Column("mentee_id", Integer, ForeignKey("participants.id"), nullable=False),
    Column("goal", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(20), nullable=False),
    _created(),
)

checkins = Table(
    "checkins",
    metadata,
    _id(),
    Column("pairing_id", Integer, ForeignKey("pairings.id"), nullable=False, index=True),
    Column("participant_id", Integer, ForeignKey("participants.id"), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("rating", Integer, nullable=True),
    Column("text", Text, nullable=False),
    _created(),
    UniqueConstraint("pairing_id", "participant_id", "stage", name="uq_checkins_once"),
)

delegations = Table(
    "delegations",
    metadata,
    _id(),
    Column("leader_id", Integer, ForeignKey("participants.id"), nullable=False, index=True),
    Column("assistant_id", Integer, ForeignKey("participants.id"), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("named_by", Integer, ForeignKey("participants.id"), nullable=True),
    _created(),
    Column("answered_at", UTCDateTime(), nullable=True),
    Column("ended_at", UTCDateTime(), nullable=True),
)
# One assistant at a time per leader: two `delegate` commands at once cannot both hold.
_OPEN_DELEGATION = delegations.c.status.in_(["asked", "active"])
Index(
    "uq_delegations_open_leader",
    delegations.c.leader_id,
    unique=True,
    sqlite_where=_OPEN_DELEGATION,
    postgresql_where=_OPEN_DELEGATION,
)

notifications = Table(
    "notifications",
    metadata,
    _id(),
    Column("key", String(200), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("recipient_id", Integer, ForeignKey("participants.id"), nullable=False, index=True),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("series", String(100), nullable=False, index=True),
    Column("pairing_id", Integer, ForeignKey("pairings.id"), nullable=True, index=True),
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=True),
    Column("payload", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("lease_owner", String(100), nullable=True),
    Column("lease_expires_at", UTCDateTime(), nullable=True),
    _created(),
    Column("sent_at", UTCDateTime(), nullable=True),
    Index("ix_notifications_status_due", "status", "due_at"),
)

processed_events = Table(
    "processed_events",
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("event_id", String(200), primary_key=True),
    Column("seen_at", UTCDateTime(), nullable=False),
    Index("ix_processed_events_seen_at", "seen_at"),  # pruned oldest first
)

# A program's closed weeks, written once each (storage/weekly_figures.py, bot.policy.weeks):
# the week by its Monday in the program's time zone and WEEK_FIGURES as of its end.
WEEK_FIGURES = ("held", "missed", "unconfirmed", "booked", "active", "regular", "at_risk")
program_weeks = Table(
    "program_weeks",
    metadata,
    Column("program_id", Integer, ForeignKey("programs.id"), primary_key=True),
    Column("week", Date, primary_key=True),
    *(Column(name, Integer, nullable=False) for name in WEEK_FIGURES),
    Column("closed_at", UTCDateTime(), nullable=False),
)

TABLES: dict[type, Table] = {
    model.Program: programs,
    model.Participant: participants,
    model.Pairing: pairings,
    model.Session: sessions,
    model.Reflection: reflections,
    model.FollowUp: followups,
    model.Notification: notifications,
    model.Enrolment: enrolments,
    model.Proposal: proposals,
    model.Delegation: delegations,
    outcomes.CheckIn: checkins,
    outcomes.Objective: objectives,
    outcomes.Pulse: pulses,
}

# What a record is read from: its dataclass's fields. A table may hold more columns, which the
# store keeps itself (a pairing's figures, a session's program: storage/pair_figures.py).
COLUMNS: dict[type, list[Column]] = {
    kind: [table.c[f.name] for f in dataclasses.fields(kind)] for kind, table in TABLES.items()
}

# Each pairing's figures add their columns to `pairings` (FIGURES): loaded with the tables.
import storage.pair_figures  # noqa: E402, F401
