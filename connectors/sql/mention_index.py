"""The opt-in mention index of a SQL source: indexes on its free-text and phone columns.

A mention search (``contains``: an e-mail address inside a note) is a LIKE with a
leading wildcard, which no B-tree index serves, and so is a phone number typed in any
format (``digits``, ``digits_within``: the digits in order, anything between): without
help the engine reads every row of the table for every run. ``dsr sources index SOURCE``
builds indexes the engine answers such searches from, each of a ``Kind``:

- ``text`` (free-text columns): the text's trigrams. PostgreSQL: a GIN index with
  ``gin_trgm_ops`` (extension ``pg_trgm``) on ``lower(column)`` with its spaces turned
  into ``SPACE``, the expression the lookup's LIKE compares. pg_trgm splits words at
  spaces, so without it no trigram spans one and "anna becker" finds every note holding
  both words (the batch's 90 names in 10M notes: 3.1 s; with it 0.01 s). An index built
  on plain ``lower(column)`` by an earlier dsr is asked as built (``MentionIndex.spaces``).
  SQLite: an FTS5 table with the ``trigram`` tokenizer over the table itself (external
  content, ``content_rowid`` the rowid), kept in step by triggers; asked with ``MATCH``
  for needles of three or more characters and joined back by rowid. The tokenizer
  folds the case of Latin letters as Python's ``lower()`` does, so it finds every row
  the LIKE finds (shorter needles and other scripts keep the LIKE).
- ``digits`` (free-text columns): the text's ASCII digits with every other character
  dropped (``rows.digits_of``), where a phone number in a note is whole whatever its
  format (pairs of digits in the text itself hold no three-digit run). SQLite: their
  trigrams, asked for the trigrams of a number's ``LAST_DIGITS``. PostgreSQL: every run
  of ``LAST_DIGITS`` digits in them (a window), as an integer in a GIN index, asked for
  a number's last digits: digit trigrams are only a thousand, each held by a large part
  of the notes, so asking them for a batch of numbers read the whole index (1,000
  numbers in 10M notes: 1.0 s; the windows: 0.04 s, the same 1,337 rows). Every text
  whose digits hold the number holds what it is asked for, and the matcher decides on
  the few candidates. A trigram index of an earlier dsr is asked as built
  (``MentionIndex.windows``).
- ``ending`` (phone columns): the ``LAST_DIGITS`` of the value, in a B-tree. A value
  whose digits end with a number (``digits``) ends with its last digits.

On PostgreSQL the server keeps every index in step (expression indexes on
``regexp_replace(column, '[^0-9]', '', 'g')``, ASCII digits as ``digits_of``, and on
``dsr_mention_windows_7(column)``, a PL/pgSQL function dsr creates beside the table and
drops with its last index); erased rows leave them as they leave the table, by VACUUM
(``vacuum``). A plain VACUUM leaves the keys of erased text in a GIN index, without
rows (measured on PostgreSQL 15, a test reads the index files): only VACUUM FULL
(``vacuum: full``) rebuilds the indexes without them.

SQLite has no such function for other programs writing the file, so dsr computes the
digits itself: the index holds the rows as dsr last saw them, and triggers (plain SQL,
run for every writer) take a changed row out of it and note its rowid in a table of
changed rows, which every lookup takes as candidates, and which ``dsr sources index``
and an erasure through dsr bring back into the index. Deleting from an FTS5 table only
writes a tombstone beside the old entry, so after an erasure ``optimize`` merges each
FTS5 index into one b-tree without the erased entries, under ``secure_delete``.

Everything dsr creates is named ``dsr_mention_...``, so the connector can leave its own
tables and triggers out of listings and trigger warnings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from dsr.connectors.protocol import MatchMode
from dsr.connectors.rows import digit_values
from dsr.connectors.sql import query as sqlquery
from dsr.connectors.sql.schema import TableInfo

PREFIX = "dsr_mention_"
"""The names of the tables, triggers and indexes dsr creates for mention indexes."""

TRIGRAM = 3
"""The shortest needle a trigram index can answer."""

LAST_DIGITS = 7
"""The last digits of a number the ``digits`` and ``ending`` indexes are asked for.
Seven digits of ten million phone numbers are shared by about one each, where four (the
prefilter of a scan, ``rows.ENDING``) are shared by a thousand; the matcher decides on
the candidates. In notes, the trigrams of seven digits find a tenth of the candidates of
six in the same time (1,000 numbers in 10M notes: 2,100 rows against 28,000). An
``ending`` index records its own length (``MentionIndex.ending``), so one built with
another value keeps answering. Numbers shorter than it are searched by a scan."""

SPACE = "q"
"""The letter a PostgreSQL text index and the needles asked of it write for a space."""

Kind = Literal["text", "digits", "ending"]
"""What a mention index holds (module docstring)."""

SERVES: dict[MatchMode, tuple[Kind, ...]] = {
    "contains": ("text",),
    "digits_within": ("digits",),
    "digits": ("ending", "digits"),
}
"""The kinds of index that can answer a match mode, the better one first."""

KEPT_BY_DSR: tuple[Kind, ...] = ("digits", "ending")
"""The kinds SQLite cannot keep in step by itself: dsr computes the digits."""

NOT_DIGIT = "'[^0-9]'"
"""PostgreSQL's pattern of what ``rows.digits_of`` drops (ASCII digits kept; ``\\D``
would keep other scripts' digits). Written into the statement, not bound: the planner
uses an expression index only for the very expression it was built on."""

PG_TRGM_PACKAGE = "postgresql-contrib (Debian/Ubuntu: postgresql-contrib-<version>)"
"""Where ``pg_trgm`` comes from when the server lacks it."""


class CannotIndex(Exception):
    """The engine cannot build a mention index (no FTS5, no pg_trgm, no rowid): the
    reason, without data, for the connector to report."""


@dataclass(frozen=True)
class MentionIndex:
    """One index of a column: what it holds, the engine, and its (FTS table's) name."""

    table: str
    column: str
    name: str
    engine: str  # "sqlite" (FTS5 table, or a table with a B-tree) or "postgresql" (index)
    kind: Kind = "text"
    ending: int = LAST_DIGITS  # ``ending``: the number of last digits it holds
    spaces: str = " "  # PostgreSQL ``text``: the letter its text holds for a space
    windows: int = 0
    """PostgreSQL ``digits``: the length of the digit windows it holds (0: an earlier dsr's
    index of digit trigrams, and SQLite's)."""

    @property
    def changed(self) -> str:
        """SQLite ``digits`` and ``ending``: the table of rows changed since dsr indexed
        them (module docstring)."""
        return f"{self.name}__changed"


def supported(conn: Connection) -> bool:
    return conn.dialect.name in ("sqlite", "postgresql")


def _name(table: str, column: str, kind: Kind = "text", *, limit: int | None = None) -> str:
    """The index's (or FTS table's) name. PostgreSQL cuts names at 63 bytes (``limit``):
    the table and column are cut, the kind's suffix kept (the comment keeps the column)."""
    suffix = "" if kind == "text" else f"__{kind}"
    base = f"{PREFIX}{table}__{column}"
    return (base if limit is None else base[: limit - len(suffix)]) + suffix


def _q(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote_identifier(name))


def _qualified(conn: Connection, schema: str | None, name: str) -> str:
    """``name`` quoted, behind its quoted schema where there is one."""
    return (_q(conn, schema) + "." if schema else "") + _q(conn, name)


def _ident(name: str) -> str:
    """A name quoted for a statement built without a connection (both engines quote so)."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# -- finding what exists -------------------------------------------------------------------

_FTS_SQL = re.compile(
    r"USING\s+fts5\(\s*\"((?:[^\"]|\"\")*)\"\s*,\s*content\s*=\s*'((?:[^']|'')*)'", re.IGNORECASE
)
_CHANGE_SQL = re.compile(
    r'AFTER\s+UPDATE\s+ON\s+"((?:[^"]|"")*)"\s+WHEN\s+old\."((?:[^"]|"")*)"\s+IS\s+NOT\b',
    re.IGNORECASE,
)
"""The update trigger of a SQLite ``digits`` or ``ending`` index names its table and column."""

_LENGTH_SQL = re.compile(r"CHECK\s*\(\s*length\(ending\)\s*=\s*(\d+)\s*\)", re.IGNORECASE)
_LENGTH_PG = re.compile(r",\s*(\d+)\)\)\s*$")
"""How many last digits an ``ending`` index holds, in SQLite's table and PostgreSQL's
index definition."""
_SPACES_PG = re.compile(r"replace\(lower\(.*\), ' '::text, '(\w)'::text\)")
"""The letter a PostgreSQL ``text`` index writes for a space, in its definition."""
_WINDOWS_PG = re.compile(rf"\b{PREFIX}windows_(\d+)\(")
"""The window length of a PostgreSQL ``digits`` index, in the name of its function."""


def _windows_function(length: int) -> str:
    """The PostgreSQL function giving a text's digit windows of this length (``digits``)."""
    return f"{PREFIX}windows_{length}"


Found = dict[tuple[str, str, Kind], MentionIndex]
"""The mention indexes of a database, by (table, column, kind)."""


def existing(conn: Connection, schema: str | None) -> Found:
    """The mention indexes of the database."""
    found: Found = {}
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'trigger') "
            "AND name LIKE 'dsr!_mention!_%' ESCAPE '!'"
        ).all()
        sql_of = {str(name): sql for kind, name, sql in rows if kind == "table"}
        tables = set(sql_of)
        for kind, name, sql in rows:
            if kind == "table" and (match := _FTS_SQL.search(str(sql or ""))):
                column = match.group(1).replace('""', '"')
                table = match.group(2).replace("''", "'")
                found[table, column, "text"] = MentionIndex(table, column, str(name), "sqlite")
            elif kind == "trigger" and str(name).endswith("__au"):
                match = _CHANGE_SQL.search(str(sql or ""))
                index = str(name)[: -len("__au")]
                held = next((k for k in KEPT_BY_DSR if index.endswith(f"__{k}")), None)
                if match and held and index in tables:
                    table, column = (g.replace('""', '"') for g in match.groups())
                    length = _LENGTH_SQL.search(str(sql_of.get(index, "")))
                    found[table, column, held] = MentionIndex(
                        table,
                        column,
                        index,
                        "sqlite",
                        held,
                        int(length[1]) if length else LAST_DIGITS,
                    )
    elif conn.dialect.name == "postgresql":
        rows = conn.execute(
            sa.text(
                "SELECT t.relname, i.relname, obj_description(i.oid, 'pg_class'), "
                "pg_get_indexdef(i.oid) "
                "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_class t ON t.oid = x.indrelid "
                "JOIN pg_namespace n ON n.oid = t.relnamespace "
                "WHERE i.relname LIKE :prefix AND n.nspname = coalesce(:schema, current_schema())"
            ),
            {"prefix": PREFIX.replace("_", "\\_") + "%", "schema": schema},
        ).all()
        for table, name, column, definition in rows:
            if column:
                windows = _WINDOWS_PG.search(str(definition))
                kind_: Kind = (
                    "ending" if " USING btree " in definition  # "right"(regexp_replace(...
                    else "digits" if windows or "regexp_replace(" in definition
                    else "text"
                )  # fmt: skip
                length = _LENGTH_PG.search(str(definition))
                spaces = _SPACES_PG.search(str(definition))
                found[str(table), str(column), kind_] = MentionIndex(
                    str(table), str(column), str(name), "postgresql", kind_,
                    int(length[1]) if length and kind_ == "ending" else LAST_DIGITS,
                    spaces[1] if spaces and kind_ == "text" else " ",
                    int(windows[1]) if windows else 0,
                )  # fmt: skip
    return found


def own_name(name: str) -> bool:
    """Whether a table or trigger is one dsr made for a mention index."""
    return name.startswith(PREFIX)


# -- creating and dropping -------------------------------------------------------------------


def create(conn: Connection, info: TableInfo, column: str, kind: Kind = "text") -> MentionIndex:
    """Build the column's mention index of this kind (in the caller's transaction); an
    existing one is kept, and on SQLite brought up to date. Raises CannotIndex when the
    engine cannot."""
    if conn.dialect.name == "sqlite":
        _sqlite_can(conn, info, fts=kind != "ending")
        if kind == "text":
            return _create_sqlite(conn, info, column)
        return _create_sqlite_digits(conn, info, column, kind)
    if conn.dialect.name == "postgresql":
        return _create_postgresql(conn, info, column, kind)
    raise CannotIndex(f"{conn.dialect.name} has no trigram index dsr can build")


def _sqlite_can(conn: Connection, info: TableInfo, *, fts: bool) -> None:
    if fts:
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


def _exists(conn: Connection, name: str) -> bool:
    found = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = ?", (name,))
    return bool(found.scalar())


def _create_sqlite(conn: Connection, info: TableInfo, column: str) -> MentionIndex:
    name = _name(info.name, column)
    fts, table, col = _q(conn, name), _q(conn, info.name), _q(conn, column)
    quoted_col = _ident(column)
    if not _exists(conn, name):  # one that exists is kept in step by its triggers
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({quoted_col}, "
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


def _create_sqlite_digits(
    conn: Connection, info: TableInfo, column: str, kind: Kind
) -> MentionIndex:
    """A ``digits`` index (FTS5 trigrams of the digits; ``detail=none`` keeps it small,
    and the trigrams are asked for one by one) or an ``ending`` one (the last digits in
    a B-tree), the table of changed rows, and the triggers that keep both true for every
    writer: a changed row leaves the index and is noted as changed."""
    index = MentionIndex(
        info.name, column, _name(info.name, column, kind), "sqlite", kind, LAST_DIGITS
    )
    held, changed = _q(conn, index.name), _q(conn, index.changed)
    table, col = _q(conn, info.name), _q(conn, column)
    fresh = not _exists(conn, index.name)
    if kind == "digits":
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {held} "
            "USING fts5(digits, tokenize='trigram', detail='none')"
        )
    else:
        conn.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {held} (id INTEGER PRIMARY KEY, "
            f"ending TEXT NOT NULL CHECK (length(ending) = {LAST_DIGITS}))"
        )
        by_ending = _q(conn, f"{index.name}__by_ending")
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {by_ending} ON {held} (ending)")
    conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {changed} (id INTEGER PRIMARY KEY)")
    leave = (
        f"DELETE FROM {held} WHERE rowid = old.rowid; DELETE FROM {changed} WHERE id = old.rowid;"
    )
    note = f"INSERT OR IGNORE INTO {changed}(id) VALUES (new.rowid);"
    triggers = {
        "ai": f"AFTER INSERT ON {table} BEGIN {note} END",
        "ad": f"AFTER DELETE ON {table} BEGIN {leave} END",
        # The WHEN clause names the column (``existing`` reads it back) and passes over
        # updates of other columns.
        "au": f"AFTER UPDATE ON {table} WHEN old.{col} IS NOT new.{col} "
        f"OR old.rowid IS NOT new.rowid BEGIN {leave} {note} END",
    }
    for suffix, body in triggers.items():
        trigger = _q(conn, f"{index.name}__{suffix}")
        conn.exec_driver_sql(f"CREATE TRIGGER IF NOT EXISTS {trigger} {body}")
    if not fresh:  # as it was built (``MentionIndex.ending``)
        index = existing(conn, None).get((info.name, column, kind), index)
        # A row another program replaced (INSERT OR REPLACE deletes without the delete
        # trigger, unless recursive_triggers is on) left its entry behind.
        conn.exec_driver_sql(f"DELETE FROM {held} WHERE rowid NOT IN (SELECT rowid FROM {table})")
    _fill(conn, index, changed_only=not fresh)
    return index


def _fill(conn: Connection, index: MentionIndex, *, changed_only: bool) -> None:
    """Put the digits of the table's rows (or only of the changed ones) into the index.

    Needs ``dsr_digits`` (``query.register_sqlite_functions``). A value that is no text
    (a blob in a text column) stays in the changed rows: always a candidate."""
    held, changed = _q(conn, index.name), _q(conn, index.changed)
    table, col = _q(conn, index.table), _q(conn, index.column)
    scope = f" AND rowid IN (SELECT id FROM {changed})" if changed_only else ""
    if changed_only:
        conn.exec_driver_sql(f"DELETE FROM {held} WHERE rowid IN (SELECT id FROM {changed})")
    digits = (
        f"SELECT rowid AS id, dsr_digits({col}) AS digits FROM {table} "
        f"WHERE typeof({col}) = 'text'{scope}"
    )
    if index.kind == "digits":
        conn.exec_driver_sql(
            f"INSERT INTO {held}(rowid, digits) SELECT id, digits FROM ({digits}) "
            f"WHERE length(digits) >= {TRIGRAM}"
        )
    else:
        conn.exec_driver_sql(
            f"INSERT INTO {held}(id, ending) SELECT id, substr(digits, -{index.ending}) "
            f"FROM ({digits}) WHERE length(digits) >= {index.ending}"
        )
    if changed_only:
        conn.exec_driver_sql(
            f"DELETE FROM {changed} WHERE NOT EXISTS (SELECT 1 FROM {table} "
            f"WHERE {table}.rowid = {changed}.id AND typeof({table}.{col}) NOT IN ('text', 'null'))"
        )
    else:
        conn.exec_driver_sql(
            f"INSERT OR IGNORE INTO {changed}(id) SELECT rowid FROM {table} "
            f"WHERE typeof({col}) NOT IN ('text', 'null')"
        )


def _digits_of(column: str) -> str:
    """PostgreSQL's ``rows.digits_of`` of a column, as an index and a statement spell it."""
    return f"regexp_replace({column}, {NOT_DIGIT}, '', 'g')"


def _create_postgresql(conn: Connection, info: TableInfo, column: str, kind: Kind) -> MentionIndex:
    name = _name(info.name, column, kind, limit=63)
    if kind == "text":
        available = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'"
        ).scalar()
        if not available:
            raise CannotIndex(f"the server lacks the extension pg_trgm (package {PG_TRGM_PACKAGE})")
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema = info.schema
    table = _qualified(conn, schema, info.name)
    target = _qualified(conn, schema, name)
    col = _q(conn, column)
    windows = _qualified(conn, schema, _windows_function(LAST_DIGITS))
    # One that exists is kept as it was built (an earlier dsr's digit trigrams need no
    # function; PostgreSQL resolves the expression of CREATE INDEX IF NOT EXISTS before
    # it finds the index exists).
    if conn.execute(sa.text("SELECT to_regclass(:name)"), {"name": target}).scalar() is None:
        if kind == "digits":
            _create_windows_function(conn, windows)
        indexed = {
            "text": f"USING gin (replace(lower({col}), ' ', '{SPACE}') gin_trgm_ops)",
            "digits": f"USING gin ({windows}({col}))",
            "ending": f"(right({_digits_of(col)}, {LAST_DIGITS}))",
        }[kind]
        conn.exec_driver_sql(f"CREATE INDEX {_q(conn, name)} ON {table} {indexed}")
    conn.exec_driver_sql(f"COMMENT ON INDEX {target} IS {_literal(column)}")
    built = MentionIndex(
        info.name, column, name, "postgresql", kind, LAST_DIGITS,
        SPACE if kind == "text" else " ", LAST_DIGITS if kind == "digits" else 0,
    )  # fmt: skip
    return existing(conn, schema).get((info.name, column, kind), built)  # as it was built


def _create_windows_function(conn: Connection, qualified: str) -> None:
    """The function a PostgreSQL ``digits`` index is built on: every run of
    ``LAST_DIGITS`` digits in the text's digits, as integers (the same run always gives
    the same integer, as every run has the same length). PL/pgSQL, as a SQL function's
    set-returning subquery cost twice as long to index (1M notes: 20 s against 9.5 s,
    the digit trigrams 6 s); names from ``pg_catalog`` so no search path changes it;
    ``windows[i] :=`` fills the array in place (``||`` would copy it per digit)."""
    exists = conn.execute(
        sa.text("SELECT to_regprocedure(:signature) IS NOT NULL"),
        {"signature": f"{qualified}(text)"},
    ).scalar()
    if exists:
        return
    last = LAST_DIGITS - 1
    conn.exec_driver_sql(
        f"CREATE FUNCTION {qualified}(value text) RETURNS integer[] "
        "LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $dsr$\n"
        "DECLARE\n"
        f"  digits text := pg_catalog.regexp_replace(value, {NOT_DIGIT}, '', 'g');\n"
        "  windows integer[] := '{}';\n"
        "BEGIN\n"
        f"  FOR i IN 1 .. pg_catalog.length(digits) - {last} LOOP\n"
        f"    windows[i] := pg_catalog.substr(digits, i, {LAST_DIGITS})::integer;\n"
        "  END LOOP;\n"
        "  RETURN windows;\n"
        "END\n$dsr$"
    )
    conn.exec_driver_sql(
        f"COMMENT ON FUNCTION {qualified}(text) IS "
        "'dsr: the digit windows of a text, for the mention index of dsr sources index'"
    )


def after_building(conn: Connection, tables: Sequence[TableInfo]) -> None:
    """PostgreSQL: gather statistics on the new index expressions. Without them the
    planner guesses that 1,000 phone endings match most of the table and reads all of
    it (10M rows: 9 s instead of milliseconds)."""
    if conn.dialect.name != "postgresql":
        return
    for info in tables:
        conn.exec_driver_sql(f"ANALYZE {_qualified(conn, info.schema, info.name)}")


def drop(conn: Connection, index: MentionIndex, schema: str | None) -> None:
    """Remove a mention index and, on SQLite, the triggers that kept it in step."""
    if index.engine == "sqlite":
        for suffix in ("ai", "ad", "au"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {_q(conn, index.name + '__' + suffix)}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_q(conn, index.name)}")
        if index.kind in KEPT_BY_DSR:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_q(conn, index.changed)}")
    else:
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {_qualified(conn, schema, index.name)}")
        if index.kind == "digits":
            length = index.windows or LAST_DIGITS  # an earlier dsr's trigrams have none
            function = f"{_qualified(conn, schema, _windows_function(length))}(text)"
            used = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_depend WHERE refclassid = 'pg_proc'::regclass "
                    "AND refobjid = to_regprocedure(:signature)"
                ),
                {"signature": function},
            ).scalar()
            if not used:  # the last index built on it
                conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}")


def after_erasure(conn: Connection, indexes: Sequence[MentionIndex]) -> None:
    """Leave no erased entry in the SQLite indexes, and the erased rows indexed again as
    they now are. The triggers took the changed rows out: from an FTS5 table by a
    tombstone, which ``optimize`` drops by merging the index into one b-tree;
    ``secure_delete`` overwrites the pages freed. PostgreSQL: VACUUM does it."""
    conn.exec_driver_sql("PRAGMA secure_delete = ON")
    for index in indexes:
        if index.engine != "sqlite":
            continue
        if index.kind in KEPT_BY_DSR:
            _fill(conn, index, changed_only=True)
        if index.kind in ("text", "digits"):
            fts = _q(conn, index.name)
            conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES('optimize')")


# -- asking it -------------------------------------------------------------------------------


def answers(index: MentionIndex, match: MatchMode, values: Iterable[str]) -> bool:
    """Whether ``condition`` asks only the index for these needles (no scan of the table):
    for the digit kinds when each number is long enough (``_answerable``); for text on
    SQLite when the FTS5 table answers each needle, on PostgreSQL always."""
    if index.kind != "text":
        numbers = digit_values(values)
        return match in ("digits", "digits_within") and all(
            _answerable(index, match, n) for n in numbers
        )
    return index.engine == "postgresql" or all(_indexable(v) for v in values if v)


def condition(
    info: TableInfo, column: str, index: MentionIndex, match: MatchMode, values: Sequence[str]
) -> sa.ColumnElement[bool] | None:
    """The candidates of a lookup's chunk, asked of the mention index; the digit kinds in
    ``_digit_condition``. For text (``contains``):

    SQLite: needles the FTS5 table answers (``_indexable``) as an OR of FTS5 phrases,
    the rest as the LIKE of ``query.condition``. PostgreSQL: ``lower(col) LIKE ANY`` of
    the needles' patterns (``query.like_any``), which the GIN index serves as one bitmap,
    also for a batch of a thousand addresses (10M notes: 0.7 s; the one pass for the
    notes with an "@" that ``query.condition`` makes without an index took 1.2 s, and
    matching the 200,000 notes it brought 2 s more)."""
    if index.kind != "text":
        return _digit_condition(info, column, index, match, values)
    values = [v for v in values if v]
    if not values:
        return None
    if index.engine == "postgresql":
        lowered: sa.ColumnElement[str] = sa.func.lower(info.clause().c[column])
        if index.spaces != " ":  # as the index spells the text (``SPACE``)
            lowered = sa.func.replace(
                lowered, sa.literal_column("' '"), sa.literal_column(f"'{index.spaces}'")
            )
        return sqlquery.like_any(lowered, [v.replace(" ", index.spaces) for v in values])
    indexed = [v for v in values if _indexable(v)]
    rest = [v for v in values if not _indexable(v)]
    parts: list[sa.ColumnElement[bool]] = []
    if indexed:
        phrases = " OR ".join('"' + v.lower().replace('"', '""') + '"' for v in sorted(indexed))
        fts = _ident(index.name)
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
    return f"{_ident(info.name)}.rowid"


def _answerable(index: MentionIndex, match: MatchMode, number: str) -> bool:
    """Whether the index finds every text that ``match``es the number: an ``ending``
    index only values ending with it (``digits``), of at least as many digits as it
    holds; a ``digits`` index any number as long as its windows, or of three digits or
    more (trigrams)."""
    if index.kind == "ending":
        return match == "digits" and len(number) >= index.ending
    return len(number) >= (index.windows or TRIGRAM)


def _digit_condition(
    info: TableInfo, column: str, index: MentionIndex, match: MatchMode, values: Sequence[str]
) -> sa.ColumnElement[bool] | None:
    """Candidates of the digit kinds: the rows whose digits hold each number's
    ``LAST_DIGITS`` (``digits``) or end with its last digits (``ending``), and on SQLite
    the rows changed since they were indexed. Numbers the index cannot answer keep the scan of
    ``query.condition``."""
    numbers = digit_values(values)
    asked = [n for n in numbers if _answerable(index, match, n)]
    rest = [n for n in numbers if n not in asked]
    parts: list[sa.ColumnElement[bool]] = []
    if asked and index.engine == "postgresql" and index.windows:
        parts.append(_windows_condition(info, column, index.windows, asked))
    elif asked and index.engine == "postgresql":
        text = info.clause().c[column]
        digits: sa.ColumnElement[str] = sa.func.regexp_replace(
            text, sa.literal_column(NOT_DIGIT), sa.literal_column("''"), sa.literal_column("'g'")
        )
        if index.kind == "ending":
            endings = sorted({n[-index.ending :] for n in asked})
            length: sa.ColumnElement[int] = sa.literal_column(str(int(index.ending)))  # as built
            parts.append(sa.func.right(digits, length).in_(endings))
        else:  # the digit trigrams of an earlier dsr
            parts.append(sqlquery.like_any(digits, sorted({n[-LAST_DIGITS:] for n in asked})))
    elif asked:
        held = _ident(index.name)
        rowid: Any = sa.literal_column(_rowid_of(info))
        found: sa.Select[Any]
        if index.kind == "ending":
            found = (
                sa.select(sa.literal_column("id"))
                .select_from(sa.text(held))
                .where(sa.literal_column("ending").in_(sorted({n[-index.ending :] for n in asked})))
            )
        else:
            # Each number's trigrams, all of them in a row's digits; detail=none has no
            # positions, so no phrases: the matcher tells the candidates apart.
            wanted = sorted({_trigrams(n[-LAST_DIGITS:]) for n in asked})
            query = " OR ".join("(" + " AND ".join(t) + ")" for t in wanted)
            found = (
                sa.select(sa.literal_column("rowid"))
                .select_from(sa.text(held))
                .where(sa.literal_column(held).op("MATCH")(sa.literal(query)))
            )
        changed = _ident(index.changed)
        since: sa.Select[Any] = sa.select(sa.literal_column("id")).select_from(sa.text(changed))
        parts += [rowid.in_(found), rowid.in_(since)]
    if rest:
        scan = sqlquery.condition(info, column, match, rest)
        if scan is not None:
            parts.append(scan)
    return sa.or_(*parts) if parts else None


def _windows_condition(
    info: TableInfo, column: str, length: int, numbers: Sequence[str]
) -> sa.ColumnElement[bool]:
    """PostgreSQL: the rows whose digit windows hold one of the numbers' last ``length``
    digits. The function is called as the index was built on it, with every name quoted
    (SQLAlchemy's ``func`` leaves a schema such as ``CRM`` unquoted)."""
    schema = _ident(info.schema) + "." if info.schema else ""
    function = schema + _ident(_windows_function(length))
    windows: sa.ColumnElement[Any] = sa.literal_column(
        f"{function}({schema}{_ident(info.name)}.{_ident(column)})"
    )
    wanted = sorted({int(n[-length:]) for n in numbers})
    array = postgresql.ARRAY(sa.Integer)
    return windows.op("&&")(sa.cast(sa.literal(wanted, array), array))


def _trigrams(number: str) -> tuple[str, ...]:
    return tuple(sorted({number[i : i + TRIGRAM] for i in range(len(number) - TRIGRAM + 1)}))


def holds_digits(table: str) -> bool:
    """Whether a SQLite table is the FTS5 table of a ``digits`` index (its name says so;
    the byte residue search asks it for an identifier's digits)."""
    return own_name(table) and table.endswith("__digits")
