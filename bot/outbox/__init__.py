"""The outbox a unit of work writes to (queue.py): messages queued by kind (bot.domain.kinds),
sent later by bot.sending."""
