"""Each scale benchmark runs at a tiny size: it works, checks its own counts, and reports
figures with targets. The figures themselves are for BENCHMARKS.md, not for this test."""

import pytest

from bench import scale
from bench.__main__ import BENCHMARKS, main
from bench.report import Row


def _figures(rows: list[Row]) -> dict[str, Row]:
    assert rows and all(isinstance(r, Row) and r.label and r.value for r in rows)
    return {r.label: r for r in rows}


@pytest.fixture(autouse=True)
def _postgres(postgres):
    """The benchmarks create their own databases on the same server the tests use."""


async def test_dispatch_sends_every_notification_once_on_both_databases_and_platforms():
    rows = _figures(await scale.dispatch(BENCHMARKS["dispatch"].tiny))
    for platform in ("slack", "teams"):
        for kind in scale.DATABASES:
            sent = rows[f"sent/s ({platform}, {kind})"]
            assert float(sent.value) > 0 and sent.ok is not None
            assert float(rows[f"tick peak RSS MB ({platform}, {kind})"].value) > 10


async def test_owner_status_idle_tick_and_replicas_report_their_targets():
    status = _figures(await scale.owner_status(BENCHMARKS["owner-status"].tiny, runs=3))
    assert status["status p95 ms (sqlite)"].target == "<= 100"
    idle = _figures(await scale.idle_tick(BENCHMARKS["idle-tick"].tiny, runs=3))
    assert idle["idle tick max ms (postgresql)"].ok is not None
    replicas = _figures(await scale.replicas(BENCHMARKS["replicas"].tiny))
    assert replicas["duplicates"].value == "0" and replicas["losses"].value == "0"
    sent = [int(n) for n in replicas["sent by each replica"].value.split(" / ")]
    assert sum(sent) == 2 * (BENCHMARKS["replicas"].tiny // 2)


def test_the_command_lists_and_refuses_unknown_names(capsys):
    assert main([]) == 0
    assert "replicas" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["nonsense"])


async def test_learnings_reports_each_kind_of_search_on_both_databases():
    from bench import learnings

    rows = _figures(await learnings.run(BENCHMARKS["learnings"].tiny, runs=3))
    for kind in scale.DATABASES:
        for label in learnings.QUERIES:
            assert rows[f"{label} p95 ms ({kind})"].target == "<= 100"


async def test_feed_builds_once_then_answers_repeat_polls_from_the_cache():
    from bench import feed

    size = BENCHMARKS["feed"].tiny
    rows = _figures(await feed.run(size, runs=3))
    # At most three events a booking (the series, its moved occurrence, its cancellation);
    # bookings over 90 days old are left out.
    assert 0 < int(rows["events in the feed"].value) <= 3 * size
    for label in ("repeat GET, 200 from the cache, p95 ms", "repeat GET, 304, p95 ms"):
        assert rows[label].target == "<= 20" and rows[label].ok is not None


async def test_offers_pick_three_times_around_both_peoples_sessions_on_both_databases():
    from bench import offers

    size = BENCHMARKS["offers"].tiny
    rows = _figures(await offers.run(size, runs=3))
    for kind in ("sqlite", "postgresql"):
        assert rows[f"times offered ({kind})"].value == "3"
        assert int(rows[f"busy spans read ({kind})"].value) == 2 * size
        assert rows[f"three times for a pair, p95 ms ({kind})"].target == "<= 5.00"
