"""The HTTP benchmarks run end to end at a tiny size and return well-formed rows.

Whether the targets are met is for a real benchmark run, not for these tests.
"""

from __future__ import annotations

from bench.http_bench import slack_status, teams_help
from bench.report import Row, table

REQUESTS = 60


def figure(rows: list[Row], label: str) -> float:
    """The numeric value of the row called `label`."""
    found = [r for r in rows if r.label == label]
    assert len(found) == 1, f"{label!r} appears {len(found)} times"
    return float(found[0].value)


def check_rows(rows: list[Row]) -> None:
    assert rows and all(isinstance(r, Row) for r in rows)
    labels = [r.label for r in rows]
    assert len(labels) == len(set(labels)), labels
    for row in rows:
        assert row.label and row.value
        assert (row.ok is None) == (row.target == "")
    assert figure(rows, "concurrency (clients)") == 20
    assert figure(rows, "requests measured per side") == REQUESTS
    for side in ("serve", "bare"):
        assert figure(rows, f"{side} requests/s") > 0
        assert 0 < figure(rows, f"{side} p50 ms") <= figure(rows, f"{side} p99 ms")
    assert figure(rows, "throughput ratio serve/bare") > 0
    assert "== bench" in table("bench", rows)


async def test_slack_status_rows():
    rows = await slack_status(REQUESTS)
    check_rows(rows)
    checked = {r.label: r for r in rows if r.ok is not None}
    assert set(checked) == {"serve p99 ms", "serve CPU ms per request (target)"}
    assert figure(rows, "bare+read requests/s") > 0, "the bare app with one read answered"


async def test_teams_help_rows():
    rows = await teams_help(REQUESTS)
    check_rows(rows)
    checked = {r.label for r in rows if r.ok is not None}
    assert checked == {"throughput ratio serve/bare"}
    warmup = figure(rows, "warm-up requests per side (not counted)")
    for side in ("serve", "bare"):
        assert figure(rows, f"replies at the connector, {side}") == REQUESTS + warmup
