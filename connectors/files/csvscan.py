"""Finding a batch of identifiers in a large CSV at the speed of reading its bytes.

Parsing every record with the csv module costs about 1 µs a row; an e-mail
address is in one row of ten million. So the file is searched as raw bytes
first, in large chunks mapped from the page cache, with NumPy and ``bytes.find``
doing the work in C, and only the records that contain a candidate are parsed
and then tested by the ordinary matchers (``dsr.connectors.rows.matcher``). The
prefilter may let through records that do not match; it must never hold back one
that does (every ``exact``, ``casefold`` or ``contains`` match holds the lookup
value's bytes, up to case):

- Case is folded by setting bit 0x20 of every byte, in the data and in the
  needles alike. That maps A-Z to a-z and, in UTF-8 (second byte) and cp1252,
  À-Þ to à-þ; it also merges some other bytes, which only adds candidates.
  Characters this folding does not cover (ß, Š, ÿ, quotes, anything outside
  Latin-1) split a needle, and its longest safe fragment is searched instead.
  Known gap: the Kelvin and Ångström signs lower-case to ASCII ``k``/``å`` in
  Python but not in bytes; they do not occur in real identifiers.
- Phone numbers (``digits`` lookups: a cell's digits, separators dropped, end with the
  number) are found with ``bytes.find`` in the chunk's digits alone, each hit mapped back
  to the byte of its first digit.
- A few needles are found with ``bytes.find``; a batch of e-mail addresses is
  found in ONE pass: every ``@`` in the chunk gives an 8-byte window (seven
  bytes before and the ``@``; for short local parts fewer before, some after),
  looked up in the sorted windows of all needles: the local part is what tells
  people apart, the domain is shared by thousands.
- With ``hyperscan`` (installed with dsr where a wheel exists; elsewhere ``pip install
  dsr[fast]`` builds it) the needles are compiled into one search of the raw bytes per
  chunk instead (e-mail addresses cut after the ``@``), ASCII letters in either case and
  the other case of a Latin-1 letter as a class, and the phone numbers with gaps in the
  same pass: no folded copy of the chunk, no second pass. The candidates differ, the
  records that match do not: the matchers decide.
- Row numbers must be exactly those ``csvread`` gives (the record count,
  header = 1, blank lines counted), because erasure addresses rows by them. A
  record ends at a newline outside quotes; whether a newline is inside quotes is
  the parity of the quotes before it. That holds only for well-formed CSV, so
  every quote is checked to open at a field start and close at a field end; a
  literal quote inside an unquoted field, a lone carriage return, a NUL byte
  (which ``csvread`` reports as a damaged file), an encoding that is not
  ASCII-compatible (UTF-16 and UTF-32), a needle too short to be selective, too many
  phone numbers, or more candidates than a prefilter is worth, and the caller reads
  the file the ordinary way instead (``None``). Nothing is yielded before that is decided.

Files larger than a few chunks are split between two processes at a record
boundary; a split that lands inside a quoted field is detected (odd quote
parity) and the file is scanned again in one process.

Counting records is most of a scan's cost. Each scan's ``Layout`` (where pieces of about
``PIECE`` bytes end, and their record counts) is kept for the unchanged file
(``csvlayout``: in memory and in the cache folder), so a later scan, the lookup's second
round or the next lookup, counts records from it and parses only the pieces with a hit.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from dsr.connectors.files import csvlayout
from dsr.connectors.files.csvlayout import Layout
from dsr.connectors.files.csvread import CsvFormat
from dsr.connectors.protocol import Lookup
from dsr.connectors.rows import ADDRESS_SIGNS, digit_values
from dsr.errors import Problem, SourceError, Where

CHUNK = 2 << 20
"""Bytes per chunk: large enough that NumPy's per-call cost vanishes, small enough for cache."""
MIN_NEEDLE = 4
"""Shorter needles (an id like ``42``) would make most records candidates."""
MIN_DIGITS = 6
"""Shorter phone numbers (digits alone, separators ignored) would make most records candidates."""
MAX_FIND_NEEDLES = 16
"""Needles searched one by one with ``bytes.find``; more go through the ``@`` windows."""
GAPPED_NUMBERS = 64
"""Up to this many phone numbers are searched with gaps in the bytes (``_Compiled``)."""
MAX_CANDIDATES = 200_000
"""Past this, the prefilter saves nothing: the caller parses the whole file."""
PIECE = 64 << 10
"""Bytes a layout's pieces hold (at least): a later scan parses around a hit in its piece."""
PARALLEL_BYTES = 32 << 20
"""Files at least this large are split between two processes."""

ENGINE = "numpy"
"""How literals are searched: ``hyperscan`` when it is importable (a dependency where a wheel
exists, else ``pip install dsr[fast]``), else ``numpy`` (``bytes.find`` and the ``@``
windows). Both find a superset of the matching records, so the answers are the same
(tests/test_csvscan.py)."""
_hyperscan: Any = None
try:
    import hyperscan as _hyperscan

    ENGINE = "hyperscan"
except ImportError:  # the optional extra is not installed
    pass

_ASCII_COMPATIBLE = {"utf-8", "utf-8-sig", "cp1252", "latin-1", "iso8859-15"}
_QUOTE, _NEWLINE, _RETURN, _AT, _PERCENT = 0x22, 0x0A, 0x0D, 0x40, 0x25
_NONE = np.empty(0, np.int64)
_WINDOW_SHAPES = ((7, 0), (4, 3), (2, 5))
"""Bytes before and after the ``@`` of the 8-byte windows, tried in this order per needle."""


class NotApplicable(Exception):
    """The prefilter cannot promise to find every match here: parse the file instead."""


@dataclass(frozen=True)
class Needles:
    """What to search for, folded: a few byte strings, and e-mail windows as sorted uint64
    per window shape (``Shape``: the ``@`` or ``%40``, bytes before and after it)."""

    few: tuple[bytes, ...]
    windows: dict[Shape, np.ndarray] = field(default_factory=dict)
    digits: tuple[bytes, ...] = ()
    """Phone numbers as digits: searched in the chunk's digits alone, whatever separates them."""
    literals: tuple[bytes, ...] = ()
    """What the compiled search (``hyperscan``) looks for instead of ``few`` and ``windows``:
    the same byte strings before folding (``_caseless`` makes their cases), an e-mail address
    cut after its ``@`` (the local part tells people apart; thousands of needles sharing a
    domain slow a literal matcher down)."""

    def __bool__(self) -> bool:
        return bool(self.few or self.windows or self.digits)


def _safe(char: str) -> bool:
    """Whether folding bit 0x20 makes every case variant of ``char`` the same bytes."""
    if char in '"\r\n':
        return False
    code = ord(char)
    if code < 0x80:
        return True
    # À-Þ ↔ à-þ (not × ÷, which have no case, nor ß and ÿ, whose other case lies elsewhere)
    return 0xC0 <= code <= 0xFE and code not in (0xD7, 0xDF, 0xF7)


def _fragment(value: str) -> str:
    """The longest run of ``value`` that folding covers: what the raw bytes must contain."""
    best, run = "", []
    for char in value + '"':
        if _safe(char):
            run.append(char)
            continue
        if len(run) > len(best):
            best = "".join(run)
        run = []
    return best


def fold(data: bytes) -> bytes:
    return bytes(b | 0x20 for b in data)


_SIGNS = tuple(fold(sign.encode()) for sign in ADDRESS_SIGNS)
"""What the e-mail windows and anchors stand around (``rows.ADDRESS_SIGNS`` folded: the
``@`` reads as a backquote)."""

Shape = tuple[bytes, int, int]
"""A window's sign and the bytes it takes before and after the sign's first byte."""


def _window(needle: bytes) -> tuple[Shape, int] | None:
    """The shape and value of the 8-byte window around a needle's ``@`` (or ``%40``), if
    it has one."""
    for sign in _SIGNS:
        at = needle.find(sign)
        while at != -1:
            for before, after in _WINDOW_SHAPES:
                if at >= before and len(needle) - at - 1 >= after:
                    value = int.from_bytes(needle[at - before : at + 1 + after], "little")
                    return (sign, before, after), value
            at = needle.find(sign, at + 1)
    return None


def needles(lookups: Sequence[Lookup], encoding: str) -> Needles:
    """The folded byte strings whose presence every possible match implies.

    Raises NotApplicable where no such promise can be made (phone digits, which
    are stored with any separators; short values; too many values without ``@``).
    """
    base = "utf-8" if encoding == "utf-8-sig" else encoding
    found: set[bytes] = set()
    unfolded: set[bytes] = set()
    numbers: set[bytes] = set()
    for lookup in lookups:
        if lookup.match in ("digits", "digits_within"):
            # The matcher compares a cell's digits, separators dropped; only ASCII digit values
            # can match, and every ASCII-compatible encoding stores those digits as themselves.
            numbers |= {v.encode() for v in digit_values(lookup.values)}
            continue
        for value in lookup.values:
            if not value:
                continue
            text = value.lower() if lookup.match in ("casefold", "contains") else value
            part = _fragment(text)
            try:
                encoded = part.encode(base)
            except UnicodeEncodeError:
                continue  # no cell of this file can hold it
            if len(encoded) < MIN_NEEDLE:
                raise NotApplicable("a value too short to search for")
            found.add(fold(encoded))
            unfolded.add(encoded)
    few: list[bytes] = []
    windows: dict[Shape, list[int]] = {}
    for needle in sorted(found):
        window = _window(needle) if len(found) > MAX_FIND_NEEDLES else None
        if window is None:
            few.append(needle)
        else:
            windows.setdefault(window[0], []).append(window[1])
    # The compiled search takes thousands of literals in one pass; the NumPy one tests a
    # few one by one (and e-mail addresses through their windows).
    if len(few) > MAX_FIND_NEEDLES and ENGINE != "hyperscan":
        raise NotApplicable("too many values without an e-mail window")
    if len(numbers) > MAX_FIND_NEEDLES and ENGINE != "hyperscan":
        raise NotApplicable("too many phone numbers")
    if any(len(n) < MIN_DIGITS for n in numbers):
        raise NotApplicable("a phone number too short to search for")
    return Needles(
        tuple(few),
        {shape: _distinct(np.array(v, dtype=np.uint64)) for shape, v in windows.items()},
        tuple(sorted(numbers)),
        tuple(sorted({_anchor(n) for n in unfolded})),
    )


def _anchor(needle: bytes) -> bytes:
    """A needle, or its start up to its ``@`` (or the ``%40`` of an address in a link) when
    that alone is selective enough: the domains many addresses share slow a literal
    matcher down some tenfold, the local parts tell the people apart."""
    for sign in ADDRESS_SIGNS:
        at = needle.find(sign.encode())
        if at >= MIN_NEEDLE:
            return needle[: at + len(sign)]
    return needle


def _caseless(needle: bytes) -> bytes:
    """A ``hyperscan`` pattern of ``needle`` (compiled with ``HS_FLAG_CASELESS``, which
    covers ASCII letters) whose matches include every byte string that folds as it does
    and holds its characters in any case: a byte of a Latin-1 letter (``_safe``: ``à`` is
    ``E0`` in cp1252, ``C3 A0`` in UTF-8) also as the byte its other case has. Every other
    byte as itself: the text holds the needle's other characters as they are."""
    parts = []
    for byte in needle:
        if 0x61 <= byte <= 0x7A:
            parts.append(bytes([byte]))
        elif byte >= 0x80 and byte & 0x20:
            parts.append(b"[\\x%02x\\x%02x]" % (byte, byte & ~0x20))
        else:
            parts.append(b"\\x%02x" % byte)
    return b"".join(parts)


# -- the scan ----------------------------------------------------------------------------


@dataclass
class RangeResult:
    """One byte range: its records, its candidates (row within the range, raw record)."""

    records: int
    candidates: list[tuple[int, bytes]]
    blank: int = 0
    """Records after the header with nothing in them (counted only when asked)."""
    layout: Layout = ()


class _Buffers:
    def __init__(self) -> None:
        self.folded = bytearray(CHUNK)
        self.folded_np = np.frombuffer(self.folded, np.uint8)
        self.mask = np.empty(CHUNK, np.bool_)

    def grow(self, size: int) -> None:
        if size > len(self.folded):
            self.folded = bytearray(size)
            self.folded_np = np.frombuffer(self.folded, np.uint8)
            self.mask = np.empty(size, np.bool_)


def _positions(view: np.ndarray, byte: int, mask: np.ndarray) -> np.ndarray:
    np.equal(view, byte, out=mask[: len(view)])
    return np.flatnonzero(mask[: len(view)])


def _count(view: np.ndarray, byte: int, mask: np.ndarray) -> int:
    np.equal(view, byte, out=mask[: len(view)])
    return int(np.count_nonzero(mask[: len(view)]))


def _chunk_end(data: mmap.mmap, start: int, stop: int) -> int:
    """A newline-aligned end after ``start``: the chunk holds whole lines."""
    end = min(start + CHUNK, stop)
    if end >= stop:
        return stop
    cut = data.rfind(b"\n", start, end)
    if cut == -1:  # one line longer than a chunk
        cut = data.find(b"\n", end, stop)
        return stop if cut == -1 else cut + 1
    return cut + 1


@dataclass
class _Chunk:
    """Where a chunk's quotes and newlines are: its record ends follow."""

    view: np.ndarray
    quotes: np.ndarray
    newlines: np.ndarray

    def record_ends(self) -> np.ndarray:
        """Offsets just past each newline that ends a record.

        The quotes before a newline are counted by its insertion point among the
        quote positions (a cumulative count, without a pass per quoted field): an
        odd count means the newline is inside a quoted field.
        """
        if not len(self.quotes):
            return self.newlines + 1
        inside = np.searchsorted(self.quotes, self.newlines) & 1
        return self.newlines[inside == 0] + 1


def _read_chunk(
    data: mmap.mmap, whole: np.ndarray, start: int, stop: int, buffers: _Buffers, delimiter: int
) -> _Chunk:
    """The chunk from ``start``: whole records, its quotes checked as the csv module reads them.

    Raises NotApplicable when a quote is not where well-formed CSV puts it, or a
    carriage return stands alone (then the csv module would count differently).
    """
    end = _chunk_end(data, start, stop)
    view, quotes, newlines = _marks(data, whole, start, end, buffers)
    if len(quotes) % 2:  # the chunk ends inside a quoted field: end it at the last record
        outside = newlines[(np.searchsorted(quotes, newlines) & 1) == 0]
        if len(outside):
            end = start + int(outside[-1]) + 1
        else:  # one record longer than the chunk
            end = _closing_end(data, whole, start, end, stop, buffers)
            return _read_chunk_at(data, whole, start, end, buffers, delimiter)
        view = whole[start:end]
        quotes = quotes[quotes < len(view)]
        newlines = newlines[newlines < len(view)]
    _check(view, quotes, newlines, buffers, delimiter)
    return _Chunk(view, quotes, newlines)


def _read_chunk_at(
    data: mmap.mmap, whole: np.ndarray, start: int, end: int, buffers: _Buffers, delimiter: int
) -> _Chunk:
    """The chunk ``[start, end)`` whose end is known to close every quoted field."""
    chunk = _read_piece(data, whole, start, end, buffers)
    _check(chunk.view, chunk.quotes, chunk.newlines, buffers, delimiter)
    return chunk


def _marks(
    data: mmap.mmap, whole: np.ndarray, start: int, end: int, buffers: _Buffers
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bytes ``[start, end)`` with the positions of their quotes and newlines."""
    if data.find(b"\0", start, end) != -1:
        raise NotApplicable("a NUL byte (the parser names the row)")
    view = whole[start:end]
    buffers.grow(len(view))
    return view, _positions(view, _QUOTE, buffers.mask), _positions(view, _NEWLINE, buffers.mask)


def _check(
    view: np.ndarray, quotes: np.ndarray, newlines: np.ndarray, buffers: _Buffers, delimiter: int
) -> None:
    """Raise NotApplicable unless every quote opens at a field start and closes at a field end,
    and every carriage return stands before a line feed."""
    returns = _count(view, _RETURN, buffers.mask)
    if returns:
        inner = newlines[newlines > 0]
        if returns != int(np.count_nonzero(view[inner - 1] == _RETURN)):
            raise NotApplicable("a carriage return without a line feed")
    if not len(quotes):
        return
    if len(quotes) % 2:
        raise NotApplicable("unbalanced quotes")
    opening, closing = quotes[0::2], quotes[1::2]
    before = view[np.maximum(opening - 1, 0)]
    ok_open = (opening == 0) | (before == delimiter) | (before == _NEWLINE) | (before == _QUOTE)
    after = view[np.minimum(closing + 1, len(view) - 1)]
    ok_close = (
        (closing + 1 >= len(view))
        | (after == delimiter)
        | (after == _NEWLINE)
        | (after == _RETURN)
        | (after == _QUOTE)
    )
    if not (ok_open.all() and ok_close.all()):
        raise NotApplicable("a quote inside an unquoted field")


Pattern = tuple[bytes, int, int]
"""A ``hyperscan`` expression, its flags, and how far before a match's end its place is
taken: a needle's start, a gapped number's last digit."""


class _Compiled:
    """The needles compiled for ``hyperscan``, built in the process that scans (compiled
    databases do not pickle): ``raw``, one search of the chunk's bytes as they are for the
    needles (``_caseless``) and a few phone numbers; ``numbers``, the phone numbers of a
    batch, searched in the chunk's digits alone."""

    def __init__(self, found: Needles) -> None:
        caseless = _hyperscan.HS_FLAG_CASELESS if _hyperscan is not None else 0
        patterns = [(_caseless(n), caseless, len(n)) for n in found.literals]
        # A few numbers are searched in the bytes themselves, any non-digits between their
        # digits (what the digit stream means, without copying it out): twice as fast.
        # Thousands of such patterns compile slowly and scan slower than the stream.
        self.gapped = 0 < len(found.digits) <= GAPPED_NUMBERS
        self.numbers = None
        if self.gapped:
            patterns += [(b"[^0-9]*".join(b"%c" % d for d in n), 0, 1) for n in found.digits]
        else:
            self.numbers = self._compile([(n, 0, len(n)) for n in found.digits])  # digits only
        self.raw = self._compile(patterns)

    @staticmethod
    def _compile(patterns: list[Pattern]) -> tuple[object, object, list[int]] | None:
        """The database, its scratch space, and per pattern how far back its place is."""
        if not patterns or _hyperscan is None:
            return None
        database = _hyperscan.Database(mode=_hyperscan.HS_MODE_BLOCK)
        database.compile(
            expressions=[p for p, _, _ in patterns],
            ids=list(range(len(patterns))),
            elements=len(patterns),
            flags=[f for _, f, _ in patterns],
        )
        return database, _hyperscan.Scratch(database), [back for _, _, back in patterns]

    @staticmethod
    def starts(compiled: tuple[object, object, list[int]] | None, data: object) -> list[int]:
        """The place of every occurrence in ``data`` (``_compile``: a literal's start, a
        gapped number's last digit); NotApplicable past MAX_CANDIDATES."""
        if compiled is None:
            return []
        database, scratch, back = compiled
        found: list[int] = []

        def on_match(index: int, _start: int, end: int, _flags: int, _context: object) -> bool:
            found.append(end - back[index])
            return len(found) > MAX_CANDIDATES  # True stops the scan

        database.scan(data, match_event_handler=on_match, scratch=scratch)  # type: ignore[attr-defined]
        if len(found) > MAX_CANDIDATES:
            raise NotApplicable("too many candidates")
        return found


def _distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique`` without its check for masked arrays, which imports ``numpy.ma`` (15-50
    ms) in every scanning process."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


_BLOCK = 4096


def _nth_true(mask: np.ndarray, wanted: Sequence[int]) -> list[int]:
    """The offsets of the ``wanted``-th true values of ``mask`` (a digit's place from its
    place among the chunk's digits), counted a block at a time: most chunks have a hit
    or two, and the offsets of all their digits cost more than the hits' blocks."""
    if not len(wanted):
        return []
    counts = np.add.reduceat(mask.view(np.uint8), np.arange(0, len(mask), _BLOCK), dtype=np.int64)
    ends = np.cumsum(counts)
    blocks = np.searchsorted(ends, np.asarray(wanted), side="right")
    places: list[int] = []
    for block, nth in zip(blocks.tolist(), wanted, strict=True):
        before = int(ends[block - 1]) if block else 0
        inside = np.flatnonzero(mask[block * _BLOCK : (block + 1) * _BLOCK])
        places.append(block * _BLOCK + int(inside[nth - before]))
    return places


def _all(data: bytes | bytearray, needle: bytes, size: int | None = None) -> list[int]:
    """Every offset of ``needle`` in ``data[:size]``; NotApplicable past MAX_CANDIDATES."""
    size = len(data) if size is None else size
    found: list[int] = []
    at = data.find(needle, 0, size)
    while at != -1:
        found.append(at)
        if len(found) > MAX_CANDIDATES:
            raise NotApplicable("too many candidates")
        at = data.find(needle, at + 1, size)
    return found


def _candidates_in(
    view: np.ndarray, size: int, found: Needles, buffers: _Buffers, compiled: _Compiled | None
) -> np.ndarray:
    """Chunk offsets where a needle may start (or its ``@`` stands): a superset of the
    matches' places, never missing one."""
    hits: list[int] = []
    if compiled is not None:
        # A gapped number's match ends with its last digit, which lies in the record of its
        # cell; a needle's starts where it does.
        hits.extend(compiled.starts(compiled.raw, view.data))
    if found.digits and not (compiled is not None and compiled.gapped):
        # The chunk's digits in order, whatever stands between them: a cell whose digits
        # end with a number holds that number's digits in a row here. A hit's first digit
        # lies in the record of that cell.
        is_digit = buffers.mask[:size]
        np.subtract(view, 0x30, out=buffers.folded_np[:size])
        np.less(buffers.folded_np[:size], 10, out=is_digit)
        digits = view[is_digit]
        if compiled is not None:
            starts = compiled.starts(compiled.numbers, digits.data)
        else:
            stream = digits.tobytes()
            starts = [at for number in found.digits for at in _all(stream, number)]
        hits.extend(_nth_true(is_digit, starts))
    if compiled is not None:
        return _distinct(np.array(hits, dtype=np.int64))
    folded = buffers.folded
    np.bitwise_or(view, 0x20, out=buffers.folded_np[:size])
    for needle in found.few:
        hits.extend(_all(folded, needle, size))
    parts = [np.array(hits, dtype=np.int64)]
    if found.windows:
        signs = {b"`": _positions(view, _AT, buffers.mask)}
        if any(sign == b"%40" for sign, _, _ in found.windows):
            percent = _positions(view, _PERCENT, buffers.mask)
            percent = percent[percent + 2 < size]  # a record, so a "%40", ends in the chunk
            signs[b"%40"] = percent[(view[percent + 1] == 0x34) & (view[percent + 2] == 0x30)]
        for (sign, before, after), wanted in found.windows.items():
            ats = signs[sign]
            inner = ats[(ats >= before) & (ats + after < size)]
            parts.append(ats[(ats < before) | (ats + after >= size)])
            rows = np.lib.stride_tricks.as_strided(
                buffers.folded_np, shape=(max(size - 7, 0), 8), strides=(1, 1)
            )
            keys = np.ascontiguousarray(rows[inner - before]).view("<u8").ravel()
            place = np.searchsorted(wanted, keys)
            place[place == len(wanted)] = 0
            parts.append(inner[wanted[place] == keys])
    return _distinct(np.concatenate(parts))


def scan_range(
    path: str,
    start: int,
    stop: int,
    found: Needles,
    delimiter: int,
    blank_after: int | None = None,
    layout: Layout = (),
) -> RangeResult:
    """Records and candidate records of ``[start, stop)``, which starts at a record boundary.

    With ``blank_after``, also counts the blank records (only delimiters, spaces
    and quotes: those ``csvread`` skips) after that many records of the range. With
    the ``layout`` an earlier scan of the unchanged range gave, chunks without a hit
    are neither checked nor counted again.
    """
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0 or start >= stop:
            return RangeResult(0, [])
        data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    problem = None
    try:
        if layout and blank_after is None:
            result = _scan_known(data, start, layout, found, delimiter)
        else:
            result = _scan_mapped(data, start, stop, found, delimiter, blank_after)
    except NotApplicable as exc:
        problem = str(exc)  # the traceback (and its views of the map) dies with ``exc``
    data.close()
    if problem is not None:
        raise NotApplicable(problem)
    return result


def _scan_mapped(
    data: mmap.mmap, start: int, stop: int, found: Needles, delimiter: int, blank_after: int | None
) -> RangeResult:
    data.madvise(mmap.MADV_SEQUENTIAL)
    buffers = _Buffers()
    records = blank = 0
    candidates: list[tuple[int, bytes]] = []
    layout: list[tuple[int, int]] = []
    whole = np.frombuffer(data, np.uint8)
    compiled = _Compiled(found) if ENGINE == "hyperscan" and found else None
    position = start
    while position < stop:
        chunk = _read_chunk(data, whole, position, stop, buffers, delimiter)
        view = chunk.view
        length = len(view)
        hits = _candidates_in(view, length, found, buffers, compiled) if found else ()
        ends = chunk.record_ends()
        tail = 1 if ends.size == 0 or ends[-1] < length else 0  # last line, no newline
        here = len(ends) + tail
        if blank_after is not None:
            starts = np.concatenate(([0], ends))
            blank += _blank_records(view, starts[:here], records, blank_after, delimiter)
        if len(hits):
            _take(data, position, chunk, hits, records, candidates)
        layout += _pieces(position, ends, length, here)
        records += here
        _release(data, position, position + length)
        position += length
    return RangeResult(records, candidates, blank, tuple(layout))


def _pieces(position: int, ends: np.ndarray, length: int, here: int) -> list[tuple[int, int]]:
    """A chunk's ``Layout`` entries: pieces of about ``PIECE`` bytes, each ending at a record
    end, with their record counts (a later scan parses around a hit in its piece only)."""
    if not len(ends):
        return [(position + length, here)]
    cuts = _distinct(np.searchsorted(ends, np.arange(PIECE, length, PIECE)))  # record ends
    cuts = cuts[cuts < len(ends)]
    cuts = cuts[ends[cuts] < length]  # the chunk's own end closes the last piece
    pieces = []
    before = 0
    for cut in cuts.tolist():
        pieces.append((position + int(ends[cut]), cut + 1 - before))
        before = cut + 1
    pieces.append((position + length, here - before))
    return pieces


def _scan_known(
    data: mmap.mmap, start: int, layout: Layout, found: Needles, delimiter: int
) -> RangeResult:
    """``_scan_mapped`` over pieces an earlier scan checked and counted (``Layout``): the
    needles are searched a chunk of pieces at a time, and records are found only in the
    pieces with a hit."""
    data.madvise(mmap.MADV_SEQUENTIAL)
    buffers = _Buffers()
    records = 0
    candidates: list[tuple[int, bytes]] = []
    whole = np.frombuffer(data, np.uint8)
    compiled = _Compiled(found) if ENGINE == "hyperscan" and found else None
    ends = np.fromiter((end for end, _ in layout), np.int64, len(layout))
    counts = np.fromiter((here for _, here in layout), np.int64, len(layout))
    before = np.concatenate(([0], np.cumsum(counts)))
    first = 0
    position = start
    while first < len(layout):
        last = int(np.searchsorted(ends, position + CHUNK, side="right"))
        last = max(last, first + 1)  # a piece longer than a chunk is searched whole
        end = int(ends[last - 1])
        view = whole[position:end]
        buffers.grow(len(view))
        hits = _candidates_in(view, len(view), found, buffers, compiled) if found else _NONE
        if len(hits):
            place = np.searchsorted(ends[first:last], position + hits, side="right") + first
            for piece in _distinct(place).tolist():
                begin = int(ends[piece - 1]) if piece else start
                chunk = _read_piece(data, whole, begin, int(ends[piece]), buffers)
                inside = position + hits[place == piece] - begin
                _take(data, begin, chunk, inside, records + int(before[piece] - before[first]),
                      candidates)  # fmt: skip
        records += int(before[last] - before[first])
        _release(data, position, end)
        position = end
        first = last
    return RangeResult(records, candidates, 0, layout)


def _read_piece(
    data: mmap.mmap, whole: np.ndarray, start: int, end: int, buffers: _Buffers
) -> _Chunk:
    """A piece of a layout: its marks only (an earlier scan checked it, and it is unchanged)."""
    view, quotes, newlines = _marks(data, whole, start, end, buffers)
    return _Chunk(view, quotes, newlines)


def _take(
    data: mmap.mmap,
    position: int,
    chunk: _Chunk,
    hits: np.ndarray | tuple[()],
    records: int,
    candidates: list[tuple[int, bytes]],
) -> None:
    """Add the records of ``chunk`` (at ``position``, after ``records``) holding ``hits``."""
    ends = chunk.record_ends()
    starts = np.concatenate(([0], ends))
    length = len(chunk.view)
    index = np.searchsorted(ends, hits, side="right")
    for i in _distinct(index):
        begin = int(starts[i])
        finish = int(ends[i]) if i < len(ends) else length
        candidates.append((records + int(i) + 1, data[position + begin : position + finish]))
    if len(candidates) > MAX_CANDIDATES:
        raise NotApplicable("too many candidates")


def _release(data: mmap.mmap, position: int, end: int) -> None:
    """The pages are in the page cache either way; dropping them from this mapping keeps
    the process's resident memory at one chunk, not the file."""
    aligned = position - position % mmap.PAGESIZE
    data.madvise(mmap.MADV_DONTNEED, aligned, end - aligned)


_BLANK_CHECKS = 50_000
"""Records per chunk that start like a blank one, checked one by one; more, and parse instead."""


def _blank_records(
    view: np.ndarray, starts: np.ndarray, before: int, after: int, delimiter: int
) -> int:
    """Blank records among those starting at ``starts`` whose number exceeds ``after``.

    A blank record (only delimiters, spaces and line ends) starts with one of
    them, so only such records are looked at. One of nothing but quotes (two are
    an empty field, four a quote character) is left to the csv module.
    """
    if not len(starts):
        return 0
    index = starts.astype(np.intp)
    numbers = before + 1 + np.arange(len(index))
    first = view[np.minimum(index, len(view) - 1)]
    maybe = (
        (first == delimiter) | (first == 0x20) | (first == 0x09) | (first == _RETURN)
        | (first == _NEWLINE) | (first == _QUOTE)
    ) & (numbers > after)
    places = np.flatnonzero(maybe)
    if len(places) > _BLANK_CHECKS:
        raise NotApplicable("too many records that start empty")
    ends = np.append(index[1:], len(view))
    blank = 0
    strip = bytes([delimiter, 0x20, 0x09, _RETURN, _NEWLINE])
    for place in places:
        rest = view[index[place] : ends[place]].tobytes().translate(None, strip)
        if not rest:
            blank += 1
        elif not rest.strip(b'"'):
            raise NotApplicable("a record of nothing but quotes")
    return blank


ESTIMATE_ABOVE = 64 << 20
"""Files larger than this get an estimated row count: counting would cost a full read."""
_SAMPLE = 4 << 20


def estimate_rows(path: Path, *, header_row: int) -> int | None:
    """Rows of a large file from the line length of its first megabytes (like a database's
    statistics: a lookup needs the columns, not the count); None for a small file."""
    size = path.stat().st_size
    if size <= ESTIMATE_ABOVE:
        return None
    with path.open("rb") as handle:
        head = handle.read(_SAMPLE)
    lines = head.count(b"\n")
    if not lines:
        return None
    return max(round(size * lines / len(head)) - header_row, 0)


def count_rows(path: Path, fmt: CsvFormat, *, header_row: int) -> int | None:
    """The data rows ``csvread.read_rows`` would yield, counted from the bytes; None if unsure."""
    if codecs.lookup(fmt.encoding).name not in _ASCII_COMPATIBLE or len(fmt.delimiter) != 1:
        return None
    delimiter = ord(fmt.delimiter.encode("latin-1", "replace"))
    empty = Needles(())
    try:
        ranges = _split(path, delimiter)
        results = _scan(str(path), ranges, empty, delimiter, blank_after=header_row)
    except (NotApplicable, OSError):
        return None
    records = sum(r.records for r in results)
    return max(records - header_row, 0) - sum(r.blank for r in results)


def _closing_end(
    data: mmap.mmap, whole: np.ndarray, start: int, end: int, stop: int, buffers: _Buffers
) -> int:
    """The first newline after ``end`` with an even number of quotes before it, from ``start``
    (one record, a long quoted note, is larger than a chunk)."""
    cut = end
    while cut < stop:
        nxt = data.find(b"\n", cut, stop)
        cut = stop if nxt == -1 else nxt + 1
        buffers.grow(cut - start)
        if _count(whole[start:cut], _QUOTE, buffers.mask) % 2 == 0:
            return cut
    raise NotApplicable("unbalanced quotes")


_SPLIT_WINDOW = 1 << 16
"""Bytes after the middle of a file read to tell whether it lies inside a quoted field."""


def _split(path: Path, delimiter: int) -> list[tuple[int, int]]:
    """Two halves at a newline outside quotes as far as the bytes around it tell, or the
    whole file when it is small.

    A newline in a quoted note would make both halves wrong and cost a second, whole
    scan (``_scan``), so the split is placed by the quotes after the middle: of the two
    readings (the middle outside or inside a quoted field) usually only one puts every
    quote at a field's start or end.
    """
    size = path.stat().st_size
    if size < PARALLEL_BYTES or (os.cpu_count() or 1) < 2:
        return [(0, size)]
    with path.open("rb") as handle:
        handle.seek(size // 2)
        window = handle.read(_SPLIT_WINDOW)
    cut = _newline_outside(np.frombuffer(window, np.uint8), delimiter)
    middle = size // 2 + cut if cut is not None else size
    if middle >= size:
        return [(0, size)]
    return [(0, middle), (middle, size)]


def _newline_outside(view: np.ndarray, delimiter: int) -> int | None:
    """Offset just past the first newline of ``view`` outside quotes, reading the quotes as
    the one consistent way (outside first, when both or neither are)."""
    quotes = np.flatnonzero(view == _QUOTE)
    newlines = np.flatnonzero(view == _NEWLINE)
    if not len(newlines):
        return None
    field_start = (delimiter, _NEWLINE, _QUOTE)
    field_end = (delimiter, _NEWLINE, _RETURN, _QUOTE)
    before = view[np.maximum(quotes - 1, 0)]
    after = view[np.minimum(quotes + 1, len(view) - 1)]
    can_open = np.isin(before, field_start) | (quotes == 0)
    can_close = np.isin(after, field_end) | (quotes == len(view) - 1)
    inside_at_start = 0
    first_open_ok = bool(can_open[0::2].all() and can_close[1::2].all())
    second_open_ok = bool(can_close[0::2].all() and can_open[1::2].all())
    if second_open_ok and not first_open_ok:
        inside_at_start = 1
    parity = (np.searchsorted(quotes, newlines) + inside_at_start) & 1
    outside = newlines[parity == 0]
    return int(outside[0]) + 1 if len(outside) else None


def prefiltered_rows(
    path: Path,
    fmt: CsvFormat,
    lookups: Sequence[Lookup],
    *,
    header_row: int,
    source: str | None = None,
) -> list[tuple[int, list[str]]] | None:
    """The records that may match ``lookups``, as ``(row, values)`` like ``csvread.read_rows``;
    ``None`` when the file must be read the ordinary way."""
    if codecs.lookup(fmt.encoding).name not in _ASCII_COMPATIBLE or len(fmt.delimiter) != 1:
        return None
    delimiter = ord(fmt.delimiter.encode("latin-1", "replace"))
    try:
        found = needles(lookups, codecs.lookup(fmt.encoding).name)
        results = _scan(str(path), _split(path, delimiter), found, delimiter)
    except NotApplicable:
        return None
    except OSError:
        return None  # the ordinary reader names the problem
    rows: list[tuple[int, list[str]]] = []
    offset = 0
    for result in results:
        for row, text in result.candidates:
            number = offset + row
            if number <= header_row:
                continue
            values = _parse(text, fmt, path, number, source)
            if values is not None:
                rows.append((number, values))
        offset += result.records
    return rows


def _scan(
    path: str, ranges: list[tuple[int, int]], found: Needles, delimiter: int,
    blank_after: int | None = None,
) -> list[RangeResult]:
    """Scan the ranges, in two processes when there are two.

    The first range ends at a newline chosen without looking at quotes; if that
    newline is inside a quoted field, the first range's quotes do not balance
    and it raises NotApplicable: then the file is scanned again in one piece.
    """
    file = csvlayout.version(path, delimiter, CHUNK)
    layouts = [csvlayout.known(file, a, b) for a, b in ranges]
    if len(ranges) == 1:
        results = [scan_range(path, *ranges[0], found, delimiter, blank_after, layouts[0])]
    else:
        later = None if blank_after is None else 0
        with ProcessPoolExecutor(2, mp_context=get_context("fork")) as pool:
            futures = [
                pool.submit(scan_range, path, a, b, found, delimiter, blanks, layout)
                for (a, b), blanks, layout in zip(
                    ranges, (blank_after, later), layouts, strict=True
                )
            ]
            try:
                results = [f.result() for f in futures]
            except NotApplicable:
                results = []
        if not results:  # after both processes ended
            ranges = [(ranges[0][0], ranges[-1][1])]
            results = [scan_range(path, *ranges[0], found, delimiter, blank_after)]
    if file is not None and csvlayout.version(path, delimiter, CHUNK) == file:
        # unchanged while it was read: the next scan counts records from its layout
        csvlayout.keep(file, {r: x.layout for r, x in zip(ranges, results, strict=True)})
    return results


def _parse(
    text: bytes, fmt: CsvFormat, path: Path, row: int, source: str | None
) -> list[str] | None:
    encoding = fmt.encoding
    try:
        decoded = text.decode("utf-8" if encoding == "utf-8-sig" else encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(
            Problem(
                f"cannot be read as CSV after row {row - 1} (UnicodeDecodeError)",
                Where(file=path, line=row, source=source),
                f"the file is not {encoding}; set `encoding:` for this source "
                "(German Excel exports are cp1252) or remove it to let dsr sniff",
            )
        ) from exc
    values = next(csv.reader(io.StringIO(decoded, newline=""), delimiter=fmt.delimiter), [])
    if not "".join(values).strip():
        return None
    return values
