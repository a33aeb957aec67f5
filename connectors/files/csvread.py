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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dsr.errors import Problem, SourceError, Where

_SNIFF_BYTES = 1 << 20  # bytes read to decide the encoding; the rest is checked while reading
_DELIMITERS = (",", ";", "\t", "|")
csv.field_size_limit(1 << 26)  # free-text exports hold long fields; 64 MiB per field at most


@dataclass(frozen=True)
class CsvFormat:
    encoding: str
    delimiter: str


def sniff_encoding(path: Path) -> str:
    """``utf-8-sig`` for a BOM, ``utf-8`` when the start decodes strictly, else ``cp1252``."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
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
    path: Path, *, encoding: str | None = None, delimiter: str | None = None
) -> CsvFormat:
    """The file's encoding and delimiter, sniffed where not given."""
    encoding = encoding or sniff_encoding(path)
    if delimiter is None:
        with path.open(encoding=encoding, newline="", errors="replace") as handle:
            delimiter = sniff_delimiter(handle.readline())
    return CsvFormat(encoding, delimiter)


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
) -> tuple[list[str], Iterator[Record]]:
    """The header and a lazy iterator over the records after it.

    ``header_row`` is the 1-based record number of the header (rows above it are
    titles and skipped). Records shorter than the header are padded with "",
    and an empty record ends nothing: blank lines are skipped. A file that is
    not readable in its encoding raises SourceError naming the file and row.
    """
    handle = path.open(encoding=fmt.encoding, newline="")
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
        raise SourceError(Problem(f"cannot be read as CSV ({type(exc).__name__})", where)) from exc
    if not header:
        handle.close()
        raise SourceError(Problem("has no header row", where, "is the file empty?"))
    names = _unique(header)

    def records() -> Iterator[Record]:
        row = header_row
        try:
            with handle:
                for values in reader:
                    row += 1
                    if not values or all(not v.strip() for v in values):
                        continue
                    padded = values + [""] * (len(names) - len(values))
                    yield Record(row, dict(zip(names, padded, strict=False)))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise SourceError(
                Problem(
                    f"cannot be read as CSV after row {row} ({type(exc).__name__})",
                    Where(file=path, line=row, source=source),
                )
            ) from exc

    return names, records()


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
