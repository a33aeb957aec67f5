"""Shared fixtures: the demo company, real PostgreSQL and MariaDB servers, the real sample data.

The demo company (``dsr demo``, 40 customers, seed 42) is built once per
session into ``demo_template``, which no test changes; ``demo`` is a fresh copy
of it for one test and ``module_demo`` one copy shared by a module's
module-scoped fixtures (they build on it once, e.g. run ``dsr inventory``).

``postgres_url`` / ``mariadb_url`` (session) are the admin URLs of a server
found or started by ``tests/pg.py`` / ``tests/mariadb.py``; ``postgres_db`` /
``mariadb_db`` (function) a fresh, empty database on it, dropped after the test.

Tests marked ``shared_data``, and fixtures requesting ``shared_data``, need the
real third-party databases (``tests/shared_data.py``).

Whatever is missing (a server, the sample data), the tests that need it skip
with the reason; under ``CI=true`` they fail instead, so CI never passes by
skipping them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from tests import mariadb, pg, shared_data
from tests.helpers import run

# The erasure tests' small company (the `company` fixture); tests/erasure_company.py.
pytest_plugins = ["tests.erasure_company"]

DEMO_CUSTOMERS = 40


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _unavailable(reason: str) -> NoReturn:
    """Skip the test for want of ``reason``; under CI fail it, so nothing passes by skipping."""
    if _in_ci():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """dsr's cache (CSV layouts) in the session's temporary folder, not the user's home;
    set in the environment, so dsr processes the tests start use it too."""
    before = os.environ.get("DSR_CACHE_DIR")
    os.environ["DSR_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("DSR_CACHE_DIR", None)
    else:
        os.environ["DSR_CACHE_DIR"] = before


# --- the demo company ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company built once for the session through the CLI. Never change it: copy it."""
    folder = tmp_path_factory.mktemp("demo-template") / "beispiel-gmbh"
    run("demo", folder, "--customers", str(DEMO_CUSTOMERS), exit=0)
    return folder


def _copy_demo(template: Path, folder: Path) -> Path:
    # copytree keeps the owner-only modes the demo writes; dsr.yaml names its files relatively.
    shutil.copytree(template, folder)
    return folder


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo company (no ledger yet) that this test may change."""
    return _copy_demo(demo_template, tmp_path / "company")


@pytest.fixture(scope="module")
def module_demo(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the demo company for a module's module-scoped fixtures to build on."""
    return _copy_demo(demo_template, tmp_path_factory.mktemp("module-demo") / "company")


# --- the real sample databases ---------------------------------------------------------------


@pytest.fixture(scope="session")
def shared_data_folder() -> Path:
    """The folder of the real sample databases; skips (fails under CI) when it is not there.

    A test that requests it, directly or through another fixture, is also marked
    ``shared_data`` at collection, so it skips before any fixture runs and
    ``-m "not shared_data"`` leaves it out. The check here covers a fixture asked
    for at run time (``request.getfixturevalue``), which collection cannot see.
    """
    reason = shared_data.missing()
    if reason:
        _unavailable(reason)
    return shared_data.SHARED_DATA


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``shared_data`` what needs the sample data through a fixture, not a decorator."""
    for item in items:
        if "shared_data_folder" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.shared_data)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``shared_data`` runs only when the real sample databases are there.

    Checked before any fixture is set up, so no server is started for a test that cannot run.
    """
    if item.get_closest_marker("shared_data"):
        reason = shared_data.missing()
        if reason:
            _unavailable(reason)


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[pg.Postgres]:
    """The PostgreSQL server for this test session (given, local, or throwaway)."""
    try:
        with pg.find_postgres() as server:
            yield server
    except pg.PostgresUnavailable as exc:
        _unavailable(f"no PostgreSQL for tests: {exc}")


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


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[mariadb.MariaDB]:
    """The MariaDB server for this test session (given, local, or throwaway)."""
    try:
        with mariadb.find_mariadb() as server:
            yield server
    except mariadb.MariaDBUnavailable as exc:
        _unavailable(f"no MariaDB for tests: {exc}")


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
