"""The outbox: what kinds of message are queued, and their keys (see kinds.py)."""
