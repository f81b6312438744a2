"""Issue 25, item 12, through a real `mentorbot serve` on Slack alone: off loopback, feed
addresses are https or there are none. An http MENTORBOT_PUBLIC_URL stops start-up with what
to set; without any, feeds are off and `calendar` says why instead of handing out 0.0.0.0."""

from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path

import pytest

from tests.e2e.calendar_support import buttons, fetch
from tests.e2e.process_support import Run, query
from tests.e2e.slack_support import Serve, Workspace, slack_env
from tests.fakes.slack_api import FakeSlack

REFUSED = "MENTORBOT_PUBLIC_URL must start with https://"
FEED = re.compile(r"https://mentorbot\.example\.com/calendar/[0-9a-f]{48}\.ics")


def off_loopback(fake: FakeSlack, folder: Path, public_url: str) -> dict[str, str]:
    """Slack alone, serve bound to every address (the Docker image's HOST)."""
    database = f"sqlite+aiosqlite:///{folder}/mentorbot.db"
    return {**slack_env(fake, database), "HOST": "0.0.0.0", "MENTORBOT_PUBLIC_URL": public_url}


def test_serve_off_loopback_with_an_http_public_url_stops_start_up_saying_what_to_set(
    fake, tmp_path
):
    with pytest.raises(RuntimeError) as refused:
        Serve(off_loopback(fake, tmp_path, "http://mentorbot.example.com"), tmp_path / "s.log")
    said = str(refused.value)
    assert f"{REFUSED} (http://mentorbot.example.com does not)" in said, said
    assert "set MENTORBOT_PUBLIC_URL to the https address that reaches it" in said, said
    assert "listening" not in said, said


def test_tick_with_an_http_public_url_naming_another_machine_stops_too(fake, tmp_path):
    """A tick sends the same addresses (Teams invite links) as serve, so it obeys the same
    rule, even on loopback."""
    env = {
        **slack_env(fake, f"sqlite+aiosqlite:///{tmp_path}/mentorbot.db"),
        "HOST": "127.0.0.1",
        "MENTORBOT_PUBLIC_URL": "http://mentorbot.example.com",
    }
    run = Run(env, tmp_path, "tick").wait()
    assert run.process.returncode == 2, run.stderr
    assert REFUSED in run.stderr, run.stderr


async def test_without_a_public_url_off_loopback_calendar_says_feeds_are_off(fake, tmp_path):
    serve = Serve(off_loopback(fake, tmp_path, ""), tmp_path / "serve.log")
    try:
        workspace = Workspace(serve, fake)
        user = "UNOFEED1"
        fake.add_user(user, "Nora Feld", "Europe/Berlin")
        calls, responses = len(fake.calls), len(fake.responses)
        answers = [await workspace.command(user, text) for text in ("calendar", "calendar reset")]
        for answer in answers:
            assert answer["text"] == (
                "Calendar feeds are not available on this server. An admin can turn them on "
                "by setting MENTORBOT_PUBLIC_URL to the server's https address."
            ), answer
            assert not buttons(answer), answer
        sent = str(answers) + str(fake.calls[calls:]) + str(fake.responses[responses:])
        assert "0.0.0.0" not in sent and "/calendar/" not in sent and "webcal" not in sent, sent

        database = serve.env["DATABASE_URL"]
        sql = "SELECT calendar_token FROM participants WHERE user_id = $1"
        assert query(database, sql, user) == [(None,)], "no token is made"
        # Even a token put in place by hand leads nowhere: serve has no feed route.
        token = secrets.token_hex(24)
        kept = hashlib.sha256(token.encode()).hexdigest()
        query(
            database, "UPDATE participants SET calendar_token = $1 WHERE user_id = $2", kept, user
        )
        assert (await fetch(f"{serve.url}/calendar/{token}.ics"))[0] == 404

        log = serve.output()
        assert "calendar feeds are off" in log and "set it to the https address" in log, log
        assert not fake.violations, fake.violations
        assert "Traceback" not in log, log[-4000:]
    finally:
        serve.stop()


async def test_off_loopback_only_an_https_public_url_gives_feed_links(fake, tmp_path):
    """Naming this machine does not make http fine once serve listens on every address."""
    with pytest.raises(RuntimeError) as refused:
        Serve(off_loopback(fake, tmp_path, "http://127.0.0.1:3978"), tmp_path / "refused.log")
    assert REFUSED in str(refused.value), refused.value

    serve = Serve(
        off_loopback(fake, tmp_path, "https://mentorbot.example.com/"), tmp_path / "s.log"
    )
    try:
        workspace = Workspace(serve, fake)
        user = "UHTTPSFEED1"
        fake.add_user(user, "Hana Berg", "Europe/Berlin")
        found = buttons(await workspace.command(user, "calendar"))
        url = found["link.feed"]["url"]
        assert FEED.fullmatch(url), url
        assert found["link.webcal"]["url"] == "webcal://" + url.removeprefix("https://")
        local = serve.url + url.removeprefix("https://mentorbot.example.com")
        status, kind, _ = await fetch(local)
        assert status == 200 and kind.startswith("text/calendar"), (status, kind)
        assert "calendar feeds are off" not in serve.output()
        assert not fake.violations, fake.violations
    finally:
        serve.stop()
