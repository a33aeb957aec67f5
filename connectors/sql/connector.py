"""The ``sql`` connector: any database SQLAlchemy reaches (SQLite, PostgreSQL, MariaDB, ...).

Work goes to the engine: lookups become parameterised queries that can use the
table's indexes (per table and chunk of values, one for the lookups an index
answers and one for those that scan, such as mentions in free text, each with its
lookups OR-ed together; a mention index, ``mention_index``, serves the latter),
and erasure runs as one transaction per source, rows of child
tables before the rows they refer to. A missing SQLite file is an error, not a
new empty database, and connecting gives up after a few seconds.

Per-table trouble found while listing (a view that fails when queried) does not
fail the listing: the table is listed with unknown rows and the reason goes to
``problems``, for ``dsr sources check`` to show.

Values are read leniently (``schema``, "Reading values"): a MySQL zero date or
text SQLAlchemy cannot parse reads as empty instead of failing the source. A column
whose values the driver itself refuses (SQLite text that is no UTF-8, a PostgreSQL
``infinity`` date) is found on the first read that fails: it is read as text where
the database can cast it, else skipped (read as empty, listed in ``Table.unreadable``
and in ``problems``), and the rest of the table is still read and searched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args

import sqlalchemy as sa
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from dsr.config.fields import DatabaseUrl, mask_url
from dsr.connectors.capabilities import Capabilities, Support
from dsr.connectors.protocol import (
    ALL_MATCH_MODES,
    ApplyResult,
    ErasureAction,
    Hit,
    Lookup,
    MatchMode,
    RowKey,
    Table,
)
from dsr.connectors.rows import changes, matcher, row_id
from dsr.connectors.sql import mention_index
from dsr.connectors.sql import query as sqlquery
from dsr.connectors.sql import vacuum as sqlvacuum
from dsr.connectors.sql.schema import (
    ESTIMATE_ABOVE,
    Fallback,
    TableInfo,
    count_rows,
    reflect_table,
    row_estimates,
)
from dsr.errors import Problem, SourceError, Where

CONNECT_TIMEOUT = 10
"""Seconds to wait for a server before the source counts as unreachable."""

_READ_ERRORS = (DBAPIError, ValueError, TypeError, ArithmeticError, LookupError)
"""What fetching rows raises when a value cannot be read: the driver's refusal (wrapped
by SQLAlchemy) or a conversion's."""

Build = Callable[[Sequence[sa.ColumnElement[Any]]], sa.Select[Any]]
"""A statement over a SELECT list: the same rows, whichever columns are read."""

_DEFAULT_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}


class SqlOptions(BaseModel):
    """Any database SQLAlchemy reaches: SQLite, PostgreSQL, MariaDB/MySQL, warehouses."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    url: DatabaseUrl
    schema_: str | None = Field(default=None, alias="schema")
    include: list[str] = Field(default_factory=list)  # table names, `*` globs
    exclude: list[str] = Field(default_factory=list)
    vacuum: Annotated[bool | Literal["full"], BeforeValidator(sqlvacuum.vacuum_option)] = False
    """PostgreSQL: after an erasure commits, ``VACUUM`` the changed tables (``true``), or
    ``VACUUM FULL`` them (``full``: rewrites the table, so the old row versions' bytes go
    with the old file, but locks the table meanwhile); ``erase --verify`` runs it again.
    Other databases ignore it; SQLite always erases with ``secure_delete``."""


def engine_url(url: str) -> URL:
    """The URL with a driver chosen where it names none (psycopg 3, PyMySQL)."""
    parsed = make_url(url)
    driver = _DEFAULT_DRIVERS.get(parsed.drivername)
    if driver:
        parsed = parsed.set(drivername=driver)
    if parsed.get_backend_name() in ("mysql", "mariadb") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


def _reason(exc: BaseException) -> tuple[str, str]:
    """A short reason and a hint for a database error, without values from the data."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    low = text.lower()
    if any(
        s in low
        for s in (
            "password authentication failed",
            "access denied",
            "authentication failed",
            "no password supplied",
        )
    ):
        return (
            "wrong user name or password",
            "check the user and password in the url (e.g. ${DB_PASSWORD} in dsr.yaml)",
        )
    if re.search(r"role \S+ does not exist", low):
        return "unknown user", "check the user name in the url"
    if "unknown database" in low or re.search(r'database "[^"]*" does not exist', low):
        return "unknown database", "check the database name at the end of the url"
    if any(
        s in low
        for s in (
            "connection refused",
            "can't connect",
            "could not connect",
            "timeout expired",
            "timed out",
            "could not translate host",
            "name or service not known",
            "no route to host",
            "network is unreachable",
            "failed to resolve",
            "connection failed",
        )
    ):
        return (
            "server unreachable",
            "check host and port in the url and that the server runs and accepts connections",
        )
    if "file is not a database" in low or "database disk image is malformed" in low:
        return "not a SQLite database", "check the path in the url"
    if "could not decode" in low:  # sqlite3 quotes the text it could not decode: not shown
        return "a text value is not valid UTF-8", "check the source's text encoding"
    if "unable to open database file" in low:
        return "cannot open the database file", "check the path and its permissions"
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(orig).__name__)
    first = re.sub(r"^\(\d+,\s*[\"']?(.*?)[\"']?\)$", r"\1", first)  # PyMySQL: (1146, "...")
    return first[:300], "check the source's url and the database"


def _constraint(exc: IntegrityError) -> str:
    low = str(exc.orig).lower()
    if "foreign key" in low:
        return "other rows still refer to it (foreign key)"
    if "null" in low:
        return "a column may not be empty (NOT NULL)"
    if "unique" in low or "duplicate" in low:
        return "the new value would repeat a unique value"
    return "a constraint failed"


class SqlConnector:
    """Any SQLAlchemy database: reflected tables and views, queries run by the engine."""

    type_name: ClassVar[str] = "sql"
    Options: ClassVar[type[BaseModel]] = SqlOptions
    match_modes: ClassVar[frozenset[MatchMode]] = ALL_MATCH_MODES
    capabilities: ClassVar[Capabilities] = Capabilities(
        delete=Support.SUPPORTED,
        null=Support.SUPPORTED,
        mask=Support.SUPPORTED,
        redact=Support.SUPPORTED,
        streaming=Support.SUPPORTED,
    )
    summary: ClassVar[str] = "any SQLAlchemy database (SQLite, PostgreSQL, MariaDB, ...)"

    def __init__(self, name: str, options: SqlOptions) -> None:
        self.name = name
        self.options = options
        self.problems: list[Problem] = []
        """Per-table trouble found by the last ``tables()`` (e.g. a view that fails)."""
        self.warnings: list[Problem] = []
        """Clean-up after the last ``apply()`` committed that did not work (a WAL that could
        not be emptied, a VACUUM that failed): the erasure itself stands."""
        self._engine: Engine | None = None
        self._names: dict[str, Literal["table", "view"]] | None = None
        self._infos: dict[str, TableInfo] = {}
        self._fallbacks: dict[str, dict[str, Fallback]] = {}
        """Columns found unreadable as they are, per table; kept when ``tables()`` reflects
        again, so a column is probed once per connector."""
        self._mentions: mention_index.Found | None = None

    # -- connection and errors ----------------------------------------------------------

    def _error(
        self, message: str, hint: str | None = None, file: Path | None = None
    ) -> SourceError:
        password = make_url(self.options.url).password
        if password:
            message = message.replace(str(password), "***")
        return SourceError(Problem(message, Where(source=self.name, file=file), hint))

    @contextmanager
    def _translated(self, doing: str) -> Iterator[None]:
        """Database errors as one-line SourceErrors naming the source, password masked."""
        try:
            yield
        except SourceError:
            raise
        except IntegrityError as exc:
            raise self._error(
                f"{doing}: the database refused the change because "
                f"{_constraint(exc)}; nothing was changed",
                "erase or detach the rows that refer to it in the same plan",
            ) from exc
        except (DBAPIError, SQLAlchemyError) as exc:
            reason, hint = _reason(exc)
            raise self._error(f"{doing} ({mask_url(self.options.url)}): {reason}", hint) from exc

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, created (without connecting) on first use."""
        return self._engine_or_connect()

    def _engine_or_connect(self) -> Engine:
        if self._engine is not None:
            return self._engine
        url = engine_url(self.options.url)
        backend = url.get_backend_name()
        connect_args: dict[str, Any] = {}
        if backend == "sqlite":
            database = url.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                path = Path(database)
                if not path.is_file():
                    what = "is a folder, not a SQLite file" if path.is_dir() else "file not found"
                    raise self._error(what, "check the path in the url", file=path)
        elif backend in ("postgresql", "mysql", "mariadb"):
            connect_args["connect_timeout"] = CONNECT_TIMEOUT
        try:
            # hide_parameters: a database error's text, and so a --debug traceback,
            # would otherwise quote the e-mail address or name being looked up.
            engine = sa.create_engine(url, connect_args=connect_args, hide_parameters=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise self._error(
                f"cannot use {mask_url(self.options.url)}: {exc}".splitlines()[0],
                "check the url's database type and driver",
            ) from exc
        if backend == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_connection)
        elif backend == "postgresql":
            sa.event.listen(engine, "connect", _postgres_connection)
        self._engine = engine
        return engine

    @contextmanager
    def _connect(self, doing: str) -> Iterator[Connection]:
        with self._translated(doing), self._engine_or_connect().connect() as conn:
            yield conn

    # -- catalogue ------------------------------------------------------------------------

    def _wanted(self, name: str) -> bool:
        include, exclude = self.options.include, self.options.exclude
        if include and not any(fnmatchcase(name, pattern) for pattern in include):
            return False
        return not any(fnmatchcase(name, pattern) for pattern in exclude)

    def _table_names(self, conn: Connection) -> dict[str, Literal["table", "view"]]:
        if self._names is None:
            inspector = sa.inspect(conn)
            schema = self.options.schema_
            names: dict[str, Literal["table", "view"]] = {}
            names.update((n, "table") for n in inspector.get_table_names(schema))
            names.update((n, "view") for n in inspector.get_view_names(schema))
            self._names = {
                n: k
                for n, k in sorted(names.items())
                if self._wanted(n) and not mention_index.own_name(n)
            }
            # Read with the catalogue, so a lookup asks no extra statement for it.
            self._mentions = mention_index.existing(conn, self.options.schema_)
        return self._names

    def _info(self, conn: Connection, table: str) -> TableInfo:
        if table not in self._infos:
            kind = self._table_names(conn).get(table)
            if kind is None:
                raise self._error(
                    f"no table '{table}'",
                    "run `dsr sources check` to list the tables (include/exclude apply)",
                )
            info = reflect_table(conn, table, kind, self.options.schema_)
            info.fallbacks.update(self._fallbacks.get(table, {}))
            self._infos[table] = info
        return self._infos[table]

    def tables(self) -> list[Table]:
        """Every table and view with keys, indexes and row counts (estimates above 1,000,000)."""
        self._names, self._infos, self.problems, self._mentions = None, {}, [], None
        result = []
        with self._connect("cannot list tables") as conn:
            estimates = row_estimates(conn, self.options.schema_)
            conn.rollback()
            for name in self._table_names(conn):
                try:
                    info = self._info(conn, name)
                    estimate = estimates.get(name, -1)
                    if estimate > ESTIMATE_ABOVE:
                        rows, exact = estimate, False
                    else:
                        rows, exact = count_rows(conn, info), True
                    conn.rollback()
                except (DBAPIError, SQLAlchemyError) as exc:
                    if getattr(exc, "connection_invalidated", False):
                        raise  # the server went away: not a problem of this table
                    conn.rollback()
                    kind: Literal["table", "view"] = self._names[name] if self._names else "table"
                    reason = _reason(exc)[0]
                    self.problems.append(
                        Problem(
                            f"{kind} '{name}' cannot be read: {reason}",
                            Where(source=self.name),
                            "fix it in the database or add it to exclude",
                        )
                    )
                    info = self._infos.get(name) or TableInfo(name, kind, self.options.schema_, {})
                    rows, exact = None, False
                self.problems.extend(self._unreadable_problem(name, c) for c in info.unreadable)
                result.append(info.public(rows, exact))
        return result

    def _unreadable_problem(self, table: str, column: str) -> Problem:
        return Problem(
            f"column '{column}' of table '{table}' cannot be read (the database or its "
            "driver refuses its values); the rest of the table is read and searched without it",
            Where(source=self.name),
            "fix the column's values in the database, or exclude the table",
        )

    def index_serves(self, table: str, column: str, match: MatchMode) -> bool:
        """Whether ``find`` can answer a lookup on ``column`` with an index (else a scan).

        ``digits``, ``digits_within`` and ``contains`` patterns start with a wildcard: only
        a mention index (``dsr sources index``) answers them.
        """
        lookup = Lookup(table, column, frozenset(), match)
        with self._connect(f"cannot read table '{table}'") as conn:
            info = self._info(conn, table)
            if column not in info.columns:
                return False
            return self._served(info, lookup) or self._indexed_mentions(conn, info, lookup)

    # -- reading ---------------------------------------------------------------------------

    def sample(self, table: str, n: int = 20) -> list[dict[str, Any]]:
        with self._connect(f"cannot read table '{table}'") as conn:
            info = self._info(conn, table)
            clause = info.clause()
            return list(
                self._rows(conn, info, lambda cols: sa.select(*cols).select_from(clause).limit(n))
            )

    def _rows(
        self, conn: Connection, info: TableInfo, build: Build, *, stream: bool = False
    ) -> Iterator[dict[str, Any]]:
        """The rows ``build`` selects, every column read as ``info.selected`` says.

        When fetching fails on a value, the columns the driver refuses are found and read
        another way or skipped (``_repair``), and the statement runs again: a streamed
        statement then yields rows it yielded before (callers drop repeated hits), the
        others are fetched whole before the first row is given out.
        """
        while True:
            try:
                if stream:
                    streaming = conn.execution_options(stream_results=True, yield_per=500)
                    for row in streaming.execute(build(info.selected())):
                        yield dict(row._mapping)
                    return
                rows = conn.execute(build(info.selected())).all()
            except _READ_ERRORS as exc:
                if getattr(exc, "connection_invalidated", False):
                    raise
                conn.rollback()
                if not self._repair(conn, info, build):
                    raise
                continue
            for row in rows:
                yield dict(row._mapping)
            return

    def _repair(self, conn: Connection, info: TableInfo, build: Build) -> bool:
        """Find the columns whose values the driver refuses in the rows ``build`` selects;
        read each as text (or, on SQLite, as bytes decoded here) where that works, else
        skip it and report it. False when no column is to blame (the statement fails
        without them too, or works again): the caller raises the original error."""
        key: list[sa.ColumnElement[Any]] = [info.clause().c[n] for n in info.primary_key]
        key = key or [sa.literal(1)]
        if not self._reads(conn, build(key)):
            return False
        fallbacks: tuple[Fallback, ...] = ("bytes",) if conn.dialect.name == "sqlite" else ("text",)
        repaired = False
        for name in info.columns:
            if name in info.primary_key or name in info.fallbacks:
                continue
            if self._reads(conn, build([info.read_expression(name)])):
                continue
            how: Fallback = next(
                (f for f in fallbacks if self._reads(conn, build([info.read_expression(name, f)]))),
                "skip",
            )
            info.fallbacks[name] = how
            self._fallbacks.setdefault(info.name, {})[name] = how
            if how == "skip":
                self.problems.append(self._unreadable_problem(info.name, name))
            repaired = True
        return repaired

    @staticmethod
    def _reads(conn: Connection, statement: sa.Select[Any]) -> bool:
        try:
            conn.execute(statement).all()
        except _READ_ERRORS as exc:
            if getattr(exc, "connection_invalidated", False):
                raise
            conn.rollback()
            return False
        return True

    def find(self, lookups: Sequence[Lookup]) -> Iterator[Hit]:
        """Per table and chunk of values, one query for the lookups an index answers and
        one for those that scan (``_find_in``)."""
        by_table: dict[str, list[Lookup]] = {}
        for lookup in lookups:
            by_table.setdefault(lookup.table, []).append(lookup)
        for table, group in by_table.items():
            with self._connect(f"cannot search table '{table}'") as conn:
                yield from self._find_in(conn, table, group)

    def _find_in(self, conn: Connection, table: str, group: list[Lookup]) -> Iterator[Hit]:
        """Candidates from the engine (``query.condition``), kept where ``rows.matcher``
        matches them. PostgreSQL returns CHAR(n) values with their padding, which the SQL
        standard says is not part of the value; the matcher ignores spaces around a value
        (``rows``, "Surrounding spaces"), so such a value matches as it should."""
        info = self._info(conn, table)
        for lookup in group:
            if lookup.column not in info.columns:
                raise self._error(f"table '{table}' has no column '{lookup.column}'")
        group = [lookup for lookup in group if lookup.column not in info.unreadable]
        server = conn.dialect.name != "sqlite"
        seen: set[tuple[Any, ...]] = set()
        # An OR of an indexed test and a scanning one makes the engine scan every row for
        # both: the identifier tests an index answers run as their own statement, the
        # scanning tests (mentions in free text, phone digits, ...) as one more.
        served = [self._served(info, lookup) or self._indexed_mentions(conn, info, lookup)
                  for lookup in group]  # fmt: skip
        indexed = [lookup for lookup, yes in zip(group, served, strict=True) if yes]
        scanning = [lookup for lookup, yes in zip(group, served, strict=True) if not yes]
        # Each lookup an index answers is a statement of its own: PostgreSQL re-checks the
        # whole condition on every candidate of its bitmap, and the candidates of a common
        # name in notes paid for the digits of every note in an OR (10M rows: 0.69 s ->
        # 0.09 s).
        for part in [*([lookup] for lookup in indexed), scanning]:
            # A lookup's matches are among its own condition's rows: a statement's rows are
            # tested only with its lookups (a row of the other statement's is found there;
            # 1,000 people, 1M notes on PostgreSQL: 5.8 s -> 4.3 s).
            tests = [(lookup.column, matcher(lookup)) for lookup in part]
            pieces = [(lookup, sqlquery.lookup_chunks(lookup, server=server)) for lookup in part]
            for round_ in range(max((len(c) for _, c in pieces), default=0)):
                conditions = [
                    cond
                    for lookup, chunked in pieces
                    if round_ < len(chunked)
                    and (cond := self._condition(conn, info, lookup, chunked[round_])) is not None
                ]
                if not conditions:
                    continue
                selecting = _where(info, sa.or_(*conditions))
                for values in self._rows(conn, info, selecting, stream=True):
                    key = info.key_of(values)
                    for column, test in tests:
                        for value in test(values.get(column)):
                            ident = (row_id(table, key), column, value)
                            if ident not in seen:
                                seen.add(ident)
                                yield Hit(table, key, column, value, values)

    @staticmethod
    def _served(info: TableInfo, lookup: Lookup) -> bool:
        """Whether an index of ``info`` answers the lookup (``index_serves``, reflected)."""
        column = info.columns[lookup.column]
        if info.kind == "view":
            return False
        if lookup.match == "exact":
            return info.leads_index(lookup.column) and (column.text or column.number is not None)
        if lookup.match == "casefold":
            return lookup.column in info.lower_indexed or (
                info.case_insensitive(lookup.column) and info.leads_index(lookup.column)
            )
        return False

    def _mention_index(
        self, conn: Connection, info: TableInfo, lookup: Lookup
    ) -> mention_index.MentionIndex | None:
        """The mention index that serves the lookup's column and match mode, if any: of the
        kinds that can, the better one (``mention_index.SERVES``)."""
        found = self._mention_indexes(conn)
        kinds = mention_index.SERVES.get(lookup.match, ())
        return next(
            (found[key] for kind in kinds if (key := (info.name, lookup.column, kind)) in found),
            None,
        )

    def _indexed_mentions(self, conn: Connection, info: TableInfo, lookup: Lookup) -> bool:
        """Whether the mention index answers the lookup alone: then it runs apart from the
        scanning tests, which would otherwise make the engine scan for it too."""
        index = self._mention_index(conn, info, lookup)
        return index is not None and mention_index.answers(index, lookup.match, lookup.values)

    def _condition(
        self, conn: Connection, info: TableInfo, lookup: Lookup, values: Sequence[str]
    ) -> sa.ColumnElement[bool] | None:
        """The candidates of one chunk of a lookup; a mention search asks the source's
        mention index (``mention_index``) where one covers the column."""
        index = self._mention_index(conn, info, lookup)
        if index is not None:
            return mention_index.condition(info, lookup.column, index, lookup.match, values)
        return sqlquery.condition(info, lookup.column, lookup.match, values)

    def read(self, table: str, keys: Sequence[RowKey]) -> Iterator[tuple[RowKey, dict[str, Any]]]:
        """The rows the keys name: by primary key (a table without one: by every column the
        key names), in chunks of ``query.CHUNK`` keys per statement."""
        keys = list(keys)
        if not keys:
            return
        with self._connect(f"cannot read table '{table}'") as conn:
            info = self._info(conn, table)
            names = set(info.primary_key) if info.primary_key else None
            for key in keys:
                if (names is not None and set(key) != names) or not set(key) <= set(info.columns):
                    raise self._error(
                        f"row key for table '{table}' must name its primary key "
                        f"({', '.join(info.primary_key) or 'its columns'}), "
                        f"got ({', '.join(key)})"
                    )
            for start in range(0, len(keys), sqlquery.CHUNK):
                chunk = keys[start : start + sqlquery.CHUNK]
                where = sa.or_(*(sqlquery.key_condition(info, key) for key in chunk))
                for values in self._rows(conn, info, _where(info, where)):
                    yield info.key_of(values), values

    # -- mention index (``mention_index``) ---------------------------------------------------

    def _mention_indexes(self, conn: Connection) -> mention_index.Found:
        if self._mentions is None:
            self._mentions = mention_index.existing(conn, self.options.schema_)
            conn.rollback()
        return self._mentions

    def mention_indexes(self) -> list[mention_index.MentionIndex]:
        """The mention indexes the database holds (``dsr sources index``)."""
        with self._connect("cannot read the mention indexes") as conn:
            return sorted(self._mention_indexes(conn).values(), key=_index_order)

    def create_mention_index(
        self,
        columns: Sequence[tuple[str, str]],
        phones: Sequence[tuple[str, str]] = (),
        *,
        step: Callable[[int, int], None] | None = None,
    ) -> list[mention_index.MentionIndex]:
        """Build, in one transaction, a trigram index of the text and one of the digits on
        each (table, free-text column), and an index of the last digits on each (table,
        phone column); other columns and views are passed over. Raises SourceError,
        nothing built, where the engine cannot. ``step(done, total)`` is told how many of
        the indexes are built, before the first and after each (ten million rows take
        minutes)."""
        with self._connect("cannot read the tables to index") as conn:
            if not mention_index.supported(conn):
                raise self._error(
                    f"{conn.dialect.name} has no mention index dsr can build",
                    "mention indexes exist for SQLite and PostgreSQL",
                )
            infos = {table: self._info(conn, table) for table, _ in [*columns, *phones]}
        # Only text the engine compares as text: a view has no rows of its own to index.
        kinds: tuple[tuple[Sequence[tuple[str, str]], tuple[mention_index.Kind, ...]], ...] = (
            (columns, ("text", "digits")),
            (phones, ("ending",)),
        )
        wanted = [
            (table, column, kind)
            for chosen, made in kinds
            for table, column in dict.fromkeys(chosen)
            if infos[table].kind == "table"
            and column in infos[table].columns
            and infos[table].columns[column].text
            and column not in infos[table].fallbacks
            for kind in made
        ]
        built: list[mention_index.MentionIndex] = []
        with (
            self._translated("cannot build the mention index"),
            self._engine_or_connect().begin() as conn,
        ):
            for done, (table, column, kind) in enumerate(wanted):
                if step is not None:
                    step(done, len(wanted))
                try:
                    built.append(mention_index.create(conn, infos[table], column, kind))
                except mention_index.CannotIndex as exc:
                    raise self._error(
                        f"cannot build a mention index: {exc}; nothing was built",
                        "build none for this source, or fix what the message names",
                    ) from exc
            mention_index.after_building(
                conn, [infos[t] for t in dict.fromkeys(t for t, *_ in wanted)]
            )
            if step is not None:
                step(len(wanted), len(wanted))
        self._mentions = None
        return built

    def drop_mention_indexes(self) -> list[mention_index.MentionIndex]:
        """Remove every mention index (and its triggers) of the source."""
        with (
            self._translated("cannot remove the mention index"),
            self._engine_or_connect().begin() as conn,
        ):
            found = list(mention_index.existing(conn, self.options.schema_).values())
            for index in found:
                mention_index.drop(conn, index, self.options.schema_)
        self._mentions = None
        return sorted(found, key=_index_order)

    # -- erasing -----------------------------------------------------------------------------

    def _check(self, action: ErasureAction, info: TableInfo) -> None:
        """Refuse, before anything is written, what cannot be applied as asked."""
        where = f"table '{info.name}'"
        if info.kind == "view":
            raise self._error(f"{where} is a view; erase in the tables it shows")
        if not info.primary_key and not set(info.columns) <= set(action.key):
            # Without a primary key a row is named by all its values (key/value tables).
            raise self._error(
                f"{where} has no primary key, so dsr cannot address single rows",
                "add a primary key, or erase these rows by hand",
            )
        if info.primary_key and set(action.key) != set(info.primary_key):
            raise self._error(
                f"row key for {where} must name its primary key "
                f"({', '.join(info.primary_key)}), got ({', '.join(action.key)})"
            )
        if action.action != "delete" and not action.columns:
            raise self._error(f"a {action.action} action on {where} names no columns")
        for column in action.columns:
            col = info.columns.get(column)
            if col is None:
                raise self._error(f"{where} has no column '{column}'")
            if action.action == "null" and (not col.nullable or column in info.primary_key):
                raise self._error(
                    f"column '{column}' of {where} may not be empty",
                    "mask it instead, or delete the row",
                )
            if action.action in ("mask", "redact") and not col.text:
                raise self._error(
                    f"column '{column}' of {where} is {col.type_name}, not text",
                    f"{action.action} needs a text column; null it instead",
                )

    def apply(self, actions: Sequence[ErasureAction]) -> ApplyResult:
        """All actions in one transaction: updates first, then deletes, children first.

        Erased values must not survive in the database file: SQLite runs the
        transaction with ``secure_delete`` (freed space is overwritten with zeros)
        and, in WAL mode, checkpoints and truncates the log after the commit;
        PostgreSQL vacuums the changed tables when the source sets ``vacuum``.
        """
        self.warnings = []
        if not actions:
            return ApplyResult(0, 0)
        with self._connect("cannot read the tables to erase in") as conn:
            infos = {a.table: self._info(conn, a.table) for a in actions}
            triggers = _triggers(conn, list(infos.values()))
        for action in actions:
            self._check(action, infos[action.table])
        updates = [a for a in actions if a.action != "delete"]
        order = sqlquery.delete_order(actions, infos)
        deletes = sorted(
            (a for a in actions if a.action == "delete"), key=lambda a: order.index(a.table)
        )
        applied = unchanged = 0
        with self._translated("erasure failed"), self._engine_or_connect().begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA secure_delete = ON")
            for action in [*updates, *deletes]:
                with self._translated(f"cannot {action.action} in table '{action.table}'"):
                    changed = self._apply_one(conn, action, infos[action.table])
                applied, unchanged = applied + changed, unchanged + (not changed)
        self._after_commit([infos[t] for t in dict.fromkeys(a.table for a in actions)], applied)
        if applied:
            for table, names in triggers.items():
                self.warnings.append(
                    Problem(
                        f"table '{table}' has triggers ({', '.join(names)}) that ran on the "
                        "erasure and may have copied the old values into other tables",
                        Where(source=self.name),
                        "run dsr erase ID --verify: it finds such copies",
                    )
                )
        return ApplyResult(applied, unchanged)

    def _after_commit(self, tables: list[TableInfo], applied: int) -> None:
        """Leave no copy of erased values behind: empty SQLite's WAL, vacuum PostgreSQL.

        The WAL is emptied even when nothing changed now (a re-run after a crash right
        after the commit); VACUUM runs only after changes. Runs after the commit, so a
        failure here is a warning, not a failed erasure.
        """
        engine = self._engine_or_connect()
        backend = engine.dialect.name
        try:
            if backend == "sqlite" and applied:
                with engine.begin() as conn:
                    changed = {info.name for info in tables}
                    indexes = [
                        index
                        for index in mention_index.existing(conn, self.options.schema_).values()
                        if index.table in changed
                    ]
                    if indexes:
                        mention_index.after_erasure(conn, indexes)
            if backend == "sqlite":
                with engine.connect() as conn:
                    mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
                    if str(mode).lower() == "wal":
                        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
                        if busy is not None and busy[0]:
                            self.warnings.append(
                                Problem(
                                    "the write-ahead log could not be emptied: another "
                                    "program is reading the database",
                                    Where(source=self.name),
                                    "it is emptied at the next checkpoint; run the erasure "
                                    "again later to be sure",
                                )
                            )
            elif backend == "postgresql" and self.options.vacuum and applied:
                for info in tables:
                    sqlvacuum.vacuum(
                        engine, [info.name], info.schema, full=self.options.vacuum == "full"
                    )
        except (DBAPIError, SQLAlchemyError) as exc:
            reason, _hint = _reason(exc)
            self.warnings.append(
                Problem(
                    f"the erasure is committed, but cleaning up after it failed: {reason}",
                    Where(source=self.name),
                    "run VACUUM (PostgreSQL) or a checkpoint (SQLite) by hand",
                )
            )

    # -- what the engine keeps ---------------------------------------------------------------

    def vacuum_state(self, tables: Sequence[str]) -> sqlvacuum.VacuumState | None:
        """When ``tables`` were last vacuumed and how many dead rows they hold (PostgreSQL
        keeps erased row versions until VACUUM; ``sql.vacuum``); None for other databases."""
        if self._engine_or_connect().dialect.name != "postgresql":
            return None
        with self._translated("cannot read the vacuum statistics"):
            return sqlvacuum.read_state(self._engine_or_connect(), tables, self.options.schema_)

    def vacuum_tables(self, tables: Sequence[str]) -> str | None:
        """Run the VACUUM the source asks for (``vacuum: true`` or ``full``) on ``tables``;
        the command run, or None when the source asks for none or is no PostgreSQL."""
        if not self.options.vacuum or self._engine_or_connect().dialect.name != "postgresql":
            return None
        full = self.options.vacuum == "full"
        with self._translated("VACUUM failed"):
            sqlvacuum.vacuum(self._engine_or_connect(), tables, self.options.schema_, full=full)
        return "VACUUM FULL" if full else "VACUUM"

    def _apply_one(self, conn: Connection, action: ErasureAction, info: TableInfo) -> bool:
        clause = info.clause()
        where = sqlquery.key_condition(info, action.key)
        if action.action == "delete":
            return conn.execute(sa.delete(clause).where(where)).rowcount > 0
        refused = [c for c in action.columns if c in info.fallbacks]
        if refused and action.action == "redact":
            raise self._error(
                f"column '{refused[0]}' of table '{info.name}' cannot be read as stored, so "
                "its text cannot be redacted safely; nothing was changed",
                "mask or null the column instead",
            )
        unreadable = [c for c in action.columns if c in info.unreadable]
        current = (
            conn.execute(sa.select(*info.selected(list(action.columns))).where(where))
            .mappings()
            .first()
        )
        if current is None:
            return False
        # An unreadable cell may hold anything: mask or null it as one that holds a value.
        new = changes(action, {**current, **dict.fromkeys(unreadable, _UNREADABLE)})
        if not new:
            return False
        guard = [clause.c[c] == current[c] for c in new if action.action == "redact"]
        result = conn.execute(sa.update(clause).where(where, *guard).values(new))
        if result.rowcount == 0:
            raise self._error(
                f"a row of table '{info.name}' changed while it was being erased; "
                "nothing was changed",
                "run the erasure again",
            )
        return True

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _index_order(index: mention_index.MentionIndex) -> tuple[str, str, int]:
    return (index.table, index.column, get_args(mention_index.Kind).index(index.kind))


def _where(info: TableInfo, condition: sa.ColumnElement[bool]) -> Build:
    """The rows of the table ``condition`` selects, whichever columns are read."""
    clause = info.clause()

    def build(columns: Sequence[sa.ColumnElement[Any]]) -> sa.Select[Any]:
        return sa.select(*columns).select_from(clause).where(condition)

    return build


_UNREADABLE = "\x00unreadable"
"""Stands for a value that cannot be read, in the current values ``rows.changes`` sees."""


def _triggers(conn: Connection, tables: list[TableInfo]) -> dict[str, list[str]]:
    """The user-defined triggers on ``tables`` (SQLite and PostgreSQL), by table name.

    An audit trigger copies a row before it changes: erasing the row then writes the
    values being erased into the audit table. Best effort: unknown databases and
    catalogues that cannot be read give no triggers.
    """
    names = [t.name for t in tables]
    backend = conn.dialect.name
    if backend == "sqlite":
        query = sa.text(
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name IN :tables ORDER BY name"
        ).bindparams(sa.bindparam("tables", expanding=True))
    elif backend == "postgresql":
        query = sa.text(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal "
            "AND c.relname IN :tables AND n.nspname = coalesce(:schema, current_schema()) "
            "ORDER BY t.tgname"
        ).bindparams(sa.bindparam("tables", expanding=True), sa.bindparam("schema", None))
    else:
        return {}
    params: dict[str, Any] = {"tables": names}
    if backend == "postgresql":
        params["schema"] = tables[0].schema if tables else None
    found: dict[str, list[str]] = {}
    try:
        for table, name in conn.execute(query, params):
            if not mention_index.own_name(str(name)):  # dsr's own keep its index in step
                found.setdefault(str(table), []).append(str(name))
    except (DBAPIError, SQLAlchemyError):
        conn.rollback()
        return {}
    conn.rollback()
    return found


WORK_MEM_KB = 64 * 1024
"""The memory PostgreSQL may use per bitmap of a lookup's session, at least (kB). With the
default 4 MB, the bitmap of a mention search with many candidates (the names of 1,000
people in 10M notes) turns lossy and every row of its pages is re-checked against every
pattern: 32 s instead of 3 s. A server that allows more keeps its own value."""


def _postgres_connection(dbapi_connection: Any, _record: Any) -> None:
    """Raise the session's ``work_mem`` to WORK_MEM_KB where it is lower, and commit, so
    the setting is no part of a transaction the pool rolls back."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT setting::bigint FROM pg_settings WHERE name = 'work_mem'")
        row = cursor.fetchone()
        if row is not None and int(row[0]) < WORK_MEM_KB:
            cursor.execute(f"SET work_mem = '{WORK_MEM_KB}kB'")
    finally:
        cursor.close()
    dbapi_connection.commit()


def _sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """SQLite enforces declared foreign keys only when asked, per connection; dsr's own
    functions (``query.register_sqlite_functions``) are registered per connection too."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    sqlquery.register_sqlite_functions(dbapi_connection)
