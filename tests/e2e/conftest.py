"""Fixtures for end-to-end tests: a fake Slack Web API and a `mentorbot serve` using it."""

from __future__ import annotations

import pytest

from tests.databases import empty_postgres, fresh_sqlite
from tests.e2e import conversation_support
from tests.e2e.slack_support import OWNER, Serve, Workspace, slack_env
from tests.e2e.teams_support import OWNER as TEAMS_OWNER
from tests.e2e.teams_support import Tenant, teams_env
from tests.fakes.bot_connector import FakeConnector
from tests.fakes.slack_api import FakeSlack


@pytest.fixture(scope="module")
def fake():
    fake = FakeSlack().start()
    fake.add_user(OWNER, "Olivia Grant", "UTC")
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def serve(fake, tmp_path_factory):
    folder = tmp_path_factory.mktemp("slack")
    server = Serve(
        slack_env(fake, f"sqlite+aiosqlite:///{folder}/mentorbot.db"), folder / "serve.log"
    )
    yield server
    server.stop()


@pytest.fixture
def workspace(serve, fake):
    yield Workspace(serve, fake)
    assert not fake.violations, fake.violations
    fake.violations.clear()
    assert "Traceback" not in serve.output(), serve.output()[-4000:]


@pytest.fixture(scope="module")
def connector():
    fake = FakeConnector().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def teams_serve(connector, tmp_path_factory):
    folder = tmp_path_factory.mktemp("teams")
    server = Serve(teams_env(f"sqlite+aiosqlite:///{folder}/mentorbot.db"), folder / "serve.log")
    yield server
    server.stop()


@pytest.fixture
def tenant(teams_serve, connector):
    """People in one Teams tenant talking to a real serve; every card checked on the way."""
    found = Tenant(teams_serve, connector)
    found.person(TEAMS_OWNER, "Olivia Grant")
    yield found
    assert not connector.violations, connector.violations
    connector.violations.clear()
    assert "Traceback" not in teams_serve.output(), teams_serve.output()[-4000:]


# --- the conversation tests: each on both platforms and both databases ------------------------
@pytest.fixture(params=["slack", "teams"])
def side(request):
    if request.param == "slack":
        fake = FakeSlack().start()
        fake.add_user(OWNER, "Olivia Grant", "UTC")
        yield conversation_support.SlackSide(fake)
        fake.release()
        fake.stop()
        assert not fake.violations, fake.violations
    else:
        connector = FakeConnector().start()
        yield conversation_support.TeamsSide(connector)
        connector.stop()
        assert not connector.violations, connector.violations


@pytest.fixture(params=["sqlite", "postgresql"])
async def url(request, sqlite_template, tmp_path) -> str:
    if request.param == "sqlite":
        return fresh_sqlite(sqlite_template, tmp_path)
    run = request.getfixturevalue("postgres")
    await empty_postgres(run.url)
    return run.url
