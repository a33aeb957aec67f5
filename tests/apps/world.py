"""Build an application's database from its real DDL and plant a person in it.

``Db`` inserts rows through SQLAlchemy into SQLite or MariaDB alike: columns a
test does not name are filled with a neutral value of their type (``0``, ``''``,
a fixed date) when the schema requires one, so a populate function names only
what matters for the person. ``Planted`` is the ground truth a test compares
``dsr find`` and the erasure with: the person's identifiers and the rows the
application's own code would call theirs (``own``), the rows of other people
that mention them (``mentions``), and rows that only look related (``traps``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
import sqlite3
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from faker import Faker

from tests.shared_data import SHARED_DATA

APPS = ("opencart", "dolibarr", "matomo", "joomla", "prestashop")
APPS_FOLDER = SHARED_DATA / "apps"

RowRef = tuple[str, tuple[tuple[str, str], ...]]
"""A row as the tests compare it: table and its key as sorted (column, text) pairs."""


def row_ref(table: str, key: Mapping[str, Any]) -> RowRef:
    """The comparable form of a row key (``dsr find --json`` keys and ``Db.insert`` keys)."""
    return table, tuple(sorted((str(k), _text(v)) for k, v in key.items()))


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def schema(app: str, form: str = "sqlite") -> Path:
    """The DDL file of ``app``: ``sqlite`` (schema.sql) or ``mysql`` (schema.mysql.sql)."""
    return APPS_FOLDER / app / ("schema.sql" if form == "sqlite" else "schema.mysql.sql")


def load_sqlite(app: str, path: Path) -> str:
    """Create ``path`` from the app's SQLite DDL; its SQLAlchemy URL."""
    with sqlite3.connect(path) as conn:
        conn.executescript(schema(app, "sqlite").read_text(encoding="utf-8"))
    conn.close()
    return f"sqlite:///{path}"


def load_mysql(app: str, url: str) -> str:
    """Run the app's MySQL DDL (its own ``SET`` lines included) in the database of ``url``."""
    import pymysql
    from pymysql.constants import CLIENT

    parsed = sa.engine.make_url(url)
    conn = pymysql.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 3306,
        user=parsed.username or "root",
        password=parsed.password or "",
        database=parsed.database,
        charset="utf8mb4",
        autocommit=True,
        client_flag=CLIENT.MULTI_STATEMENTS,
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute(schema(app, "mysql").read_text(encoding="utf-8"))
            while cursor.nextset():
                pass
    finally:
        conn.close()
    return url


class Db:
    """Rows into one application database, SQLite or MariaDB, through SQLAlchemy Core."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = sa.create_engine(url)
        self.meta = sa.MetaData()
        with warnings.catch_warnings():  # SQLite DDL keeps MySQL's int(11): harmless
            warnings.simplefilter("ignore", sa.exc.SAWarning)
            self.meta.reflect(self.engine, resolve_fks=False)
        self.conn = self.engine.connect()
        self.mysql = self.engine.dialect.name in ("mysql", "mariadb")

    def close(self) -> None:
        self.conn.commit()
        self.conn.close()
        self.engine.dispose()

    def table(self, name: str) -> sa.Table:
        return self.meta.tables[name]

    def insert(self, table: str, **values: Any) -> dict[str, Any]:
        """Insert one row; columns not given get a neutral value when the schema needs one.
        Returns the row's primary key (an autoincrement key read back)."""
        t = self.table(table)
        unknown = set(values) - set(t.c.keys())
        if unknown:
            raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
        row = dict(values)
        for column in t.columns:
            if column.name in row:
                continue
            auto = column.primary_key and column.autoincrement in (True, "auto")
            if auto and _integer(column) and len(t.primary_key.columns) == 1:
                continue
            if not column.nullable and column.server_default is None:
                row[column.name] = _neutral(column)
        result = self.conn.execute(t.insert().values(**row))
        key = {}
        inserted = result.inserted_primary_key or ()
        for index, column in enumerate(t.primary_key.columns):
            if column.name in row:
                key[column.name] = row[column.name]
            elif index < len(inserted) and inserted[index] is not None:
                key[column.name] = inserted[index]
        return key

    def execute(self, statement: str, **params: Any) -> None:
        self.conn.execute(sa.text(statement), params)

    def rows(self, table: str) -> list[dict[str, Any]]:
        """The rows as the driver returns them (zero dates as stored, not converted)."""
        quoted = self.engine.dialect.identifier_preparer.quote(table)
        return [dict(r._mapping) for r in self.conn.execute(sa.text(f"SELECT * FROM {quoted}"))]


def _integer(column: sa.Column[Any]) -> bool:
    try:
        return column.type.python_type is int
    except NotImplementedError:
        return False


def _neutral(column: sa.Column[Any]) -> Any:
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return ""
    if kind is int or kind is bool:
        return 0
    if kind is float:
        return 0.0
    if kind.__name__ == "Decimal":
        return 0
    if kind is dt.datetime:
        return dt.datetime(2024, 1, 1)
    if kind is dt.date:
        return dt.date(2024, 1, 1)
    if kind is dt.time:
        return dt.time(0, 0)
    if kind is bytes:
        return b""
    enums = getattr(column.type, "enums", None)
    if enums:
        return enums[0]
    return ""


@dataclass
class Planted:
    """The ground truth of one filled database.

    ``own``: every row the application calls the person's (their account, addresses,
    orders and order lines, sessions, meta rows, visits...). ``mentions``: rows of other
    people whose text names the person. ``traps``: rows that must never be reported as
    the person's (the namesake, the shared family e-mail, the other key space).
    ``kept``: own rows a shop must keep (orders, invoices) when the erasure config in
    ``retention`` applies; they may keep the person's identifiers after an erasure.
    """

    email: str
    phone: str
    first_name: str
    last_name: str
    iban: str | None = None
    own: set[RowRef] = field(default_factory=set)
    mentions: set[RowRef] = field(default_factory=set)
    traps: set[RowRef] = field(default_factory=set)
    kept: set[RowRef] = field(default_factory=set)
    retention: list[dict[str, Any]] = field(default_factory=list)
    # Extra identifiers that must be gone after the erasure (street, a user name).
    secrets: list[str] = field(default_factory=list)
    # Mentions dsr does not search for, each with the reason (reported, never hidden).
    unsearched: dict[RowRef, str] = field(default_factory=dict)
    # What a DPO writes in dsr.yaml after reading `dsr links`, where the application's
    # semantics are not in its data (a ``links:`` block), or "".
    links: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def add(self, table: str, key: Mapping[str, Any], *, kept: bool = False) -> None:
        self.own.add(row_ref(table, key))
        if kept:
            self.kept.add(row_ref(table, key))

    def mention(self, table: str, key: Mapping[str, Any]) -> None:
        self.mentions.add(row_ref(table, key))

    def trap(self, table: str, key: Mapping[str, Any]) -> None:
        self.traps.add(row_ref(table, key))


class Populate(Protocol):
    def __call__(self, db: Db, fake: Faker, rng: random.Random) -> Planted: ...


def retention_tables(app: str, tables: Iterable[str]) -> list[str]:
    """Retention rules name tables as SOURCE.TABLE; the source is the app's name."""
    return [f"{app}.{t}" for t in tables]


def populate(app: str, url: str, seed: int = 13) -> Planted:
    """Fill the (empty, schema-loaded) database at ``url`` with ``app``'s people."""
    module = importlib.import_module(f"tests.apps.{app}")
    fake = Faker("de_DE")
    fake.seed_instance(seed)
    db = Db(url)
    try:
        planted: Planted = module.populate(db, fake, random.Random(seed))
    finally:
        db.close()
    return planted


def build_sqlite(app: str, folder: Path, seed: int = 13) -> tuple[str, Planted]:
    url = load_sqlite(app, folder / f"{app}.db")
    return url, populate(app, url, seed)


def build_mysql(app: str, url: str, seed: int = 13) -> tuple[str, Planted]:
    load_mysql(app, url)
    return url, populate(app, url, seed)


def write_config(folder: Path, app: str, url: str, planted: Planted, extra: str = "") -> Path:
    """A short dsr.yaml naming the app's database as source ``app`` (plus ``extra`` YAML)."""
    # The facts an erasure confirmation states (authority, the system's name, who received
    # its data): without them the letter is a draft and --verify exits 1 (issue 14).
    lines = [
        "controller: {name: Test GmbH, address: 'Hauptstr. 1, 10115 Berlin',",
        "  supervisory_authority: 'Berliner Beauftragte für Datenschutz und Informationsfreiheit'}",
        "sources:",
        f"  {app}: {{type: sql, url: '{url}', description: '{app}', recipients: []}}",
    ]
    if planted.retention:
        lines.append("retention:")
        for rule in planted.retention:
            lines.append("  - {" + ", ".join(f"{k}: {_yaml(v)}" for k, v in rule.items()) + "}")
    path = folder / "dsr.yaml"
    path.write_text("\n".join(lines) + "\n" + planted.links + extra, encoding="utf-8")
    return path


def _yaml(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def refs(matches: Iterable[Mapping[str, Any]], kinds: Iterable[str]) -> set[RowRef]:
    """The rows of ``dsr find --json`` matches of these kinds."""
    wanted = set(kinds)
    return {row_ref(m["table"], m["key"]) for m in matches if m["match"] in wanted}


def snapshot(url: str) -> dict[str, set[tuple[tuple[str, str], ...]]]:
    """Every row of every table as text: before/after an erasure, other people's rows
    must be identical. Read through the driver, not SQLAlchemy's types, so zero dates
    ('0000-00-00') come back as stored instead of failing the conversion."""
    engine = sa.create_engine(url)
    try:
        names = sa.inspect(engine).get_table_names()
        quote = engine.dialect.identifier_preparer.quote
        raw = engine.raw_connection()
        try:
            out: dict[str, set[tuple[tuple[str, str], ...]]] = {}
            for name in names:
                cursor = raw.cursor()
                cursor.execute(f"SELECT * FROM {quote(name)}")
                columns = [d[0] for d in cursor.description]
                out[name] = {
                    tuple(sorted(zip(columns, (_text(v) for v in row), strict=True)))
                    for row in cursor.fetchall()
                }
                cursor.close()
        finally:
            raw.close()
    finally:
        engine.dispose()
    return out
