"""Search files for the bytes of a person's identifiers after an erasure.

A row that is gone for the database can still be on disk: SQLite leaves deleted
records in free pages unless ``secure_delete`` is on, and in its ``-wal`` or
``-journal`` file until a checkpoint; a workbook keeps unused strings in its
XML; a CSV re-saved by hand may hold a copy. ``dsr erase --verify`` therefore
looks at the raw bytes of every file-based source, not only at what a query
returns.

Each file is streamed in chunks with an overlap, so a value cut in two by a
chunk boundary is still found and a multi-gigabyte file never sits in memory.
Matching ignores case (ASCII and Latin-1 letters; for other letters the given,
lower- and upper-case spellings are tried) and tries each needle as UTF-8, as
Windows-1252 (what German Excel writes) and XML-escaped (``&amp;`` ...), as it
stands in the XML inside XLSX and ODS files. Those are ZIP archives whose XML is
compressed, so their ``.xml`` members are searched, not the archive's bytes.

A result names the file, the ZIP member, the needle's KIND and index and a
count: never the value, because results end up on screens and in logs.

A SQLite full-text index (FTS5, FTS3/4) stores words, not the text: after the
row it was built from is deleted, an external-content or contentless index still
finds the person unless it was told (``'delete'``), and no byte search sees it
because the words sit apart, prefix-compressed. ``search_fts`` therefore asks
every full-text table of a SQLite file for each identifier as a phrase, read-only.
"""

from __future__ import annotations

import re
import sqlite3
import zipfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from html import escape as _xml_escape
from pathlib import Path
from typing import IO
from urllib.parse import quote as url_quote

from dsr.connectors.rows import digits_of, like_escape
from dsr.connectors.sql.mention_index import holds_digits
from dsr.errors import Problem, SourceError, Where

CHUNK = 1 << 20
"""Bytes read at a time: large enough to be fast, small enough never to matter."""

SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_SIBLINGS = ("-wal", "-journal")
"""Files beside a SQLite database that hold pages of it: the write-ahead log and the
rollback journal (``-shm`` is an index of the log and holds no record content)."""

ZIP_SUFFIXES = (".xlsx", ".xlsm", ".ods")

_UPPER = bytes(range(0x41, 0x5B)) + bytes(c for c in range(0xC0, 0xDF) if c != 0xD7)
_FOLD = bytes.maketrans(_UPPER, bytes(c + 0x20 for c in _UPPER))
"""Lower-cases ASCII and the Latin-1/Windows-1252 capitals (À..Þ without ×) byte by byte,
applied alike to needles and to the file, so 'MÜLLER' in cp1252 matches 'müller'."""


@dataclass(frozen=True)
class Needle:
    """One identifier to look for: its kind (``email``, ``phone``, ``id``, ``name``),
    its index among the person's identifiers of that kind, and the value itself.

    The value never leaves this module in a result."""

    kind: str
    index: int
    value: str

    def __repr__(self) -> str:  # the value must not end up in logs or tracebacks
        return f"Needle(kind={self.kind!r}, index={self.index})"


@dataclass(frozen=True)
class ByteResidue:
    """Where an identifier's bytes were found: file, ZIP member (or None), kind, index, how
    often and in which written forms (``utf-8``, ``cp1252``, ``xml``). Never the value."""

    path: Path
    member: str | None
    kind: str
    index: int
    count: int
    forms: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "file": str(self.path),
            "member": self.member,
            "kind": self.kind,
            "index": self.index,
            "count": self.count,
            "forms": list(self.forms),
        }


@dataclass(frozen=True)
class _Pattern:
    needle: Needle
    form: str
    data: bytes  # already folded


def _spellings(value: str) -> list[str]:
    """The value as given, lower, upper and title case: case-insensitivity beyond Latin-1."""
    return list(dict.fromkeys([value, value.lower(), value.upper(), value.title()]))


def _xml_forms(text: str) -> list[str]:
    """How XML writers escape the text: ``&amp;``, ``&apos;``/``&#39;``, ``&quot;``/``&#34;``."""
    escaped = _xml_escape(text, quote=False)
    forms = {escaped}
    for quote, names in (("'", ("&apos;", "&#39;", "&#x27;")), ('"', ("&quot;", "&#34;"))):
        if quote in text:
            for name in names:
                forms.add(escaped.replace(quote, name))
    forms.discard(text)
    return sorted(forms)


def patterns(needles: Iterable[Needle]) -> list[_Pattern]:
    """Every byte form of every needle, folded and without duplicates."""
    found: dict[tuple[int, bytes], _Pattern] = {}
    for position, needle in enumerate(needles):
        value = needle.value.strip()
        if not value:
            continue
        for spelling in _spellings(value):
            candidates: list[tuple[str, str]] = [("text", spelling)]
            candidates += [("xml", form) for form in _xml_forms(spelling)]
            for origin, text in candidates:
                for encoding in ("utf-8", "cp1252"):
                    try:
                        data = text.encode(encoding).translate(_FOLD)
                    except UnicodeEncodeError:
                        continue
                    form = "xml" if origin == "xml" else encoding
                    key = (position, data)
                    if key not in found:
                        found[key] = _Pattern(needle, form, data)
    return list(found.values())


def _count(stream: IO[bytes], pats: Sequence[_Pattern]) -> dict[int, tuple[int, set[str]]]:
    """Occurrences per pattern index in one stream, read chunk by chunk with an overlap."""
    if not pats:
        return {}
    keep = max(len(p.data) for p in pats) - 1
    counts: dict[int, tuple[int, set[str]]] = {}
    tail = b""
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        buffer = tail + chunk.translate(_FOLD)
        for number, pattern in enumerate(pats):
            # A match lying wholly inside the tail was counted with the previous chunk.
            start = max(0, len(tail) - len(pattern.data) + 1)
            hits = 0
            while True:
                at = buffer.find(pattern.data, start)
                if at < 0:
                    break
                hits += 1
                start = at + 1
            if hits:
                total, forms = counts.get(number, (0, set()))
                counts[number] = (total + hits, forms | {pattern.form})
        tail = buffer[-keep:] if keep else b""
    return counts


def _results(
    path: Path,
    member: str | None,
    pats: Sequence[_Pattern],
    counts: dict[int, tuple[int, set[str]]],
) -> list[ByteResidue]:
    """One result per needle (its forms added up), in needle order."""
    merged: dict[tuple[str, int], tuple[int, set[str]]] = {}
    for number, (hits, forms) in counts.items():
        needle = pats[number].needle
        total, seen = merged.get((needle.kind, needle.index), (0, set()))
        merged[needle.kind, needle.index] = (total + hits, seen | forms)
    return [
        ByteResidue(path, member, kind, index, total, tuple(sorted(forms)))
        for (kind, index), (total, forms) in merged.items()
    ]


def is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def files_to_search(paths: Iterable[Path]) -> list[Path]:
    """The paths, each SQLite database followed by its ``-wal``/``-journal`` files that exist."""
    chosen: list[Path] = []
    for path in paths:
        if path in chosen:
            continue
        chosen.append(path)
        if is_sqlite(path) or path.suffix.lower() in (".db", ".sqlite", ".sqlite3"):
            for suffix in SQLITE_SIBLINGS:
                sibling = path.with_name(path.name + suffix)
                if sibling.is_file() and sibling not in chosen:
                    chosen.append(sibling)
    return chosen


def _zip_members(path: Path) -> list[str] | None:
    """The XML members of an XLSX/ODS workbook, or None when the file is no ZIP."""
    if path.suffix.lower() not in ZIP_SUFFIXES or not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as archive:
        return [
            info.filename
            for info in archive.infolist()
            if not info.is_dir() and info.filename.lower().endswith(".xml")
        ]


def search_bytes(
    paths: Iterable[Path],
    needles: Sequence[Needle],
    *,
    advance: Callable[[], None] | None = None,
) -> list[ByteResidue]:
    """Every place among ``paths`` where a needle's bytes occur.

    SQLite databases are searched with their ``-wal``/``-journal`` siblings; XLSX and
    ODS files member by member (the XML inside the ZIP); every other file raw.
    ``advance`` is called once per file searched (for a progress bar). Files that
    cannot be read raise OSError: a file that could not be searched must not pass
    as clean.
    """
    pats = patterns(needles)
    found: list[ByteResidue] = []
    if not pats:
        return found
    for path in files_to_search(paths):
        members = _zip_members(path)
        if members is None:
            with path.open("rb") as handle:
                found += _results(path, None, pats, _count(handle, pats))
        else:
            with zipfile.ZipFile(path) as archive:
                for member in members:
                    with archive.open(member) as handle:
                        found += _results(path, member, pats, _count(handle, pats))
        if advance is not None:
            advance()
    return found


# -- full-text indexes ----------------------------------------------------------------------

_FTS = re.compile(r"\bUSING\s+fts[345]\b", re.IGNORECASE)
"""FTS5, and the older FTS3/FTS4, which answer the same phrase query."""

_NO_PHRASES = re.compile(r"\bdetail\s*=\s*['\"]?(?:none|column)\b", re.IGNORECASE)
"""An FTS5 table without positions refuses phrases of several words: it is asked with
LIKE on each column instead, which FTS5 answers from the text it stores."""

DIGITS_NEEDLE = 8
"""The fewest digits of an identifier asked of dsr's index of the digits in notes
(``mention_index``), which runs each note's numbers together: shorter ones occur there
by chance."""


@dataclass(frozen=True)
class IndexResidue:
    """A full-text table of a SQLite file that still finds an identifier: the file, the
    table, the identifier's kind and index, and in how many of the index's rows."""

    path: Path
    table: str
    kind: str
    index: int
    count: int


def _phrase(value: str) -> str:
    """The value as one FTS5 phrase: the table's own tokenizer splits it as it split the
    text it indexed (``anna.schmidt@example.org`` is the words anna schmidt example org)."""
    return '"' + value.replace('"', '""') + '"'


def search_fts(path: Path, needles: Sequence[Needle]) -> list[IndexResidue]:
    """Every full-text table in the SQLite file at ``path`` that finds a needle (read-only).

    A table the index cannot be asked (a tokenizer this Python's SQLite lacks) raises
    SourceError: an index that could not be searched must not pass as clean."""
    if not needles or not is_sqlite(path):
        return []
    found: list[IndexResidue] = []
    uri = f"file:{url_quote(str(path.resolve()))}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as db:
        tables = [
            (str(name), not _NO_PHRASES.search(str(sql)))
            for name, sql in db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL"
            )
            if _FTS.search(str(sql))
        ]
        for table, phrases in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            try:
                listed = (
                    []
                    if phrases
                    else db.execute("SELECT name FROM pragma_table_info(?)", (table,)).fetchall()
                )
            except sqlite3.Error as exc:  # a broken table (its tokenizer, its shadow tables)
                raise _refused(table, path, exc) from exc
            columns = ['"' + str(c).replace('"', '""') + '"' for (c,) in listed]
            asked = (
                f"{quoted} MATCH ?"
                if phrases
                else " OR ".join(f"{c} LIKE ? ESCAPE '!'" for c in columns) or "0"
            )
            rows: dict[tuple[str, int], set[int]] = {}
            digits = holds_digits(table)  # a note's digits run together: the needle's too
            for needle in needles:
                value = needle.value.strip()
                if digits:
                    value = digits_of(value)
                    if len(value) < DIGITS_NEEDLE:
                        continue
                if not value:
                    continue
                like = f"%{like_escape(value, '!')}%"
                params = (_phrase(value),) if phrases else (like,) * len(columns)
                try:
                    hits = db.execute(
                        f"SELECT rowid FROM {quoted} WHERE {asked}", params
                    ).fetchall()
                except sqlite3.Error as exc:
                    raise _refused(table, path, exc) from exc
                if hits:
                    rows.setdefault((needle.kind, needle.index), set()).update(h[0] for h in hits)
            found += [
                IndexResidue(path, table, kind, index, len(ids))
                for (kind, index), ids in rows.items()
            ]
    return found


def _refused(table: str, path: Path, exc: sqlite3.Error) -> SourceError:
    """A full-text table that cannot be asked: an index not searched must not pass as
    clean. The message may quote the query, that is the value: only a tokenizer's is kept."""
    text = str(exc) if "tokenizer" in str(exc).lower() else "it refused the query"
    return SourceError(
        Problem(
            f"full-text index '{table}' cannot be searched: {text}",
            Where(file=path),
            "search it by hand for the person, or rebuild it",
        )
    )
