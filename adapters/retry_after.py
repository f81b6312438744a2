"""Reading a Retry-After header, shared by the platform adapters."""

from __future__ import annotations


def retry_after_seconds(headers: object) -> float | None:
    """The seconds a Retry-After header asks for, or None when absent or not a number."""
    get = getattr(headers, "get", None)
    raw = (get("Retry-After") or get("retry-after")) if get else None
    try:
        return float(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None
