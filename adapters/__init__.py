"""Adapters: the outside world (Slack, Teams, console, HTTP, command line) and the wiring."""
