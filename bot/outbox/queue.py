"""What a unit of work queues: any kind of message (`notify`), a plain note; and the pairs
the planner should look at again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.kinds import Kind
from bot.domain.model import Notification, NotificationStatus, Pairing, Participant, Program
from bot.domain.ports import Tx
from bot.policy.rules import Rules


class Outbox:
    """The outbox of one unit of work. `due_now` is set once it has queued a message that
    may go at once (Engine.handle then starts a delivery instead of waiting for the tick).

    Args:
        tx: the unit of work's transaction.
        rules: working hours and owners, at the unit of work's moment.
    """

    def __init__(self, tx: Tx, rules: Rules) -> None:
        self.tx = tx
        self.rules = rules
        self.now = rules.now
        self.due_now = False

    async def notify(
        self,
        kind: Kind,
        recipient: Participant,
        due: datetime,
        key: str,
        *,
        series: str = "",
        pairing_id: int | None = None,
        session_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> bool:
        """Queue one outbound message; a key that already exists is left alone (idempotent).
        A kind that is not in the registry (bot.domain.kinds) fails here, not when sent."""
        row = self._row(kind, recipient, key, due, series, pairing_id, session_id, payload)
        created = await self.tx.queue.add_notification(row)
        self.due_now |= created and due <= self.now
        return created

    async def shown_in_reply(
        self,
        kind: Kind,
        recipient: Participant,
        key: str,
        *,
        series: str = "",
        pairing_id: int | None = None,
        session_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> bool:
        """Record a message that reaches `recipient` as the answer to their own click (the
        card after "It happened", the invite after booking): a row already sent now, so that
        typed replies, reminders and owners' figures see it as asked, and no second copy is
        ever queued."""
        row = self._row(kind, recipient, key, self.now, series, pairing_id, session_id, payload)
        row.status, row.sent_at = NotificationStatus.SENT, self.now
        return await self.tx.queue.add_notification(row)

    def _row(
        self,
        kind: Kind,
        recipient: Participant,
        key: str,
        due: datetime,
        series: str,
        pairing_id: int | None,
        session_id: int | None,
        payload: dict[str, Any] | None,
    ) -> Notification:
        return Notification(
            key=key,
            kind=Kind(kind).value,
            recipient_id=recipient.id,
            due_at=due,
            series=series,
            pairing_id=pairing_id,
            session_id=session_id,
            payload=payload or {},
            created_at=self.now,
        )

    async def note(
        self, recipient: Participant, key: str, text: str, program: Program | None, **ids: Any
    ) -> bool:
        """Queue a plain informational message for the recipient's next working moment."""
        due = self.rules.deliverable(self.now, recipient, program)
        return await self.notify(Kind.NOTE, recipient, due, key, payload={"text": text}, **ids)

    async def replan(self, pairing: Pairing) -> None:
        """The pair's state changed: have the planner look at it at the next tick."""
        pairing.plan_at = None
        await self.tx.queue.replan([pairing.id])

    def queued_again(self, rows: list[Notification]) -> None:
        """Rows a flow set pending again (a resume): they may go at once too."""
        self.due_now |= any(row.due_at <= self.now for row in rows)

    async def retry_intros(self, person: Participant) -> None:
        """Queue again the pairing invitations that failed to reach `person` (they are
        skipped at send time if the pairing has moved on). Only rows still failed are
        touched: one sent meanwhile by a tick is never queued twice."""
        if await self.tx.queue.requeue_failed(person.id, Kind.INTRO, self.now):
            self.due_now = True
