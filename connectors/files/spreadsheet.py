"""The ``xlsx`` and ``ods`` connectors: workbooks people keep by hand, every sheet a table.

Hand-kept workbooks rarely start with their header in row 1: a title, a date
line or an empty row often sit above it. Unless ``header_row`` is given, the
header is the first of the top rows whose cells are mostly text and that has
data below it. Row keys carry the row number the spreadsheet program shows, so
a person can check a finding by eye.

XLSX is read with openpyxl in read-only (streaming) mode; ODS with odfpy, which
parses the whole document (ODS offers no streaming reader). Erasure loads the
workbook fully, changes only the cells concerned (a deleted row is emptied in
place, see ``edits``) and saves to a temporary file that then replaces the
original (``atomic``), so other rows, other sheets and cell formats stay.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from dsr.config.fields import ConfigPath
from dsr.connectors.capabilities import Capabilities, Support
from dsr.connectors.files.atomic import replacing
from dsr.connectors.files.csvread import unique_names, unreadable
from dsr.connectors.files.edits import bad_key, check_actions, key_row, place_row
from dsr.connectors.files.folder import SourceFile, list_files
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
from dsr.connectors.rows import changes, is_empty, matcher, value_text
from dsr.errors import Problem, SourceError, Where

HEADER_SEARCH_ROWS = 20
"""How many top rows may hold titles above the header."""

Row = tuple[int, list[Any]]
"""A sheet row: its number as the spreadsheet shows it, and its cell values from column A."""

CellEdits = dict[str, dict[int, dict[int, Any]]]
"""Per sheet, per row number, per column number (1-based): the new value (None clears)."""


class SpreadsheetOptions(BaseModel):
    """An XLSX or ODS workbook, or a folder of them; every sheet unless ``sheets`` names some."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: ConfigPath
    sheets: list[str] = Field(default_factory=list)
    header_row: int | None = Field(default=None, ge=1)


@dataclass(frozen=True)
class _Sheet:
    """Where a table lives: a sheet of one file, and its header."""

    file: SourceFile
    sheet: str
    table: str


@dataclass(frozen=True)
class _Layout:
    header_row: int
    columns: list[str]  # unique names, one per header cell up to the last non-empty one


def find_header(rows: Sequence[Row]) -> int | None:
    """The row number of the header among the top rows, or None for an empty sheet.

    The header is the first row whose filled cells are mostly text, that fills
    at least half as many cells as the widest top row (a one-cell title does
    not qualify), and that has a filled row below it; for a list without rows
    yet, the first such row at all; failing both, the first filled row.
    """
    filled = [(number, [v for v in values if not is_empty(v)]) for number, values in rows]
    filled = [(number, cells) for number, cells in filled if cells]
    if not filled:
        return None
    widest = max(len(cells) for _, cells in filled)
    candidates = [
        index
        for index, (_, cells) in enumerate(filled)
        if sum(isinstance(v, str) for v in cells) >= 0.8 * len(cells)
        and len(cells) >= max(1, math.ceil(widest / 2))
    ]
    with_data = [index for index in candidates if index + 1 < len(filled)]
    chosen = (with_data or candidates or [0])[0]
    return filled[chosen][0]


class _WorkbookConnector:
    """What the XLSX and ODS connectors share; subclasses read and write one format."""

    type_name: ClassVar[str]
    match_modes: ClassVar[frozenset[MatchMode]] = ALL_MATCH_MODES
    Options: ClassVar[type[BaseModel]] = SpreadsheetOptions
    capabilities: ClassVar[Capabilities] = Capabilities(
        delete=Support.SUPPORTED,
        null=Support.SUPPORTED,
        mask=Support.SUPPORTED,
        redact=Support.SUPPORTED,
    )
    summary: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]
    format_name: ClassVar[str]

    def __init__(self, name: str, options: SpreadsheetOptions) -> None:
        self.name = name
        self.options = options
        self._sheets: dict[str, _Sheet] | None = None
        self._layouts: dict[str, _Layout | None] = {}

    # -- format-specific -----------------------------------------------------------

    def _sheet_names(self, path: Path) -> list[str]:
        raise NotImplementedError

    def _rows(self, path: Path, sheet: str) -> Iterator[Row]:
        """Every non-empty row of the sheet in order, from row 1."""
        raise NotImplementedError

    def _write(
        self, path: Path, edits: CellEdits, cleared: dict[str, set[int]], temp: Path
    ) -> None:
        """Save ``path`` with the edits applied (and ``cleared`` rows emptied) as ``temp``."""
        raise NotImplementedError

    def _damaged(self, path: Path, exc: Exception) -> SourceError:
        return SourceError(
            Problem(
                f"the file is damaged or not an {self.format_name} workbook; export it again",
                Where(file=path, source=self.name),
                f"({type(exc).__name__})",
            )
        )

    # -- tables ----------------------------------------------------------------------

    def _by_table(self) -> dict[str, _Sheet]:
        if self._sheets is None:
            sheets: dict[str, _Sheet] = {}
            wanted = set(self.options.sheets)
            files = list_files(self.options.path, self.suffixes, source=self.name)
            found: set[str] = set()
            for file in files:
                for sheet in self._sheet_names(file.path):
                    if wanted and sheet not in wanted:
                        continue
                    found.add(sheet)
                    table = file.sheet_table(sheet)
                    sheets[table] = _Sheet(file, sheet, table)
            missing = sorted(wanted - found)
            if missing and files:
                raise SourceError(
                    Problem(
                        f"has no sheet '{missing[0]}'",
                        Where(file=self.options.path, source=self.name),
                        "check `sheets` in dsr.yaml",
                    )
                )
            self._sheets = sheets
        return self._sheets

    def _sheet(self, table: str) -> _Sheet:
        sheet = self._by_table().get(table)
        if sheet is None:
            raise SourceError(Problem(f"has no table '{table}'", Where(source=self.name)))
        return sheet

    def _layout(self, sheet: _Sheet) -> _Layout | None:
        """The header row and column names of a sheet; None for an empty sheet."""
        if sheet.table not in self._layouts:
            top: list[Row] = []
            limit = max(HEADER_SEARCH_ROWS, self.options.header_row or 0)
            for row_number, values in self._rows(sheet.file.path, sheet.sheet):
                if row_number > limit:
                    break
                top.append((row_number, values))
            number = self.options.header_row or find_header(top)
            layout = None
            if number is not None:
                header = next((v for n, v in top if n == number), [])
                cells = [(value_text(v) or "").strip() for v in header]
                while cells and not cells[-1]:
                    cells.pop()
                if cells:
                    layout = _Layout(number, unique_names(cells))
            self._layouts[sheet.table] = layout
        return self._layouts[sheet.table]

    def _records(self, sheet: _Sheet) -> Iterator[tuple[int, dict[str, Any]]]:
        layout = self._layout(sheet)
        if layout is None:
            return
        width = len(layout.columns)
        for number, values in self._rows(sheet.file.path, sheet.sheet):
            if number <= layout.header_row:
                continue
            cells = (values + [None] * (width - len(values)))[:width]
            if all(is_empty(v) for v in cells):
                continue
            yield number, dict(zip(layout.columns, cells, strict=True))

    # -- reading ---------------------------------------------------------------------

    def tables(self) -> list[Table]:
        tables = []
        for sheet in self._by_table().values():
            layout = self._layout(sheet)
            count = sum(1 for _ in self._records(sheet))
            columns = tuple(Column(c) for c in layout.columns) if layout else ()
            tables.append(Table(sheet.table, columns, rows=count, rows_exact=True, kind="sheet"))
        return tables

    def sample(self, table: str, n: int = 20) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for _, record in self._records(self._sheet(table)):
            if len(rows) >= n:
                break
            rows.append(record)
        return rows

    def find(self, lookups: Sequence[Lookup]) -> Iterator[Hit]:
        by_table: dict[str, list[Lookup]] = {}
        for lookup in lookups:
            by_table.setdefault(lookup.table, []).append(lookup)
        for table, group in by_table.items():
            sheet = self._sheet(table)
            layout = self._layout(sheet)
            known = layout.columns if layout else []
            for lookup in group:
                if lookup.column not in known:
                    raise SourceError(
                        Problem(
                            f"table '{table}' has no column '{lookup.column}'",
                            Where(file=sheet.file.path, source=self.name),
                        )
                    )
            tests = [(lk.column, matcher(lk)) for lk in group if lk.values]
            if not tests:
                continue
            for number, record in self._records(sheet):
                for column, test in tests:
                    for value in test(record[column]):
                        key = {"file": sheet.file.name, "sheet": sheet.sheet, "row": number}
                        yield Hit(table, key, column, value, record)

    def read(self, table: str, keys: Sequence[RowKey]) -> Iterator[tuple[RowKey, dict[str, Any]]]:
        """The sheet rows the keys name; an emptied (deleted) row is absent."""
        sheet = self._sheet(table)
        wanted = {
            row for key in keys if (row := place_row(key, sheet.file.name, sheet.sheet)) is not None
        }
        if not wanted:
            return
        for number, record in self._records(sheet):
            if number > max(wanted):
                break
            if number in wanted:
                yield {"file": sheet.file.name, "sheet": sheet.sheet, "row": number}, record

    # -- erasing ---------------------------------------------------------------------

    def apply(self, actions: Sequence[ErasureAction]) -> ApplyResult:
        def columns(table: str) -> list[str] | None:
            sheet = self._by_table().get(table)
            if sheet is None:
                return None
            layout = self._layout(sheet)
            return layout.columns if layout else []

        check_actions(
            actions, columns, self.capabilities, source=self.name, connector=self.type_name
        )
        wanted: dict[str, dict[int, list[ErasureAction]]] = {}
        for action in actions:
            sheet = self._sheet(action.table)
            layout = self._layout(sheet)
            if action.key.get("sheet") != sheet.sheet or layout is None:
                raise bad_key(action, self.name)
            row = key_row(action, sheet.file.name, layout.header_row + 1, self.name)
            wanted.setdefault(action.table, {}).setdefault(row, []).append(action)

        applied = unchanged = 0
        edits: dict[Path, CellEdits] = {}
        cleared: dict[Path, dict[str, set[int]]] = {}
        for table, rows in wanted.items():
            sheet = self._sheet(table)
            layout = self._layout(sheet)
            assert layout is not None
            current = {n: r for n, r in self._records(sheet) if n in rows}
            for number, todo in rows.items():
                record = current.get(number)
                for action in todo:
                    new = changes(action, record, None) if record is not None else {}
                    if not new:
                        unchanged += 1
                        continue
                    applied += 1
                    assert record is not None
                    record.update(new)
                    if action.action == "delete":
                        cleared.setdefault(sheet.file.path, {}).setdefault(sheet.sheet, set()).add(
                            number
                        )
                    cells = edits.setdefault(sheet.file.path, {}).setdefault(sheet.sheet, {})
                    for column, value in new.items():
                        position = layout.columns.index(column) + 1
                        cells.setdefault(number, {})[position] = value
        paths = sorted(set(edits) | set(cleared))
        if paths:
            with replacing(paths, source=self.name) as temps:
                for path, temp in zip(paths, temps, strict=True):
                    self._write(path, edits.get(path, {}), cleared.get(path, {}), temp)
        return ApplyResult(applied, unchanged)

    def close(self) -> None:
        """Nothing stays open: each read opens and closes its workbook."""


# -- XLSX ----------------------------------------------------------------------------


class XlsxConnector(_WorkbookConnector):
    """Excel workbook (.xlsx) or folder of them."""

    type_name: ClassVar[str] = "xlsx"
    summary: ClassVar[str] = "Excel workbook (.xlsx) or folder of them"
    suffixes: ClassVar[tuple[str, ...]] = (".xlsx", ".xlsm")
    format_name: ClassVar[str] = "XLSX"
    capabilities: ClassVar[Capabilities] = Capabilities(
        delete=Support.SUPPORTED,
        null=Support.SUPPORTED,
        mask=Support.SUPPORTED,
        redact=Support.SUPPORTED,
        streaming=Support.SUPPORTED,
    )

    def _open(self, path: Path, *, read_only: bool) -> Any:
        from openpyxl import load_workbook

        try:
            return load_workbook(
                path,
                read_only=read_only,
                data_only=read_only,
                keep_vba=path.suffix.lower() == ".xlsm",
            )
        except OSError as exc:
            raise unreadable(exc, path, self.name) from exc
        except Exception as exc:  # zipfile, XML and openpyxl errors all mean "damaged"
            raise self._damaged(path, exc) from exc

    def _sheet_names(self, path: Path) -> list[str]:
        book = self._open(path, read_only=True)
        try:
            return list(book.sheetnames)
        finally:
            book.close()

    def _rows(self, path: Path, sheet: str) -> Iterator[Row]:
        book = self._open(path, read_only=True)
        try:
            worksheet = book[sheet]
            worksheet.reset_dimensions()  # some writers store wrong dimensions
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                if any(not is_empty(v) for v in values):
                    yield number, list(values)
        except SourceError:
            raise
        except Exception as exc:
            raise self._damaged(path, exc) from exc
        finally:
            book.close()

    def _write(
        self, path: Path, edits: CellEdits, cleared: dict[str, set[int]], temp: Path
    ) -> None:
        from openpyxl.cell.cell import MergedCell

        book = self._open(path, read_only=False)
        try:
            for sheet, numbers in cleared.items():
                worksheet = book[sheet]
                for number in numbers:
                    for cell in worksheet[number]:
                        if not isinstance(cell, MergedCell):
                            cell.value = None
            for sheet, rows in edits.items():
                worksheet = book[sheet]
                for number, cells in rows.items():
                    for column, value in cells.items():
                        cell = worksheet.cell(row=number, column=column)
                        if not isinstance(cell, MergedCell):
                            cell.value = value
            book.save(temp)
        finally:
            book.close()


# -- ODS -----------------------------------------------------------------------------


class OdsConnector(_WorkbookConnector):
    """OpenDocument spreadsheet (.ods) or folder of them."""

    type_name: ClassVar[str] = "ods"
    summary: ClassVar[str] = "OpenDocument spreadsheet (.ods) or folder of them"
    suffixes: ClassVar[tuple[str, ...]] = (".ods",)
    format_name: ClassVar[str] = "ODS"

    def __init__(self, name: str, options: SpreadsheetOptions) -> None:
        super().__init__(name, options)
        self._parsed: tuple[tuple[Path, int], Any] | None = None

    def _document(self, path: Path) -> Any:
        """The parsed workbook for reading, parsed once while the file is unchanged."""
        stamp = (path, _mtime(path))
        if self._parsed is None or self._parsed[0] != stamp:
            self._parsed = (stamp, self._load(path))
        return self._parsed[1]

    def _load(self, path: Path) -> Any:
        from odf.opendocument import load

        try:
            return load(str(path))
        except OSError as exc:
            raise unreadable(exc, path, self.name) from exc
        except Exception as exc:
            raise self._damaged(path, exc) from exc

    def _tables(self, document: Any) -> dict[str, Any]:
        from odf.table import Table as OdfTable

        return {
            t.getAttrNS(_TABLENS, "name"): t
            for t in document.spreadsheet.getElementsByType(OdfTable)
        }

    def _sheet_names(self, path: Path) -> list[str]:
        return list(self._tables(self._document(path)))

    def _rows(self, path: Path, sheet: str) -> Iterator[Row]:
        table = self._tables(self._document(path))[sheet]
        number = 0
        for element in _row_elements(table):
            repeat = _int_attr(element, "number-rows-repeated")
            values = _row_values(element)
            if values:
                for offset in range(1, min(repeat, 10_000) + 1):
                    yield number + offset, list(values)
            number += repeat

    def _write(
        self, path: Path, edits: CellEdits, cleared: dict[str, set[int]], temp: Path
    ) -> None:
        document = self._load(path)
        tables = self._tables(document)
        for sheet, numbers in cleared.items():
            for number in numbers:
                row = _split_row(tables[sheet], number)
                for cell in _cell_elements(row):
                    _set_cell(cell, None)
        for sheet, rows in edits.items():
            for number, cells in rows.items():
                row = _split_row(tables[sheet], number)
                for column, value in cells.items():
                    cell = _split_cell(row, column, create=value is not None)
                    if cell is not None:
                        _set_cell(cell, value)
        document.save(str(temp))


_TABLENS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICENS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXTNS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_CALCEXTNS = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_CELLS = ((_TABLENS, "table-cell"), (_TABLENS, "covered-table-cell"))
_MAX_COLUMNS = 16_384
_VALUE_ATTRIBUTES = frozenset(
    ("value-type", "value", "date-value", "time-value", "boolean-value", "string-value", "currency")
)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


def _int_attr(element: Any, name: str) -> int:
    value = element.attributes.get((_TABLENS, name))
    try:
        return max(1, int(value)) if value else 1
    except ValueError:
        return 1


def _row_elements(table: Any) -> list[Any]:
    from odf.table import TableRow

    return list(table.getElementsByType(TableRow))


def _cell_elements(row: Any) -> list[Any]:
    return [c for c in row.childNodes if getattr(c, "qname", None) in _CELLS]


def _row_values(row: Any) -> list[Any]:
    """The row's values from column A, trailing empty cells dropped; [] for an empty row."""
    values: list[Any] = []
    pending = 0
    for cell in _cell_elements(row):
        repeat = _int_attr(cell, "number-columns-repeated")
        value = _cell_value(cell)
        if is_empty(value):
            pending += repeat
            continue
        if len(values) + pending + repeat > _MAX_COLUMNS:
            break
        values.extend([None] * pending)
        pending = 0
        values.extend([value] * repeat)
    return values


def _cell_value(cell: Any) -> Any:
    kind = cell.attributes.get((_OFFICENS, "value-type"))
    if kind in ("float", "percentage", "currency"):
        number = float(cell.attributes.get((_OFFICENS, "value"), "nan"))
        return int(number) if number.is_integer() else number
    if kind == "date":
        text = cell.attributes.get((_OFFICENS, "date-value"), "")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return text
        return parsed.date() if "T" not in text else parsed
    if kind == "boolean":
        return cell.attributes.get((_OFFICENS, "boolean-value")) == "true"
    text = "\n".join(
        _text(p) for p in cell.childNodes if getattr(p, "qname", None) == (_TEXTNS, "p")
    )
    return text if text or kind else None


def _text(node: Any) -> str:
    """The text of a paragraph: runs, spaces (``text:s``), tabs and line breaks."""
    parts = []
    for child in node.childNodes:
        if child.nodeType == child.TEXT_NODE:
            parts.append(child.data)
        elif child.qname == (_TEXTNS, "s"):
            parts.append(" " * int(child.attributes.get((_TEXTNS, "c"), "1")))
        elif child.qname == (_TEXTNS, "tab"):
            parts.append("\t")
        elif child.qname == (_TEXTNS, "line-break"):
            parts.append("\n")
        else:
            parts.append(_text(child))
    return "".join(parts)


def _clone(node: Any) -> Any:
    from odf.element import Element, Text

    if node.nodeType == node.TEXT_NODE:
        return Text(node.data)
    copy = Element(qname=node.qname, qattributes=dict(node.attributes), check_grammar=False)
    for child in node.childNodes:
        copy.appendChild(_clone(child))
    return copy


def _split(element: Any, attribute: str, offset: int) -> Any:
    """Make the ``offset``-th repetition of a repeated element an element of its own."""
    repeat = _int_attr(element, attribute)
    if repeat == 1:
        return element
    parent = element.parentNode
    key = (_TABLENS, attribute)
    if offset > 0:
        before = _clone(element)
        before.attributes[key] = str(offset)
        parent.insertBefore(before, element)
    after_count = repeat - offset - 1
    if after_count > 0:
        after = _clone(element)
        after.attributes[key] = str(after_count)
        following = element.nextSibling
        if following is None:
            parent.appendChild(after)
        else:
            parent.insertBefore(after, following)
    del element.attributes[key]
    return element


def _split_row(table: Any, number: int) -> Any:
    start = 1
    for element in _row_elements(table):
        repeat = _int_attr(element, "number-rows-repeated")
        if start <= number < start + repeat:
            return _split(element, "number-rows-repeated", number - start)
        start += repeat
    raise KeyError(number)


def _split_cell(row: Any, column: int, *, create: bool) -> Any | None:
    from odf.table import TableCell

    start = 1
    for element in _cell_elements(row):
        repeat = _int_attr(element, "number-columns-repeated")
        if start <= column < start + repeat:
            return _split(element, "number-columns-repeated", column - start)
        start += repeat
    if not create:
        return None
    while start <= column:
        cell = TableCell()
        row.addElement(cell)
        start += 1
    return cell


def _set_cell(cell: Any, value: Any) -> None:
    """Give a cell a text value (None empties it), keeping its style."""
    from odf.text import P

    for key in list(cell.attributes):
        if key[0] in (_OFFICENS, _CALCEXTNS) and key[1] in _VALUE_ATTRIBUTES:
            del cell.attributes[key]
    for child in list(cell.childNodes):
        cell.removeChild(child)
    if value is None:
        return
    text = value if isinstance(value, str) else (value_text(value) or "")
    cell.attributes[(_OFFICENS, "value-type")] = "string"
    for line in text.split("\n"):
        cell.addElement(P(text=line))


__all__ = [
    "HEADER_SEARCH_ROWS",
    "OdsConnector",
    "SpreadsheetOptions",
    "XlsxConnector",
    "find_header",
]
