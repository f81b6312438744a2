"""Delivery while it is still going out, through a real `mentorbot serve`: a reply typed within
100 ms of its prompt's arrival is saved although the rest of the batch is still being sent
(Slack and Teams, SQLite and PostgreSQL), and serve stopped with SIGTERM half-way through a
paced delivery run sends nothing twice and loses nothing.

The pairs are set up by the engine in this process on serve's database, with the people as
each platform's adapter makes them (a Slack member, a Teams conversation reference); what is
under test goes through serve: its tick sends, people reply over HTTP, and it is stopped with
a signal. Sends are paced as in production (MENTORBOT_SLACK_RATE / MENTORBOT_TEAMS_RATE), so a
batch takes seconds.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from tests.e2e.conversation_support import Setup, SlackSide, env_for, outbox, select
from tests.e2e.process_support import Run
from tests.e2e.slack_support import OWNER, Serve, eventually
from tests.fakes.slack_api import FakeSlack

REPLY = "Short videos need a hook in the first second"
BATCH_PAIRS = 180  # intros claimed with the prompts (one claim of 200 rows), paced: seconds


# --- 1. a reply typed within 100 ms of its prompt -------------------------------------------------
async def test_a_reply_typed_100_ms_after_its_prompt_arrives_is_saved_while_the_batch_goes_on(
    side, url, tmp_path
):
    env = env_for(side, url)
    now = datetime.now(UTC).replace(microsecond=0)
    setup = Setup(env, now - timedelta(days=3))
    try:
        owner = side.person(
            "UOWNER" if side.platform == "slack" else "owner-olivia", "Olivia Grant"
        )
        program = await setup.program(owner)
        mentor, mentee = side.person("UMINA", "Mina Park"), side.person("UERIK", "Erik Lund")
        await setup.held(program, mentor, mentee, now)
        # Then many pairs at once (a roster): their intros are due just after the prompts.
        setup.clock.set(now + timedelta(seconds=1))
        others = [
            (side.person(f"UM{i:04d}", f"Mina Park{i}"), side.person(f"UE{i:04d}", f"Erik Lund{i}"))
            for i in range(BATCH_PAIRS)
        ]
        await setup.pairs(program, others)
    finally:
        await setup.close()

    # serve's first tick claims the prompts and the intros in one run and paces them out.
    serve = await asyncio.to_thread(Serve, env, tmp_path / "serve.log")
    try:
        side.attach(serve)
        arrived = await eventually(
            lambda: side.prompts_to(mentor.user_id), 30, "the reflection prompt", interval=0.005
        )
        replied_after = time.monotonic() - arrived[0]
        posts_then = side.posts()
        await side.reply(mentor.user_id, REPLY)
        assert replied_after < 0.1, f"the reply went {replied_after:.3f} s after the prompt"
        assert posts_then < BATCH_PAIRS, "the batch had finished before the reply: not a race"

        answer = await eventually(
            lambda: (
                "Thanks - saved" in side.answers_to(mentor.user_id)
                and side.answers_to(mentor.user_id)
            ),
            20,  # (the answer waits its turn behind the paced batch; slow fakes check cards)
            "the reply's answer",
        )
        assert "not expecting a reply" not in answer, answer
        saved = await select(url, "SELECT what_changed FROM reflections")
        assert saved == [(REPLY,)]
        # The batch goes on to the end.
        deadline = time.monotonic() + 60
        while any(row[2] == "pending" for row in await outbox(url) if row[1] == "intro"):
            assert time.monotonic() < deadline, "the intros were not all sent within 60 s"
            await asyncio.sleep(0.5)
    finally:
        await asyncio.to_thread(serve.stop)
    assert "Traceback" not in serve.output(), serve.output()[-4000:]


# --- 2. SIGTERM in the middle of a paced delivery run -----------------------------------------------
async def test_serve_stopped_mid_delivery_hands_back_what_it_did_not_send_and_nothing_goes_twice(
    url, tmp_path
):
    fake = FakeSlack().start()
    try:
        side = SlackSide(fake)
        env = {**env_for(side, url), "MENTORBOT_SLACK_RATE": "10"}
        now = datetime.now(UTC).replace(microsecond=0)
        setup = Setup(env, now)
        try:
            owner = side.person(OWNER, "Olivia Grant")
            program = await setup.program(owner)
            people = [
                (
                    side.person(f"UM{i:04d}", f"Mina Park{i}"),
                    side.person(f"UE{i:04d}", f"Erik Lund{i}"),
                )
                for i in range(200)
            ]
            await setup.pairs(program, people)
        finally:
            await setup.close()

        serve = await asyncio.to_thread(Serve, env, tmp_path / "serve.log")
        await eventually(lambda: side.posts() >= 30, 30, "30 intros")
        stopped_at = time.monotonic()
        serve.process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(serve.process.wait, 30)
        took = time.monotonic() - stopped_at
        serve.log.close()
        log = serve.output()
        assert code == 0, log[-3000:]
        assert "Traceback" not in log, log[-4000:]
        assert took < 10, f"serve took {took:.1f} s to stop"

        posted = Counter(call.args["channel"] for call in fake.calls_to("chat.postMessage"))
        assert posted and max(posted.values()) == 1
        rows = await outbox(url)
        sent = [row for row in rows if row[2] == "sent"]
        left = [row for row in rows if row[2] != "sent"]
        assert len(sent) == sum(posted.values()), "every post is recorded, and only those"
        assert left, "the stop came after the run had finished"
        # Handed back at once: no lease, no attempt counted.
        assert {(row[2], row[3], row[4]) for row in left} == {("pending", None, 0)}

        # The next ticks (three at once, as replicas would) send exactly the rest.
        later = (now + timedelta(minutes=1)).isoformat()
        quick = {**env, "MENTORBOT_SLACK_RATE": "0", "MENTORBOT_LOG_LEVEL": "WARNING"}
        runs = [Run(quick, tmp_path, "tick", "--now", later) for _ in range(3)]
        for run in runs:
            await asyncio.to_thread(run.ok)
        posted = Counter(call.args["channel"] for call in fake.calls_to("chat.postMessage"))
        rows = await outbox(url)
        intros = [row for row in rows if row[1] == "intro"]
        assert {row[2] for row in intros} == {"sent"}
        assert len(posted) == len(intros) == 200
        assert max(posted.values()) == 1, [c for c, n in posted.items() if n > 1][:5]
    finally:
        fake.stop()
