"""Proactive Teams messages (nudges, agendas, checks, reflection prompts) through the
conversation reference stored with each participant."""

from __future__ import annotations

from adapters.teams import render
from adapters.teams.connector import Connector
from adapters.teams.exports import ExportLinks
from adapters.teams.invites import with_download
from bot.domain.messages import Message
from bot.domain.model import Participant
from bot.domain.ports import SENT_AS, DeliveryError


class TeamsSender:
    """The engine's Sender for Teams; `invites` signs the download links of calendar invites."""

    def __init__(self, connector: Connector, invites: ExportLinks) -> None:
        self.connector = connector
        self.invites = invites

    async def send(self, recipient: Participant, message: Message) -> dict | None:
        """Send through the stored reference; returns the personal conversation's id to
        keep, when it had to be created."""
        address = dict(recipient.address or {})
        if not address.get("serviceUrl"):
            raise DeliveryError(
                "has not opened mentorbot in Teams yet (no conversation to write to)",
                permanent=True,
            )
        learned = None
        if not address.get("conversationId"):
            address["conversationId"] = await self.connector.open(address, recipient.user_id)
            learned = {"conversationId": address["conversationId"]}
        message = with_download(message, self.invites, recipient.user_id)
        if message.replaces:  # drawn in place of a card we sent
            await self.connector.update(address, message.replaces, render.activity(message))
            return {**(learned or {}), SENT_AS: message.replaces}
        activity_id = await self.connector.send(address, render.activity(message))
        # The card's id: a click on it later is answered with what it still asks.
        return {**(learned or {}), SENT_AS: activity_id} if activity_id else learned

    def stop(self) -> None:
        """Post nothing more that is still waiting for its turn (see Sender)."""
        self.connector.stop()

    async def close(self) -> None:
        await self.connector.close()
