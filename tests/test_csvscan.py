"""The raw-byte prefilter of CSV lookups finds exactly what parsing every record finds.

Each case writes a real CSV file the way exporters do (quotes around delimiters
and line breaks, doubled quotes, blank lines, CRLF, a byte-order mark, cp1252,
title rows) and compares the csv connector's ``find`` (which uses the
prefilter) with a reference that parses every record with the csv module and
applies the same matchers. Small chunk sizes put chunk and process boundaries
inside the data, so the code that moves them is exercised on every run.
"""

from __future__ import annotations

import csv
import json
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dsr.connectors.files import csvlayout, csvread, csvscan
from dsr.connectors.files.csv import CsvConnector, CsvOptions
from dsr.connectors.protocol import Lookup
from dsr.connectors.rows import matcher
from tests.helpers import run

FIRST = ["Jürgen", "Anna", "Ömer", "Élodie", "Paul", "Weißgerber", "Šárka"]


def _rows(rng: random.Random, count: int) -> list[list[str]]:
    rows = []
    for i in range(count):
        name = rng.choice(FIRST)
        mail = f"{name.lower()}.{i}@example.com"
        if i % 3 == 0:
            mail = mail.upper()
        note = rng.choice(
            [
                "",
                "ruft zurück, sagt \"dringend\"",
                f"Kopie an {name.lower()}.{(i * 7) % count}@example.com, bitte",
                "zwei\nZeilen",
                "Komma, Semikolon; Tab\tEnde",
            ]
        )
        rows.append([str(i), mail, name, f"+49 171 {i:07d}", note])
        if i % 17 == 0:
            rows.append([])  # a blank line counts as a row, as in a spreadsheet
    return rows


def _write(path: Path, rows: list[list[str]], *, encoding: str, delimiter: str, crlf: bool,
           title: bool) -> None:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
        if title:
            writer.writerow(["Export vom 1.2.2026", ""])
        writer.writerow(["id", "email", "name", "phone", "note"])
        writer.writerows(rows)


def _reference(path: Path, lookups: list[Lookup], header_row: int) -> set[tuple[int, str, str]]:
    fmt = csvread.detect_format(path)
    names, rows = csvread.read_rows(path, fmt, header_row=header_row)
    index = {n: i for i, n in enumerate(names)}
    tests = [(index[lk.column], lk.column, matcher(lk)) for lk in lookups]
    found = set()
    for row, values in rows:
        for position, column, test in tests:
            if position < len(values):
                found |= {(row, column, v) for v in test(values[position])}
    return found


def _found(path: Path, lookups: list[Lookup], header_row: int) -> set[tuple[int, str, str]]:
    connector = CsvConnector("data", CsvOptions(path=path, header_row=header_row))
    try:
        return {(h.key["row"], h.column, h.value) for h in connector.find(lookups)}
    finally:
        connector.close()


@pytest.fixture(params=["numpy", "hyperscan"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both literal searches: NumPy always, hyperscan (the ``fast`` extra) where installed."""
    if request.param == "hyperscan" and csvscan._hyperscan is None:
        pytest.skip("hyperscan is not installed (pip install -e '.[fast]')")
    monkeypatch.setattr(csvscan, "ENGINE", request.param)
    return str(request.param)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvscan, "CHUNK", 4096)
    monkeypatch.setattr(csvscan, "PARALLEL_BYTES", 16384)


@pytest.mark.parametrize(
    ("encoding", "delimiter", "crlf", "title"),
    [
        ("utf-8", ",", False, False),
        ("utf-8-sig", ";", True, False),
        ("cp1252", ";", True, True),
        ("utf-8", "\t", False, True),
    ],
)
@pytest.mark.parametrize("batch", [1, 3, 40])
def test_prefilter_finds_what_parsing_finds(
    tmp_path: Path, small_chunks: None, engine: str, encoding: str, delimiter: str, crlf: bool,
    title: bool, batch: int,
) -> None:
    rng = random.Random(f"{encoding}{delimiter}{batch}")
    rows = _rows(rng, 600)
    path = tmp_path / "people.csv"
    _write(path, rows, encoding=encoding, delimiter=delimiter, crlf=crlf, title=title)
    people = rng.sample([r for r in rows if r], batch)
    emails = frozenset(r[1].lower() for r in people) | {"nobody.here@example.com"}
    lookups = [
        Lookup(path.stem, "email", emails, "casefold"),
        Lookup(path.stem, "note", emails, "contains"),
        Lookup(path.stem, "name", frozenset({"weißgerber", "élodie"}), "contains"),
    ]
    header_row = 2 if title else 1
    fmt = csvread.detect_format(path)
    assert csvscan.prefiltered_rows(path, fmt, lookups, header_row=header_row) is not None
    expected = _reference(path, lookups, header_row)
    assert len({r for r, c, _ in expected if c == "email"}) >= batch
    assert _found(path, lookups, header_row) == expected


EXPORT_NOTES = [
    'Kunde sagt "bitte nicht vor 10 Uhr anrufen"',
    "Lieferung an Nachbarn,\r\nKlingel defekt",
    "zwei\n\nmit Leerzeile",
    '"ganz in Anführungszeichen"',
    'Reklamation ""doppelt"", \n"neu"\n',
    "\n",
    '"',
]


def _export_rows(rng: random.Random, count: int, long_every: int) -> list[list[str]]:
    """Rows as CRM exports hold them: many multi-line notes with doubled quotes, so that
    chunk and process boundaries fall inside quoted fields; now and then a note longer
    than a whole chunk."""
    rows = []
    for i in range(count):
        mail = f"Kunde.{i}@Example.com" if i % 4 == 0 else f"kunde.{i}@example.com"
        note = rng.choice(EXPORT_NOTES)
        if i % 7 == 0:
            note = f"Kopie an kunde.{(i * 13) % count}@example.com,\r\n{note}"
        if i % 11 == 0:
            note = f"Link: https://crm.example/?u=Kunde.{(i * 7) % count}%40example.com {note}"
        if i % 5 == 0:
            note = f"{note} Rückruf an 0171 {(i * 3) % count:04d} {(i * 3) % count % 97:03d}"
        if i % long_every == long_every - 1:
            note = "\n".join(f'Zeile {n}, "zitiert"' for n in range(400))
        phone = f"+49 (171) {i:04d}-{i % 97:03d}" if i % 2 else f"0171/{i:04d}{i % 97:03d}"
        rows.append([str(i), mail, f"Name {i}", note, phone])
    return rows


@pytest.mark.parametrize("chunk", [4099, 65536])
@pytest.mark.parametrize("crlf", [True, False])
@pytest.mark.parametrize("batch", [1, 1000])
def test_quoted_exports_find_what_parsing_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str, chunk: int, crlf: bool, batch: int
) -> None:
    """Line breaks and doubled quotes inside quoted notes, at chunk and process edges."""
    monkeypatch.setattr(csvscan, "CHUNK", chunk)
    monkeypatch.setattr(csvscan, "PARALLEL_BYTES", 16384)
    rng = random.Random(f"{chunk}{crlf}{batch}")
    rows = _export_rows(rng, 2500, long_every=997)
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n" if crlf else "\n")
        writer.writerows([["id", "email", "name", "note", "phone"], *rows])
    assert path.read_bytes().count(b'"') > 2000
    people = rng.sample(rows, batch)
    emails = frozenset(r[1].lower() for r in people) | {"nie@example.com"}
    linked = frozenset(e.replace("@", "%40") for e in emails)  # as the lookup engine asks
    lookups = [
        Lookup(path.stem, "email", emails, "casefold"),
        Lookup(path.stem, "note", emails | linked, "contains"),
    ]
    if batch < csvscan.MAX_FIND_NEEDLES or engine == "hyperscan":  # as a second round asks
        phones = frozenset("".join(c for c in r[4] if c.isdigit())[-9:] for r in people)
        lookups.append(Lookup(path.stem, "phone", phones, "digits"))
        lookups.append(Lookup(path.stem, "note", phones, "digits_within"))
    fmt = csvread.detect_format(path)
    assert csvscan.prefiltered_rows(path, fmt, lookups, header_row=1) is not None
    expected = _reference(path, lookups, 1)
    assert len({r for r, c, _ in expected if c == "email"}) == batch
    assert batch > 1 or any(c == "phone" for _, c, _ in expected)
    assert batch == 1 or any(v in linked for _, c, v in expected if c == "note")
    numbers_in_notes = any(v.isdigit() for _, c, v in expected if c == "note")
    assert batch == 1 or engine == "numpy" or numbers_in_notes
    assert _found(path, lookups, 1) == expected
    _names, parsed = csvread.read_rows(path, fmt, header_row=1)
    assert csvscan.count_rows(path, fmt, header_row=1) == sum(1 for _ in parsed)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('id,email,note\n1,a.b@example.com,5" Display\n', "a quote inside an unquoted field"),
        ("id,email\r1,a.b@example.com\r", "carriage returns alone"),
        ("id,email,note\n1,a.b@example.com,x\n", "a value too short"),
    ],
)
def test_files_the_prefilter_cannot_promise_are_parsed_whole(
    tmp_path: Path, text: str, why: str
) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(text.encode())
    values = frozenset({"a.b@example.com"} if "short" not in why else {"ab"})
    lookups = [Lookup("odd", "email", values, "casefold")]
    fmt = csvread.detect_format(path)
    assert csvscan.prefiltered_rows(path, fmt, lookups, header_row=1) is None, why
    assert _found(path, lookups, 1) == _reference(path, lookups, 1)


@pytest.mark.parametrize(("number", "prefiltered"), [("1712345678", True), ("45678", False)])
def test_phone_numbers_are_found_whatever_separates_their_digits(
    tmp_path: Path, small_chunks: None, engine: str, number: str, prefiltered: bool
) -> None:
    """The prefilter searches a number in the digits alone; a short one would match too much."""
    path = tmp_path / "p.csv"
    phones = ["0171/2345678", "+49 171 234 56 78", '"(0171) 23-45-678"', "0171 9999999",
              "17123456789", '"Tel. 0171-2345678, ""privat"""']
    lines = [f"{i},{phones[i % len(phones)]},x" for i in range(3000)]
    path.write_text("id,phone,note\r\n" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    lookups = [Lookup("p", "phone", frozenset({number}), "digits")]
    fmt = csvread.detect_format(path)
    fast = csvscan.prefiltered_rows(path, fmt, lookups, header_row=1)
    assert (fast is not None) == prefiltered
    expected = _reference(path, lookups, 1)
    assert len(expected) >= 2000
    assert _found(path, lookups, 1) == expected


@pytest.mark.parametrize("naive", [True, False])
def test_a_split_inside_a_quoted_field_is_scanned_again_whole(
    tmp_path: Path, small_chunks: None, monkeypatch: pytest.MonkeyPatch, naive: bool
) -> None:
    """One huge multi-line note straddles the middle of the file, where the two halves meet:
    the split is placed after it, and where it is not (the first newline after the middle,
    as when the quotes tell nothing), the file is scanned again whole."""
    if naive:
        monkeypatch.setattr(csvscan, "_newline_outside",
                            lambda view, _d: int(np.flatnonzero(view == 0x0A)[0]) + 1)
    path = tmp_path / "long.csv"
    note = "\n".join(f"Zeile {i}, mit Komma" for i in range(2000))
    rows = [["1", "first@example.com", "x"], ["2", "middle@example.com", note],
            ["3", "Last@Example.com", "y"]]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["id", "email", "note"], *rows])
    lookups = [Lookup("long", "email", frozenset({"last@example.com", "first@example.com"}),
                      "casefold")]
    assert _found(path, lookups, 1) == {(2, "email", "first@example.com"),
                                        (4, "email", "last@example.com")}


@pytest.mark.parametrize(
    ("text", "after"),
    [
        ('Zeile 1\nZeile 2",x@example.com\r\n3,"a\nb"\r\n', "3,"),  # starts inside a note
        ('ende\r\n4,"a, ""b""\nc",y\r\n', "4,"),  # outside, a quoted note follows
        ("ohne Anführungszeichen\n5,z\n", "5,z"),  # no quotes: taken as outside
    ],
)
def test_the_split_is_placed_at_a_newline_outside_quotes(text: str, after: str) -> None:
    cut = csvscan._newline_outside(np.frombuffer(text.encode(), np.uint8), ord(","))
    assert cut is not None
    assert text.encode()[cut:].startswith(after.encode())


def test_find_through_the_cli_uses_row_numbers_a_spreadsheet_shows(tmp_path: Path) -> None:
    rows = [[str(i), f"P{i}@Example.com", "zwei\nZeilen" if i % 2 else ""] for i in range(50)]
    path = tmp_path / "kunden.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["id", "email", "note"], *rows])
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: Test}\nsources:\n  data: {type: csv, path: kunden.csv}\n",
        encoding="utf-8",
    )
    result = run("find", "--json", "--email", "p41@example.com", exit=0, cwd=tmp_path)
    keys = [m["key"] for m in json.loads(result.stdout)["matches"]]
    assert keys == [{"file": "kunden.csv", "row": 43}]


@pytest.mark.parametrize(("title", "quotes_only"), [(False, False), (True, False), (False, True)])
def test_row_counts_from_bytes_equal_the_parsed_count(
    tmp_path: Path, small_chunks: None, title: bool, quotes_only: bool
) -> None:
    """Blank records (only delimiters or spaces) are not rows; a record of only quotes may
    be a quote character or an empty field, so then the csv module counts."""
    rng = random.Random(3)
    rows = _rows(rng, 500) + [[";", ""], [" "]] + ([[",", ""], ['"']] if quotes_only else [])
    path = tmp_path / "count.csv"
    _write(path, rows, encoding="utf-8", delimiter=",", crlf=title, title=title)
    header_row = 2 if title else 1
    fmt = csvread.detect_format(path)
    _names, parsed = csvread.read_rows(path, fmt, header_row=header_row)
    expected = sum(1 for _ in parsed)
    fast = csvscan.count_rows(path, fmt, header_row=header_row)
    assert fast == (None if quotes_only else expected)
    connector = CsvConnector("data", CsvOptions(path=path, header_row=header_row))
    assert [t.rows for t in connector.tables()] == [expected]


def test_a_large_file_gets_an_estimated_row_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting a 10M-row file would cost a full read before every lookup; like a database's
    statistics, the count of a large file is estimated and marked as such (≈)."""
    monkeypatch.setattr(csvscan, "ESTIMATE_ABOVE", 10_000)
    path = tmp_path / "big.csv"
    rows = _rows(random.Random(5), 2000)
    _write(path, rows, encoding="utf-8", delimiter=",", crlf=False, title=False)
    (table,) = CsvConnector("data", CsvOptions(path=path)).tables()
    assert not table.rows_exact
    assert table.rows is not None and 0.8 * len(rows) < table.rows < 1.2 * len(rows)
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: Test}\nsources:\n  data: {type: csv, path: big.csv}\n",
        encoding="utf-8",
    )
    listed = json.loads(run("sources", "check", "--json", exit=0, cwd=tmp_path).stdout)
    (checked,) = listed["sources"][0]["tables"]
    assert checked["rows_exact"] is False


def _write_export(path: Path, rows: list[list[str]]) -> None:
    """``_export_rows`` as a CRM writes them: CRLF, the notes quoted where needed."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(
            [["id", "email", "name", "note", "phone"], *rows]
        )


@pytest.mark.parametrize("parallel", [False, True])
def test_a_second_lookup_reuses_the_layout_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str, parallel: bool
) -> None:
    """A lookup's second round reads the same file again: it counts records from the first
    scan's layout, and a file changed in between (even to the same size) is scanned afresh."""
    monkeypatch.setattr(csvscan, "CHUNK", 4099)
    monkeypatch.setattr(csvscan, "PIECE", 997)  # several pieces a chunk, some a record long
    monkeypatch.setattr(csvscan, "PARALLEL_BYTES", 16384 if parallel else 1 << 30)
    monkeypatch.setenv("DSR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(csvlayout, "SETTLED_SECONDS", 0.0)
    csvlayout.forget()
    known: list[int] = []
    scan_known = csvscan._scan_known

    def spy(*args: object) -> csvscan.RangeResult:
        known.append(1)
        return scan_known(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(csvscan, "_scan_known", spy)
    rng = random.Random(f"layout{parallel}")
    rows = _export_rows(rng, 2500, long_every=997)
    path = tmp_path / "export.csv"

    def write() -> None:
        _write_export(path, rows)

    write()
    people = rng.sample(rows, 20)
    first = [Lookup("export", "email", frozenset(r[1].lower() for r in people), "casefold")]
    numbers = frozenset("".join(c for c in r[4] if c.isdigit())[-9:] for r in people[:5])
    second = [Lookup("export", "phone", numbers, "digits"),
              Lookup("export", "note", numbers, "digits_within")]  # fmt: skip
    for lookups in (first, second):
        assert _found(path, lookups, 1) == _reference(path, lookups, 1)
    assert csvlayout._IN_MEMORY and (known or parallel)  # the forked scans are not seen here
    size = path.stat().st_size
    rows[2][2] += "0123456789"  # every record after it ten bytes later: chunks end elsewhere
    rows[-1][1] = rows[-1][1][10:]
    write()
    assert path.stat().st_size == size
    for lookups in (first, second):
        assert _found(path, lookups, 1) == _reference(path, lookups, 1)


def test_the_layout_outlives_the_process_but_not_a_change_of_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the CLI: a lookup keeps the file's layout in the cache folder (offsets and
    counts, nothing of the file); the next process counts records from it and finds the
    same rows. A file rewritten to the same size and given back its modification time is
    scanned afresh (its change time moved), and a file changed moments ago is not kept."""
    monkeypatch.setattr(csvscan, "CHUNK", 4099)
    monkeypatch.setattr(csvscan, "PIECE", 997)
    monkeypatch.setattr(csvscan, "PARALLEL_BYTES", 1 << 30)
    monkeypatch.setattr(csvscan, "ESTIMATE_ABOVE", 0)  # rows estimated, as for a large file
    cache = tmp_path / "cache"
    monkeypatch.setenv("DSR_CACHE_DIR", str(cache))
    monkeypatch.setattr(csvlayout, "SETTLED_SECONDS", 0.0)
    csvlayout.forget()
    scans: list[str] = []
    originals = {name: getattr(csvscan, name) for name in ("_scan_known", "_scan_mapped")}
    for name in originals:

        def spy(*args: Any, name: str = name) -> Any:
            scans.append(name)
            return originals[name](*args)

        monkeypatch.setattr(csvscan, name, spy)
    rows = _export_rows(random.Random("kept"), 1500, long_every=499)
    path = tmp_path / "export.csv"

    def write() -> None:
        _write_export(path, rows)

    write()
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: Test}\nsources:\n  data: {type: csv, path: export.csv}\n",
        encoding="utf-8",
    )
    find = ("find", "--json", "--email", rows[1200][1])
    first = json.loads(run(*find, exit=0, cwd=tmp_path).stdout)
    assert first["matches"] and scans[0] == "_scan_mapped"
    (kept,) = (cache / "csv-layouts").glob("*.json")
    text = kept.read_text(encoding="utf-8")
    assert "@" not in text and "kunde" not in text.lower() and "export" not in text
    assert kept.stat().st_mode & 0o777 == 0o600

    csvlayout.forget()  # as a new process starts
    scans.clear()
    assert json.loads(run(*find, exit=0, cwd=tmp_path).stdout) == first
    assert scans and set(scans) == {"_scan_known"}  # records counted from the kept layout

    before = path.stat()
    rows[2][2] += "0123456789"  # every record after it ten bytes later
    rows[-1][1] = rows[-1][1][10:]
    write()
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    csvlayout.forget()
    lookups = [Lookup("export", "email", frozenset(r[1].lower() for r in rows[1000:1010]),
                      "casefold")]  # fmt: skip
    assert _found(path, lookups, 1) == _reference(path, lookups, 1)

    monkeypatch.setattr(csvlayout, "SETTLED_SECONDS", 3600.0)
    csvlayout.forget()
    for old in (cache / "csv-layouts").glob("*.json"):
        old.unlink()
    assert json.loads(run(*find, exit=0, cwd=tmp_path).stdout)["matches"]
    assert not list((cache / "csv-layouts").glob("*.json"))


def test_a_damaged_layout_in_the_cache_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache file that does not describe the range (cut short, out of order, not JSON) is
    ignored: the file is scanned as if nothing were kept, with the same rows."""
    monkeypatch.setattr(csvscan, "CHUNK", 4099)
    monkeypatch.setattr(csvscan, "PIECE", 997)
    monkeypatch.setattr(csvscan, "PARALLEL_BYTES", 1 << 30)
    monkeypatch.setenv("DSR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(csvlayout, "SETTLED_SECONDS", 0.0)
    rows = _export_rows(random.Random("damaged"), 800, long_every=401)
    path = tmp_path / "export.csv"
    _write_export(path, rows)
    lookups = [Lookup("export", "email", frozenset(r[1].lower() for r in rows[::40]), "casefold")]
    expected = _reference(path, lookups, 1)
    csvlayout.forget()
    assert _found(path, lookups, 1) == expected
    (kept,) = (tmp_path / "cache" / "csv-layouts").glob("*.json")
    body = json.loads(kept.read_text(encoding="utf-8"))
    chunks = body["ranges"][0][2]
    for damaged in (
        {**body, "ranges": [[*body["ranges"][0][:2], chunks[:-1]]]},  # cut short
        {**body, "ranges": [[*body["ranges"][0][:2], chunks[1:2] + chunks[:1] + chunks[2:]]]},
        {**body, "ranges": [[*body["ranges"][0][:2], [[e, n + 5] for e, n in chunks][:-1]]]},
        "not json",
    ):
        kept.write_text(damaged if isinstance(damaged, str) else json.dumps(damaged))
        csvlayout.forget()
        assert _found(path, lookups, 1) == expected


def test_the_nth_digit_is_found_where_it_stands() -> None:
    """A hit in the chunk's digit stream maps back to the byte of that digit, block by
    block, exactly as the offsets of all digits would give it."""
    rng = np.random.default_rng(17)
    for size in (1, 4095, 4096, 4097, 3 * 4096 + 5, 100_000):
        mask = rng.random(size) < rng.choice([0.01, 0.3, 0.9])
        every = np.flatnonzero(mask)
        wanted = sorted(rng.choice(len(every), min(len(every), 25), replace=False).tolist())
        assert csvscan._nth_true(mask, wanted) == every[wanted].tolist()
    assert csvscan._nth_true(np.zeros(10, np.bool_), []) == []
