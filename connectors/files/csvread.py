"""Reading CSV as it really arrives: any encoding, any delimiter, line breaks in fields.

Vendors write UTF-8, sometimes with a byte-order mark; a file re-saved by Excel
with German settings is cp1252 with ``;``. The encoding is sniffed (BOM, then
strict UTF-8, then cp1252) and the delimiter is taken from the header line.
Records are streamed with the csv module (``newline=""``), never split by
lines, so quoted line breaks survive and memory stays bounded however large
the file. Every CSV reader in dsr (files and SaaS exports) goes through here.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from dsr.errors import Problem, SourceError, Where

_T = TypeVar("_T")
_SNIFF_BYTES = 1 << 20  # bytes read to decide the encoding; the rest is checked while reading
_DELIMITERS = (",", ";", "\t", "|")
csv.field_size_limit(1 << 26)  # free-text exports hold long fields; 64 MiB per field at most


@dataclass(frozen=True)
class CsvFormat:
    encoding: str
    delimiter: str


def unreadable(exc: OSError, path: Path, source: str | None = None) -> SourceError:
    """The one-line error for a file that cannot be opened: missing, a folder, no permission."""
    where = Where(file=path, source=source)
    if isinstance(exc, FileNotFoundError):
        return SourceError(Problem("does not exist", where, "check `path` in dsr.yaml"))
    if isinstance(exc, PermissionError):
        return SourceError(
            Problem("permission denied", where, "give the user running dsr read and write access")
        )
    if isinstance(exc, IsADirectoryError):
        return SourceError(Problem("is a folder, not a file", where, "check `path` in dsr.yaml"))
    return SourceError(Problem(f"cannot be opened ({exc.strerror or type(exc).__name__})", where))


def sniff_encoding(path: Path, *, source: str | None = None) -> str:
    """``utf-8-sig`` for a BOM, ``utf-8`` when the start decodes strictly, else ``cp1252``."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise unreadable(exc, path, source) from exc
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # A multi-byte character cut at the end of the sample is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def sniff_delimiter(header_line: str) -> str:
    """The candidate that occurs most often outside quotes in the header line."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def detect_format(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    source: str | None = None,
) -> CsvFormat:
    """The file's encoding and delimiter, sniffed where not given.

    A given ``utf-8`` on a file that starts with a byte-order mark becomes
    ``utf-8-sig``: the mark is not part of the first column's name, and a
    rewrite puts it back.
    """
    if encoding is None:
        encoding = sniff_encoding(path, source=source)
    elif codecs.lookup(encoding).name == "utf-8" and _has_bom(path, source):
        encoding = "utf-8-sig"
    if delimiter is None:
        try:
            with path.open(encoding=encoding, newline="", errors="replace") as handle:
                delimiter = sniff_delimiter(handle.readline())
        except OSError as exc:
            raise unreadable(exc, path, source) from exc
    return CsvFormat(encoding, delimiter)


def _has_bom(path: Path, source: str | None) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
    except OSError as exc:
        raise unreadable(exc, path, source) from exc


@dataclass(frozen=True)
class Record:
    """One CSV record: ``row`` is the number a spreadsheet shows (header row = 1)."""

    row: int
    values: dict[str, str]


def read_records(
    path: Path,
    fmt: CsvFormat,
    *,
    source: str | None = None,
    header_row: int = 1,
) -> tuple[list[str], Closing[Record]]:
    """The header and a lazy iterator over the records after it.

    ``header_row`` is the 1-based record number of the header (rows above it are
    titles and skipped). Records shorter than the header are padded with "",
    and an empty record ends nothing: blank lines are skipped. A file that is
    not readable in its encoding raises SourceError naming the file and row.
    """
    names, rows = read_rows(path, fmt, source=source, header_row=header_row)

    def records() -> Iterator[Record]:
        width = len(names)
        for row, values in rows:
            padded = values + [""] * (width - len(values))
            yield Record(row, dict(zip(names, padded, strict=False)))

    return names, Closing(records(), rows.close)


def read_rows(
    path: Path,
    fmt: CsvFormat,
    *,
    source: str | None = None,
    header_row: int = 1,
) -> tuple[list[str], Closing[tuple[int, list[str]]]]:
    """Like ``read_records`` but each record as ``(row, values)``, values unpadded.

    For scans over large files that look at a few columns: no dict per record.
    """
    try:
        handle = path.open(encoding=fmt.encoding, newline="")
    except OSError as exc:
        raise unreadable(exc, path, source) from exc
    reader = csv.reader(handle, delimiter=fmt.delimiter)
    where = Where(file=path, source=source)
    try:
        header: list[str] | None = None
        for number, values in enumerate(reader, start=1):
            if number == header_row:
                header = [h.strip() for h in values]
                break
    except (UnicodeDecodeError, csv.Error) as exc:
        handle.close()
        raise SourceError(
            Problem(f"cannot be read as CSV ({type(exc).__name__})", where, _hint(exc, fmt))
        ) from exc
    if not header:
        handle.close()
        raise SourceError(Problem("has no header row", where, "is the file empty?"))
    names = _unique(header)

    def rows() -> Iterator[tuple[int, list[str]]]:
        row = header_row
        try:
            with handle:
                for values in reader:
                    row += 1
                    if not "".join(values).strip():  # a blank line, or only blank cells
                        continue
                    yield row, values
        except (UnicodeDecodeError, csv.Error) as exc:
            raise SourceError(
                Problem(
                    f"cannot be read as CSV after row {row} ({type(exc).__name__})",
                    Where(file=path, line=row, source=source),
                    _hint(exc, fmt),
                )
            ) from exc

    return names, Closing(rows(), handle.close)


class Closing(Iterator[_T]):
    """An iterator with ``close()`` that releases the file even if iteration never began.

    (Closing a generator that has not started does not run its ``with`` block.)
    """

    def __init__(self, items: Iterator[_T], release: Callable[[], None]) -> None:
        self._items = items
        self._release = release

    def __next__(self) -> _T:
        return next(self._items)

    def close(self) -> None:
        close = getattr(self._items, "close", None)
        if close is not None:
            close()
        self._release()


@dataclass(frozen=True)
class RawRecord:
    """One record with its exact text (line ending included), for rewriting a file.

    ``row`` counts records as ``read_records`` does (header row = its number),
    blank lines included, so row keys found by a scan name the same records here.
    """

    row: int
    values: list[str]
    text: str


def read_raw_records(
    path: Path, fmt: CsvFormat, *, source: str | None = None
) -> Iterator[RawRecord]:
    """Every record of the file from the first, with the text it was read from.

    A rewrite copies the text of untouched records unchanged, so their quoting,
    line endings and spelling survive byte for byte.
    """
    try:
        handle = path.open(encoding=fmt.encoding, newline="")
    except OSError as exc:
        raise unreadable(exc, path, source) from exc
    taken: list[str] = []

    def lines() -> Iterator[str]:
        for line in handle:
            taken.append(line)
            yield line

    reader = csv.reader(lines(), delimiter=fmt.delimiter)
    row = 0
    try:
        with handle:
            for values in reader:
                row += 1
                text = "".join(taken)
                taken.clear()
                yield RawRecord(row, values, text)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(
            Problem(
                f"cannot be read as CSV after row {row} ({type(exc).__name__})",
                Where(file=path, line=row, source=source),
                _hint(exc, fmt),
            )
        ) from exc


def _hint(exc: Exception, fmt: CsvFormat) -> str | None:
    if isinstance(exc, UnicodeDecodeError):
        return (
            f"the file is not {fmt.encoding}; set `encoding:` for this source "
            "(German Excel exports are cp1252) or remove it to let dsr sniff"
        )
    return None


def unique_names(header: list[str]) -> list[str]:
    """Column names made unique and non-empty, as CSV headers are (for sheets too)."""
    return _unique(header)


def _unique(header: list[str]) -> list[str]:
    """Column names made unique and non-empty (``column_3``, ``Email_2``), as pandas would."""
    seen: dict[str, int] = {}
    names = []
    for index, name in enumerate(header, start=1):
        name = name or f"column_{index}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        names.append(name)
    return names
