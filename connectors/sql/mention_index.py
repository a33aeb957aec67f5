"""The opt-in mention index of a SQL source: trigram indexes on its free-text columns.

A mention search (``contains``: an e-mail address inside a note) is a LIKE with a
leading wildcard, which no B-tree index serves: without help the engine reads every
note of the table for every run. ``dsr sources index SOURCE`` builds, per free-text
column, an index the engine can answer such a search from:

- PostgreSQL: a GIN index with ``gin_trgm_ops`` (extension ``pg_trgm``) on
  ``lower(column)``, the expression the lookup's LIKE compares (``query.condition``),
  so the same statement is served by it. Erased rows leave the index as they leave the
  table: by VACUUM (``vacuum``), which cleans the table's indexes too.
- SQLite: an FTS5 table with the ``trigram`` tokenizer over the table itself (external
  content, ``content_rowid`` the rowid), kept in step by triggers. The lookup asks it
  with ``MATCH`` for needles of three or more characters and joins back by rowid; the
  trigram tokenizer folds the case of Latin letters as Python's ``lower()`` does, so it
  finds every row the LIKE finds (shorter needles and other scripts keep the LIKE).
  An FTS5 ``delete`` only writes a tombstone beside the old entry, so after an erasure
  ``optimize`` merges the index into one b-tree without the erased entries, under
  ``secure_delete``.

Everything dsr creates is named ``dsr_mention_...``, so the connector can leave its own
tables and triggers out of listings and trigger warnings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dsr.connectors.rows import address_sign, like_contains
from dsr.connectors.sql import query as sqlquery
from dsr.connectors.sql.schema import TableInfo

PREFIX = "dsr_mention_"
"""The names of the tables, triggers and indexes dsr creates for mention indexes."""

TRIGRAM = 3
"""The shortest needle a trigram index can answer."""

PG_TRGM_PACKAGE = "postgresql-contrib (Debian/Ubuntu: postgresql-contrib-<version>)"
"""Where ``pg_trgm`` comes from when the server lacks it."""


class CannotIndex(Exception):
    """The engine cannot build a mention index (no FTS5, no pg_trgm, no rowid): the
    reason, without data, for the connector to report."""


@dataclass(frozen=True)
class MentionIndex:
    """One column's mention index: the engine's kind and the index's (FTS table's) name."""

    table: str
    column: str
    name: str
    engine: str  # "sqlite" (FTS5 table) or "postgresql" (GIN index)


def supported(conn: Connection) -> bool:
    return conn.dialect.name in ("sqlite", "postgresql")


def _name(table: str, column: str) -> str:
    return f"{PREFIX}{table}__{column}"


def _q(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote_identifier(name))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# -- finding what exists -------------------------------------------------------------------

_FTS_SQL = re.compile(
    r"USING\s+fts5\(\s*\"((?:[^\"]|\"\")*)\"\s*,\s*content\s*=\s*'((?:[^']|'')*)'", re.IGNORECASE
)


def existing(conn: Connection, schema: str | None) -> dict[tuple[str, str], MentionIndex]:
    """The mention indexes of the database, by (table, column)."""
    found: dict[tuple[str, str], MentionIndex] = {}
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
            "AND name LIKE 'dsr!_mention!_%' ESCAPE '!'"
        ).all()
        for name, sql in rows:
            match = _FTS_SQL.search(str(sql or ""))
            if match:
                column = match.group(1).replace('""', '"')
                table = match.group(2).replace("''", "'")
                found[table, column] = MentionIndex(table, column, str(name), "sqlite")
    elif conn.dialect.name == "postgresql":
        rows = conn.execute(
            sa.text(
                "SELECT t.relname, i.relname, obj_description(i.oid, 'pg_class') "
                "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_class t ON t.oid = x.indrelid "
                "JOIN pg_namespace n ON n.oid = t.relnamespace "
                "WHERE i.relname LIKE :prefix AND n.nspname = coalesce(:schema, current_schema())"
            ),
            {"prefix": PREFIX.replace("_", "\\_") + "%", "schema": schema},
        ).all()
        for table, name, column in rows:
            if column:
                found[str(table), str(column)] = MentionIndex(
                    str(table), str(column), str(name), "postgresql"
                )
    return found


def own_name(name: str) -> bool:
    """Whether a table or trigger is one dsr made for a mention index."""
    return name.startswith(PREFIX)


# -- creating and dropping -------------------------------------------------------------------


def create(conn: Connection, info: TableInfo, column: str) -> MentionIndex:
    """Build the column's mention index (in the caller's transaction); an existing one
    is kept. Raises CannotIndex when the engine cannot."""
    if conn.dialect.name == "sqlite":
        return _create_sqlite(conn, info, column)
    if conn.dialect.name == "postgresql":
        return _create_postgresql(conn, info, column)
    raise CannotIndex(f"{conn.dialect.name} has no trigram index dsr can build")


def _create_sqlite(conn: Connection, info: TableInfo, column: str) -> MentionIndex:
    name = _name(info.name, column)
    options = conn.exec_driver_sql("PRAGMA compile_options").scalars().all()
    if "ENABLE_FTS5" not in {str(o) for o in options}:
        raise CannotIndex("this Python's SQLite has no FTS5")
    if info.kind == "view":
        raise CannotIndex(f"'{info.name}' is a view")
    without_rowid = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (info.name,)
    ).scalar()
    if re.search(r"\bWITHOUT\s+ROWID\b", str(without_rowid or ""), re.IGNORECASE):
        raise CannotIndex(f"table '{info.name}' has no rowid (WITHOUT ROWID)")
    fts, table, col = _q(conn, name), _q(conn, info.name), _q(conn, column)
    quoted_col = '"' + column.replace('"', '""') + '"'
    conn.exec_driver_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({quoted_col}, "
        f"content={_literal(info.name)}, content_rowid='rowid', tokenize='trigram')"
    )
    conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES('rebuild')")
    insert = f"INSERT INTO {fts}(rowid, {col}) VALUES (new.rowid, new.{col});"
    delete = f"INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.rowid, old.{col});"
    triggers = {
        "ai": f"AFTER INSERT ON {table} BEGIN {insert} END",
        "ad": f"AFTER DELETE ON {table} BEGIN {delete} END",
        "au": f"AFTER UPDATE ON {table} BEGIN {delete} {insert} END",
    }
    for suffix, body in triggers.items():
        trigger = _q(conn, f"{name}__{suffix}")
        conn.exec_driver_sql(f"CREATE TRIGGER IF NOT EXISTS {trigger} {body}")
    return MentionIndex(info.name, column, name, "sqlite")


def _create_postgresql(conn: Connection, info: TableInfo, column: str) -> MentionIndex:
    # 63 bytes is PostgreSQL's limit on names: a long table and column are cut, the
    # comment keeps the column.
    name = _name(info.name, column)[:63]
    available = conn.exec_driver_sql(
        "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'"
    ).scalar()
    if not available:
        raise CannotIndex(f"the server lacks the extension pg_trgm (package {PG_TRGM_PACKAGE})")
    conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema = info.schema
    table = (_q(conn, schema) + "." if schema else "") + _q(conn, info.name)
    target = (_q(conn, schema) + "." if schema else "") + _q(conn, name)
    conn.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS {_q(conn, name)} ON {table} "
        f"USING gin (lower({_q(conn, column)}) gin_trgm_ops)"
    )
    conn.exec_driver_sql(f"COMMENT ON INDEX {target} IS {_literal(column)}")
    return MentionIndex(info.name, column, name, "postgresql")


def drop(conn: Connection, index: MentionIndex, schema: str | None) -> None:
    """Remove a mention index and, on SQLite, the triggers that kept it in step."""
    if index.engine == "sqlite":
        for suffix in ("ai", "ad", "au"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {_q(conn, index.name + '__' + suffix)}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_q(conn, index.name)}")
    else:
        target = (_q(conn, schema) + "." if schema else "") + _q(conn, index.name)
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {target}")


def after_erasure(conn: Connection, indexes: Sequence[MentionIndex]) -> None:
    """Leave no erased entry in the SQLite FTS tables: the triggers' ``delete`` wrote
    tombstones; ``optimize`` merges the index into one b-tree without the deleted entries,
    and ``secure_delete`` overwrites the pages it frees. PostgreSQL: VACUUM does it."""
    conn.exec_driver_sql("PRAGMA secure_delete = ON")
    for index in indexes:
        if index.engine == "sqlite":
            fts = _q(conn, index.name)
            conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES('optimize')")


# -- asking it -------------------------------------------------------------------------------


def answers(index: MentionIndex, values: Iterable[str]) -> bool:
    """Whether ``condition`` asks only the index for these needles (no scan of the table):
    on SQLite when the FTS5 table answers each of them, on PostgreSQL unless a batch of
    addresses is selected by one pass instead."""
    needles = [v for v in values if v]
    if index.engine == "postgresql":
        return sum(1 for v in needles if address_sign(v)) <= sqlquery.MANY_ADDRESSES
    return all(map(_indexable, needles))


def condition(
    info: TableInfo, column: str, index: MentionIndex, values: Sequence[str]
) -> sa.ColumnElement[bool] | None:
    """The candidates of a ``contains`` lookup's chunk, asked of the mention index.

    SQLite: needles the FTS5 table answers (``_indexable``) as an OR of FTS5 phrases,
    the rest as the LIKE of ``query.condition``. PostgreSQL: an OR of ``lower(col) LIKE``
    patterns, one per needle, which the GIN index serves as one bitmap; a batch of many
    addresses keeps the one pass of ``query.condition``."""
    values = [v for v in values if v]
    if not values:
        return None
    if index.engine == "postgresql":
        lowered = sa.func.lower(info.clause().c[column])
        esc = sqlquery.ESCAPE
        addresses = [v for v in values if address_sign(v)]
        if len(addresses) > sqlquery.MANY_ADDRESSES:
            # Measured at 1M rows: a bitmap of a thousand trigram searches (21 s) costs
            # more than one pass for the texts with an "@" (``query.condition``).
            others = [v for v in values if not address_sign(v)]
            batch = sqlquery.condition(info, column, "contains", addresses)
            likes = [lowered.like(like_contains(v, esc), escape=esc) for v in others]
            return sa.or_(*likes, *([batch] if batch is not None else []))
        return sa.or_(*(lowered.like(like_contains(v, esc), escape=esc) for v in values))
    indexed = [v for v in values if _indexable(v)]
    rest = [v for v in values if not _indexable(v)]
    parts: list[sa.ColumnElement[bool]] = []
    if indexed:
        phrases = " OR ".join('"' + v.lower().replace('"', '""') + '"' for v in sorted(indexed))
        fts = '"' + index.name.replace('"', '""') + '"'
        matched: sa.Select[Any] = (
            sa.select(sa.literal_column("rowid"))
            .select_from(sa.text(fts))
            .where(sa.literal_column(fts).op("MATCH")(sa.literal(phrases)))
        )
        rowid: Any = sa.literal_column(_rowid_of(info))
        parts.append(rowid.in_(matched))
    if rest:
        like = sqlquery.condition(info, column, "contains", rest)
        if like is not None:
            parts.append(like)
    return sa.or_(*parts) if parts else None


FOLDED_ALIKE = 0x250
"""Below this code point (ASCII, Latin-1, Latin Extended-A and -B) the trigram
tokenizer's case folding finds every text Python's ``lower()`` finds (checked for each
such needle character against every character of the Basic and the supplementary
planes; only "İ", which SQLite's ``lower()`` misses as well, is not found by "i")."""


def _indexable(value: str) -> bool:
    """Whether the FTS5 table answers a needle as the LIKE would: three characters or
    more, each one whose case the tokenizer folds as Python does."""
    low = value.lower()
    return len(low) >= TRIGRAM and all(0x20 <= ord(c) < FOLDED_ALIKE for c in low)


def _rowid_of(info: TableInfo) -> str:
    name = '"' + info.name.replace('"', '""') + '"'
    return f"{name}.rowid"
