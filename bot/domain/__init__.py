"""The domain model and the ports: records, events, messages, ids, clocks and words."""
