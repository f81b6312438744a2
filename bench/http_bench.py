"""HTTP benchmarks: `mentorbot serve` beside a bare framework app answering the same request.

Two comparisons, each driven by the same load generator:

- `slack_status`: the slash command `/mentoring status`, signed as Slack signs it, sent by a
  configured owner (MENTORBOT_OWNERS) who is also a mentor in a program with a few pairs, so
  the owner's program status is computed and sent back in the acknowledgement. The floor is
  a bare Bolt AsyncApp on aiohttp (bench/bare_bolt.py) that acknowledges the same command with
  a short text; beside it, the same app answering after one indexed read of the store
  (bare+read), the floor for any answer that reads the database.
- `teams_help`: a Teams personal-chat message "help" POSTed to /api/messages (local mode:
  MENTORBOT_TEAMS=local, no tokens, 127.0.0.1), answered through a fake Bot Connector given as
  serviceUrl. The floor is a botbuilder CloudAdapter echo bot (bench/bare_teams.py) replying
  to the same kind of fake connector.

Process layout (the same for both sides of each comparison): the server under test runs alone
in its own process, with one event loop, as `serve` does in production. The load generator
(CONCURRENCY clients on one aiohttp session, each sending its next request as soon as the
previous one is answered) runs in the benchmark process, and so does the fake platform server
(FakeSlack or FakeConnector from tests/fakes, in a thread of its own). On a 2-core machine this
gives the server under test one core to itself and puts everything that plays the platform on
the other; a helper process for the fake would make three busy processes share two cores and
let the fake steal time from the server being measured. The figures report the CPU time the
server used per request, how busy the benchmark process was (a saturated client side would
show there), and how many cores other processes on the machine took meanwhile (a benchmark run
beside other work is not a clean figure).

serve runs with its defaults except: a temporary SQLite database, a tick an hour apart (its
first tick, at start-up, is over before anything is timed), WARNING logs (no access log), and
for Teams no send limit of its own per tenant (MENTORBOT_TEAMS_RATE=0; the default, 30 a
second, would cap one tenant at 30 answers a second and this would measure only that limit).

Each side gets a warm-up (WARMUP_SHARE of the requests, at least MIN_WARMUP) that is not
counted. Every answer is checked; any failed request makes the benchmark raise.

Run from the repository root (the fakes are imported from tests/, the bare apps are run as
`python -m bench.bare_bolt PORT` and `python -m bench.bare_teams PORT`).
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from bench import bare_bolt, bare_teams
from bench.report import Row, at_least, at_most, info, percentile
from tests.e2e.slack_support import COMMAND, SECRET, free_port, sign
from tests.fakes.bot_connector import BOT_ID, TENANT_ID, FakeConnector
from tests.fakes.slack_api import TEAM, TOKEN, FakeSlack

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = 20
WARMUP_SHARE = 0.05
MIN_WARMUP = 20
SLACK_REQUESTS = 3000
STATUS_CPU_MS = 2.5  # (a) as restated in issue 15: serve's CPU per /mentoring status
TEAMS_REQUESTS = 2000

PROGRAM = "Bench Pilot"
OWNER = "UOWNER"
PAIRS = 6
STATUS_TEXT = f"{PROGRAM} - digital skills"  # the owner header of the program's status
TEAMS_USERS = 100  # people taking turns to write, each in their own 1:1 chat with the bot
HELP_TEXT = "Here's what I can do"

# A request to send: (path, body, headers); a check: None when the answer is right, or why not.
MakeRequest = Callable[[int], tuple[str, bytes, dict[str, str]]]
Check = Callable[[int, str], Awaitable[str | None]]


@dataclass
class Phase:
    """What one run of the load generator saw."""

    requests: int
    seconds: float = 0.0
    client_cpu: float = 0.0  # CPU seconds used by this (benchmark) process meanwhile
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def latency(self, share: float) -> float:
        return percentile(self.latencies_ms, share)


@dataclass
class Side:
    """One server's measured phase, with the CPU time that server used during it."""

    name: str
    warmup: Phase
    measured: Phase
    server_cpu: float | None  # seconds, None where /proc is not available
    machine_cpu: float | None  # seconds of CPU used by every process on the machine

    def rows(self, p99_target: float | None = None) -> list[Row]:
        m = self.measured
        rows = [
            info(f"{self.name} requests/s", f"{m.throughput:.0f}"),
            info(f"{self.name} p50 ms", f"{m.latency(0.50):.1f}"),
        ]
        p99 = m.latency(0.99)
        if p99_target is None:
            rows.append(info(f"{self.name} p99 ms", f"{p99:.1f}"))
        else:
            rows.append(at_most(f"{self.name} p99 ms", p99, p99_target, fmt=".1f"))
        if self.server_cpu is not None:
            per_request = 1000 * self.server_cpu / m.requests
            rows.append(info(f"{self.name} CPU ms per request", f"{per_request:.2f}"))
        rows.append(info(f"benchmark process busy during {self.name}", f"{self.client_busy:.0%}"))
        if self.server_cpu is not None and self.machine_cpu is not None:
            others = self.machine_cpu - self.server_cpu - m.client_cpu
            rows.append(
                info(
                    f"cores used by other processes during {self.name}", f"{others / m.seconds:.2f}"
                )
            )
        return rows

    @property
    def client_busy(self) -> float:
        return self.measured.client_cpu / self.measured.seconds


class Server:
    """A server under test in its own process; its output goes to a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [*argv, str(self.port)],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    async def ready(self, timeout: float = 30.0) -> None:
        """Wait until the server accepts connections on its port."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return
        raise RuntimeError(f"{self.name} did not start in {timeout:.0f} s:\n{self.tail()}")

    def cpu_seconds(self) -> float | None:
        """User plus system CPU time of the process so far (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        # After the command name: state is field 3, utime 14 and stime 15 (1-based, proc(5)).
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def tail(self, chars: int = 4000) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def machine_cpu_seconds() -> float | None:
    """CPU time used by all processes on all cores so far, idle and I/O wait excluded (Linux
    /proc/stat), to tell whether something besides the benchmark was running."""
    try:
        ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return None
    busy = sum(ticks[:8]) - ticks[3] - ticks[4]  # user .. steal, less idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def warmup_size(requests: int) -> int:
    return max(MIN_WARMUP, math.ceil(WARMUP_SHARE * requests))


async def drive(
    session: aiohttp.ClientSession,
    base_url: str,
    make: MakeRequest,
    check: Check,
    first: int,
    count: int,
    concurrency: int = CONCURRENCY,
) -> Phase:
    """Send requests number first .. first+count-1 from `concurrency` clients, each sending its
    next request as soon as its previous one is answered; time and check every answer."""
    phase = Phase(count)
    numbers = iter(range(first, first + count))

    async def client() -> None:
        for n in numbers:
            path, body, headers = make(n)
            started = time.perf_counter()
            try:
                async with session.post(base_url + path, data=body, headers=headers) as resp:
                    text = await resp.text()
                    status = resp.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                phase.errors.append(f"request {n}: {exc.__class__.__name__}: {exc}")
                continue
            if not 200 <= status < 300:
                phase.latencies_ms.append(1000 * (time.perf_counter() - started))
                phase.errors.append(f"request {n}: status {status}: {text[:300]}")
                continue
            problem = await check(n, text)  # an answer that comes later is waited for
            phase.latencies_ms.append(1000 * (time.perf_counter() - started))
            if problem:
                phase.errors.append(f"request {n}: {problem}")

    cpu, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    phase.seconds = time.perf_counter() - started
    phase.client_cpu = time.process_time() - cpu
    return phase


async def measure(
    server: Server, make: MakeRequest, check: Check, requests: int, concurrency: int = CONCURRENCY
) -> Side:
    """Warm the server up, then measure `requests` requests; raise if any of them failed."""
    warm = warmup_size(requests)
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        warmup = await drive(session, server.url, make, check, 0, warm, concurrency)
        # This process plays the platform and every client, and keeps each answer (the fake
        # Slack: thousands of messages of blocks): a full collection of all that stopped it
        # for about 100 ms, and the server's tail latency measured this process instead.
        gc.collect()
        gc.disable()
        try:
            cpu_before, machine_before = server.cpu_seconds(), machine_cpu_seconds()
            measured = await drive(session, server.url, make, check, warm, requests, concurrency)
            cpu_after, machine_after = server.cpu_seconds(), machine_cpu_seconds()
        finally:
            gc.enable()
    errors = warmup.errors + measured.errors
    if errors:
        sample = "\n  ".join(errors[:5])
        raise RuntimeError(
            f"{server.name}: {len(errors)} of {warm + requests} requests failed, e.g.\n  {sample}"
            f"\n{server.name} output:\n{server.tail()}"
        )
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    machine = None
    if machine_before is not None and machine_after is not None:
        machine = machine_after - machine_before
    return Side(server.name, warmup, measured, cpu, machine)


def comparison_rows(
    serve: Side, bare: Side, requests: int, ratio_target: float | None, p99_target: float | None
) -> list[Row]:
    """The rows both benchmarks print: set-up, each side's figures, the throughput ratio
    (checked against `ratio_target` when there is one)."""
    ratio = serve.measured.throughput / bare.measured.throughput
    label = "throughput ratio serve/bare"
    return [
        info("concurrency (clients)", CONCURRENCY),
        info("requests measured per side", requests),
        info("warm-up requests per side (not counted)", warmup_size(requests)),
        *serve.rows(p99_target),
        *bare.rows(),
        info(label, f"{ratio:.2f}")
        if ratio_target is None
        else at_least(label, ratio, ratio_target, fmt=".2f"),
    ]


async def run_cli(env: dict[str, str], *args: str) -> str:
    """Run one `mentorbot` command to completion; its output, or an error naming it."""
    process = await asyncio.create_subprocess_exec(
        *COMMAND,
        *args,
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    if process.returncode != 0:
        raise RuntimeError(f"mentorbot {' '.join(args)} failed:\n{out.decode(errors='replace')}")
    return out.decode(errors="replace")


async def until(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll `check` until it holds; raise naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def serve_then_bare(
    folder: Path,
    serve_env: dict[str, str],
    measure_serve: Callable[[Server], Awaitable[Side]],
    bare_module: str,
    bare_env: dict[str, str],
    measure_bare: Callable[[Server], Awaitable[Side]],
    *more: tuple[str, dict[str, str], Callable[[Server], Awaitable[Side]]],
) -> list[Side]:
    """Start serve, measure it and stop it; then the same for the bare app (and for each of
    `more`: a name, its environment and how to measure it, run as `bare_module` too)."""
    sides = []
    runs = [
        ("serve", [*COMMAND, "serve", "--port"], serve_env, measure_serve),
        ("bare", [sys.executable, "-m", bare_module], bare_env, measure_bare),
        *((name, [sys.executable, "-m", bare_module], env, run) for name, env, run in more),
    ]
    for name, argv, env, run in runs:
        server = Server(name, argv, env, folder)
        try:
            await server.ready()
            sides.append(await run(server))
        finally:
            server.stop()
    return sides


async def quiet(fake: FakeSlack, seconds: float = 0.5) -> None:
    """Wait until the fake Slack has had no call for `seconds`."""
    seen = -1
    while seen != len(fake.calls):
        seen = len(fake.calls)
        await asyncio.sleep(seconds)


# --- (a) Slack: /mentoring status ---------------------------------------------------------------


def roster_csv() -> str:
    """The program: the owner mentors one person, and PAIRS - 1 other pairs."""
    lines = ["program,mentor,mentee,goal,mentor_name,mentee_name"]
    for n in range(PAIRS):
        mentor = f"slack:{OWNER}" if n == 0 else f"slack:UMENTOR{n}"
        lines.append(
            f"{PROGRAM},{mentor},slack:UMENTEE{n},Learn the tools {n},Mentor {n},Mentee {n}"
        )
    return "\n".join(lines) + "\n"


def slash_command(n: int, api_port: int) -> tuple[str, bytes, dict[str, str]]:
    """The n-th `/mentoring status` from the owner, form-encoded and signed."""
    body = urlencode(
        {
            "token": "verification_token",
            "team_id": TEAM,
            "team_domain": "bench-domain",
            "channel_id": "C111",
            "channel_name": "random",
            "user_id": OWNER,
            "user_name": OWNER.lower(),
            "command": "/mentoring",
            "text": "status",
            "api_app_id": "A111",
            "response_url": f"http://127.0.0.1:{api_port}/response/bench-{n}",
            "trigger_id": f"{n}.111.bench",
        }
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    return "/slack/events", body, headers


def expect_text(expected: str) -> Check:
    """The acknowledgement carries `expected`: in the "text" of a JSON answer (an answer with
    blocks), or as the whole plain-text body (Bolt's way of acking with a text only)."""

    async def check(n: int, text: str) -> str | None:
        found = text
        if text.startswith("{"):
            try:
                answer = json.loads(text)
            except ValueError:
                return f"broken JSON: {text[:200]}"
            found = str(answer.get("text", "")) if isinstance(answer, dict) else ""
        return None if expected in found else f"{expected!r} not in the answer {text[:300]}"

    return check


def expect_response(fake: FakeSlack, expected: str) -> Check:
    """An empty acknowledgement, then an answer carrying `expected` posted to the request's
    response_url (how owner status with charts comes): the request takes until it arrives."""

    # The responses seen so far, by name: read once each (a scan of them all for every
    # request, 500 times a second, made the benchmark process the bottleneck at N = 3000).
    first: dict[str, dict] = {}
    read = 0

    def arrived(name: str) -> dict | None:
        nonlocal read
        responses = fake.responses
        for response in responses[read:]:
            first.setdefault(response["name"], response)
        read = len(responses)
        return first.get(name)

    async def check(n: int, text: str) -> str | None:
        if text.strip():
            return f"an acknowledgement with an answer in it: {text[:300]}"
        deadline = time.monotonic() + 30
        while (found := arrived(f"bench-{n}")) is None:
            if time.monotonic() > deadline:
                return "nothing came to the response_url"
            await asyncio.sleep(0.002)
        said = str(found.get("text", ""))
        return None if expected in said else f"{expected!r} not in the answer {said[:300]}"

    return check


async def slack_status(requests: int = SLACK_REQUESTS) -> list[Row]:
    """`/mentoring status` through `mentorbot serve` beside a bare Bolt app that only acks."""
    fake = FakeSlack().start()
    fake.add_user(OWNER, "Olivia Grant", "UTC")
    for n in range(PAIRS):
        fake.add_user(f"UMENTOR{n}", f"Mentor {n}", "UTC")
        fake.add_user(f"UMENTEE{n}", f"Mentee {n}", "UTC")
    try:
        with tempfile.TemporaryDirectory(prefix="mentorbot-http-bench-") as name:
            folder = Path(name)
            env = {
                "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'mentorbot.db'}",
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.api_url,
                "MENTORBOT_OWNERS": f"slack:{OWNER}",
                # Always open, so that the intros of serve's first tick go out at once, on any
                # day: the benchmark waits for them before it starts.
                "MENTORBOT_WORKING_HOURS": "Mon-Sun 00:00-24:00",
                "MENTORBOT_TICK_SECONDS": "3600",
                "MENTORBOT_LOG_LEVEL": "WARNING",
            }
            roster = folder / "pairs.csv"
            roster.write_text(roster_csv())
            await run_cli(env, "import", str(roster))

            def make(n: int) -> tuple[str, bytes, dict[str, str]]:
                return slash_command(n, fake.port)

            async def measure_serve(server: Server) -> Side:
                # serve ticks once at start-up: its intros (one per pair) go out, and the
                # fake falls quiet, before anything is timed.
                await until(
                    lambda: len(fake.calls_to("chat.postMessage")) >= PAIRS,
                    "the intros of serve's first tick",
                )
                await quiet(fake)
                return await measure(server, make, expect_response(fake, STATUS_TEXT), requests)

            async def measure_bare(server: Server) -> Side:
                return await measure(server, make, expect_text(bare_bolt.ANSWER), requests)

            bare_env = {
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.api_url,
            }
            read_env = {**bare_env, "DATABASE_URL": env["DATABASE_URL"]}
            serve_side, bare_side, read_side = await serve_then_bare(
                folder,
                env,
                measure_serve,
                "bench.bare_bolt",
                bare_env,
                measure_bare,
                ("bare+read", read_env, measure_bare),
            )
    finally:
        fake.stop()
    if fake.violations:
        raise RuntimeError(f"Slack's limits broken: {fake.violations[:5]}")
    rows = comparison_rows(serve_side, bare_side, requests, None, 50.0)
    cpu = 1000 * (serve_side.server_cpu or 0) / serve_side.measured.requests
    return [
        info("pairs in the owner's program", PAIRS),
        *rows,
        at_most("serve CPU ms per request (target)", cpu, STATUS_CPU_MS, fmt=".2f"),
        *read_side.rows(),
        info(
            "throughput ratio serve/bare+read",
            f"{serve_side.measured.throughput / read_side.measured.throughput:.2f}",
        ),
    ]


# --- (f) Teams: "help" in a personal chat --------------------------------------------------------


def teams_user(n: int) -> str:
    return f"29:bench-user-{n % TEAMS_USERS}"


def activity_id(n: int) -> str:
    return str(1_700_000_000_000 + n)


def help_message(n: int, service_url: str) -> tuple[str, bytes, dict[str, str]]:
    """The n-th "help" typed by one of TEAMS_USERS people in their 1:1 chat with the bot."""
    user = teams_user(n)
    activity = {
        "type": "message",
        "id": activity_id(n),
        "timestamp": datetime.now(UTC).isoformat(),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": user, "name": f"Bench User {n % TEAMS_USERS}", "aadObjectId": f"aad-{user}"},
        "conversation": {
            "conversationType": "personal",
            "id": FakeConnector.conversation_for(user),
            "tenantId": TENANT_ID,
        },
        "recipient": {"id": BOT_ID, "name": "mentorbot"},
        "entities": [{"type": "clientInfo", "locale": "en-US", "timezone": "Europe/Berlin"}],
        "channelData": {"tenant": {"id": TENANT_ID}},
        "locale": "en-US",
        "text": "help",
        "textFormat": "plain",
    }
    body = json.dumps(activity).encode()
    return "/api/messages", body, {"Content-Type": "application/json"}


async def any_answer(n: int, text: str) -> str | None:
    """Teams gets only a status back for a message (checked by `drive`); the reply goes to the
    connector and is checked there."""
    return None


def check_replies(connector: FakeConnector, since: int, side: Side, expected: str) -> int:
    """Every request got exactly one reply at the connector, to its own activity, saying
    `expected`; returns the number of replies."""
    sent = side.warmup.requests + side.measured.requests
    replies = [c for c in connector.calls[since:] if c.kind == "send" and c.status == 200]
    answered = {c.path.rsplit("/activities/", 1)[-1] for c in replies}
    wrong = [c for c in replies if expected not in str((c.body or {}).get("text", ""))]
    missing = {activity_id(n) for n in range(sent)} - answered
    if len(replies) != sent or missing or wrong:
        example = wrong[0].body if wrong else None
        raise RuntimeError(
            f"{side.name}: {len(replies)} replies reached the connector for {sent} messages"
            f" ({len(missing)} messages unanswered, {len(wrong)} replies without {expected!r},"
            f" e.g. {example})"
        )
    return len(replies)


async def teams_help(requests: int = TEAMS_REQUESTS) -> list[Row]:
    """A Teams "help" through `mentorbot serve` beside a bare botbuilder echo bot."""
    connector = FakeConnector().start()
    replies: dict[str, int] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="mentorbot-http-bench-") as name:
            folder = Path(name)
            env = {
                "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'mentorbot.db'}",
                "MENTORBOT_TICK_SECONDS": "3600",
                "MENTORBOT_LOG_LEVEL": "WARNING",
                "MICROSOFT_APP_ID": "",
                "MENTORBOT_TEAMS": "local",
                "SLACK_BOT_TOKEN": "",
                # serve's own send limit per tenant (default 30 a second, below Teams' limits)
                # would make this a measure of the limit: the fake connector has none, and
                # neither has the bare bot.
                "MENTORBOT_TEAMS_RATE": "0",
            }

            def make(n: int) -> tuple[str, bytes, dict[str, str]]:
                return help_message(n, connector.service_url)

            def measuring(expected: str) -> Callable[[Server], Awaitable[Side]]:
                async def run(server: Server) -> Side:
                    since = len(connector.calls)
                    side = await measure(server, make, any_answer, requests)
                    replies[server.name] = check_replies(connector, since, side, expected)
                    return side

                return run

            serve_side, bare_side = await serve_then_bare(
                folder,
                env,
                measuring(HELP_TEXT),
                "bench.bare_teams",
                {},
                measuring(bare_teams.REPLY_PREFIX + "help"),
            )
    finally:
        connector.stop()
    if connector.violations:
        raise RuntimeError(f"the connector saw bad activities: {connector.violations[:5]}")
    rows = comparison_rows(serve_side, bare_side, requests, 3.0, None)
    return [
        info("people writing (1:1 chats, one tenant)", TEAMS_USERS),
        info("serve's send limit per tenant", "off (MENTORBOT_TEAMS_RATE=0)"),
        *rows,
        info("replies at the connector, serve", replies["serve"]),
        info("replies at the connector, bare", replies["bare"]),
    ]
