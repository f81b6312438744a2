"""What people do: pairing, booking, reflecting, pausing, forgetting, and the owners' commands."""
