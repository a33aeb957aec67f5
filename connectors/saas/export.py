"""The shared reader behind every SaaS export connector.

Vendors hand out exports as a file, a folder the user unpacked, or the ZIP as
delivered; columns move between export versions and accounts; ids carry Excel
apostrophes; JSON comes as arrays, API pages or one object per line. All of
that is mechanics and lives here, once. A vendor module only states, as data
(``TableSpec``), which files hold which table, which columns identify a person
and how records link, so adding a vendor or a new header spelling is a data
change.

Rules kept here (formats.md, section 0): columns are matched by header name,
never by position; unknown columns are read, not rejected; CSV goes through
``dsr.connectors.files.csvread`` only; NDJSON is streamed line by line; nested
JSON objects become dotted columns; lists of scalars are joined with ``;`` for
display and matched element by element. Exports are read-only copies of data
that lives at the vendor, so ``apply`` refuses every action.
"""

from __future__ import annotations

import codecs
import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import IO, Any, ClassVar, Literal, Protocol, TypeVar, cast

from pydantic import BaseModel, ConfigDict

from dsr.config.fields import ConfigPath
from dsr.connectors.capabilities import READ_ONLY, Capabilities
from dsr.connectors.files.csvread import Record, detect_format, read_records
from dsr.connectors.protocol import (
    ALL_MATCH_MODES,
    ApplyResult,
    Column,
    ErasureAction,
    ForeignKey,
    Hit,
    IdentifierKind,
    Lookup,
    MatchMode,
    RowKey,
    Table,
    UnsupportedAction,
)
from dsr.connectors.rows import matcher, row_id, value_text
from dsr.errors import Problem, SourceError, Where

_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)


class _Closable(Iterator[_T_co], Protocol[_T_co]):
    """An iterator whose ``close()`` releases its file: a generator, or csvread's Closing."""

    def close(self) -> None: ...


class ExportOptions(BaseModel):
    """A SaaS vendor's export: a file, the folder it was unpacked into, or the ZIP as delivered."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: ConfigPath


# -- where the files are -----------------------------------------------------------------


# A vendor's ZIP is read as delivered, so it is opened with limits: a small archive can
# unpack to gigabytes (a "ZIP bomb", or one line of a gigabyte) and would hold a run for
# minutes or exhaust memory. Real exports stay far below each bound.
MAX_MEMBERS = 10_000
MAX_UNPACKED_BYTES = 1024**3
"""The members' sizes unpacked, together (as the archive declares them; zipfile never
unpacks more than a member declares)."""
MAX_RATIO = 100
"""Unpacked size over packed size of one member larger than RATIO_FROM_BYTES: CSV and
JSON exports pack about 5 to 20 times; a bomb packs a thousand times and more."""
RATIO_FROM_BYTES = 16 * 1024**2
MAX_LINE_BYTES = 64 * 1024**2
"""One line of a member (a CSV record, an NDJSON record, a JSON document on one line)."""


class ZipMember:
    """A file inside a ZIP, opened like a ``Path`` so csvread streams it without unpacking."""

    def __init__(
        self, archive: zipfile.ZipFile, member: str, shown: Path, source: str | None = None
    ) -> None:
        self.archive = archive
        self.member = member
        self.shown = shown
        self.source = source

    def open(
        self,
        mode: str = "r",
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
    ) -> IO[Any]:
        raw = io.BufferedReader(_LineBound(self.archive.open(self.member), self))
        if "b" in mode:
            return raw
        return io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline=newline)

    def __str__(self) -> str:
        return str(self.shown)


class _LineBound(io.RawIOBase):
    """A member's bytes, stopped with a SourceError at a line longer than MAX_LINE_BYTES
    before any reader holds it in memory."""

    def __init__(self, raw: IO[bytes], member: ZipMember) -> None:
        super().__init__()
        self._raw = raw
        self._member = member
        self._line = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        first = data.find(b"\n")
        longest = self._line + (size if first < 0 else first)
        self._line = self._line + size if first < 0 else size - data.rfind(b"\n") - 1
        if longest > MAX_LINE_BYTES:
            raise SourceError(
                Problem(
                    f"has a line longer than {MAX_LINE_BYTES // 1024**2} MB; "
                    "dsr stopped reading it",
                    Where(file=self._member.shown, source=self._member.source),
                    "the file is damaged or not an export; download the export again",
                )
            )
        return size

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass(frozen=True)
class Entry:
    """One file of an export: on disk, or a member of a ZIP.

    ``label`` is its path relative to the source's ``path`` (the file name for a
    single file, the member name for a ZIP); row keys and messages use it.
    """

    label: str
    path: Path | ZipMember
    shown: Path

    @property
    def name(self) -> str:
        """The lower-case base name: vendors are recognised by it, folders in a ZIP ignored."""
        return self.label.rsplit("/", 1)[-1].lower()

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix

    def open_binary(self) -> IO[bytes]:
        return cast(IO[bytes], self.path.open("rb"))


def _hidden(label: str) -> bool:
    return any(part.startswith((".", "__MACOSX")) for part in label.split("/"))


def _is_zip(path: Path) -> bool:
    if path.suffix.lower() == ".zip":
        return True
    return path.suffix == "" and zipfile.is_zipfile(path)


# -- what the vendor modules declare -----------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    """What one table of a vendor's export is, as data.

    Column names here are lower case and may be globs (``* (metadata)``); they
    are compared with the real header case-insensitively, and the real header
    name is what dsr shows and matches on.
    """

    name: str
    what: str = ""  # for messages: "contacts" in "a HubSpot contacts export"
    files: str | None = None  # regex on the lower-case base name that says "this table"
    hints: tuple[str, ...] | None = ()  # columns that tell the table when the name does not;
    # () makes this the vendor's default table, None means "by file name only"
    requires: tuple[tuple[str, ...], ...] = ()  # each group: one of these columns is present
    key: tuple[str, ...] = ()  # the vendor's record-id column, first one present wins
    identifies: Mapping[str, IdentifierKind] = field(default_factory=dict)
    links: Mapping[str, str] = field(default_factory=dict)  # column → table whose key it holds
    multi: tuple[str, ...] = ()  # columns holding several values separated by ";"
    footer: bool = False  # stop at the first empty record after the data (report footers)

    def kind_of(self, column: str) -> IdentifierKind | None:
        lowered = column.strip().lower()
        for pattern, kind in self.identifies.items():
            if fnmatchcase(lowered, pattern):
                return kind
        return None

    def key_column(self, columns: Iterable[str]) -> str | None:
        present = {c.strip().lower(): c for c in columns}
        return next((present[k] for k in self.key if k in present), None)

    def missing(self, columns: Iterable[str]) -> tuple[str, ...] | None:
        """The first required group none of whose columns is present, else None."""
        present = {c.strip().lower() for c in columns}
        return next((g for g in self.requires if not any(c.lower() in present for c in g)), None)

    def link_target(self, column: str) -> str | None:
        lowered = column.strip().lower()
        return next((t for p, t in self.links.items() if fnmatchcase(lowered, p)), None)

    def is_multi(self, column: str) -> bool:
        lowered = column.strip().lower()
        return any(fnmatchcase(lowered, p) for p in self.multi)


@dataclass(frozen=True)
class Part:
    """One file feeding one table; ``extra`` holds values the file implies (a ticket id)."""

    table: str
    entry: Entry
    kind: Literal["csv", "json"]
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Row:
    key: RowKey
    values: dict[str, Any]


# -- values ------------------------------------------------------------------------------

# Excel shows a long id as "7.02255E+12": one digit, maybe decimals, a capital E and a
# plus sign. A hex id such as Mailchimp's EUID ("8e45123456") must not look like one.
_EXCEL_NUMBER = re.compile(r"^[+-]?\d(?:[.,]\d+)?E\+\d+$")
_FOOTER = re.compile(r"^(grand totals|confidential information|copyright)\b", re.IGNORECASE)


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted columns (``via.source.from.address``); lists stay lists."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            if value:
                flat.update(flatten(value, f"{name}."))
            else:
                flat[name] = None
        else:
            flat[name] = value
    return flat


def as_text(value: Any) -> str:
    """A JSON or CSV value as the text a person reads: lists joined with ``;``, objects as
    JSON, single values as ``rows.value_text`` reads them (17.0 reads ``17``)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(
            json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else as_text(v)
            for v in value
            if v is not None
        )
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value_text(value) or ""


def _elements(value: Any, multi: bool) -> list[Any]:
    """The single values inside a cell, as stored: list elements, or the parts of a ``;``
    list; the shared matcher reads each (a JSON 17.0 matches the id "17")."""
    if isinstance(value, list):
        return [v for v in value if v is not None and not isinstance(v, dict | list)]
    if multi and isinstance(value, str) and ";" in value:
        return [part for part in value.split(";") if part.strip()]
    return [value]


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string" if value is not None else ""


_WHOLE = ("contains", "digits_within")
"""Modes that search a cell's whole text (a note), not each element of a list cell."""


class TableMatcher:
    """Every lookup of one table, compiled once, tested against each row of one pass."""

    def __init__(self, lookups: Sequence[Lookup], is_multi: Callable[[str], bool]) -> None:
        self._tests = [
            (lookup.column, lookup.match in _WHOLE, is_multi(lookup.column), matcher(lookup))
            for lookup in lookups
        ]

    def hits(self, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for column, whole, multi, test in self._tests:
            value = values.get(column)
            if value is None or value == "" or value == []:
                continue
            cells = [as_text(value)] if whole else _elements(value, multi)
            for cell in cells:
                for matched in test(cell):
                    if (column, matched) not in found:
                        found.append((column, matched))
        return found


@dataclass
class _Stats:
    types: dict[str, str] = field(default_factory=dict)
    rows: int = 0

    def see(self, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            if not self.types.get(name):
                self.types[name] = _type_of(value)


# -- the connector -----------------------------------------------------------------------


class ExportConnector:
    """Base of every SaaS export connector: read-only, one streaming pass per file."""

    type_name: ClassVar[str] = ""
    Options: ClassVar[type[BaseModel]] = ExportOptions
    match_modes: ClassVar[frozenset[MatchMode]] = ALL_MATCH_MODES
    capabilities: ClassVar[Capabilities] = READ_ONLY
    summary: ClassVar[str] = ""
    vendor: ClassVar[str] = ""
    expected: ClassVar[str] = ""  # what files the vendor's export holds, for messages
    specs: ClassVar[tuple[TableSpec, ...]] = ()
    suffixes: ClassVar[tuple[str, ...]] = (".csv",)
    candidates: ClassVar[str | None] = None  # in a folder or ZIP, only these names are
    # recognised by their columns (None: every file with a suffix above)
    deletion_procedure: ClassVar[dict[str, str]] = {
        "de": (
            "Löschen Sie die Person im System des Anbieters selbst (in der Oberfläche oder "
            "über die API). Achten Sie darauf, dass sie endgültig gelöscht wird und nicht nur "
            "archiviert oder in einen Papierkorb verschoben. Laden Sie danach einen neuen "
            "Export herunter: enthält er die Person nicht mehr, ist die Aufgabe erledigt."
        ),
        "en": (
            "Erase the person in the vendor's own system (in its interface or through its "
            "API). Make sure the deletion is permanent, not an archive or a recycle bin. Then "
            "download a new export: once it no longer holds the person, the task is done."
        ),
    }
    """How the vendor erases a person, per language (de, en): the text of the processor
    task in an erasure plan (Art. 17, Art. 19). dsr cannot change a vendor's export, so
    staff must do it at the vendor; a vendor module replaces this generic text."""

    column_labels: ClassVar[Mapping[str, tuple[str, str] | None]] = {}
    """The vendor's columns as a customer reads them in an access letter, (German,
    English), by lower-case column name or ``table:column``; None marks a vendor internal
    (time offsets, routing fields, the vendor's own ids) that the letter leaves out and
    only the data export holds."""
    def __init__(self, name: str, options: BaseModel) -> None:
        self.name = name
        self.options = options
        self._archives: list[zipfile.ZipFile] = []
        self._parts: list[Part] | None = None
        self._tables: list[Table] | None = None
        self._problems: dict[tuple[str, int, str], str] = {}

    # -- what dsr calls ------------------------------------------------------------------

    @property
    def problems(self) -> list[str]:
        """Rows dsr read but could not trust (e.g. ids Excel turned into ``7.02255E+12``),
        one line each, filled while reading (``tables()`` reads everything)."""
        return list(self._problems.values())

    def tables(self) -> list[Table]:
        if self._tables is None:
            stats: dict[str, _Stats] = {}
            for part in self.parts():
                stat = stats.setdefault(part.table, _Stats())
                if part.kind == "csv":
                    for column in self._header(part.entry):
                        stat.types.setdefault(column, "string")
                for row in self.rows(part):
                    stat.rows += 1
                    stat.see(row.values)
            self._tables = [self._table(name, stats) for name in self._order(stats)]
        return list(self._tables)

    def sample(self, table: str, n: int = 20) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for part in self._parts_of(table):
            with closing(self.rows(part)) as reader:
                for row in reader:
                    if len(rows) >= n:
                        return rows
                    rows.append({k: _display(v) for k, v in row.values.items()})
        return rows

    def find(self, lookups: Sequence[Lookup]) -> Iterator[Hit]:
        by_table: dict[str, list[Lookup]] = {}
        for lookup in lookups:
            by_table.setdefault(lookup.table, []).append(lookup)
        parts = {table: self._parts_of(table) for table in by_table}
        for table, group in by_table.items():
            spec = self.spec(table)
            test = TableMatcher(group, spec.is_multi)
            for part in parts[table]:
                for row in self.rows(part):
                    for column, value in test.hits(row.values):
                        yield Hit(table, row.key, column, value, row.values)

    def read(self, table: str, keys: Sequence[RowKey]) -> Iterator[tuple[RowKey, dict[str, Any]]]:
        """The records the keys name (vendor ids or places), in one pass over the table's
        files that stops once every key is found."""
        wanted = {row_id(table, key) for key in keys}
        seen: set[Any] = set()
        for part in self._parts_of(table):
            with closing(self.rows(part)) as reader:
                for row in reader:
                    ident = row_id(table, row.key)
                    if ident in wanted and ident not in seen:
                        seen.add(ident)
                        yield row.key, row.values
                        if len(seen) == len(wanted):
                            return

    def apply(self, actions: Sequence[ErasureAction]) -> ApplyResult:
        for action in actions:
            raise UnsupportedAction(
                Problem(
                    f"cannot {action.action} rows of '{action.table}': a {self.vendor} export "
                    f"is a read-only copy of data that lives at {self.vendor}",
                    Where(source=self.name),
                    f"erase the person at {self.vendor} itself; dsr plans that as a processor task",
                )
            )
        return ApplyResult(applied=0, unchanged=0)

    def close(self) -> None:
        for archive in self._archives:
            archive.close()
        self._archives.clear()
        self._parts = None

    # -- vendor hooks --------------------------------------------------------------------

    def spec(self, table: str) -> TableSpec:
        found = next((s for s in self.specs if s.name == table), None)
        if found is None:  # pragma: no cover - parts only name declared tables
            raise SourceError(Problem(f"has no table '{table}'", Where(source=self.name)))
        return found

    def assign(self, entries: list[Entry]) -> list[Part]:
        """Which file feeds which table: by file name, else by the columns of its header."""
        direct = self._direct()
        parts: list[Part] = []
        rejected: list[tuple[Entry, TableSpec | None, tuple[str, ...] | None]] = []
        for entry in entries:
            if entry.suffix not in self.suffixes:
                continue
            named = self._by_name(entry)
            if named is None and not direct and not self._candidate(entry):
                continue
            header = self._header(entry)
            spec = named or self._by_columns(header)
            missing = spec.missing(header) if spec else None
            if spec is not None and missing is None:
                parts.append(Part(spec.name, entry, "csv"))
            elif direct or (named is not None and missing is not None):
                raise self._mismatch(entry, spec, missing)
            else:
                rejected.append((entry, spec, missing))
        if not parts:
            if len(rejected) == 1:
                raise self._mismatch(*rejected[0])
            hint = "check `path:` and `type:` in dsr.yaml"
            if any(e.suffix in (".xls", ".xlsx") for e in entries):
                hint = f"dsr reads the {self.vendor} export as CSV; export it again as CSV"
            raise SourceError(
                Problem(
                    f"holds no {self.vendor} export ({self.expected})",
                    Where(file=self.path, source=self.name),
                    hint,
                )
            )
        return parts

    def records_in(self, part: Part, value: Any) -> Iterator[dict[str, Any]]:
        """The records inside one top-level JSON value (a whole document or one NDJSON line)."""
        items = value if isinstance(value, list) else [value]
        for item in items:
            yield item if isinstance(item, dict) else {"value": item}

    # -- reading -------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return cast(Path, self.options.path)  # type: ignore[attr-defined]

    def parts(self) -> list[Part]:
        if self._parts is None:
            self._parts = self.assign(self._entries())
        return self._parts

    def rows(self, part: Part) -> Generator[Row, None, None]:
        """Every record of one file, streamed, with its row key."""
        if part.kind == "csv":
            return self._csv_rows(part)
        return self._json_rows(part)

    def _parts_of(self, table: str) -> list[Part]:
        parts = self.parts()
        found = [p for p in parts if p.table == table]
        if not found:
            known = ", ".join(sorted({p.table for p in parts}))
            raise SourceError(
                Problem(f"has no table '{table}'", Where(source=self.name), f"its tables: {known}")
            )
        return found

    def _direct(self) -> bool:
        """Whether ``path`` names one data file (then that file must be the vendor's)."""
        return self.path.is_file() and not _is_zip(self.path)

    def _entries(self) -> list[Entry]:
        path = self.path
        if not path.exists():
            raise SourceError(
                Problem(
                    "does not exist",
                    Where(file=path, source=self.name),
                    f"check `path:` in dsr.yaml; it names the {self.vendor} export file or folder",
                )
            )
        if path.is_dir():
            entries: list[Entry] = []
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                label = file.relative_to(path).as_posix()
                if _hidden(label):
                    continue
                if _is_zip(file):
                    entries.extend(self._members(file, f"{label}/"))
                else:
                    entries.append(Entry(label, file, file))
            return entries
        if _is_zip(path):
            return self._members(path, "")
        return [Entry(path.name, path, path)]

    def _members(self, zip_path: Path, prefix: str) -> list[Entry]:
        try:
            archive = zipfile.ZipFile(zip_path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise SourceError(
                Problem(
                    "is not a readable ZIP archive (damaged, cut off or not a ZIP)",
                    Where(file=zip_path, source=self.name),
                    f"download the {self.vendor} export again",
                )
            ) from exc
        self._archives.append(archive)
        self._check_archive(archive, zip_path)
        entries = []
        for info in archive.infolist():
            if info.is_dir() or _hidden(info.filename) or info.filename.lower().endswith(".zip"):
                continue
            shown = zip_path / info.filename
            member = ZipMember(archive, info.filename, shown, self.name)
            entries.append(Entry(f"{prefix}{info.filename}", member, shown))
        return entries

    def _check_archive(self, archive: zipfile.ZipFile, zip_path: Path) -> None:
        """Refuse an archive beyond the bounds above before reading any member."""
        members = archive.infolist()
        where = Where(file=zip_path, source=self.name)
        again = f"check that it is the export as {self.vendor} delivered it"
        if len(members) > MAX_MEMBERS:
            raise SourceError(
                Problem(f"holds more than {MAX_MEMBERS} files; dsr did not unpack it", where, again)
            )
        total = 0
        for info in members:
            total += info.file_size
            packed_bomb = (
                info.file_size > RATIO_FROM_BYTES
                and info.file_size > MAX_RATIO * max(info.compress_size, 1)
            )
            if packed_bomb:
                raise SourceError(
                    Problem(
                        f"holds a file that unpacks to more than {MAX_RATIO} times its packed "
                        "size (a ZIP bomb?); dsr did not unpack it",
                        where,
                        again,
                    )
                )
        if total > MAX_UNPACKED_BYTES:
            raise SourceError(
                Problem(
                    f"unpacks to more than {MAX_UNPACKED_BYTES // 1024**3} GB; "
                    "dsr did not unpack it",
                    where,
                    f"{again}, or unpack it and name the folder in `path:`",
                )
            )

    def _damaged(self, entry: Entry, exc: Exception) -> SourceError:
        return SourceError(
            Problem(
                f"cannot be read: the file is damaged or cut off ({type(exc).__name__})",
                Where(file=entry.shown, source=self.name),
                f"download the {self.vendor} export again",
            )
        )

    def _csv(self, entry: Entry) -> tuple[list[str], Generator[Record, None, None]]:
        target = cast(Path, entry.path)  # csvread only opens it; a ZipMember opens the same way
        try:
            fmt = detect_format(target)
            names, records = read_records(target, fmt, source=self.name)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise self._damaged(entry, exc) from exc
        return names, self._guard(entry, records)

    def _guard(self, entry: Entry, items: _Closable[_T]) -> Generator[_T, None, None]:
        with closing(items):
            try:
                yield from items
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise self._damaged(entry, exc) from exc

    def _header(self, entry: Entry) -> list[str]:
        names, records = self._csv(entry)
        with closing(records):
            next(records, None)  # opens and closes the file handle cleanly
        return names

    def _by_name(self, entry: Entry) -> TableSpec | None:
        return next((s for s in self.specs if s.files and re.search(s.files, entry.name)), None)

    def _candidate(self, entry: Entry) -> bool:
        return self.candidates is None or re.search(self.candidates, entry.name) is not None

    def _by_columns(self, header: list[str]) -> TableSpec | None:
        present = {c.strip().lower() for c in header}
        for spec in self.specs:
            if spec.hints and any(h in present for h in spec.hints):
                return spec
        return next((s for s in self.specs if s.hints == ()), None)

    def _mismatch(
        self, entry: Entry, spec: TableSpec | None, missing: tuple[str, ...] | None
    ) -> SourceError:
        if spec is None or missing is None:
            message = f"is not a {self.vendor} export file ({self.expected})"
        else:
            columns = " or ".join(f"'{c}'" for c in missing)
            what = f" {spec.what}" if spec.what else ""
            message = f"does not look like a {self.vendor}{what} export: no {columns} column"
        return SourceError(
            Problem(message, Where(file=entry.shown, source=self.name), "check `type:`")
        )

    def _csv_rows(self, part: Part) -> Generator[Row, None, None]:
        spec = self.spec(part.table)
        names, records = self._csv(part.entry)
        key = spec.key_column(names)
        checked = [c for c in names if c == key or spec.kind_of(c) in ("id", "phone")]
        previous = 1  # the header row
        with closing(records):
            for record in records:
                if spec.footer and (record.row > previous + 1 or _is_footer(record, names)):
                    break
                previous = record.row
                values: dict[str, Any] = dict(record.values)
                for column in checked:
                    text = values[column]
                    if text.startswith("'"):  # Excel-safety apostrophe (Shopify, Mailchimp)
                        values[column] = text = text[1:]
                    if _EXCEL_NUMBER.match(text.strip()):
                        self._excel_damage(part.entry, record.row, column)
                for name, value in part.extra.items():
                    values.setdefault(name, value)
                if key is not None and values[key].strip():
                    yield Row({"id": values[key].strip()}, values)
                else:
                    yield Row({"file": part.entry.label, "row": record.row}, values)

    def _json_rows(self, part: Part) -> Generator[Row, None, None]:
        spec = self.spec(part.table)
        number = 0
        for value in self._json_values(part.entry):
            for record in self.records_in(part, value):
                number += 1
                values = flatten(record)
                for name, extra in part.extra.items():
                    if values.get(name) is None:
                        values[name] = extra
                key = spec.key_column(values)
                if key is not None and values[key] not in (None, ""):
                    yield Row({"id": values[key]}, values)
                else:
                    yield Row({"file": part.entry.label, "row": number}, values)

    def _json_values(self, entry: Entry) -> Generator[Any, None, None]:
        """Each top-level JSON value: a whole document, or NDJSON one line at a time."""
        return self._guard(entry, self._json_stream(entry))

    def _json_stream(self, entry: Entry) -> Generator[Any, None, None]:
        try:
            raw = entry.open_binary()
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise self._damaged(entry, exc) from exc
        with raw:
            first, start = b"", 0
            for start, line in enumerate(raw, start=1):
                if line.strip():
                    first = line.removeprefix(codecs.BOM_UTF8) if start == 1 else line
                    break
            if not first:
                return
            try:
                value = json.loads(self._decode(entry, first, start))
            except json.JSONDecodeError:
                text = self._decode(entry, first + raw.read(), start)
                try:
                    yield json.loads(text)
                except json.JSONDecodeError as exc:
                    raise self._bad_json(entry, start + exc.lineno - 1, exc) from exc
                return
            yield value
            for number, line in enumerate(raw, start=start + 1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(self._decode(entry, line, number))
                except json.JSONDecodeError as exc:
                    raise self._bad_json(entry, number, exc) from exc
                yield value

    def _decode(self, entry: Entry, data: bytes, line: int) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(
                Problem(
                    "is not UTF-8 JSON",
                    Where(file=entry.shown, line=line, source=self.name),
                    f"export it again from {self.vendor} without converting it",
                )
            ) from exc

    def _bad_json(self, entry: Entry, line: int, exc: json.JSONDecodeError) -> SourceError:
        return SourceError(
            Problem(
                f"is not valid JSON ({exc.msg})",
                Where(file=entry.shown, line=line, source=self.name),
                f"the file looks cut off or damaged; download the {self.vendor} export again",
            )
        )

    def _excel_damage(self, entry: Entry, row: int, column: str) -> None:
        self.note(
            entry,
            row,
            column,
            f"{entry.label} row {row}: '{column}' holds a number Excel turned into scientific "
            f"notation; the original value is lost, so this row is matched as it stands "
            f"(export it again from {self.vendor} and do not open it in Excel)",
        )

    def note(self, entry: Entry, row: int, topic: str, message: str) -> None:
        """Record a problem once, however often the file is read."""
        self._problems.setdefault((entry.label, row, topic), message)

    # -- listing -------------------------------------------------------------------------

    def _order(self, stats: Mapping[str, _Stats]) -> list[str]:
        declared = [s.name for s in self.specs if s.name in stats]
        return declared + [name for name in stats if name not in declared]

    def _table(self, name: str, stats: Mapping[str, _Stats]) -> Table:
        spec = self.spec(name)
        stat = stats[name]
        names = list(stat.types)
        columns = tuple(Column(c, stat.types[c] or "string", True, spec.kind_of(c)) for c in names)
        key = spec.key_column(names)
        links = []
        for column in names:
            target = spec.link_target(column)
            if target is None or target not in stats:
                continue  # the linked table is not part of this export
            referred = self.spec(target).key_column(stats[target].types)
            if referred is not None:
                links.append(ForeignKey((column,), target, (referred,)))
        return Table(
            name=name,
            columns=columns,
            primary_key=(key,) if key else (),
            foreign_keys=tuple(links),
            rows=stat.rows,
            rows_exact=True,
            kind="records",
        )


def _is_footer(record: Record, names: list[str]) -> bool:
    """A report footer line: text in the first field, every other field empty."""
    values = [record.values.get(n, "") for n in names]
    return (
        bool(values)
        and bool(_FOOTER.match(values[0].strip()))
        and not any(v.strip() for v in values[1:])
    )


def _display(value: Any) -> Any:
    """A value for samples: lists and objects as text, so classifiers see strings."""
    return as_text(value) if isinstance(value, list | dict) else value
