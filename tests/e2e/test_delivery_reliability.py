"""Outbox delivery under stress, through real `mentorbot` processes and the fake Slack Web API:
three ticks at once on PostgreSQL, a tick killed mid-batch, a storm of 429s, PostgreSQL going
away during a tick, and `serve` plus separate ticks on one SQLite file.

Every test enrols its pairs with `mentorbot import` (and `mentorbot program create`); each
pair's intro is then due, in a group DM with both people. What the fake received is compared
with the outbox rows in the database, conversation by conversation. The sizes follow
bot.sending.delivery.BATCH, so that several claim batches are involved.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy.engine import make_url

from bot.sending.delivery import BATCH
from tests.databases import empty_postgres, fresh_sqlite
from tests.e2e.process_support import LOCKED, Run, mentorbot, query, tick, total, wait_for
from tests.e2e.slack_support import OWNER, Serve, Workspace, slack_env
from tests.fakes.slack_api import TEAM, FakeSlack
from tests.fakes.tcp_proxy import TcpProxy

ALWAYS = "Mon-Sun 00:00-24:00"  # nobody is out of hours, whenever the test runs


def one_line_database_error(run: Run) -> None:
    """The process failed with one line naming the database, and no traceback."""
    assert run.process.returncode not in (0, None), run.stdout
    stderr = run.stderr
    assert "Traceback" not in stderr, stderr[-4000:]
    reported = [line for line in stderr.splitlines() if line.startswith("mentorbot:")]
    assert len(reported) == 1, stderr[-4000:]
    assert "database" in reported[0].lower(), reported[0]


# --- set-up through the command line ---------------------------------------------------------
@dataclass(frozen=True)
class Pair:
    mentor: str
    mentee: str


def enrol(
    fake: FakeSlack, env: dict[str, str], folder: Path, count: int, tag: str, create: bool = False
) -> list[Pair]:
    """`count` pairs of Slack people imported into a new program, open around the clock in UTC
    (created first with `program create`, or by the import from the environment's defaults);
    their intros are due from now on."""
    program = f"Reliability {tag}"
    if create:
        mentorbot(
            env,
            folder,
            *("program", "create", program, "--owner", f"slack:{OWNER}"),
            *("--timezone", "UTC", "--working-hours", ALWAYS),
        )
    pairs = [Pair(f"U{tag}M{i:04d}", f"U{tag}E{i:04d}") for i in range(1, count + 1)]
    lines = [
        "program,mentor,mentee,goal,why,mentor_name,mentee_name,mentor_timezone,mentee_timezone"
    ]
    for i, pair in enumerate(pairs, 1):
        fake.add_user(pair.mentor, f"Mina Park{i}", "UTC")
        fake.add_user(pair.mentee, f"Erik Lund{i}", "UTC")
        lines.append(
            f"{program},slack:{pair.mentor},slack:{pair.mentee},Learn short video,"
            f"Runs experiments,Mina Park{i},Erik Lund{i},UTC,UTC"
        )
    roster = folder / f"pairs-{tag}.csv"
    roster.write_text("\n".join(lines) + "\n")
    imported = mentorbot(env, folder, "import", str(roster))
    assert f"imported {count} pairings" in imported.stdout, imported.stdout
    return pairs


def soon() -> datetime:
    """A tick time just after the import: every intro is due by then."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)


# --- what the database says -------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    id: int
    kind: str
    status: str
    lease_owner: str | None
    due_at: datetime
    channel: str  # the conversation the fake puts it in


OUTBOX = """
SELECT n.id, n.kind, n.status, n.lease_owner, n.due_at, r.user_id, m.user_id, e.user_id
FROM notifications n
JOIN participants r ON r.id = n.recipient_id
LEFT JOIN pairings p ON p.id = n.pairing_id
LEFT JOIN participants m ON m.id = p.mentor_id
LEFT JOIN participants e ON e.id = p.mentee_id
ORDER BY n.id
"""


def outbox(url: str, fake: FakeSlack) -> list[Row]:
    """Every outbox row, with the conversation `fake` gives it: a pair's intro goes to the group
    DM of both people, everything else to the recipient's DM."""
    rows = []
    for id_, kind, status, owner, due_at, recipient, mentor, mentee in query(url, OUTBOX):
        if isinstance(due_at, str):
            due_at = datetime.fromisoformat(due_at).replace(tzinfo=UTC)
        together = kind == "intro" and mentor and mentee
        channel = fake.dm(mentor, mentee) if together else fake.dm(recipient)
        rows.append(Row(id_, kind, status, owner, due_at, channel))
    return rows


def activate_all(url: str, at: datetime) -> None:
    """Both people of every pair said yes, on PostgreSQL. Written directly: a click per person
    through `serve` would take longer than the rest of the test (clicks are tested in
    test_slack*). Like a click, it asks the planner to look at the pair (plan_at, when the
    schema has it)."""
    columns = {
        name
        for (name,) in query(
            url, "SELECT column_name FROM information_schema.columns WHERE table_name = 'pairings'"
        )
    }
    replan = ", plan_at = NULL" if "plan_at" in columns else ""
    query(
        url,
        "UPDATE pairings SET status = 'active', mentor_consent = true, mentee_consent = true,"
        f" activated_at = $1{replan}",
        at,
    )


def leases_held(url: str) -> int:
    """How many workers hold leases on unsent rows right now."""
    sql = (
        "SELECT count(DISTINCT lease_owner) FROM notifications"
        " WHERE lease_owner IS NOT NULL AND status = 'pending'"
    )
    return query(url, sql)[0][0]


def assert_all_sent_once(fake: FakeSlack, rows: list[Row]) -> None:
    """Every row is marked sent, and its conversation got exactly the rows meant for it."""
    assert Counter(row.status for row in rows) == {"sent": len(rows)}
    expected = Counter(row.channel for row in rows)
    posted = fake.posted_per_channel()
    missing = expected - posted
    doubled = posted - expected
    assert not missing, f"never posted: {sorted(missing)[:10]} ({len(missing)} conversations)"
    assert not doubled, f"posted twice: {sorted(doubled)[:10]} ({len(doubled)} conversations)"


# --- fixtures ---------------------------------------------------------------------------------
@pytest.fixture
def slack():
    """A fake Slack of this test's own (the shared one keeps other tests' calls)."""
    fake = FakeSlack().start()
    fake.add_user(OWNER, "Olivia Grant", "UTC")
    yield fake
    fake.release()
    fake.stop()
    assert not fake.violations, fake.violations


@pytest.fixture
async def pg_url(postgres) -> str:
    await empty_postgres(postgres.url)
    return postgres.url


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path) -> str:
    return fresh_sqlite(sqlite_template, tmp_path)


def env_for(fake: FakeSlack, url: str, **extra: str) -> dict[str, str]:
    return {
        **slack_env(fake, url),
        "MENTORBOT_WORKING_HOURS": ALWAYS,
        "MENTORBOT_TIMEZONE": "UTC",
        "MENTORBOT_LOG_LEVEL": "WARNING",
        "MENTORBOT_SLACK_RATE": "0",  # no pacing of our own: the fake is as fast as it gets
        **extra,
    }


# --- 1. three ticks at once on PostgreSQL ------------------------------------------------------
def _three_at_once(
    fake: FakeSlack, env, folder: Path, url: str, now: datetime
) -> tuple[list[Run], int]:
    """Three ticks started together. Every post is held until each tick has claimed a batch
    (or a few seconds passed), so that the three really deliver side by side. Returns the
    runs and the most workers seen holding leases at once."""
    fake.stall_after(0)
    runs = [tick(env, folder, now) for _ in range(3)]
    wait_for(lambda: fake.held or all(r.process.poll() is not None for r in runs), 60, "a post")
    deadline = time.monotonic() + 5  # well within the client's 10 s timeout for held posts
    overlap = 0
    while overlap < 3 and time.monotonic() < deadline:
        overlap = max(overlap, leases_held(url))
        time.sleep(0.05)
    fake.release()
    for run in runs:
        run.ok()
    return runs, overlap


def test_three_ticks_at_once_on_postgresql_plan_and_send_everything_once(slack, pg_url, tmp_path):
    env = env_for(slack, pg_url)
    pairs = enrol(slack, env, tmp_path, 2 * BATCH + BATCH // 2, "A", create=True)  # 3 batches
    rows = outbox(pg_url, slack)
    assert len(rows) == len(pairs) and {r.kind for r in rows} == {"intro"}
    now = soon()

    # Intros: three claim batches, three workers.
    runs, overlap = _three_at_once(slack, env, tmp_path, pg_url, now)
    rows = outbox(pg_url, slack)
    assert_all_sent_once(slack, rows)
    assert {row.channel for row in rows} == {slack.dm(p.mentor, p.mentee) for p in pairs}
    assert total(runs, "sent") == len(pairs) and total(runs, "failed") == 0
    assert overlap >= 2, "the ticks never held batches at the same time (a very slow machine?)"

    # Everyone said yes: three planners race to queue two nudges per pair (the leader's now,
    # the mentor's a day later), then send what is due. (No holding here: whichever planner
    # gets a pair first plans it; the others see its rows only once it commits, by which
    # time they may have found nothing due and stopped.)
    activate_all(pg_url, now)
    later = now + timedelta(hours=1)
    runs = [tick(env, tmp_path, later) for _ in range(3)]
    for run in runs:
        run.ok()
    nudges = [row for row in outbox(pg_url, slack) if row.kind == "nudge"]
    assert len(nudges) == 2 * len(pairs)
    assert total(runs, "planned") == len(nudges), "a row was planned twice, or one was lost"
    assert total(runs, "sent") == len(pairs) and total(runs, "failed") == 0
    leaders = [row for row in nudges if row.status == "sent"]
    assert {row.channel for row in leaders} == {slack.dm(p.mentee) for p in pairs}
    assert_all_sent_once(slack, [row for row in outbox(pg_url, slack) if row.status == "sent"])

    # A fourth tick at the same moment finds nothing to plan or send.
    again = tick(env, tmp_path, later).ok().counts()
    assert (again["planned"], again["due"], again["sent"]) == (0, 0, 0)

    # A day on, nobody booked: three ticks at once send the mentors theirs, each once.
    day_on = later + timedelta(days=1)
    runs = [tick(env, tmp_path, day_on) for _ in range(3)]
    for run in runs:
        run.ok()
    assert total(runs, "sent") == len(pairs) and total(runs, "failed") == 0
    nudges = [row for row in outbox(pg_url, slack) if row.kind == "nudge"]
    assert {row.channel for row in nudges} == {
        slack.dm(person) for p in pairs for person in (p.mentor, p.mentee)
    }
    assert_all_sent_once(slack, outbox(pg_url, slack))


# --- 2. SIGKILL mid-tick -----------------------------------------------------------------------
def test_a_tick_killed_mid_batch_loses_nothing_and_repeats_only_that_batch(slack, pg_url, tmp_path):
    env = env_for(slack, pg_url)
    pairs = enrol(slack, env, tmp_path, 2 * BATCH + BATCH // 2, "B")
    now = soon()
    before_kill = BATCH + BATCH // 2  # in the middle of the second batch
    slack.stall_after(before_kill)
    victim = tick(env, tmp_path, now)
    wait_for(lambda: slack.held or victim.process.poll() is not None, 90, f"{before_kill} posts")
    assert slack.held, f"the tick ended before it could be killed: {victim.stderr[-3000:]}"
    victim.process.kill()  # SIGKILL: no clean-up of any kind
    victim.process.wait(30)
    assert len(slack.messages) == before_kill

    rows = outbox(pg_url, slack)
    in_flight = {row.channel for row in rows if row.status == "pending" and row.lease_owner}
    unclaimed = {row.channel for row in rows if row.status == "pending" and not row.lease_owner}
    assert 0 < len(in_flight) <= BATCH, "only the batch being sent is left leased"
    assert unclaimed, "the kill came before the last batch"
    marked = {row.channel for row in rows if row.status == "sent"}
    assert marked <= set(slack.posted_per_channel()), "marked sent but never posted"

    # The held posts reach Slack after all, as a request can when its sender dies.
    slack.release()
    wait_for(lambda: not slack.held, 30, "the held posts to be answered")
    posted = slack.posted_per_channel()

    # Within the 5-minute lease the dead worker's batch is left alone; the rest goes out.
    within = tick(env, tmp_path, now + timedelta(minutes=4)).ok()
    assert within.counts()["sent"] == len(unclaimed)
    assert slack.posted_per_channel() - posted == Counter(unclaimed)
    still = {row.channel for row in outbox(pg_url, slack) if row.status != "sent"}
    assert still == in_flight, "a leased row was taken over within its lease"

    # Past the lease, the batch that was in flight is sent again; nothing else is.
    after = tick(env, tmp_path, now + timedelta(minutes=6)).ok()
    assert after.counts()["sent"] == len(in_flight)
    rows = outbox(pg_url, slack)
    assert Counter(row.status for row in rows) == {"sent": len(pairs)}
    posted = slack.posted_per_channel()
    assert set(posted) == {row.channel for row in rows}, "every intro went out"
    doubled = {channel for channel, n in posted.items() if n > 1}
    assert max(posted.values()) <= 2 and len(doubled) <= BATCH
    assert doubled <= in_flight, f"doubled outside the batch in flight: {doubled - in_flight}"


# --- 3. a storm of 429s ------------------------------------------------------------------------
def test_a_429_storm_is_waited_out_and_everything_goes_out_once(slack, sqlite_url, tmp_path):
    env = env_for(slack, sqlite_url)
    pairs = enrol(slack, env, tmp_path, 40, "C")
    # Every conversation is limited once; the first one more often than the client retries
    # by itself, so that row goes back to the outbox and a later tick sends it.
    stubborn = slack.dm(pairs[0].mentor, pairs[0].mentee)
    slack.rate_limit_channels(times=4, retry_after=1, channel=stubborn)
    slack.rate_limit_channels(times=1, retry_after=1)
    posts = lambda: slack.calls_to("chat.postMessage", ok_only=False)  # noqa: E731
    now = soon()
    for _ in range(6):
        tick(env, tmp_path, now).ok()
        pending = [row for row in outbox(sqlite_url, slack) if row.status != "sent"]
        if not pending:
            break
        assert {row.status for row in pending} == {"pending"}, pending
        now = max(now + timedelta(seconds=1), *(row.due_at for row in pending))
        # The clock jumps past the retry; real time must pass the Retry-After as well, as it
        # would have by the time a real clock got there.
        last = max((c for c in posts() if c.status == 429), key=lambda c: c.at)
        wait_for(lambda last=last: time.monotonic() > last.at + last.retry_after, 10, "time")
    assert_all_sent_once(slack, outbox(sqlite_url, slack))

    for pair in pairs:
        channel = slack.dm(pair.mentor, pair.mentee)
        calls = sorted((c for c in posts() if c.args.get("channel") == channel), key=lambda c: c.at)
        assert calls[0].status == 429 and calls[-1].status == 200, channel
        for limited, following in itertools.pairwise(calls):
            if limited.status == 429:
                waited, asked = following.at - limited.at, limited.retry_after
                assert waited >= asked, (
                    f"{channel}: again {waited:.2f} s after a 429 asking {asked} s"
                )
    assert sum(c.status == 429 for c in posts()) == 4 + len(pairs) - 1


# --- 4. PostgreSQL unreachable -------------------------------------------------------------------
@pytest.fixture
def proxy(pg_url):
    url = make_url(pg_url)
    found = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    yield found
    found.stop()


def through(url: str, proxy: TcpProxy) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)


def test_a_tick_without_its_database_says_so_in_one_line_and_sends_nothing(
    slack, pg_url, proxy, tmp_path
):
    pairs = enrol(slack, env_for(slack, pg_url), tmp_path, 10, "D")
    env = env_for(slack, through(pg_url, proxy))
    proxy.cut()
    down = tick(env, tmp_path, soon()).wait(90)
    one_line_database_error(down)
    assert not slack.calls_to("chat.postMessage", ok_only=False), "nothing may be sent"

    proxy.restore()
    up = tick(env, tmp_path, soon()).ok()
    assert up.counts()["sent"] == len(pairs)
    assert_all_sent_once(slack, outbox(pg_url, slack))


def test_postgresql_lost_mid_tick_fails_cleanly_and_a_later_tick_sends_the_rest(
    slack, pg_url, proxy, tmp_path
):
    pairs = enrol(slack, env_for(slack, pg_url), tmp_path, 2 * BATCH + BATCH // 2, "E")
    env = env_for(slack, through(pg_url, proxy))
    now = soon()
    cut_at = BATCH + BATCH // 2
    slack.after_ok("chat.postMessage", cut_at, proxy.cut)
    broken = tick(env, tmp_path, now).wait(120)
    one_line_database_error(broken)

    rows = outbox(pg_url, slack)
    posted = slack.posted_per_channel()
    assert len(posted) >= cut_at
    marked = {row.channel for row in rows if row.status == "sent"}
    assert marked <= set(posted), "a row was marked sent that never reached Slack"
    in_flight = {row.channel for row in rows if row.status == "pending" and row.lease_owner}
    assert len(in_flight) <= BATCH

    proxy.restore()
    tick(env, tmp_path, now + timedelta(minutes=6)).ok()
    rows = outbox(pg_url, slack)
    assert Counter(row.status for row in rows) == {"sent": len(pairs)}
    posted = slack.posted_per_channel()
    assert set(posted) == {row.channel for row in rows}, "every intro went out"
    doubled = {channel for channel, n in posted.items() if n > 1}
    assert len(doubled) <= BATCH
    assert doubled <= in_flight, f"doubled outside the batch in flight: {doubled - in_flight}"


# --- 5. serve and separate ticks on one SQLite file --------------------------------------------
WAVES, CLICKED = 3, 5  # rosters imported while everything runs; pairs accepting in each


async def test_serve_and_separate_ticks_share_one_sqlite_file(slack, sqlite_url, tmp_path):
    """While `serve` ticks every second and answers slash commands and button clicks, separate
    ticks run in a loop and rosters are imported in waves: every process writes to the file."""
    env = env_for(slack, sqlite_url, MENTORBOT_TICK_SECONDS="1", MENTORBOT_LOG_LEVEL="INFO")
    serve = await asyncio.to_thread(Serve, env, tmp_path / "serve.log")
    workspace = Workspace(serve, slack)
    answers: list[int] = []
    runs: list[Run] = []
    pairs: list[Pair] = []
    clicked: list[Pair] = []
    done = asyncio.Event()

    async def ticks() -> None:
        while not done.is_set():
            run = Run(env, tmp_path, "tick")
            runs.append(run)
            await asyncio.to_thread(run.wait, 120)

    async def requests() -> None:
        n = 0
        while not done.is_set():
            user = OWNER if n % 2 == 0 or not pairs else pairs[n % len(pairs)].mentee
            status, _ = await workspace.post(
                *_command(workspace, user, "status" if user == OWNER else "me")
            )
            answers.append(status)
            n += 1

    async def consent(wave: list[Pair]) -> None:
        """Both people of a few pairs press Accept as soon as their intro arrives."""
        for pair in wave[:CLICKED]:
            channel = slack.dm(pair.mentor, pair.mentee)
            while not slack.posts_to(channel):
                await asyncio.sleep(0.05)
            [intro] = slack.posts_to(channel)
            for user in (pair.mentee, pair.mentor):
                status, _ = await workspace.click(
                    user, intro, "pairing.accept", block_prefix=f"for.{user}"
                )
                answers.append(status)
            clicked.append(pair)

    workers = [asyncio.create_task(ticks()) for _ in range(2)]
    workers.append(asyncio.create_task(requests()))
    try:
        for wave in range(WAVES):
            imported = await asyncio.to_thread(enrol, slack, env, tmp_path, 40, f"F{wave}")
            pairs.extend(imported)
            workers.append(asyncio.create_task(consent(imported)))

        def finished() -> bool:
            # Intros, then per active pair two nudges and two expectations check-ins: the
            # mentor, who accepted second, had both in that answer; the leader's check-in
            # goes along with the leader's nudge. The reminders are days off.
            rows = [r for r in outbox(sqlite_url, slack) if r.kind in ("intro", "nudge", "checkin")]
            expected = len(pairs) + 4 * len(clicked)
            return (
                len(clicked) == WAVES * CLICKED
                and len(rows) == expected
                and all(row.status == "sent" for row in rows)
            )

        deadline = time.monotonic() + 120
        while not finished():
            assert time.monotonic() < deadline, "not everything was sent within 120 s"
            for task in workers:
                if task.done() and task.exception():
                    raise task.exception()
            await asyncio.sleep(0.2)
        done.set()
        await asyncio.gather(*workers)
        log = serve.output()  # before stopping: what happened while everything ran
    finally:
        done.set()
        for task in workers:
            task.cancel()  # only still running when the test failed
        await asyncio.to_thread(serve.stop)

    rows = outbox(sqlite_url, slack)
    # Each conversation got what was sent to it, once: the intros, the leaders' nudges (each
    # carrying a check-in); the mentors' nudges were answers to their clicks, not posts.
    posted = [
        r
        for r in rows
        if r.kind == "intro"
        or (r.kind == "nudge" and r.channel in {slack.dm(p.mentee) for p in clicked})
    ]
    assert_all_sent_once(slack, [r for r in posted if r.status == "sent"])
    assert (
        Counter(r.kind for r in rows if r.kind in ("intro", "nudge") and r.status != "sent") == {}
    )
    assert answers and set(answers) == {200}, Counter(answers)
    assert LOCKED not in log and "Traceback" not in log, log[-4000:]
    for run in runs:
        run.ok()
    # Between them, serve (its ticks, and its deliveries of what requests queued for now) and
    # the separate ticks sent each row once.
    pattern = r"(?:tick|delivered): due \d+, sent (\d+)"
    served = sum(int(n) for n in re.findall(pattern, log))
    assert served + total(runs, "sent") == len(pairs) + len(clicked)


def _command(workspace: Workspace, user: str, text: str) -> tuple[str, str]:
    """A `/mentoring` slash command as Slack posts it (the body and its content type)."""
    body = urlencode(
        {
            "team_id": TEAM,
            "channel_id": "C111",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/mentoring",
            "text": text,
            "response_url": workspace.fake.response_url(f"status-{time.monotonic_ns()}"),
            "trigger_id": f"{time.monotonic_ns()}.1.cmd",
        }
    )
    return body, "application/x-www-form-urlencoded"
