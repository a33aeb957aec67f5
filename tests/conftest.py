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


# --- MariaDB -------------------------------------------------------------------------------
# Fixtures for tests marked ``mariadb``: ``mariadb_url`` (session) is the admin URL of a
# server found or started by ``tests/mariadb.py``; ``mariadb_db`` (function) is a fresh,
# empty database on it, dropped after the test. Without MariaDB such tests skip with the
# reason; under ``CI=true`` they fail instead.

from tests import mariadb  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mariadb: needs a MariaDB/MySQL server "
        "(started by tests/conftest.py when none is reachable)",
    )


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[mariadb.MariaDB]:
    """The MariaDB server for this test session (given, local, or throwaway)."""
    try:
        with mariadb.find_mariadb() as server:
            yield server
    except mariadb.MariaDBUnavailable as exc:
        reason = f"no MariaDB for tests: {exc}"
        if _in_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def mariadb_url(mariadb_server: mariadb.MariaDB) -> str:
    """The admin URL (``mysql+pymysql://...``) of the session's MariaDB server."""
    return mariadb_server.url


@pytest.fixture
def mariadb_db(mariadb_url: str) -> Iterator[str]:
    """A fresh, empty MariaDB database for one test; its URL. Dropped afterwards."""
    url = mariadb.create_database(mariadb_url)
    try:
        yield url
    finally:
        mariadb.drop_database(mariadb_url, url)
