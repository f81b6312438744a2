"""Fixtures: every storage-backed test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.databases import empty_postgres, fresh_sqlite, migrated_sqlite_template, postgres_or_skip


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    return migrated_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres(request):
    return postgres_or_skip(request)


@pytest.fixture(params=["sqlite", "postgresql"])
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
async def h(store):
    """The engine on a virtual clock at Monday 2 March 2026 09:00 UTC, with console people."""
    from tests.harness import Harness

    return Harness(store)
