"""Reading CSV as it really arrives: any encoding, any delimiter, line breaks in fields.

Vendors write UTF-8, sometimes with a byte-order mark; a file re-saved by Excel
with German settings is cp1252 with ``;``, and Excel's "Unicode Text" is UTF-16
LE with a byte-order mark and tabs. The encoding is sniffed (a byte-order mark;
else the pattern of zero bytes that UTF-16 and UTF-32 leave; else strict UTF-8;
else cp1252) and the delimiter is taken from the header line. A file read in the
wrong encoding does not fail, it finds nobody, and "nobody found" is what an
access answer then tells the person: so zero bytes in a file that is not UTF-16
or UTF-32 are an error, never read past.
Records are streamed with the csv module (``newline=""``), never split by
lines, so quoted line breaks survive and memory stays bounded however large
the file. Every CSV reader in dsr (files and SaaS exports) goes through here.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TextIO, TypeVar, cast

from dsr.errors import Problem, SourceError, Where

_T = TypeVar("_T")
_SNIFF_BYTES = 1 << 20  # bytes read to decide the encoding; the rest is checked while reading
_DELIMITERS = (",", ";", "\t", "|")
csv.field_size_limit(1 << 26)  # free-text exports hold long fields; 64 MiB per field at most


@dataclass(frozen=True)
class CsvFormat:
    """How a file is read. ``bom``: a UTF-16/32 file starts with a byte-order mark, which
    readers skip and a rewrite keeps (``utf-8-sig`` does this itself for UTF-8)."""

    encoding: str
    delimiter: str
    bom: bool = False


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


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose mark it starts with
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WIDE = {"utf-16": ("utf-16-le", "utf-16-be"), "utf-32": ("utf-32-le", "utf-32-be")}
"""Encodings a user may name without a byte order, and the ones a file can really be in."""


def _head(path: Path, source: str | None) -> bytes:
    try:
        with path.open("rb") as handle:
            return bytes(handle.read(_SNIFF_BYTES))
    except OSError as exc:
        raise unreadable(exc, path, source) from exc


def _bom(head: bytes) -> str | None:
    """The encoding a byte-order mark at the start names."""
    return next((name for mark, name in _BOMS if head.startswith(mark)), None)


def _decodes(head: bytes, encoding: str) -> bool:
    try:
        # A character cut at the end of the sample is not an error.
        codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _wide(head: bytes) -> str | None:
    """UTF-16 or UTF-32 without a byte-order mark, told by where its zero bytes stand.

    Text in Latin scripts is mostly ASCII, which these encodings write with zero
    bytes beside each character: UTF-16 LE at odd offsets, BE at even ones,
    UTF-32 three of every four. Some zero bytes elsewhere (a binary file) is none of them.
    """
    size = len(head) - len(head) % 4
    if size < 4 or b"\0" not in head[:size]:
        return None
    zeros = [head[r:size:4].count(0) / (size // 4) for r in range(4)]
    if zeros[2] > 0.9 and zeros[3] > 0.9 and zeros[0] < 0.1:
        guess = "utf-32-le"
    elif zeros[0] > 0.9 and zeros[1] > 0.9 and zeros[3] < 0.1:
        guess = "utf-32-be"
    elif (zeros[1] + zeros[3]) / 2 > 0.5 and (zeros[0] + zeros[2]) / 2 < 0.05:
        guess = "utf-16-le"
    elif (zeros[0] + zeros[2]) / 2 > 0.5 and (zeros[1] + zeros[3]) / 2 < 0.05:
        guess = "utf-16-be"
    else:
        return None
    return guess if _decodes(head, guess) else None


def _nul_error(
    path: Path, source: str | None, head: bytes, encoding: str | None = None
) -> SourceError:
    wide = _wide(head)
    hint = (
        f"it looks like {wide.upper()}: remove `encoding:` for this source to let dsr sniff"
        if wide
        else "is it a CSV file? A UTF-16 or UTF-32 file without a byte-order mark "
        "needs `encoding:` (e.g. utf-16-le)"
    )
    return SourceError(
        Problem(
            f"holds NUL bytes, which {encoding or 'UTF-8 or cp1252'} text never holds",
            Where(file=path, source=source),
            hint,
        )
    )


def sniff_encoding(path: Path, *, source: str | None = None) -> str:
    """The file's encoding: the one a byte-order mark names (``utf-8-sig``,
    ``utf-16-le``, ...), else UTF-16/32 by its zero bytes, else ``utf-8`` when the
    start decodes strictly, else ``cp1252``. Zero bytes in anything but UTF-16/32 are
    a SourceError: such a file read as text finds nobody."""
    return _sniff(_head(path, source), path, source)


def _sniff(head: bytes, path: Path, source: str | None) -> str:
    marked = _bom(head)
    if marked is not None:
        return marked
    wide = _wide(head)
    if wide is not None:
        return wide
    if b"\0" in head:
        raise _nul_error(path, source, head)
    return "utf-8" if _decodes(head, "utf-8") else "cp1252"


def _given(encoding: str, head: bytes, path: Path, source: str | None) -> str:
    """A configured encoding, made exact: ``utf-8`` on a marked file is ``utf-8-sig``,
    ``utf-16``/``utf-32`` take the byte order of the mark or the content."""
    name = codecs.lookup(encoding).name
    marked = _bom(head)
    if name == "utf-8" and marked == "utf-8-sig":
        return "utf-8-sig"
    if name in _WIDE:
        orders = _WIDE[name]
        if marked in orders:
            return marked
        wide = _wide(head)
        return wide if wide in orders else orders[0]
    if name.startswith(("utf-16", "utf-32")):
        return encoding
    if b"\0" in head:
        raise _nul_error(path, source, head, encoding)
    return encoding


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
    ``utf-8-sig``, a given ``utf-16`` the byte order the file has: the mark is
    not part of the first column's name, and a rewrite puts it back as it was.
    Zero bytes in a file that is not UTF-16/32 raise SourceError (see module).
    """
    head = _head(path, source)
    encoding = _sniff(head, path, source) if encoding is None else _given(
        encoding, head, path, source
    )
    name = codecs.lookup(encoding).name
    bom = _bom(head) == name and name.startswith(("utf-16", "utf-32"))
    fmt = CsvFormat(encoding, delimiter or ",", bom)
    if delimiter is None:
        handle = open_text(path, fmt, source)
        try:
            with handle:
                line = handle.readline()
        except _NulFound as exc:
            raise _nul_after(path, 0, source) from exc
        except UnicodeDecodeError as exc:
            raise _undecodable(exc, path, source, fmt) from exc
        fmt = CsvFormat(encoding, sniff_delimiter(line), bom)
    return fmt


def check_not_swallowed(
    values: list[str], width: int, fmt: CsvFormat, path: Path, row: int, source: str | None
) -> None:
    """SourceError when a field of the record holds several lines shaped like records
    (each with the header's number of delimiters): a quote opened in it was never
    closed, and every record after it reads as part of that one field. Searching on
    would answer "not found" for rows that are there, only unreadable."""
    if width < 2:
        return
    needed = 3 if width >= 3 else 10  # two columns: prose holds one comma often
    for value in values:
        if "\n" not in value:
            continue
        shaped = sum(1 for line in value.split("\n") if line.count(fmt.delimiter) >= width - 1)
        if shaped >= needed:
            raise SourceError(
                Problem(
                    f"a field of row {row} runs on over {shaped} lines that look like records: "
                    "a quote there is not closed, and the records after it cannot be read",
                    Where(file=path, line=row, source=source),
                    "close the quote (a field that starts with \" ends with \", inner quotes "
                    "doubled), then search again",
                )
            )


def open_text(path: Path, fmt: CsvFormat, source: str | None = None) -> TextIO:
    """The file as text for the csv module, past a UTF-16/32 byte-order mark."""
    try:
        if codecs.lookup(fmt.encoding).name.startswith(("utf-16", "utf-32")):
            handle = path.open(encoding=fmt.encoding, newline="")
        else:
            guarded = io.BufferedReader(_NulGuard(path.open("rb")), _SNIFF_BYTES // 16)
            handle = io.TextIOWrapper(guarded, encoding=fmt.encoding, newline="")
    except OSError as exc:
        raise unreadable(exc, path, source) from exc
    if fmt.bom:
        try:
            if handle.read(1) != "\ufeff":
                handle.seek(0)  # changed since it was sniffed: read it all
        except UnicodeDecodeError as exc:
            handle.close()
            raise _undecodable(exc, path, source, fmt) from exc
    return cast(TextIO, handle)


def _undecodable(
    exc: UnicodeDecodeError, path: Path, source: str | None, fmt: CsvFormat
) -> SourceError:
    """The file's bytes are not text in the encoding it was taken for: say so and how to
    tell dsr the right one, without quoting the bytes (they may be personal data)."""
    return SourceError(
        Problem(
            "cannot be read as CSV (UnicodeDecodeError)",
            Where(file=path, source=source),
            _hint(exc, fmt),
        )
    )


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
    handle = open_text(path, fmt, source)
    reader = csv.reader(handle, delimiter=fmt.delimiter)
    where = Where(file=path, source=source)
    try:
        header: list[str] | None = None
        for number, values in enumerate(reader, start=1):
            if number == header_row:
                header = [h.strip() for h in values]
                break
    except _NulFound as exc:
        handle.close()
        raise _nul_after(path, 0, source) from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        handle.close()
        raise SourceError(
            Problem(f"cannot be read as CSV ({type(exc).__name__})", where, _hint(exc, fmt))
        ) from exc
    if not header:
        handle.close()
        raise SourceError(Problem("has no header row", where, "is the file empty?"))
    if len(header) == 1 and (other := _other_delimiter(header[0], fmt.delimiter)):
        # One column whose name holds another delimiter: every lookup would miss.
        handle.close()
        raise SourceError(
            Problem(
                f"has one column: its header is split by {_shown(other)}, "
                f"not by {_shown(fmt.delimiter)}",
                Where(file=path, line=header_row, source=source),
                f"set `delimiter: {_shown(other)}` for this source, "
                "or remove `delimiter:` to let dsr sniff",
            )
        )
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
        except _NulFound as exc:
            raise _nul_after(path, row, source) from exc
        except (UnicodeDecodeError, csv.Error) as exc:
            raise SourceError(
                Problem(
                    f"cannot be read as CSV after row {row} ({type(exc).__name__})",
                    Where(file=path, line=row, source=source),
                    _hint(exc, fmt),
                )
            ) from exc

    return names, Closing(rows(), handle.close)


class _NulFound(Exception):
    """NUL bytes past the sniffed start: the csv module would read them without complaint."""


class _NulGuard(io.RawIOBase):
    """A binary file that raises _NulFound where it holds a NUL byte.

    Checked per buffer read (``memchr``, no copy per line): a file a crash filled
    with zeros at its end would otherwise be read as rows that find nobody.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        if b"\0" in data:
            raise _NulFound
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


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
    handle = open_text(path, fmt, source)
    taken: list[str] = ["\ufeff"] if fmt.bom else []  # the mark goes back with the first record

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
    except _NulFound as exc:
        raise _nul_after(path, row, source) from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(
            Problem(
                f"cannot be read as CSV after row {row} ({type(exc).__name__})",
                Where(file=path, line=row, source=source),
                _hint(exc, fmt),
            )
        ) from exc


def _nul_after(path: Path, row: int, source: str | None) -> SourceError:
    return SourceError(
        Problem(
            f"holds NUL bytes{f' after row {row}' if row else ''}, which no text file holds",
            Where(file=path, source=source),
            "a crash or a full disk may have damaged it: restore it or export it again",
        )
    )


def _other_delimiter(header: str, delimiter: str) -> str | None:
    """The delimiter candidate a one-column header holds most often, other than ``delimiter``."""
    counts = {d: header.count(d) for d in _DELIMITERS if d != delimiter}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else None


def _shown(delimiter: str) -> str:
    """A delimiter as dsr.yaml writes it (a tab is invisible in a message)."""
    return '"\\t"' if delimiter == "\t" else f"'{delimiter}'"


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
