"""The ledger on SQLite and on a real PostgreSQL: creation, concurrency, the audit chain.

Every test taking ``ledger_url`` runs twice, once per backend; the PostgreSQL
run gets a fresh database from ``postgres_db`` (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import delete, func, insert, inspect, select, update
from sqlalchemy.engine import make_url

from dsr.errors import LedgerError
from dsr.ledger import (
    SCHEMA_VERSION,
    Event,
    Request,
    RequestIdentifier,
    append_event,
    check_chain,
    ledger_status,
    next_request_id,
    open_ledger,
    verify_chain,
)
from dsr.ledger.chain import event_hash
from dsr.ledger.head import check_head_file
from dsr.ledger.schema import Document, LedgerMeta, Plan
from dsr.ledger.state import check_state
from tests import pg

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL where no ledger exists yet, on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return str(request.getfixturevalue("postgres_db"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


def _add_request(session, received: date = date(2026, 3, 5)) -> str:
    request_id = next_request_id(session, received.year)
    session.add(
        Request(
            id=request_id,
            type="access",
            status="open",
            received=received,
            due=date(2026, 4, 7),
            channel="email",
            language="de",
            identifiers=[
                RequestIdentifier(
                    kind="email", value="Max@Example.org", normalised="max@example.org"
                )
            ],
        )
    )
    session.flush()
    append_event(session, actor="test", action="request.created", request_id=request_id)
    return request_id


def _append(ledger, count: int) -> list[int]:
    ids = []
    for i in range(count):
        with ledger.session() as session:
            ids.append(append_event(session, actor="test", action="test.step", details={"i": i}).id)
    return ids


# --- creating and reopening -------------------------------------------------------------


def test_create_then_reopen(ledger_url: str) -> None:
    with open_ledger(ledger_url) as ledger, ledger.session() as session:
        assert ledger.schema_version == SCHEMA_VERSION
        first = _add_request(session)
        second = _add_request(session)
    assert (first, second) == ("2026-0001", "2026-0002")

    with open_ledger(ledger_url, create=False) as ledger, ledger.session(write=False) as session:
        stored = session.get(Request, "2026-0002")
        assert stored is not None
        assert (stored.year, stored.seq, stored.due) == (2026, 2, date(2026, 4, 7))
        assert stored.created_at.utcoffset() is not None
        assert [i.normalised for i in stored.identifiers] == ["max@example.org"]
        assert session.scalar(select(func.count()).select_from(Event)) == 2
        assert verify_chain(session) is None
        tables = set(inspect(session.connection()).get_table_names())
    assert {
        "requests",
        "request_identifiers",
        "events",
        "plans",
        "documents",
        "ledger_meta",
    } <= tables


def test_request_numbers_restart_each_year(ledger_url: str) -> None:
    with open_ledger(ledger_url) as ledger, ledger.session() as session:
        assert _add_request(session, date(2025, 12, 30)) == "2025-0001"
        assert _add_request(session, date(2026, 1, 2)) == "2026-0001"
        assert _add_request(session, date(2026, 1, 3)) == "2026-0002"


def test_session_rolls_back_on_error(ledger_url: str) -> None:
    with open_ledger(ledger_url) as ledger:
        with pytest.raises(RuntimeError), ledger.session() as session:
            _add_request(session)
            raise RuntimeError("boom")
        with ledger.session() as session:
            assert session.scalar(select(func.count()).select_from(Request)) == 0
            assert check_chain(session).events == 0
            assert verify_chain(session) is None


def test_database_errors_carry_no_values(ledger_url: str) -> None:
    """A constraint error names the constraint, not the row: no personal data in messages."""
    with (
        open_ledger(ledger_url) as ledger,
        pytest.raises(LedgerError) as caught,
        ledger.session() as session,
    ):
        session.add(
            RequestIdentifier(
                request_id="1999-0042",
                kind="email",
                value="x@y.de",
                normalised="erika@example.org",
            )
        )
    assert "erika@example.org" not in str(caught.value)
    assert "1999-0042" not in str(caught.value)


def test_open_without_create_refuses_a_missing_ledger(ledger_url: str) -> None:
    with pytest.raises(LedgerError, match="no ledger"):
        open_ledger(ledger_url, create=False)


def test_newer_schema_version_is_refused(ledger_url: str) -> None:
    with open_ledger(ledger_url) as ledger, ledger.session() as session:
        session.execute(
            update(LedgerMeta)
            .where(LedgerMeta.key == "schema_version")
            .values(value=str(SCHEMA_VERSION + 1))
        )
    with pytest.raises(LedgerError, match="newer than this dsr") as caught:
        open_ledger(ledger_url)
    assert "upgrade dsr" in str(caught.value)
    state, detail = ledger_status(ledger_url)
    assert state == "error"
    assert "newer" in detail


# --- SQLite specifics ------------------------------------------------------------------


def test_sqlite_wal_busy_timeout_and_foreign_keys(sqlite_url: str) -> None:
    with open_ledger(sqlite_url) as ledger, ledger.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    # WAL is a property of the file: a plain sqlite3 connection sees it too.
    path = make_url(sqlite_url).database
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sqlite_files_are_owner_only(sqlite_url: str) -> None:
    path = Path(make_url(sqlite_url).database)
    old_umask = os.umask(0o022)
    try:
        with open_ledger(sqlite_url) as ledger:
            _append(ledger, 2)
            with ledger.engine.connect():  # keep a connection open: -wal and -shm exist
                files = [
                    path,
                    path.with_name(path.name + "-wal"),
                    path.with_name(path.name + "-shm"),
                ]
                for file in files:
                    assert file.exists(), file
                    assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    finally:
        os.umask(old_umask)


def test_sqlite_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nowhere' / 'ledger.db'}"
    with pytest.raises(LedgerError, match="does not exist") as caught:
        open_ledger(url)
    assert "nowhere" in str(caught.value)
    assert not (tmp_path / "nowhere").exists()


def test_sqlite_file_of_another_program_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)")
    with pytest.raises(LedgerError, match="not a dsr ledger"):
        open_ledger(f"sqlite:///{path}")
    assert ledger_status(f"sqlite:///{path}")[0] == "error"
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    assert tables == {"customers"}

    text_file = tmp_path / "notes.db"
    text_file.write_text("not a database at all, just text that is long enough to matter\n" * 20)
    state, _detail = ledger_status(f"sqlite:///{text_file}")
    assert state == "error"
    with pytest.raises(LedgerError):
        open_ledger(f"sqlite:///{text_file}")


def test_a_read_session_does_not_block_a_writer(sqlite_url: str) -> None:
    with (
        open_ledger(sqlite_url) as ledger,
        open_ledger(sqlite_url) as other,
        ledger.session(write=False) as reader,
    ):
        assert check_chain(reader).events == 0
        started = time.monotonic()
        _append(other, 1)  # would wait for the busy timeout if the reader held the write lock
        assert time.monotonic() - started < 2
        assert reader.scalar(select(func.count()).select_from(Event)) == 0  # its own snapshot


# --- two processes at once ---------------------------------------------------------------

_WRITER = r"""
import sys, time
from pathlib import Path
from dsr.ledger import append_event, next_request_id, open_ledger, Request
from datetime import date

url, go, count, name = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
while not go.exists():
    time.sleep(0.002)
ledger = open_ledger(url)  # both processes may create the ledger at the same moment
for i in range(count):
    with ledger.session() as session:
        request_id = None
        if i % 10 == 0:
            request_id = next_request_id(session, 2026)
            session.add(Request(id=request_id, type="access", status="open",
                                received=date(2026, 3, 5), due=date(2026, 4, 7)))
            session.flush()
        append_event(session, actor=name, action="test.append", request_id=request_id,
                     details={"i": i})
ledger.close()
"""


def test_two_processes_append_at_once(ledger_url: str, tmp_path: Path) -> None:
    count = 80
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, ledger_url, str(go), str(count), f"writer-{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in (1, 2)
    ]
    time.sleep(0.5)  # let both start up and wait at the line
    go.touch()
    outputs = [w.communicate(timeout=240) for w in writers]
    for writer, (_out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err[-3000:]
        assert "locked" not in err, err[-3000:]

    with open_ledger(ledger_url, create=False) as ledger, ledger.session(write=False) as session:
        report = check_chain(session)
        assert report.intact, report
        assert report.events == 2 * count
        actors = session.scalars(select(Event.actor).order_by(Event.id)).all()
        assert sorted(set(actors)) == ["writer-1", "writer-2"]
        assert actors.count("writer-1") == actors.count("writer-2") == count
        ids = session.scalars(select(Request.id).order_by(Request.seq)).all()
    assert ids == [f"2026-{n:04d}" for n in range(1, 2 * count // 10 + 1)]


# --- the audit chain ----------------------------------------------------------------------


def test_chain_detects_an_edited_event(ledger_url: str) -> None:
    with open_ledger(ledger_url) as ledger:
        ids = _append(ledger, 5)
        with ledger.session() as session:
            assert verify_chain(session) is None
            session.execute(update(Event).where(Event.id == ids[2]).values(details={"i": 99}))
        with ledger.session() as session:
            assert verify_chain(session) == ids[2]
            assert check_chain(session).reason == "content changed after it was written"


def test_chain_detects_a_changed_time_or_actor(ledger_url: str) -> None:
    with open_ledger(ledger_url) as ledger:
        ids = _append(ledger, 3)
        with ledger.session() as session:
            session.execute(update(Event).where(Event.id == ids[0]).values(actor="someone else"))
            assert verify_chain(session) == ids[0]


def test_chain_detects_a_deleted_middle_event(ledger_url: str) -> None:
    with open_ledger(ledger_url) as ledger:
        ids = _append(ledger, 5)
        with ledger.session() as session:
            session.execute(delete(Event).where(Event.id == ids[2]))
        with ledger.session() as session:
            assert verify_chain(session) == ids[3]


def test_chain_detects_a_deleted_last_event(ledger_url: str) -> None:
    with open_ledger(ledger_url) as ledger:
        ids = _append(ledger, 4)
        with ledger.session() as session:
            session.execute(delete(Event).where(Event.id == ids[-1]))
            report = check_chain(session)
        assert report.broken_id == ids[-1]
        assert report.reason == "the last recorded event is missing"


def test_chain_detects_an_inserted_event(ledger_url: str) -> None:
    """A forger who computes a valid hash still shows, as the chain head does not know the row."""
    with open_ledger(ledger_url) as ledger:
        _append(ledger, 3)
        with ledger.session() as session:
            last = session.scalars(select(Event).order_by(Event.id.desc()).limit(1)).one()
            fields = {
                "at": last.at,
                "actor": "forger",
                "action": "request.closed",
                "request_id": None,
                "details": {},
            }
            forged = session.execute(
                insert(Event)
                .values(
                    **fields, prev_hash=last.hash, hash=event_hash(prev_hash=last.hash, **fields)
                )
                .returning(Event.id)
            ).scalar_one()
        with ledger.session() as session:
            assert verify_chain(session) == forged


# --- the rows the events are about (dsr.ledger.state) ----------------------------------------


def test_row_digests_round_trip_and_catch_an_edit(ledger_url: str) -> None:
    """What an event records is what a later read computes, on both backends (dates,
    times and JSON come back from the database as they went in)."""
    with open_ledger(ledger_url) as ledger:
        with ledger.session() as session:
            request_id = _add_request(session)
            session.add(Plan(request_id=request_id, plan_hash="a" * 64, status="planned",
                             body={"request": request_id, "n": [1, 2.5, None]}))  # fmt: skip
            session.add(Document(request_id=request_id, kind="letter", path="x.md",
                                 sha256="b" * 64))  # fmt: skip
            append_event(session, actor="test", action="test.plan", request_id=request_id)
        with ledger.session(write=False) as session:
            assert check_state(session) == []
        with ledger.session() as session:
            session.execute(
                update(Request).where(Request.id == request_id).values(due=date(2026, 5, 1))
            )
            session.execute(update(Plan).values(body={"request": request_id, "n": []}))
        with ledger.session(write=False) as session:
            problems = [str(p) for p in check_state(session)]
        assert problems == [
            f"request {request_id}: due date changed (last recorded by event 2)",
            f"request {request_id}: plan 1: plan body changed (last recorded by event 2)",
        ]


def test_a_change_without_its_event_is_recorded_at_commit(sqlite_url: str) -> None:
    """Code that changes a request after its event (or without one) gets a catch-all
    event, so dsr's own change is never reported as tampering."""
    with open_ledger(sqlite_url) as ledger:
        with ledger.session() as session:
            request_id = _add_request(session)
        with ledger.session() as session:
            session.get_one(Request, request_id).status = "closed"
        with ledger.session(write=False) as session:
            assert check_state(session) == []
            actions = session.scalars(select(Event.action).order_by(Event.id)).all()
        assert actions == ["request.created", "ledger.rows_recorded"]


def test_head_file_follows_commits_not_rollbacks(sqlite_url: str, tmp_path: Path) -> None:
    head = tmp_path / "ledger.db.head"
    with open_ledger(sqlite_url) as ledger:
        assert ledger.head_file == head
        assert not head.exists()  # a new ledger has no events yet
        ids = _append(ledger, 2)
        recorded = json.loads(head.read_text())
        assert recorded == {"event_id": ids[-1], "hash": _hash_of(ledger, ids[-1])}
        assert stat.S_IMODE(head.stat().st_mode) == 0o600
        with pytest.raises(RuntimeError), ledger.session() as session:
            append_event(session, actor="test", action="test.step")
            raise RuntimeError("rolled back")
        assert json.loads(head.read_text())["event_id"] == ids[-1]
        with ledger.session(write=False) as session:
            assert check_head_file(head, session).problem is None


def _hash_of(ledger, event_id: int) -> str:
    with ledger.session(write=False) as session:
        return session.execute(select(Event.hash).where(Event.id == event_id)).scalar_one()


# --- ledger_status for `dsr config check` --------------------------------------------------


def test_status_new_creates_nothing_then_ok(ledger_url: str) -> None:
    state, detail = ledger_status(ledger_url)
    assert state == "new", detail
    if ledger_url.startswith("sqlite"):
        assert not Path(make_url(ledger_url).database).exists()
    else:
        with psycopg.connect(pg.libpq_url(ledger_url)) as conn:
            assert (
                conn.execute(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                ).fetchone()[0]
                == 0
            )
    with open_ledger(ledger_url) as ledger, ledger.session() as session:
        _add_request(session)
    assert ledger_status(ledger_url) == ("ok", f"schema version {SCHEMA_VERSION}, 1 request")


def test_status_error_for_a_missing_folder(tmp_path: Path) -> None:
    state, detail = ledger_status(f"sqlite:///{tmp_path / 'gone' / 'dsr.db'}")
    assert state == "error"
    assert "does not exist" in detail


def test_status_error_for_garbage_url() -> None:
    state, detail = ledger_status("not a url ://secret-word")
    assert state == "error"
    assert "secret-word" not in detail


def test_unreachable_server_error_hides_the_password() -> None:
    url = "postgresql://dsr:S3cret-Pa55@127.0.0.1:1/ledger"
    state, detail = ledger_status(url)
    assert state == "error"
    assert "S3cret-Pa55" not in detail
    assert "127.0.0.1" in detail
    with pytest.raises(LedgerError) as caught:
        open_ledger(url)
    assert "S3cret-Pa55" not in str(caught.value)
    assert "S3cret-Pa55" not in repr(caught.value.problems)


@pytest.mark.postgres
def test_wrong_password_is_an_error_without_the_password(
    postgres_url: str, postgres_db: str
) -> None:
    right, wrong = "Right-Pa55-x7", "Wr0ng-Pa55-q9"
    with psycopg.connect(pg.libpq_url(postgres_url), autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {pg.PASSWORD_ROLE}")
        admin.execute(f"CREATE ROLE {pg.PASSWORD_ROLE} LOGIN PASSWORD '{right}'")
    try:
        base = make_url(postgres_db).set(drivername="postgresql", username=pg.PASSWORD_ROLE)
        wrong_url = base.set(password=wrong).render_as_string(hide_password=False)
        if pg.connect_error(wrong_url) is None:
            pytest.skip("this PostgreSQL lets any password in on loopback (trust)")
        state, detail = ledger_status(wrong_url)
        assert state == "error"
        assert "password authentication failed" in detail
        assert wrong not in detail
        with pytest.raises(LedgerError) as caught:
            open_ledger(wrong_url)
        assert wrong not in str(caught.value)
        assert "***" in str(caught.value)
    finally:
        with psycopg.connect(pg.libpq_url(postgres_url), autocommit=True) as admin:
            admin.execute(f"DROP ROLE IF EXISTS {pg.PASSWORD_ROLE}")


@pytest.mark.postgres
def test_plain_postgresql_url_uses_psycopg(postgres_db: str) -> None:
    plain = make_url(postgres_db).set(drivername="postgresql").render_as_string(hide_password=False)
    with open_ledger(plain) as ledger:
        assert ledger.engine.dialect.driver == "psycopg"
        assert ledger.dialect == "postgresql"
