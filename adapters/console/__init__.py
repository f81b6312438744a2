"""An in-process platform: messages land in inboxes and a readable transcript."""
