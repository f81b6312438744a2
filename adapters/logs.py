"""Logging for every mentorbot command: to standard error, and never people's words from the
libraries that would log them."""

from __future__ import annotations

import logging
import re
import sys

# Libraries that log statement parameters or request bodies (people's names and words) at
# DEBUG: they never go below INFO, whatever MENTORBOT_LOG_LEVEL says.
PERSONAL_DEBUG = ("aiosqlite", "asyncpg", "msrest", "slack_sdk", "slack_bolt", "botbuilder")


def configure_logging(level: str, *, quiet: bool = False) -> None:
    """Log to standard error at `level`; `quiet` (the demo, whose transcript is its output)
    shows warnings only."""
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for name in PERSONAL_DEBUG:
        logging.getLogger(name).setLevel(logging.INFO)
    if quiet:
        logging.getLogger().setLevel(logging.WARNING)


_SECRET_PATHS = ("/teams/exports/", "/teams/invites/", "/calendar/")
_SECRET_LINK = re.compile(r"(/teams/exports/|/teams/invites/|/calendar/)\S+")


class HideLinkTokens(logging.Filter):
    """Download links and calendar feed addresses carry bearer tokens: keep them out of the
    access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(path in message for path in _SECRET_PATHS):
            record.msg, record.args = _SECRET_LINK.sub(r"\1...", message), ()
        return True
