"""Fixtures: the storage contract runs on SQLite and on PostgreSQL, engine flows on SQLite.

Tests under tests/storage/ and modules marked `both_databases` (races, claims, set-based
queries, erasure) get a database of each kind; every other test that asks for a database
gets SQLite, the default. MENTORBOT_TEST_DATABASES=both runs every test on both.
"""

from __future__ import annotations

import os

import pytest

from tests.databases import empty_postgres, fresh_sqlite, migrated_sqlite_template, postgres_or_skip


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    return migrated_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres(request):
    return postgres_or_skip(request)


BOTH = ["sqlite", "postgresql"]
STORAGE = os.path.join("tests", "storage", "")


def pytest_generate_tests(metafunc):
    if "database_url" not in metafunc.fixturenames:
        return
    both = (
        metafunc.definition.get_closest_marker("both_databases") is not None
        or STORAGE in str(metafunc.definition.path)
        or os.environ.get("MENTORBOT_TEST_DATABASES", "").lower() == "both"
    )
    metafunc.parametrize("database_url", BOTH if both else BOTH[:1], indirect=True)


@pytest.fixture
async def database_url(request, tmp_path, sqlite_template):
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        return fresh_sqlite(sqlite_template, tmp_path)
    run = request.getfixturevalue("postgres")
    await empty_postgres(run.url)
    return run.url


@pytest.fixture
async def store(database_url):
    from storage.store import SqlStore

    store = SqlStore.from_url(database_url)
    yield store
    await store.close()


@pytest.fixture
async def harness(store):
    """The engine on a virtual clock at Monday 2 March 2026 09:00 UTC, with console people."""
    from tests.harness import Harness

    return Harness(store)
