"""Reflection for the ``sql`` connector: tables, views, keys, indexes and row counts.

SQLAlchemy's inspector does most of the work; this module adds what it leaves
out and dsr needs: indexes on ``lower(column)`` (SQLAlchemy skips expression
indexes on SQLite), the collation of MySQL/MariaDB text columns (a
case-insensitive collation lets a plain index serve e-mail lookups), and row
counts that stay cheap on very large tables (the engine's own estimate above a
million rows, an exact ``COUNT(*)`` below).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Inspector
from sqlalchemy.exc import SAWarning

from dsr.connectors.protocol import Column, ForeignKey, RowKey, Table

ESTIMATE_ABOVE = 1_000_000
"""Tables the engine estimates above this many rows are not counted exactly."""

_LOWER = re.compile(
    r"""^\s*lower\s*\(\s*\(?\s*(?:"([^"]+)"|`([^`]+)`|\[([^\]]+)\]|([\w$]+))\s*\)?"""
    r"""\s*(?:::\s*[\w ]+?)?\s*\)\s*$""",
    re.IGNORECASE,
)


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
    _clause: sa.TableClause | None = field(default=None, repr=False, compare=False)

    def clause(self) -> sa.TableClause:
        """A Core table over the reflected columns; SQLAlchemy quotes the names as needed."""
        if self._clause is not None:
            return self._clause
        cols = [sa.column(c.name, c.type) for c in self.columns.values()]
        self._clause = sa.table(self.name, *cols, schema=self.schema)
        return self._clause

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


def _mysql_collations(conn: Connection, name: str, schema: str | None) -> dict[str, str | None]:
    rows = conn.execute(
        sa.text(
            "SELECT column_name, collation_name FROM information_schema.columns "
            "WHERE table_schema = COALESCE(:s, DATABASE()) AND table_name = :t"
        ),
        {"s": schema, "t": name},
    )
    return {str(col): coll for col, coll in rows}


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
        if kind == "view":
            return TableInfo(name, kind, schema, columns)
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
    mysql = dialect.name in ("mysql", "mariadb")
    collations = _mysql_collations(conn, name, schema) if mysql else {}
    unique_indexed = tuple(dict.fromkeys(indexed))
    return TableInfo(
        name, kind, schema, columns, pk, fks, unique_indexed, frozenset(lower), collations
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
