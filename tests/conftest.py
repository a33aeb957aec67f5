"""Shared fixtures: a real PostgreSQL for tests marked ``postgres``.

``postgres_url`` (session) is the admin URL of a server found or started by
``tests/pg.py``; ``postgres_db`` (function) is a fresh, empty database on it,
dropped after the test. Without PostgreSQL, such tests skip with the reason;
under ``CI=true`` they fail instead, so CI never passes by skipping them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests import pg


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[pg.Postgres]:
    """The PostgreSQL server for this test session (given, local, or throwaway)."""
    try:
        with pg.find_postgres() as server:
            yield server
    except pg.PostgresUnavailable as exc:
        reason = f"no PostgreSQL for tests: {exc}"
        if _in_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: pg.Postgres) -> str:
    """The admin URL (``postgresql+psycopg://...``) of the session's PostgreSQL server."""
    return postgres_server.url


@pytest.fixture
def postgres_db(postgres_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; its URL. Dropped afterwards."""
    url = pg.create_database(postgres_url)
    try:
        yield url
    finally:
        pg.drop_database(postgres_url, url)
