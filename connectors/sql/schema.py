"""Reflection for the ``sql`` connector: tables, views, keys, indexes and row counts.

SQLAlchemy's inspector does most of the work; this module adds what it leaves
out and dsr needs: indexes on ``lower(column)`` (SQLAlchemy skips expression
indexes on SQLite), the collation of MySQL/MariaDB text columns (a
case-insensitive collation lets a plain index serve e-mail lookups), and row
counts that stay cheap on very large tables (the engine's own estimate above a
million rows, an exact ``COUNT(*)`` below).

Reading values (``TableInfo.selected``): real installs hold values their declared
type does not describe, and one such value must not make a whole source unreadable.
MySQL/MariaDB keep "zero dates" (``0000-00-00``, ``2024-00-00``) that PyMySQL hands
over as text; SQLite keeps whatever text an application wrote into a ``DATETIME``
column, which SQLAlchemy's date parsing refuses. So date and time columns are read
without SQLAlchemy's processing and converted here: a date stays a date, a number
stays a number (an epoch), anything else (a zero date, text that is no date) reads as
empty. ENUM, SET and JSON columns are read as the text the database stores (SQLAlchemy
would turn a SET into a Python set and JSON into objects, and refuse an ENUM value
outside its list). Other columns keep SQLAlchemy's conversion, and where it fails on
a value (text in a SQLite ``NUMERIC`` column) the value is kept as the driver gave it,
so it is still searched. SQLite's own type names are kept where SQLAlchemy only
guessed from them (``binary(8)`` is binary, not ``NUMERIC(8)``).
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects.mysql import SET as MYSQL_SET
from sqlalchemy.dialects.sqlite.base import ischema_names as SQLITE_TYPE_NAMES
from sqlalchemy.engine import Connection, Dialect, Inspector
from sqlalchemy.exc import SAWarning

from dsr.connectors.protocol import Column, ForeignKey, RowKey, Table

ESTIMATE_ABOVE = 1_000_000
"""Tables the engine estimates above this many rows are not counted exactly."""

_LOWER = re.compile(
    r"""^\s*lower\s*\(\s*\(?\s*(?:"([^"]+)"|`([^`]+)`|\[([^\]]+)\]|([\w$]+))\s*\)?"""
    r"""\s*(?:::\s*[\w ]+?)?\s*\)\s*$""",
    re.IGNORECASE,
)


ReadMode = Literal["plain", "date", "raw", "lenient"]
"""How a column's values are read (``ColumnInfo.read_mode``)."""

Fallback = Literal["text", "bytes", "skip"]
"""How a column the driver refused is read instead (``TableInfo.fallbacks``): cast to
text, cast to bytes and decoded here (SQLite text that is no UTF-8), or not at all."""

_CONVERSION_ERRORS = (ValueError, TypeError, ArithmeticError, LookupError)
"""What SQLAlchemy's result processors raise on a value they cannot convert."""

Processor = Callable[[Any], Any]


def _parse_time(value: Any, kind: type) -> Any:
    """Text (or bytes) from the driver as ``kind`` (datetime, date or time); None when it
    is no such value: a zero date (``0000-00-00``), ``2024-00-00``, ``infinity``."""
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value).decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if kind is dt.datetime:
            return dt.datetime.fromisoformat(text)
        if kind is dt.date:
            return dt.datetime.fromisoformat(text).date()
        if kind is dt.time:
            return dt.time.fromisoformat(text)
    except ValueError:
        return None
    return None


def _read_time(inner: Processor | None, kind: type) -> Processor:
    def process(value: Any) -> Any:
        if value is None or isinstance(value, dt.date | dt.time | dt.timedelta):
            return value
        if isinstance(value, int | float | Decimal):
            return value  # an epoch or a year: data, not a broken date
        if inner is not None:
            try:
                return inner(value)
            except _CONVERSION_ERRORS:
                return None
        return _parse_time(value, kind)

    return process


def _read_lenient(inner: Processor) -> Processor:
    def process(value: Any) -> Any:
        try:
            return inner(value)
        except _CONVERSION_ERRORS:
            return value

    return process


def _read_bytes_as_text(value: Any) -> Any:
    if not isinstance(value, bytes | bytearray | memoryview):
        return value
    data = bytes(value)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:  # legacy Latin-1/Windows-1252 text
        return data.decode("cp1252", "replace")


class _Read(sa.types.TypeDecorator[Any]):
    """A column's type for SELECT lists only: its result processing as ``mode`` says.

    The column's own type stays the implementation, so nothing else about the
    statement changes; only the conversion of fetched values does.
    """

    impl = sa.types.NullType
    cache_ok = True

    def __init__(self, original: sa.types.TypeEngine[Any], mode: str) -> None:
        super().__init__()
        self.original = original
        self.mode = mode

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        return self.original

    def result_processor(self, dialect: Dialect, coltype: object) -> Processor | None:
        if self.mode == "raw":
            return None
        if self.mode == "bytes":
            return _read_bytes_as_text
        inner = self.impl_instance.result_processor(dialect, coltype)
        if self.mode == "date":
            return _read_time(inner, _time_kind(self.original))
        return _read_lenient(inner) if inner is not None else None


def _time_kind(type_: sa.types.TypeEngine[Any]) -> type:
    if isinstance(type_, sa.DateTime):
        return dt.datetime
    if isinstance(type_, sa.Date):
        return dt.date
    return dt.time


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: sa.types.TypeEngine[Any]
    type_name: str
    nullable: bool

    @property
    def binary(self) -> bool:
        """BLOB/bytea columns: never compared, masked or redacted."""
        if isinstance(self.type, sa.LargeBinary | sa.types._Binary):
            return True
        return any(word in self.type_name.upper() for word in ("BLOB", "BYTEA", "BINARY"))

    @property
    def text(self) -> bool:
        """Holds text (or has no declared type, as SQLite allows)."""
        return isinstance(self.type, sa.String | sa.Enum | sa.types.NullType) and not self.binary

    @property
    def integer(self) -> bool:
        return isinstance(self.type, sa.Integer) and not isinstance(self.type, sa.Boolean)

    @property
    def number(self) -> Literal["integer", "float", "decimal"] | None:
        """Which kind of number the column holds (REAL/DOUBLE are floats, NUMERIC/DECIMAL
        decimals), or None for anything else."""
        if self.integer:
            return "integer"
        if isinstance(self.type, sa.Float):
            return "float"
        if isinstance(self.type, sa.Numeric):
            return "decimal"
        return None

    @property
    def boolean(self) -> bool:
        return isinstance(self.type, sa.Boolean)

    @property
    def untyped(self) -> bool:
        """Declared without a type (SQLite): it may hold numbers and text side by side."""
        return isinstance(self.type, sa.types.NullType)

    @property
    def read_mode(self) -> ReadMode:
        """How values are read (see the module docstring): ``date`` for dates and times,
        ``raw`` (as stored) for ENUM, SET and JSON, ``plain`` (unchanged) for text,
        integers and binary, ``lenient`` (converted, kept as given where that fails) for
        the rest."""
        type_ = self.type
        if isinstance(type_, sa.Date | sa.DateTime | sa.Time):
            return "date"
        if isinstance(type_, sa.JSON | sa.Enum | MYSQL_SET):
            return "raw"
        if isinstance(
            type_, sa.String | sa.Integer | sa.LargeBinary | sa.types._Binary | sa.types.NullType
        ) and not isinstance(type_, sa.Boolean):
            return "plain"
        return "lenient"


@dataclass
class TableInfo:
    """One reflected table or view, with what queries against it need to know."""

    name: str
    kind: Literal["table", "view"]
    schema: str | None
    columns: dict[str, ColumnInfo]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    indexed: tuple[tuple[str, ...], ...] = ()
    lower_indexed: frozenset[str] = frozenset()  # columns with an index on lower(column)
    collations: dict[str, str | None] = field(default_factory=dict)  # MySQL/MariaDB only
    dialect: str = ""
    fallbacks: dict[str, Fallback] = field(default_factory=dict)
    """Columns the driver refused to read as they are, and how they are read instead;
    the connector finds them on the first read that fails (``SqlConnector._rows``)."""
    _clause: sa.TableClause | None = field(default=None, repr=False, compare=False)

    def clause(self) -> sa.TableClause:
        """A Core table over the reflected columns; SQLAlchemy quotes the names as needed."""
        if self._clause is not None:
            return self._clause
        cols = [sa.column(c.name, c.type) for c in self.columns.values()]
        self._clause = sa.table(self.name, *cols, schema=self.schema)
        return self._clause

    @property
    def unreadable(self) -> tuple[str, ...]:
        """Columns that are not read at all (their values read as empty)."""
        return tuple(name for name, how in self.fallbacks.items() if how == "skip")

    def read_expression(self, name: str, fallback: Fallback | None = None) -> sa.ColumnElement[Any]:
        """The SELECT-list expression that reads column ``name`` (labelled with its name):
        as ``read_mode`` says, or as ``fallback`` (default: the one found for it) says."""
        info = self.columns[name]
        column: sa.ColumnElement[Any] = self.clause().c[name]
        fallback = fallback or self.fallbacks.get(name)
        if fallback == "skip":
            return sa.null().label(name)
        if fallback == "bytes":
            return sa.type_coerce(sa.cast(column, sa.LargeBinary), _Read(info.type, "bytes")).label(
                name
            )
        mode = info.read_mode
        if fallback == "text":
            text = sa.cast(column, sa.Text)
            return sa.type_coerce(
                text, _Read(info.type, "date" if mode == "date" else "raw")
            ).label(name)
        if mode == "plain":
            return column
        if mode == "raw" and isinstance(info.type, sa.JSON) and self.dialect == "postgresql":
            return sa.cast(column, sa.Text).label(name)  # psycopg would parse the JSON
        return sa.type_coerce(column, _Read(info.type, mode)).label(name)

    def selected(self, names: list[str] | None = None) -> list[sa.ColumnElement[Any]]:
        """The SELECT list that reads ``names`` (default: every column) of a row."""
        return [self.read_expression(name) for name in (names or list(self.columns))]

    def key_of(self, row: dict[str, object]) -> RowKey:
        """The primary key as an object; without one, every non-binary value of the row."""
        if self.primary_key:
            return {name: row[name] for name in self.primary_key}
        return {k: v for k, v in row.items() if not isinstance(v, bytes | memoryview)}

    def leads_index(self, column: str) -> bool:
        return any(cols and cols[0] == column for cols in self.indexed)

    def case_insensitive(self, column: str) -> bool:
        """The column's collation compares without regard to case (MySQL/MariaDB ``_ci``)."""
        collation = (self.collations.get(column) or "").lower()
        return "_ci" in collation and not collation.endswith(("_bin", "_cs"))

    def public(self, rows: int | None, exact: bool) -> Table:
        return Table(
            name=self.name,
            columns=tuple(Column(c.name, c.type_name, c.nullable) for c in self.columns.values()),
            primary_key=self.primary_key,
            foreign_keys=self.foreign_keys,
            indexed=self.indexed,
            rows=rows,
            rows_exact=exact,
            kind=self.kind,
            unreadable=self.unreadable,
        )


def _type_name(type_: sa.types.TypeEngine[Any], dialect: sa.engine.Dialect) -> str:
    if isinstance(type_, sa.types.NullType):
        return ""  # SQLite columns (often in views) declared without a type
    try:
        return str(type_.compile(dialect=dialect))
    except Exception:  # exotic reflected types still get a readable name
        return type(type_).__name__.upper()


def _lower_column(expression: str) -> str | None:
    match = _LOWER.match(expression)
    return next((g for g in match.groups() if g), None) if match else None


def _first_index_expression(create_sql: str) -> str | None:
    """The leading key of a ``CREATE INDEX ... ON t (key, ...)`` statement (SQLite)."""
    match = re.search(
        r"\bON\b\s*(?:\"[^\"]*\"|`[^`]*`|\[[^\]]*\]|[\w.]+)\s*\((.*)\)",
        create_sql,
        re.IGNORECASE | re.DOTALL,
    )
    if not match:
        return None
    body, depth = match.group(1), 0
    for i, char in enumerate(body):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            return body[:i]
    return body


def _sqlite_lower_indexes(conn: Connection, name: str, schema: str | None) -> set[str]:
    master = f'"{schema}".sqlite_master' if schema else "sqlite_master"
    rows = conn.execute(
        sa.text(f"SELECT sql FROM {master} WHERE type = 'index' AND tbl_name = :t"),
        {"t": name},
    )
    found = set()
    for (sql,) in rows:
        first = _first_index_expression(sql or "")
        column = _lower_column(first) if first else None
        if column:
            found.add(column)
    return found


def _mysql_columns(
    conn: Connection, name: str, schema: str | None
) -> tuple[dict[str, str | None], dict[str, str]]:
    """Collations of the columns, and their declared types (for the types SQLAlchemy does
    not know, such as ``point`` or ``inet6``)."""
    rows = conn.execute(
        sa.text(
            "SELECT column_name, collation_name, column_type FROM information_schema.columns "
            "WHERE table_schema = COALESCE(:s, DATABASE()) AND table_name = :t"
        ),
        {"s": schema, "t": name},
    )
    collations: dict[str, str | None] = {}
    declared: dict[str, str] = {}
    for col, coll, type_ in rows:
        collations[str(col)] = coll
        declared[str(col)] = str(type_ or "").upper()
    return collations, declared


def _sqlite_declared(conn: Connection, name: str, schema: str | None) -> dict[str, str]:
    """The type names as the table's DDL declares them (``binary(8)``, ``int(11)``)."""
    quote = conn.dialect.identifier_preparer.quote_identifier
    prefix = f"{quote(schema)}." if schema else ""
    rows = conn.exec_driver_sql(f"PRAGMA {prefix}table_xinfo({quote(name)})")
    return {str(row[1]): str(row[2] or "") for row in rows}


def _sqlite_column(column: ColumnInfo, declared: str) -> ColumnInfo:
    """The column as its declared type says where SQLAlchemy only guessed from the name:
    SQLite's affinity rules make ``binary(8)`` NUMERIC and ``mediumblob`` untyped, but
    both hold bytes; any other unknown name (``year(4)``, ``uuid``) may hold numbers and
    text side by side, as a column without a type does."""
    base = re.sub(r"\(.*", "", declared).strip().upper()
    if not base or base in SQLITE_TYPE_NAMES:
        return column
    guessed = type(column.type) is sa.NUMERIC or isinstance(column.type, sa.types.NullType)
    if not guessed:
        return column
    name = declared.strip().upper()
    if "BINARY" in base or "BLOB" in base:
        return ColumnInfo(column.name, sa.LargeBinary(), name, column.nullable)
    return ColumnInfo(column.name, sa.types.NullType(), name, column.nullable)


def reflect_table(
    conn: Connection, name: str, kind: Literal["table", "view"], schema: str | None
) -> TableInfo:
    """Columns, keys, indexes (with ``lower(col)`` ones) and collations of one table."""
    inspector: Inspector = sa.inspect(conn)
    dialect = conn.dialect
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # "skipped expression-based index"
        columns = {
            c["name"]: ColumnInfo(
                c["name"], c["type"], _type_name(c["type"], dialect), bool(c.get("nullable", True))
            )
            for c in inspector.get_columns(name, schema)
        }
        if dialect.name == "sqlite":
            declared = _sqlite_declared(conn, name, schema)
            columns = {n: _sqlite_column(c, declared.get(n, "")) for n, c in columns.items()}
        if kind == "view":
            return TableInfo(name, kind, schema, columns, dialect=dialect.name)
        pk = tuple(inspector.get_pk_constraint(name, schema).get("constrained_columns") or ())
        fks = tuple(
            ForeignKey(
                tuple(fk["constrained_columns"]),
                fk["referred_table"],
                tuple(fk["referred_columns"]),
            )
            for fk in inspector.get_foreign_keys(name, schema)
            if fk.get("referred_table")
        )
        indexed: list[tuple[str, ...]] = [pk] if pk else []
        lower: set[str] = set()
        for index in inspector.get_indexes(name, schema):
            names = index.get("column_names") or []
            expressions = index.get("expressions") or []
            if names and names[0] is None and expressions:
                column = _lower_column(expressions[0])
                if column:
                    lower.add(column)
                    indexed.append((column,))
            elif names and all(names):
                indexed.append(tuple(n for n in names if n is not None))
        for unique in inspector.get_unique_constraints(name, schema):
            if unique.get("column_names"):
                indexed.append(tuple(unique["column_names"]))
    if dialect.name == "sqlite":
        lower |= _sqlite_lower_indexes(conn, name, schema)
        indexed.extend((c,) for c in sorted(lower) if (c,) not in indexed)
    collations: dict[str, str | None] = {}
    if dialect.name in ("mysql", "mariadb"):
        collations, declared = _mysql_columns(conn, name, schema)
        for n, c in columns.items():
            if c.untyped and declared.get(n):
                columns[n] = ColumnInfo(n, c.type, declared[n], c.nullable)
    unique_indexed = tuple(dict.fromkeys(indexed))
    return TableInfo(
        name,
        kind,
        schema,
        columns,
        pk,
        fks,
        unique_indexed,
        frozenset(lower),
        collations,
        dialect=dialect.name,
    )


def row_estimates(conn: Connection, schema: str | None) -> dict[str, int]:
    """The engine's own row estimates (PostgreSQL, MySQL/MariaDB); empty elsewhere."""
    name = conn.dialect.name
    if name == "postgresql":
        query = (
            "SELECT c.relname, c.reltuples FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = COALESCE(:s, current_schema()) AND c.relkind IN ('r', 'p')"
        )
    elif name in ("mysql", "mariadb"):
        query = (
            "SELECT table_name, table_rows FROM information_schema.tables "
            "WHERE table_schema = COALESCE(:s, DATABASE())"
        )
    else:
        return {}
    return {str(t): int(n) for t, n in conn.execute(sa.text(query), {"s": schema}) if n is not None}


def count_rows(conn: Connection, info: TableInfo) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(info.clause())).scalar_one())
