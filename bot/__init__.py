"""The mentoring engine: domain, flows, cadence policy and the neutral message model."""
