"""The ``csv`` connector: a CSV file, or a folder of them, streamed and rewritten in place.

Every CSV is read through ``csvread`` (sniffed encoding and delimiter, quoted
line breaks, spreadsheet row numbers) one record at a time, so a file of any
size is searched in bounded memory: a batch of lookups is tested in one pass per
file. Erasure rewrites a file atomically (``atomic``): untouched records are
copied as the exact text they were read from, so quoting, line endings, the
encoding and a byte-order mark survive; only changed records are written anew,
with the file's delimiter and line ending.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dsr.config.fields import ConfigPath
from dsr.connectors.capabilities import WRITABLE, Capabilities, Support
from dsr.connectors.files import csvread
from dsr.connectors.files.atomic import replacing
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
from dsr.connectors.rows import changes, is_empty, matcher
from dsr.errors import Problem, SourceError, Where


class CsvOptions(BaseModel):
    """A CSV file, or a folder of them. Delimiter and encoding are sniffed unless set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: ConfigPath
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    encoding: str | None = None
    header_row: int | None = Field(default=None, ge=1)

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError as exc:
                raise ValueError(
                    f"unknown encoding '{value}'; use e.g. utf-8 or cp1252 (German Excel)"
                ) from exc
        return value


class CsvConnector(FileTables):
    """CSV file or folder of CSV files."""

    type_name: ClassVar[str] = "csv"
    Options: ClassVar[type[BaseModel]] = CsvOptions
    match_modes: ClassVar[frozenset[MatchMode]] = ALL_MATCH_MODES
    capabilities: ClassVar[Capabilities] = Capabilities(
        delete=WRITABLE.delete,
        null=WRITABLE.null,
        mask=WRITABLE.mask,
        redact=WRITABLE.redact,
        streaming=Support.SUPPORTED,
    )
    extensions: ClassVar[tuple[str, ...]] = (".csv",)
    summary: ClassVar[str] = "CSV file or folder of CSV files"

    def __init__(self, name: str, options: CsvOptions) -> None:
        self.name = name
        self.options = options
        self._files: dict[str, SourceFile] | None = None
        self._formats: dict[str, csvread.CsvFormat] = {}
        self._tables: list[Table] | None = None

    # -- files -----------------------------------------------------------------------

    def _format(self, file: SourceFile) -> csvread.CsvFormat:
        if file.table not in self._formats:
            self._formats[file.table] = csvread.detect_format(
                file.path,
                encoding=self.options.encoding,
                delimiter=self.options.delimiter,
                source=self.name,
            )
        return self._formats[file.table]

    @property
    def _header_row(self) -> int:
        return self.options.header_row or 1

    def _rows(
        self, file: SourceFile
    ) -> tuple[list[str], csvread.Closing[tuple[int, list[str]]]]:
        return csvread.read_rows(
            file.path, self._format(file), source=self.name, header_row=self._header_row
        )

    # -- reading ---------------------------------------------------------------------

    def tables(self) -> list[Table]:
        # Classification and lookup both ask; a large file is counted once per connector.
        if self._tables is None:
            self._tables = self._list_tables()
        return list(self._tables)

    def _list_tables(self) -> list[Table]:
        # csvscan brings NumPy and multiprocessing: imported when a file is read, not when
        # dsr.yaml is checked (`dsr overdue` and the ledger commands never read a CSV).
        from dsr.connectors.files import csvscan

        tables = []
        for file in self._by_table().values():
            names, rows = self._rows(file)
            exact = True
            count = csvscan.estimate_rows(file.path, header_row=self._header_row)
            if count is not None:
                exact = False
            else:
                count = csvscan.count_rows(
                    file.path, self._format(file), header_row=self._header_row
                )
            if count is None:
                count = sum(1 for _ in rows)
            rows.close()
            tables.append(
                Table(
                    name=file.table,
                    columns=tuple(Column(n, "text") for n in names),
                    rows=count,
                    rows_exact=exact,
                    kind="file",
                )
            )
        return tables

    def sample(self, table: str, n: int = 20) -> list[dict[str, Any]]:
        _names, records = csvread.read_records(
            self._file(table).path,
            self._format(self._file(table)),
            source=self.name,
            header_row=self._header_row,
        )
        rows: list[dict[str, Any]] = []
        for record in records:
            if len(rows) >= n:
                break
            rows.append(record.values)
        records.close()
        return rows

    def find(self, lookups: Sequence[Lookup]) -> Iterator[Hit]:
        by_table: dict[str, list[Lookup]] = {}
        for lookup in lookups:
            by_table.setdefault(lookup.table, []).append(lookup)
        for table, group in by_table.items():
            yield from self._scan(self._file(table), group)

    def _scan(self, file: SourceFile, lookups: list[Lookup]) -> Iterator[Hit]:
        """One pass over the file that tests every lookup of its table on each record."""
        names, rows = self._rows(file)
        index = {name: i for i, name in enumerate(names)}
        tests = []
        for lookup in lookups:
            if lookup.column not in index:
                raise SourceError(
                    Problem(
                        f"table '{file.table}' has no column '{lookup.column}'",
                        Where(file=file.path, source=self.name),
                    )
                )
            if lookup.values:
                tests.append((index[lookup.column], lookup.column, matcher(lookup)))
        if not tests:
            rows.close()
            return
        wanted = [lookup for lookup in lookups if lookup.values]
        from dsr.connectors.files import csvscan  # see _list_tables

        fast = csvscan.prefiltered_rows(
            file.path, self._format(file), wanted, header_row=self._header_row, source=self.name
        )
        records: Iterator[tuple[int, list[str]]] = rows
        if fast is not None:
            rows.close()
            records = iter(fast)
        width = len(names)
        fmt = self._format(file)
        for row, values in records:
            csvread.check_not_swallowed(values, width, fmt, file.path, row, self.name)
            for position, column, test in tests:
                if position >= len(values):
                    continue
                matched = test(values[position])
                if not matched:
                    continue
                padded = values + [""] * (width - len(values))
                record = dict(zip(names, padded, strict=False))
                key = {"file": file.name, "row": row}
                for value in matched:
                    yield Hit(file.table, dict(key), column, value, record)

    def read(self, table: str, keys: Sequence[RowKey]) -> Iterator[tuple[RowKey, dict[str, Any]]]:
        """The records the keys name, in one pass that stops after the last of them.

        An emptied (deleted) record is a blank line, which the reader skips: it is absent.
        """
        file = self._file(table)
        wanted = {row for key in keys if (row := place_row(key, file.name)) is not None}
        if not wanted:
            return
        last = max(wanted)
        names, rows = self._rows(file)
        try:
            width = len(names)
            for row, values in rows:
                if row > last:
                    break
                if row in wanted:
                    padded = values + [""] * (width - len(values))
                    yield {"file": file.name, "row": row}, dict(zip(names, padded, strict=False))
        finally:
            rows.close()

    # -- erasing ---------------------------------------------------------------------

    def apply(self, actions: Sequence[ErasureAction]) -> ApplyResult:
        self._tables = None  # row counts change
        headers: dict[str, list[str]] = {}

        def columns(table: str) -> list[str] | None:
            if table not in self._by_table():
                return None
            if table not in headers:
                names, rows = self._rows(self._by_table()[table])
                rows.close()
                headers[table] = names
            return headers[table]

        check_actions(
            actions, columns, self.capabilities, source=self.name, connector=self.type_name
        )
        by_file: dict[str, dict[int, list[ErasureAction]]] = {}
        for action in actions:
            file = self._file(action.table)
            row = key_row(action, file.name, self._header_row + 1, self.name)
            by_file.setdefault(file.table, {}).setdefault(row, []).append(action)
        if not by_file:
            return ApplyResult(0, 0)

        files = [self._by_table()[table] for table in by_file]
        applied = unchanged = 0
        with replacing([f.path for f in files], source=self.name) as temps:
            for file, temp in zip(files, temps, strict=True):
                done, same = self._rewrite(file, headers[file.table], by_file[file.table], temp)
                applied += done
                unchanged += same
        return ApplyResult(applied, unchanged)

    def _rewrite(
        self,
        file: SourceFile,
        names: list[str],
        actions: dict[int, list[ErasureAction]],
        temp: Any,
    ) -> tuple[int, int]:
        """Copy ``file`` to ``temp`` with the actions applied; (applied, unchanged)."""
        fmt = self._format(file)
        applied = unchanged = 0
        seen: set[int] = set()
        try:
            with open(temp, "w", encoding=fmt.encoding, newline="") as out:
                for record in csvread.read_raw_records(file.path, fmt, source=self.name):
                    todo = actions.get(record.row)
                    if todo is None:
                        out.write(record.text)
                        continue
                    seen.add(record.row)
                    values = record.values + [""] * (len(names) - len(record.values))
                    row = dict(zip(names, values, strict=False))
                    changed = False
                    for action in todo:
                        if all(is_empty(v) for v in row.values()):
                            unchanged += 1  # already deleted
                            continue
                        new = changes(action, row, "")
                        if new:
                            row.update(new)
                            applied += 1
                            changed = True
                        else:
                            unchanged += 1
                    if changed:
                        out.write(_encode_record(record, list(row.values()), fmt.delimiter))
                    else:
                        out.write(record.text)
        except UnicodeEncodeError as exc:
            raise SourceError(
                Problem(
                    f"the replacement text cannot be written in {fmt.encoding}",
                    Where(file=file.path, source=self.name),
                    "choose a mask made of characters the file's encoding holds",
                )
            ) from exc
        # Rows past the end of the file are already gone.
        unchanged += sum(len(todo) for row, todo in actions.items() if row not in seen)
        return applied, unchanged

    def close(self) -> None:
        """Nothing stays open: every scan opens and closes its file."""


def _encode_record(record: csvread.RawRecord, values: list[str], delimiter: str) -> str:
    """A changed record in the file's style: its delimiter, line ending and quoting.

    A deleted record (every value empty) becomes a blank line, keeping the row
    numbers of the records below it.
    """
    text = record.text
    ending = next((e for e in ("\r\n", "\n", "\r") if text.endswith(e)), "")
    if all(not v for v in values):
        return ending
    quote_all = (
        len(record.values) > 1
        and text.startswith('"')
        and text.count(f'"{delimiter}"') >= len(record.values) - 1
    )
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=delimiter,
        lineterminator=ending,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    # Keep the record's own width: a short record stays short unless a column beyond it changed.
    while len(values) > len(record.values) and not values[-1]:
        values.pop()
    writer.writerow(values)
    return buffer.getvalue()
