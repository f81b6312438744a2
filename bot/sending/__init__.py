"""Sending what the outbox holds: the planner (what each pair is due), the nudge rounds,
the composers (each kind's words, at send time), delivery and the courier, the owners'
weekly digest, and housekeeping."""
