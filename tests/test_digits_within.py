"""Phone numbers written inside notes: the ``digits_within`` match mode (issue 17).

The lookup engine used to search a note for the last four digits of each phone
number (``contains``): a thousand people made almost every note a candidate, and
a number written ``0171 234 56 78`` was missed. Connectors that declare the mode
now compare a note's digits with the whole number. Every built-in connector must
name exactly the rows and values that ``rows.matches`` names on each stored note
(the one definition), for a few numbers and for a batch past each engine's batch
path; and the CLI finds a mention the old four-digit search missed.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dsr.connectors.files import csvscan
from dsr.connectors.files.csv import CsvConnector, CsvOptions
from dsr.connectors.files.parquet import ParquetConnector, ParquetOptions
from dsr.connectors.files.spreadsheet import SpreadsheetOptions, XlsxConnector
from dsr.connectors.protocol import (
    ALL_MATCH_MODES,
    BASIC_MATCH_MODES,
    Connector,
    Lookup,
    MatchMode,
    match_modes,
)
from dsr.connectors.rows import matches
from dsr.connectors.sql import SqlConnector, SqlOptions, engine_url
from tests.helpers import run

NUMBERS = ["1712345678", "301234567", "8912345", "15901234567"]
"""National numbers (what ``phone_digits`` gives) the notes write in many forms."""

FORMS = [
    "0171 2345678", "0171 234 56 78", "+49 (0)171 23456-78", "0049/171/2345678",
    "(030) 1234567", "030 12 34 56 7", "089-123 45", "+49 159 0123 4567", "0171.2345678",
]  # fmt: skip


def _notes() -> list[str | None]:
    """Notes with numbers in every form, near misses, other digits around them, NULLs."""
    rng = random.Random(17)
    notes: list[str | None] = [
        "Rückruf unter 0171 234 56 78 ab 18 Uhr",  # the old four-digit search missed this
        "Tel. 0171 2345679 (nicht ihre)",
        "Bestellung 4711, Lieferung 12.03.2024",
        "Kundin sagt:\r\n\"bitte 030/1234567 anrufen\"",
        "171234567",  # one digit short
        "",
        None,
        "Nr. 0171 2345678 und 089 12345",
        "IBAN DE89 3704 0044 0532 0130 00",
        "١٧١٢٣٤٥٦٧٨",  # not ASCII digits
    ]
    words = ["Rückruf", "bitte", "Kunde", "Lieferung", "Tel.", "Fax", "am", "um", "Uhr", "Nr."]
    for _ in range(300):
        parts = [rng.choice(words) for _ in range(rng.randint(1, 5))]
        if rng.random() < 0.4:
            parts.insert(rng.randint(0, len(parts)), rng.choice(FORMS))
        if rng.random() < 0.5:
            parts.append(str(rng.randint(0, 10**rng.randint(1, 9))))
        notes.append(" ".join(parts))
    return notes


NOTES = _notes()
FEW = frozenset(NUMBERS[:3])
MANY = frozenset(NUMBERS) | {f"17{n:08d}" for n in range(40)}
"""Past the SQL batch (``MANY_ADDRESSES``) and Parquet's one-pattern limit (``_FEW_NUMBERS``)."""


MODES: list[MatchMode] = ["digits_within", "digits"]
"""``digits`` (a cell's digits END with the number: a phone column) on the same texts: some
end in digits, some in words, and each engine's batch path cuts its candidates by the
text's last four characters."""


def expected(values: frozenset[str], mode: MatchMode = "digits_within") -> set[tuple[int, str]]:
    return {(i, v) for i, note in enumerate(NOTES) for v in matches(mode, note, values)}


def found(
    connector: Connector,
    table: str,
    values: frozenset[str],
    index: Callable[[Any], int],
    mode: MatchMode = "digits_within",
) -> set[tuple[int, str]]:
    try:
        connector.tables()
        lookup = Lookup(table, "note", values, mode)
        return {(index(h.key), h.value) for h in connector.find([lookup])}
    finally:
        connector.close()


def _file_row(key: Any) -> int:
    return int(key["row"]) - 2  # the header is row 1


def _write_csv(path: Path) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "note"])
        for i, note in enumerate(NOTES):
            writer.writerow([i, note])


@pytest.fixture(params=["numpy", "hyperscan"])
def csv_engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "hyperscan" and csvscan._hyperscan is None:
        pytest.skip("hyperscan is not installed (pip install -e '.[fast]')")
    monkeypatch.setattr(csvscan, "ENGINE", request.param)
    monkeypatch.setattr(csvscan, "CHUNK", 4096)  # numbers across chunk edges
    return str(request.param)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("values", [FEW, MANY], ids=["few", "many"])
def test_csv_finds_what_the_matcher_finds(
    tmp_path: Path, csv_engine: str, values: frozenset[str], mode: MatchMode
) -> None:
    path = tmp_path / "notes.csv"
    _write_csv(path)
    got = found(CsvConnector("notes", CsvOptions(path=path)), "notes", values, _file_row, mode)
    assert got == expected(values, mode)
    if mode == "digits_within":
        assert (0, "1712345678") in got  # "0171 234 56 78"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("values", [FEW, MANY], ids=["few", "many"])
def test_xlsx_and_parquet_find_what_the_matcher_finds(
    tmp_path: Path, values: frozenset[str], mode: MatchMode
) -> None:
    import duckdb
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "notes"
    sheet.append(["id", "note"])
    for i, note in enumerate(NOTES):
        sheet.append([i, note])
    book.save(tmp_path / "notes.xlsx")
    xlsx = XlsxConnector("book", SpreadsheetOptions(path=tmp_path / "notes.xlsx"))
    table = xlsx.tables()[0].name
    assert found(xlsx, table, values, _file_row, mode) == expected(values, mode)

    _write_csv(tmp_path / "notes.csv")
    parquet = tmp_path / "notes.parquet"
    duckdb.sql(
        f"COPY (SELECT * FROM read_csv('{tmp_path / 'notes.csv'}', all_varchar=true)) "
        f"TO '{parquet}' (FORMAT parquet)"
    )
    source = ParquetConnector("p", ParquetOptions(path=parquet))
    table = source.tables()[0].name
    got = found(source, table, values, lambda key: int(key["row"]) - 1, mode)
    assert got == expected(values, mode)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ]
)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'notes.db'}"
    else:
        url = request.getfixturevalue(f"{request.param}_db")
    engine = sa.create_engine(engine_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE notes (id INTEGER PRIMARY KEY, note TEXT)"))
            conn.execute(
                sa.text("INSERT INTO notes (id, note) VALUES (:id, :note)"),
                [{"id": i, "note": n} for i, n in enumerate(NOTES)],
            )
    finally:
        engine.dispose()
    yield url


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("values", [FEW, MANY], ids=["few", "many"])
def test_sql_finds_what_the_matcher_finds(
    database: str, values: frozenset[str], mode: MatchMode
) -> None:
    source = SqlConnector("db", SqlOptions(url=database))
    got = found(source, "notes", values, lambda key: int(key["id"]), mode)
    assert got == expected(values, mode)


class _Plugin:
    """A connector written before ``digits_within``: declares no ``match_modes``."""


def test_only_declared_modes_are_asked_for() -> None:
    assert match_modes(_Plugin()) == BASIC_MATCH_MODES
    assert "digits_within" not in BASIC_MATCH_MODES
    for cls in (CsvConnector, XlsxConnector, ParquetConnector, SqlConnector):
        assert match_modes(cls) == ALL_MATCH_MODES


def _shop(folder: Path) -> Path:
    """A shop where Bernd's note writes Anna's number in pairs, and Carla's a number one
    digit off; the dsr.yaml that describes it (all an erasure letter needs)."""
    db = folder / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(
            """
            CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT,
                                    phone TEXT, notes TEXT);
            INSERT INTO customers VALUES
              (1, 'Anna Weber', 'anna@example.de', '+49 171 2345678', NULL),
              (2, 'Bernd Kurz', 'bernd@example.de', '030 9876543',
               'Hat Frau Weber empfohlen, erreichbar 0171 / 234 56 78 ab 18 Uhr'),
              (3, 'Carla Lang', 'carla@example.de', '040 1111111', 'Rückruf 0171 2345679');
            """
        )
    (folder / "dsr.yaml").write_text(
        "controller: {name: Test GmbH, supervisory_authority: LfDI BW}\n"
        "sources:\n  shop: {type: sql, url: 'sqlite:///shop.db', recipients: [],\n"
        "         description: {de: Shop, en: Shop}}\n",
        encoding="utf-8",
    )
    return db


def test_find_names_a_mention_the_four_digit_search_missed(tmp_path: Path) -> None:
    """Through the CLI: Anna's number written in pairs in another customer's note is a
    mention (its last four digits never stand together there)."""
    _shop(tmp_path)
    result = run("find", "--json", "--email", "anna@example.de", exit=0, cwd=tmp_path)
    rows = {(m["key"]["id"], m["match"]) for m in json.loads(result.stdout)["matches"]}
    assert (1, "direct") in rows
    assert (2, "mention") in rows
    assert not any(key == 3 for key, _ in rows)  # one digit differs


def test_erasure_cuts_the_number_out_as_the_note_writes_it(tmp_path: Path) -> None:
    """Plan, execute, verify through the CLI: the mention is redacted in the form the other
    customer's note types it (no fixed list of formats holds "0171 / 234 56 78"), the rest
    of that note and every other row stay, and verify finds no residue."""
    from tests.test_cli_erase_flow import erase_all_the_way

    db = _shop(tmp_path)
    flow = erase_all_the_way(tmp_path, "--email", "anna@example.de")
    redacted = [a for a in flow["plan"]["actions"] if a["action"] == "redact"]
    assert [a["key"] for a in redacted] == [{"id": 2}]
    assert flow["verified"]["residue"] == []
    with sqlite3.connect(db) as conn:
        notes = dict(conn.execute("SELECT id, notes FROM customers").fetchall())
    assert "234 56 78" not in notes[2] and notes[2].startswith("Hat Frau")
    assert notes[2].endswith("ab 18 Uhr")
    assert notes[3] == "Rückruf 0171 2345679"
    assert 1 not in notes


def test_verify_looks_for_the_number_the_erased_rows_gave(tmp_path: Path) -> None:
    """The request names only Anna's e-mail; her phone number came from her row, which
    ``--execute`` deleted. A note that gives the number after the erasure (written
    meanwhile, or a redaction that missed it) is residue: verify exits 1 and names it,
    and the number is kept beside the plan only, not in the plan's hashed body."""
    from tests.test_cli_erase_flow import RECEIVED

    db = _shop(tmp_path)
    new = ("request", "new", "--type", "erasure", "--email", "anna@example.de")
    rid = json.loads(run(*new, "--received", RECEIVED, "--json", exit=0, cwd=tmp_path).stdout)["id"]
    plan = json.loads(run("erase", rid, "--json", exit=0, cwd=tmp_path).stdout)
    run("erase", rid, "--execute", "--json", exit=0, cwd=tmp_path)
    assert "1712345678" not in json.dumps(plan)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE customers SET notes = 'Rückruf an 0171-23 45 678' WHERE id = 3")
    result = run("erase", rid, "--verify", "--json", exit=1, cwd=tmp_path)
    residue = json.loads(result.stdout)["residue"]
    assert [(r["kind"], r["key"]) for r in residue] == [("mention", {"id": 3})]
    assert "2345678" not in result.stdout + result.stderr  # names the row, not the number


def test_verify_asks_for_a_learned_name_only_as_the_plan_did(tmp_path: Path) -> None:
    """Dora's row gives her name and no phone number: the plan's lookup did not search other
    people's notes for a name alone (a name in free text is a mention only beside a strong
    identifier), so it redacted no note. Verification asks for what it learned the same way:
    Emil's note naming her is no residue of this erasure, and the erasure is confirmed."""
    from tests.test_cli_erase_flow import RECEIVED

    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(
            """
            CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT, notes TEXT);
            INSERT INTO customers VALUES
              (1, 'Dora Lenz', 'dora@example.de', NULL),
              (2, 'Emil Roth', 'emil@example.de', 'Kennt Dora Lenz vom Verein');
            """
        )
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: Test GmbH, supervisory_authority: LfDI BW}\n"
        "sources:\n  shop: {type: sql, url: 'sqlite:///shop.db', recipients: [],\n"
        "         description: {de: Shop, en: Shop},\n"
        "         columns: {customers.notes: [free_text]}}\n",
        encoding="utf-8",
    )
    new = ("request", "new", "--type", "erasure", "--email", "dora@example.de")
    rid = json.loads(run(*new, "--received", RECEIVED, "--json", exit=0, cwd=tmp_path).stdout)["id"]
    plan = json.loads(run("erase", rid, "--json", exit=0, cwd=tmp_path).stdout)
    assert not [a for a in plan["actions"] if a["action"] == "redact"]
    run("erase", rid, "--execute", "--json", exit=0, cwd=tmp_path)
    verified = json.loads(run("erase", rid, "--verify", "--json", exit=0, cwd=tmp_path).stdout)
    assert verified["residue"] == [] and verified["verified"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT notes FROM customers WHERE id = 2").fetchone() == (
            "Kennt Dora Lenz vom Verein",
        )
