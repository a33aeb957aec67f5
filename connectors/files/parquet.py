"""The ``parquet`` connector: a Parquet file or folder of them, queried in place with DuckDB.

Parquet files are often larger than memory, and DuckDB reads them column by
column without loading them whole: row counts come from the file metadata,
a sample is a ``LIMIT``, and a batch of lookups is one query per file and match
mode whose comparisons run inside DuckDB, with the identifiers normalised in
Python and bound as parameters: the stored column (lower-cased) against a list
of needles, trimmed only where a value starts or ends with a space; phone
numbers as a regular expression over the stored text (digits in order, anything
else between) or, for many, their extracted digits; mentions as RE2
alternations of the needles, behind a test for ``@`` where the needle is an
address. Only candidate rows reach Python, where ``dsr.connectors.rows.matcher``
names the values each matched: DuckDB compares the same text (``_text``: a
double 17.0 and a decimal 17.00 read ``17``), so its candidates are the
matches (a regular expression may let through more, never fewer), and the one
definition decides.

Row keys are ``{"file", "row"}`` with the 1-based position of the row in its
file. Erasure writes a new file with DuckDB's ``COPY ... TO`` (changed cells
replaced by position, every other row and column copied, the original's
compression kept) into a temporary file that then replaces the original
(``atomic``). Deleted rows are emptied in place (every column NULL) so later
row positions, and the keys that name them, stay valid (see ``edits``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from dsr.config.fields import ConfigPath
from dsr.connectors.capabilities import Capabilities, Support
from dsr.connectors.files.atomic import replacing
from dsr.connectors.files.csvread import unreadable
from dsr.connectors.files.edits import check_actions, key_row, place_row
from dsr.connectors.files.folder import FileTables, SourceFile
from dsr.connectors.protocol import (
    ALL_MATCH_MODES,
    ApplyResult,
    Column,
    ErasureAction,
    Hit,
    Lookup,
    MatchMode,
    RowKey,
    Table,
)
from dsr.connectors.rows import (
    ENDING,
    PADDING,
    address_sign,
    changes,
    digit_endings,
    digit_values,
    matcher,
)
from dsr.errors import Problem, SourceError, Where

_TEXT_TYPES = ("VARCHAR",)
_INTEGER_TYPES = frozenset(
    ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
     "UINTEGER", "UBIGINT", "UHUGEINT")
)  # fmt: skip


class ParquetOptions(BaseModel):
    """A Parquet file or a folder of Parquet files, queried in place."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: ConfigPath


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class ParquetConnector(FileTables):
    """Parquet file or folder of Parquet files."""

    type_name: ClassVar[str] = "parquet"
    Options: ClassVar[type[BaseModel]] = ParquetOptions
    match_modes: ClassVar[frozenset[MatchMode]] = ALL_MATCH_MODES
    capabilities: ClassVar[Capabilities] = Capabilities(
        delete=Support.SUPPORTED,
        null=Support.SUPPORTED,
        mask=Support.SUPPORTED,
        redact=Support.SUPPORTED,
        streaming=Support.SUPPORTED,
    )
    extensions: ClassVar[tuple[str, ...]] = (".parquet", ".pq")
    summary: ClassVar[str] = "Parquet file or folder of Parquet files"

    def __init__(self, name: str, options: ParquetOptions) -> None:
        self.name = name
        self.options = options
        self._files: dict[str, SourceFile] | None = None
        self._schemas: dict[str, list[tuple[str, str]]] = {}
        self._db: Any = None

    # -- plumbing --------------------------------------------------------------------

    def _connection(self) -> Any:
        if self._db is None:
            import duckdb

            self._db = duckdb.connect(":memory:")
            self._db.execute("SET preserve_insertion_order = true")
        return self._db

    def _query(self, file: SourceFile, sql: str, parameters: Sequence[Any]) -> Any:
        """Run ``sql`` for ``file``; DuckDB's errors become one line naming the file."""
        import duckdb

        try:
            with file.path.open("rb"):
                pass
        except OSError as exc:
            raise unreadable(exc, file.path, self.name) from exc
        try:
            return self._connection().execute(sql, list(parameters))
        except duckdb.Error as exc:
            raise SourceError(
                Problem(
                    "the file is damaged or not a Parquet file; export it again",
                    Where(file=file.path, source=self.name),
                    f"({type(exc).__name__})",
                )
            ) from exc

    def _schema(self, file: SourceFile) -> list[tuple[str, str]]:
        if file.table not in self._schemas:
            rows = self._query(
                file, "DESCRIBE SELECT * FROM read_parquet(?)", [str(file.path)]
            ).fetchall()
            self._schemas[file.table] = [(r[0], r[1]) for r in rows]
        return self._schemas[file.table]

    # -- reading ---------------------------------------------------------------------

    def tables(self) -> list[Table]:
        tables = []
        for file in self._by_table().values():
            schema = self._schema(file)
            (count,) = self._query(
                file,
                "SELECT sum(num_rows) FROM parquet_file_metadata(?)",
                [str(file.path)],
            ).fetchone()
            tables.append(
                Table(
                    file.table,
                    tuple(Column(name, kind) for name, kind in schema),
                    rows=int(count or 0),
                    rows_exact=True,
                    kind="file",
                )
            )
        return tables

    def sample(self, table: str, n: int = 20) -> list[dict[str, Any]]:
        file = self._file(table)
        names = [name for name, _ in self._schema(file)]
        rows = self._query(
            file, "SELECT * FROM read_parquet(?) LIMIT ?", [str(file.path), int(n)]
        ).fetchall()
        return [dict(zip(names, row, strict=True)) for row in rows]

    def find(self, lookups: Sequence[Lookup]) -> Iterator[Hit]:
        by_table: dict[str, list[Lookup]] = {}
        for lookup in lookups:
            by_table.setdefault(lookup.table, []).append(lookup)
        for table, group in by_table.items():
            yield from self._scan(self._file(table), group)

    def _scan(self, file: SourceFile, lookups: list[Lookup]) -> Iterator[Hit]:
        """The rows any lookup may match, one query per match mode, merged in file order;
        the shared matcher then names the values each row matched. In one OR of every test
        DuckDB evaluated the costliest (a mention search) on every row the cheap ones had
        ruled out, and a list of 1,000 e-mails inside an OR cost ten times what it costs
        alone (1M rows: 1.9 s against 0.15 s). Tests of a text derived from the column (its
        lower case, its digits) compute it once per row, in a subquery (``_select``)."""
        types = dict(self._schema(file))
        names = list(types)
        for lookup in lookups:
            if lookup.column not in types:
                raise SourceError(
                    Problem(
                        f"table '{file.table}' has no column '{lookup.column}'",
                        Where(file=file.path, source=self.name),
                    )
                )
        groups: dict[tuple[str, str, str], list[_Test]] = {}
        tests = []
        for lookup in lookups:
            found = _conditions(lookup, types[lookup.column])
            if not found:
                continue
            for condition in found:
                apart = condition.guard if condition.apart else ""
                groups.setdefault((condition.mode, condition.derived, apart), []).append(condition)
            tests.append((lookup.column, matcher(lookup)))
        rows: dict[int, tuple[Any, ...]] = {}
        for (_, derived, _), group in sorted(groups.items()):
            parameters: list[Any] = [str(file.path)]
            for condition in group:
                parameters.extend(condition.parameters)
            cursor = self._query(file, _select(derived, group), parameters)
            while batch := cursor.fetchmany(1000):
                for row in batch:
                    rows.setdefault(int(row[0]), row)
        for position in sorted(rows):
            record = dict(zip(names, rows[position][1:], strict=True))
            key = {"file": file.name, "row": position + 1}
            for column, test in tests:
                for value in test(record[column]):
                    yield Hit(file.table, dict(key), column, value, record)

    def read(self, table: str, keys: Sequence[RowKey]) -> Iterator[tuple[RowKey, dict[str, Any]]]:
        """The rows the keys name, by position; an emptied (deleted) row is absent."""
        file = self._file(table)
        positions = sorted(
            {row - 1 for key in keys if (row := place_row(key, file.name)) is not None and row > 0}
        )
        if not positions:
            return
        names = [name for name, _ in self._schema(file)]
        found = self._query(
            file,
            "SELECT file_row_number, * EXCLUDE (file_row_number) "
            "FROM read_parquet(?, file_row_number = true) "
            "WHERE list_contains(CAST(? AS BIGINT[]), file_row_number)",
            [str(file.path), positions],
        ).fetchall()
        for row in found:
            record = dict(zip(names, row[1:], strict=True))
            if any(v is not None for v in record.values()):
                yield {"file": file.name, "row": int(row[0]) + 1}, record

    # -- erasing ---------------------------------------------------------------------

    def apply(self, actions: Sequence[ErasureAction]) -> ApplyResult:
        def columns(table: str) -> list[str] | None:
            file = self._by_table().get(table)
            return None if file is None else [name for name, _ in self._schema(file)]

        check_actions(
            actions, columns, self.capabilities, source=self.name, connector=self.type_name
        )
        wanted: dict[str, dict[int, list[ErasureAction]]] = {}
        for action in actions:
            file = self._file(action.table)
            types = dict(self._schema(file))
            if action.action in ("mask", "redact"):
                for column in action.columns:
                    if types[column] not in _TEXT_TYPES:
                        raise SourceError(
                            Problem(
                                f"column '{column}' of '{action.table}' holds {types[column]} "
                                f"values; {action.action} needs a text column",
                                Where(file=file.path, source=self.name),
                                "empty it with a null action instead",
                            )
                        )
            row = key_row(action, file.name, 1, self.name)
            wanted.setdefault(file.table, {}).setdefault(row - 1, []).append(action)

        applied = unchanged = 0
        plans: list[tuple[SourceFile, dict[str, dict[int, Any]]]] = []
        for table, rows in wanted.items():
            file = self._file(table)
            names = [name for name, _ in self._schema(file)]
            found = self._query(
                file,
                "SELECT file_row_number, * EXCLUDE (file_row_number) "
                "FROM read_parquet(?, file_row_number = true) "
                "WHERE list_contains(CAST(? AS BIGINT[]), file_row_number)",
                [str(file.path), sorted(rows)],
            ).fetchall()
            current = {int(r[0]): dict(zip(names, r[1:], strict=True)) for r in found}
            cells: dict[str, dict[int, Any]] = {}
            for position, todo in rows.items():
                record = current.get(position)
                for action in todo:
                    gone = record is None or all(v is None for v in record.values())
                    new = {} if gone or record is None else changes(action, record, None)
                    if not new:
                        unchanged += 1
                        continue
                    applied += 1
                    assert record is not None
                    record.update(new)
                    for column, value in new.items():
                        cells.setdefault(column, {})[position] = value
            if cells:
                plans.append((file, cells))
        if plans:
            with replacing([f.path for f, _ in plans], source=self.name) as temps:
                for (file, cells), temp in zip(plans, temps, strict=True):
                    self._rewrite(file, cells, temp)
        return ApplyResult(applied, unchanged)

    def _rewrite(self, file: SourceFile, cells: dict[str, dict[int, Any]], temp: Path) -> None:
        """Copy ``file`` to ``temp`` with ``cells`` (column -> row position -> value) replaced."""
        compression = self._query(
            file,
            "SELECT compression FROM parquet_metadata(?) LIMIT 1",
            [str(file.path)],
        ).fetchone()
        codec = str(compression[0]).lower() if compression else "snappy"
        if codec not in ("uncompressed", "snappy", "gzip", "zstd", "brotli", "lz4", "lz4_raw"):
            codec = "snappy"
        select = []
        parameters: list[Any] = []
        for name, kind in self._schema(file):
            if name not in cells:
                select.append(_quote(name))
                continue
            positions = sorted(cells[name])
            values = [cells[name][p] for p in positions]
            select.append(
                "CASE WHEN list_contains(CAST(? AS BIGINT[]), file_row_number) "
                "THEN CAST(list_extract(CAST(? AS VARCHAR[]), "
                "list_position(CAST(? AS BIGINT[]), file_row_number)) AS "
                f"{kind}) ELSE {_quote(name)} END AS {_quote(name)}"
            )
            parameters.extend([positions, values, positions])
        parameters.append(str(file.path))
        sql = (
            f"COPY (SELECT {', '.join(select)} "
            "FROM read_parquet(?, file_row_number = true)) "
            f"TO {_literal(str(temp))} (FORMAT parquet, COMPRESSION {codec})"
        )
        self._query(file, sql, parameters)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


DERIVED = "__dsr_derived"
"""The subquery's column for a text derived from the stored one (``_Test.derived``)."""


@dataclass(frozen=True)
class _Test:
    """One condition of a lookup, with its match mode and parameters.

    ``derived`` is an expression over the stored column (its lower case, its digits) that
    ``condition`` reads as ``DERIVED``: computed once per row for all the tests that share
    it (ORed, RE2 computed it again for every alternation of 6,000 characters: 1,000
    numbers in 10M notes 3.5 s against 2.1 s), and only for rows that pass ``guard``
    (a cheap test on the stored column; empty: every row)."""

    mode: str
    condition: str
    parameters: list[Any]
    derived: str = ""
    guard: str = ""
    apart: bool = False
    """A query of its own behind its guard: in an OR of guards, or in an AND beside the
    derived text's test, DuckDB computed the derived text on every row."""


def _select(derived: str, tests: Sequence[_Test]) -> str:
    """The query for tests of one mode that share ``derived`` (the file's path is its first
    parameter, then each test's, in order)."""
    source = "read_parquet(?, file_row_number = true)"
    guards = sorted({test.guard for test in tests})
    if not derived or (len(tests) == len(guards) and not any(t.apart for t in tests)):
        # Each row computes the derived text at most once anyway (one test per guard): a
        # subquery would only add its column (one e-mail in 10M notes: 0.27 s against 0.41).
        where = " OR ".join(f"({_inline(test)})" for test in tests)
        return f"SELECT file_row_number, * EXCLUDE (file_row_number) FROM {source} WHERE {where}"
    where = " OR ".join(f"({test.condition})" for test in tests)
    inner = "" if "" in guards else " WHERE " + " OR ".join(f"({g})" for g in guards)
    return (
        f"SELECT * EXCLUDE ({DERIVED}) FROM (SELECT file_row_number, * EXCLUDE "
        f"(file_row_number), {derived} AS {DERIVED} FROM {source}{inner}) WHERE {where}"
    )


def _inline(test: _Test) -> str:
    """The test as one condition on the stored column: its guard, then its derived text."""
    condition = test.condition
    if test.derived:
        condition = condition.replace(DERIVED, f"({test.derived})")
    return f"({test.guard}) AND ({condition})" if test.guard else condition


def _text(column: str, kind: str) -> str | None:
    """A DuckDB expression for a column's values as ``rows.value_text`` writes them;
    None for binary columns, which are never compared."""
    name = _quote(column)
    base = kind.split("(", 1)[0].upper()
    if base == "VARCHAR":
        return name
    if base == "BLOB":
        return None
    if base in ("FLOAT", "DOUBLE", "REAL"):
        return (
            f"CASE WHEN isfinite({name}) AND {name} = trunc({name}) AND abs({name}) < 1e18 "
            f"THEN CAST(CAST({name} AS BIGINT) AS VARCHAR) ELSE CAST({name} AS VARCHAR) END"
        )
    if base == "DECIMAL":
        return (
            f"CASE WHEN {name} = trunc({name}) THEN CAST(CAST({name} AS HUGEINT) AS VARCHAR) "
            f"ELSE rtrim(rtrim(CAST({name} AS VARCHAR), '0'), '.') END"
        )
    return f"CAST({name} AS VARCHAR)"


_FEW_NUMBERS = 8
"""Up to this many phone numbers are one regular expression over the stored text; more
would grow RE2's automaton past its memory, so their digits are extracted and looked up."""

_PATTERN_CHARS = 6000
"""Characters per regular expression of mention needles: RE2 keeps an alternation of about
12,000 characters of e-mail addresses in its fast automaton (1M notes in 0.6 s), where
19,000 fall back to a search 30 times slower; short needles (names, phone tails) run
fastest in as few patterns as fit."""


def _conditions(lookup: Lookup, kind: str) -> list[_Test]:
    """DuckDB conditions that together hold for every row whose column matches one of the
    lookup's values (``rows.matcher``'s definition); empty when no row can.

    The needles are normalised here and compared with the column as stored (lower-cased
    for ``casefold``): a trimmed copy of every value cost more than the comparison, and
    values with spaces around them are few, so only those a test of the first and last
    character finds are trimmed."""
    text = _text(lookup.column, kind)
    values = sorted(v for v in lookup.values if v)
    if text is None or not values:
        return []
    digits = f"regexp_replace({text}, '[^0-9]', '', 'g')"  # ``rows.digits_of``
    if lookup.match in ("exact", "casefold"):
        # LIKE on a fixed first or last character reads DuckDB's inlined string prefix or
        # the end: cheaper than starts_with/ends_with (10M rows: +15 % against +40 %).
        starts, ends = _literal(PADDING + "%"), _literal("%" + PADDING)
        value = (
            f"CASE WHEN {text} LIKE {starts} OR {text} LIKE {ends} "
            f"THEN trim({text}, {_literal(PADDING)}) ELSE {text} END"
        )
        if lookup.match == "casefold":
            value = f"lower({value})"
            values = sorted({v.lower() for v in values})
        return [_Test(lookup.match, f"list_contains(CAST(? AS VARCHAR[]), {value})", [values])]
    if lookup.match == "digits":
        numbers = digit_values(values)
        if not numbers:
            return []
        if len(numbers) <= _FEW_NUMBERS:
            # The digits in order with anything but a digit between and after them: exactly
            # "the digits of the text end with the number", without a copy of every value.
            pattern = "|".join("[^0-9]*".join(n) + "[^0-9]*$" for n in numbers)
            return [_Test("digits", f"regexp_matches({text}, ?)", [pattern])]
        lengths = sorted({len(n) for n in numbers})
        tests = " OR ".join(
            f"list_contains(CAST(? AS VARCHAR[]), right({DERIVED}, {n}))" for n in lengths
        )
        by_length = [[n for n in numbers if len(n) == size] for size in lengths]
        endings = digit_endings(numbers)
        if endings is None:
            return [_Test("digits", tests, by_length, digits)]
        # A text that ends in four digits is compared only when they are one of the numbers'
        # endings (10M phone values, 1,000 numbers: 2.4 s -> 1.5 s).
        listed = ", ".join(f"'{e}'" for e in endings)  # digits only: safe as literals
        tail = f"right({text}, {ENDING})"
        others = f"NOT regexp_full_match({tail}, '[0-9]{{{ENDING}}}')"
        return [
            _Test("digits", tests, by_length, digits, f"{tail} IN ({listed})", apart=True),
            _Test("digits", tests, by_length, digits, others, apart=True),
        ]
    if lookup.match == "digits_within":
        numbers = digit_values(values)
        if not numbers:
            return []
        if len(numbers) <= _FEW_NUMBERS:
            # The digits in order with anything but a digit between: the number in any format.
            pattern = "|".join("[^0-9]*".join(n) for n in numbers)
            return [_Test("digits_within", f"regexp_matches({text}, ?)", [pattern])]
        # Only a text with as many digits as the shortest number can hold one: one pass of
        # the automaton rules out most notes before their digits are copied out.
        enough = f"regexp_matches({text}, '(?:[0-9][^0-9]*){{{min(map(len, numbers))}}}')"
        return [
            _Test("digits_within", f"regexp_matches({DERIVED}, ?)", [pattern], digits, enough)
            for pattern in _patterns(numbers)
        ]
    # contains: a text without an "@" (most of them) rules out every address by one test,
    # and one without "%40" every address written into a link.
    lowered = sorted({v.lower() for v in values})
    groups: dict[str, list[str]] = {}
    for needle in lowered:
        guard = address_sign(needle) or ""
        groups.setdefault(guard, []).append(needle)
    conditions: list[_Test] = []
    for sign, needles in sorted(groups.items()):
        # lower() leaves "@" and "%40" as they are: the sign is tested on the stored text
        # before the lower case is made, and on the lower case after.
        guard = f"contains({text}, {_literal(sign)})" if sign else ""
        test = f"contains({DERIVED}, {_literal(sign)}) AND " if sign else ""
        for pattern in _patterns(needles):
            condition = f"{test}regexp_matches({DERIVED}, ?)"
            conditions.append(_Test("contains", condition, [pattern], f"lower({text})", guard))
    return conditions


def _patterns(needles: list[str]) -> Iterator[str]:
    """RE2 alternations of the needles, each under ``_PATTERN_CHARS``."""
    chunk: list[str] = []
    size = 0
    for needle in needles:
        literal = _literal_pattern(needle)
        if chunk and size + len(literal) > _PATTERN_CHARS:
            yield "|".join(chunk)
            chunk, size = [], 0
        chunk.append(literal)
        size += len(literal) + 1
    if chunk:
        yield "|".join(chunk)


def _literal_pattern(needle: str) -> str:
    """``needle`` as an RE2 pattern matching exactly itself."""
    out = []
    for char in needle:
        if char.isalnum() or not char.isascii():
            out.append(char)
        elif char.isprintable() and char != " ":
            out.append("\\" + char)
        else:
            out.append(f"\\x{{{ord(char):x}}}")
    return "".join(out)
