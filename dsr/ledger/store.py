"""Open the ledger and hand out transactions; the only way code reaches the ledger.

The ledger is SQLite next to dsr.yaml by default and any PostgreSQL for a
team. A cron job and a person must be able to work at once, so SQLite runs in
WAL mode with a busy timeout, and every writing transaction starts with
``BEGIN IMMEDIATE``: it waits for the write lock up front instead of failing
with "database is locked" when it later tries to write. A new SQLite file is
owner-only because it holds identifiers of people.

Errors come out as ``LedgerError`` with the URL masked and without row values:
database messages can quote keys and values, so only their first line is kept.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, create_engine, event, func, insert, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from dsr.config.fields import mask_url
from dsr.errors import LedgerError, Problem, Where
from dsr.ledger.chain import (
    APPENDED,
    CHAIN_HEAD_KEY,
    GENESIS_HEAD,
    TOUCHED,
    append_event,
    canonical_json,
    lock_chain_head,
)
from dsr.ledger.head import head_path, write_head_file
from dsr.ledger.schema import (
    LEDGER_TABLES,
    SCHEMA_VERSION,
    Base,
    LedgerMeta,
    Request,
    utcnow,
)
from dsr.ledger.state import (
    BASELINE_ACTION,
    BASELINE_KEY,
    STATE_KEY,
    new_state_key,
    state_key,
    touched_requests,
)

BUSY_TIMEOUT_MS = 10_000
"""How long an SQLite writer waits for another one before giving up."""

CONNECT_TIMEOUT_S = 10
"""How long a PostgreSQL connection attempt may take."""

SCHEMA_VERSION_KEY = "schema_version"
_CREATE_LOCK = 0x647372_4C4544  # "dsrLED": serialises creating the tables on PostgreSQL
_HINT_URL = "set `ledger:` in dsr.yaml, e.g. sqlite:///dsr.db or postgresql://user:PASSWORD@host/db"

LedgerState = Literal["ok", "new", "error"]


class _NoLedger(LedgerError):
    """The database is reachable but holds no ledger yet."""


def _track_changes(session: Session, _context: Any, _instances: Any) -> None:
    """Note which requests this flush changes, for the next event's row digests."""
    touched = touched_requests([*session.new, *session.dirty, *session.deleted])
    if touched:
        session.info.setdefault(TOUCHED, set()).update(touched)


def _record_untold_changes(session: Session) -> None:
    """A transaction that changed a request's rows after its last event gets one more
    event recording them, so the audit never mistakes dsr's own change for tampering."""
    session.flush()
    if session.info.get(TOUCHED):
        append_event(session, actor="dsr", action="ledger.rows_recorded")


class Ledger:
    """An open ledger: an engine plus transactions that commit or roll back.

    Use as a context manager, or call ``close()``, to release connections.
    """

    def __init__(self, engine: Engine, *, url: URL, path: Path | None, schema_version: int):
        self.engine = engine
        self.url = url.render_as_string(hide_password=True)
        """The ledger's URL with the password masked, fit for messages."""
        self.path = path
        """The SQLite file, or None for a server database."""
        self.schema_version = schema_version
        self.baseline: int | None = None
        """Requests recorded by a baseline when this open upgraded an older ledger."""
        self._password = url.password
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_engine = engine.execution_options(dsr_write=False)
        self._read_sessions = sessionmaker(self._read_engine, expire_on_commit=False)
        self.head_file = head_path(path) if path is not None else None
        """The file beside an SQLite ledger that keeps the chain's head (``dsr.ledger.head``)."""
        for maker in (self._sessions, self._read_sessions):
            event.listen(maker, "before_flush", _track_changes)
            event.listen(maker, "before_commit", _record_untold_changes)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error.

        ``write=False`` is for long reads (reports, lookups): on SQLite it does
        not take the write lock, so it never makes a writer wait. Writing in a
        read session may fail under concurrency; append events in a write one.
        Objects stay usable after the block (no expiry on commit).
        """
        session = (self._sessions if write else self._read_sessions)()
        try:
            yield session
            session.commit()
            if session.info.pop(APPENDED, False):
                self._write_head()
        except SQLAlchemyError as exc:
            session.rollback()
            raise _ledger_error(exc, self.url, self._password, self.path) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _write_head(self) -> None:
        if self.head_file is None:
            return
        try:
            with self.session(write=False) as reader:
                write_head_file(self.head_file, reader)
        except OSError as exc:
            raise LedgerError(
                Problem(
                    f"the change was saved, but the head file could not be written: "
                    f"{exc.strerror}",
                    Where(file=self.head_file),
                    "make the folder writable; `dsr audit verify` reports the stale file",
                )
            ) from exc

    def record_baseline(self) -> int | None:
        """Give a ledger written before row digests its key and one ``ledger.baseline``
        event per request; the number of requests recorded, or None when it had them.

        Changes made before the baseline cannot be detected; ``audit verify``
        says since when rows are covered.
        """
        with self.session(write=False) as session:
            if state_key(session) is not None:
                return None
        with self.session() as session:
            lock_chain_head(session)
            if state_key(session) is not None:
                return None  # another process was quicker
            session.add(LedgerMeta(key=STATE_KEY, value=new_state_key()))
            session.flush()
            ids = list(session.scalars(select(Request.id).order_by(Request.year, Request.seq)))
            for request_id in ids:
                append_event(session, actor="dsr", action=BASELINE_ACTION, request_id=request_id)
            if ids:
                when = utcnow().isoformat(timespec="seconds")
                value = canonical_json({"at": when, "requests": len(ids)})
                session.add(LedgerMeta(key=BASELINE_KEY, value=value))
        return len(ids)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Ledger({self.url!r})"


def normalise_url(url: str) -> URL:
    """Parse a ledger URL; plain ``postgresql://`` uses the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        # The text may hold a password: do not quote it.
        raise LedgerError(
            Problem("the ledger is not a database URL", Where(key="ledger"), _HINT_URL)
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_path(url: URL) -> Path | None:
    """The file of an SQLite URL, or None for an in-memory database."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _ledger_error(
    exc: BaseException, masked_url: str, password: str | None, path: Path | None
) -> LedgerError:
    """A LedgerError from a database error: first line only, password scrubbed."""
    orig: BaseException = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    reason = lines[0].strip() if lines else type(orig).__name__
    if password:
        reason = reason.replace(password, "***")
    where = Where(file=path) if path is not None else Where(key="ledger")
    place = "" if path is not None else f" {masked_url}"
    return LedgerError(Problem(f"cannot use the ledger database{place}: {reason}", where))


def _make_engine(url: URL, *, wal: bool) -> Engine:
    """An engine with the ledger's connection settings.

    ``wal=False`` is for looking at a file that may not be a ledger at all:
    journal mode is stored in the file, so it is only switched on ledgers.
    """
    if not _is_sqlite(url):
        args: dict[str, Any] = {}
        if url.get_driver_name() in ("psycopg", "psycopg2"):
            args["connect_timeout"] = CONNECT_TIMEOUT_S
        return create_engine(url, connect_args=args, pool_pre_ping=True, hide_parameters=True)

    if _sqlite_path(url) is None:
        engine = create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False},
            hide_parameters=True,
        )
    else:
        engine = create_engine(url, hide_parameters=True)  # no identifiers in tracebacks

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, start transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if wal:
            _switch_to_wal(cursor)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("dsr_write", True)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _switch_to_wal(cursor: Any) -> None:
    """Put the file in WAL mode, waiting while another process holds a lock.

    Changing the journal mode needs the file to itself for a moment, and SQLite
    reports "database is locked" at once instead of using the busy timeout
    (two first runs at the same moment hit this), so wait here instead.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL").fetchall()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(0.02)


def _prepare_sqlite_file(path: Path, *, create: bool) -> bool:
    """Check the folder and create an owner-only file; True when it is new."""
    if not path.parent.is_dir():
        raise LedgerError(
            Problem(
                f"the folder {path.parent} does not exist",
                Where(file=path),
                "create it, or point `ledger:` in dsr.yaml to an existing folder",
            )
        )
    if path.exists():
        return False
    if not create:
        raise _NoLedger(Problem("no ledger here yet", Where(file=path)))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False  # another process was quicker; it is a fresh file all the same
    except OSError as exc:
        raise LedgerError(
            Problem(f"cannot create the ledger file: {exc.strerror}", Where(file=path))
        ) from exc
    os.close(fd)
    os.chmod(path, 0o600)
    return True


def _ensure_schema(engine: Engine, *, create: bool, where: Where) -> int:
    """Check that the database is a ledger this code understands, creating it if asked.

    Returns the schema version. Creation runs under a lock (SQLite's write
    lock, a PostgreSQL advisory lock) so two first runs at once create it once.
    """
    bind = engine if create else engine.execution_options(dsr_write=False)
    with bind.connect() as conn, conn.begin():
        if create and conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_CREATE_LOCK})")
        names = set(inspect(conn).get_table_names())
        if LedgerMeta.__tablename__ not in names:
            if names & LEDGER_TABLES:
                raise LedgerError(
                    Problem("not a dsr ledger: it has ledger tables but no ledger_meta", where)
                )
            if conn.dialect.name == "sqlite" and names:
                raise LedgerError(
                    Problem(
                        "not a dsr ledger: the file holds other tables",
                        where,
                        "point `ledger:` in dsr.yaml to a file of its own",
                    )
                )
            if not create:
                raise _NoLedger(Problem("no ledger tables yet", where))
            Base.metadata.create_all(conn)
            conn.execute(
                insert(LedgerMeta),
                [
                    {"key": SCHEMA_VERSION_KEY, "value": str(SCHEMA_VERSION)},
                    {"key": CHAIN_HEAD_KEY, "value": GENESIS_HEAD.dump()},
                    {"key": STATE_KEY, "value": new_state_key()},
                ],
            )
            return SCHEMA_VERSION
        raw = conn.execute(
            select(LedgerMeta.value).where(LedgerMeta.key == SCHEMA_VERSION_KEY)
        ).scalar_one_or_none()
    try:
        version = int(raw) if raw is not None else None
    except ValueError:
        version = None
    if version is None:
        raise LedgerError(Problem("not a dsr ledger: no schema version recorded", where))
    if version > SCHEMA_VERSION:
        raise LedgerError(
            Problem(
                f"the ledger has schema version {version}, newer than this dsr "
                f"understands ({SCHEMA_VERSION})",
                where,
                "upgrade dsr; it will not change a ledger it does not understand",
            )
        )
    if version < SCHEMA_VERSION:
        raise LedgerError(
            Problem(
                f"the ledger has schema version {version}, older than this dsr "
                f"({SCHEMA_VERSION}), and no upgrade path exists",
                where,
            )
        )
    return version


def open_ledger(url: str, *, create: bool = True) -> Ledger:
    """Open the ledger at ``url``, creating its tables (and SQLite file) when asked.

    Raises ``LedgerError`` when the folder is missing, the server cannot be
    reached or refuses the login, the database is not a dsr ledger, or the
    ledger was written by a newer dsr.
    """
    parsed = normalise_url(url)
    masked = parsed.render_as_string(hide_password=True)
    path = _sqlite_path(parsed) if _is_sqlite(parsed) else None
    where = Where(file=path) if path is not None else Where(key="ledger")
    new_file = _prepare_sqlite_file(path, create=create) if path is not None else False

    engine: Engine | None = None
    try:
        engine = _make_engine(parsed, wal=path is None)
        version = _ensure_schema(engine, create=create, where=where)
        if path is not None:
            # Checked that it is a ledger: now switch the file to WAL for good.
            engine.dispose()
            engine = _make_engine(parsed, wal=True)
            with engine.connect():
                pass
            if new_file:
                for suffix in ("-wal", "-shm"):
                    side = path.with_name(path.name + suffix)
                    if side.exists():
                        os.chmod(side, 0o600)
        ledger = Ledger(engine, url=parsed, path=path, schema_version=version)
        if create:
            ledger.baseline = ledger.record_baseline()
        return ledger
    except LedgerError:
        if engine is not None:
            engine.dispose()
        raise
    except SQLAlchemyError as exc:
        if engine is not None:
            engine.dispose()
        raise _ledger_error(exc, masked, parsed.password, path) from exc


def ledger_status(url: str) -> tuple[LedgerState, str]:
    """How the ledger looks, for ``dsr config check``; never raises, never creates.

    - ``("ok", "schema version 1, 12 requests")``: reachable and a current ledger;
    - ``("new", ...)``: the SQLite file (or the tables) will be created on first use;
    - ``("error", message)``: unreachable, refused, not a ledger, or too new.
    """
    try:
        parsed = normalise_url(url)
        path = _sqlite_path(parsed) if _is_sqlite(parsed) else None
        where = Where(file=path) if path is not None else Where(key="ledger")
        if path is not None:
            try:
                _prepare_sqlite_file(path, create=False)
            except _NoLedger:
                return "new", f"{path} will be created on first use"
        engine = _make_engine(parsed, wal=False)
        try:
            version = _ensure_schema(engine, create=False, where=where)
            with engine.execution_options(dsr_write=False).connect() as conn:
                count = conn.execute(select(func.count()).select_from(Request)).scalar_one()
        except _NoLedger:
            return "new", "reachable; the ledger tables will be created on first use"
        except SQLAlchemyError as exc:
            masked = parsed.render_as_string(hide_password=True)
            return "error", str(_ledger_error(exc, masked, parsed.password, path))
        finally:
            engine.dispose()
    except LedgerError as exc:
        return "error", str(exc)
    except Exception as exc:  # a status check reports; it must not crash `config check`
        return "error", f"ledger {mask_url(url)}: {type(exc).__name__}"
    noun = "request" if count == 1 else "requests"
    return "ok", f"schema version {version}, {count} {noun}"


def next_request_id(session: Session, year: int) -> str:
    """The next free request number of ``year``, e.g. ``"2026-0001"``.

    Takes the chain-head lock, so two people logging a request at once get
    different numbers; call it in the write session that inserts the request
    (and appends its event).
    """
    lock_chain_head(session)
    last = session.execute(select(func.max(Request.seq)).where(Request.year == year)).scalar_one()
    return f"{year}-{(last or 0) + 1:04d}"
