"""Fixtures for end-to-end tests: a fake Slack Web API and a `mentorbot serve` using it."""

from __future__ import annotations

import itertools

import pytest

from tests.e2e.slack_support import OWNER, Serve, Workspace, slack_env
from tests.fakes.slack_api import FakeSlack

_people = itertools.count(1)


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
def ws(serve, fake):
    yield Workspace(serve, fake)
    assert not fake.violations, fake.violations
    fake.violations.clear()
    assert "Traceback" not in serve.output(), serve.output()[-4000:]


def pair_of_people(fake: FakeSlack) -> tuple[str, str]:
    """A fresh mentor and mentee (Berlin) for one test."""
    n = next(_people)
    mentor, mentee = f"UMENTOR{n}", f"UEXEC{n}"
    fake.add_user(mentor, f"Mina Park{n}", "Europe/Berlin")
    fake.add_user(mentee, f"Erik Lund{n}", "Europe/Berlin")
    return mentor, mentee
