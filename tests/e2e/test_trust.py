"""Issue 25 through a real `mentorbot serve`: what people write reaches only the audience they
were promised, and any input costs bounded work."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.e2e.slack_support import (
    OWNER,
    Serve,
    eventually,
    pair_of_people,
    start_program,
    texts,
    working_hour_after,
)
from tests.fakes.slack_api import TEAM

BLANK = "\u3000\u2003"
APP_ID = "00000000-0000-4000-8000-0000000000aa"  # a profile name that is nothing but (wide) spaces


# --- 11. a name of only whitespace ----------------------------------------------------------
async def test_slack_someone_named_only_whitespace_is_introduced_by_their_user_id(workspace, fake):
    mentor, _ = pair_of_people(fake)
    blank = "UBLANK1"
    fake.users[blank] = {
        "id": blank,
        "team_id": TEAM,
        "name": "",
        "real_name": BLANK,
        "tz": "Europe/Berlin",
        "profile": {"real_name": BLANK, "display_name": BLANK},
        "is_bot": False,
    }
    await start_program(workspace, "Spaces")
    reply = await workspace.command(
        OWNER, f"pair <@{mentor}> <@{blank}> program=Spaces Learn video"
    )
    assert "Sorry - something went wrong" not in str(reply), reply
    # Inside the Berlin working hours the intro may go in, whatever the time of the run.
    await workspace.tick(working_hour_after(datetime.now(UTC)))
    intro = await eventually(lambda: fake.posts_to(fake.dm(blank, mentor)), what="the intro")
    assert f"Hi {blank} and" in texts(intro[0].blocks), texts(intro[0].blocks)


async def test_teams_someone_named_only_whitespace_is_welcomed_by_their_user_id(tenant):
    user = tenant.person("29:blank-name", BLANK)
    await tenant.install(user)
    welcome = await tenant.latest(user, "I'm mentorbot")
    assert "Hi 29:blank-name, I'm mentorbot" in welcome.latest.get("text", ""), welcome.latest


# --- 2. a MultiTenant bot serves every tenant only when told so -------------------------------
def test_serve_will_not_start_a_multitenant_bot_for_every_tenant_unless_told(tmp_path):
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/mentorbot.db",
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_PASSWORD": "not-a-real-secret",
        "MENTORBOT_PUBLIC_URL": "https://mentorbot.example.com",
        "MENTORBOT_SECRET": "s" * 40,
        "MENTORBOT_TEAMS_OPENID_URL": "http://127.0.0.1:9/openid",  # never fetched here
    }
    with pytest.raises(RuntimeError) as refused:
        Serve(env, tmp_path / "refused.log")
    assert "MENTORBOT_TEAMS_TENANTS is missing" in str(refused.value), refused.value
    assert "or to * to serve every tenant on purpose" in str(refused.value)
    served = Serve({**env, "MENTORBOT_TEAMS_TENANTS": "*"}, tmp_path / "served.log")
    try:
        assert "serves every tenant that installs the app" in served.output()
    finally:
        served.stop()


# --- 9. bounded work for a message full of mentions ---------------------------------------------
async def test_a_slack_message_naming_thousands_of_people_costs_a_few_look_ups(workspace, fake):
    sender, _ = pair_of_people(fake)
    crowd = " ".join(f"<@UNOBODY{i:04d}>" for i in range(2000))
    before = len(fake.calls_to("users.info", ok_only=False))
    assert await workspace.dm(sender, f"hello {crowd}") == 200
    assert await workspace.dm(sender, f"pair {crowd} program=Nowhere goal") == 200
    assert await workspace.dm(sender, f"pair {crowd} program=Nowhere goal") == 200  # typed again
    await eventually(lambda: len(fake.posts_to(fake.dm(sender))) >= 3, what="three answers")
    looked_up = [c.args.get("user") for c in fake.calls_to("users.info", ok_only=False)[before:]]
    # The sender once, and the three people a command can use once each: an unknown person
    # is not asked about again within minutes.
    assert sorted(set(looked_up)) == sorted(
        {sender, "UNOBODY0000", "UNOBODY0001", "UNOBODY0002"}
    ), looked_up
    assert len(looked_up) == 4, looked_up
