"""The Slack adapter: Bolt wiring, payload translation, Block Kit rendering and sending."""
