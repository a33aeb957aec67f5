"""The shared row definitions (``dsr.connectors.rows``): identity, match modes, erasure
effects and reading by key, and the engine patterns that must never lose a match.

The definitions are checked directly; the patterns that SQL engines use to select
candidates are checked against a real SQLite engine (whose ``lower()`` folds only
ASCII), and the fallback for connectors without ``read`` runs on real connectors
over a real SQLite file and a real CSV file. The agreement of whole connectors with
these definitions is in the conformance suite and in test_connector_sql.py.
"""

from __future__ import annotations

import random
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest

from dsr.connectors.files.csv import CsvConnector, CsvOptions
from dsr.connectors.protocol import ErasureAction
from dsr.connectors.rows import (
    CannotRead,
    case_variants,
    changes,
    exact_numbers,
    key_number,
    like_contains,
    like_digits,
    matches,
    read_rows,
    redact,
    row_id,
    value_text,
)
from dsr.connectors.sql import SqlConnector, SqlOptions

# -- a stored value as text, and a row's identity ----------------------------------------------


@pytest.mark.parametrize(
    ("stored", "text"),
    [
        (17, "17"),
        ("17", "17"),
        (17.0, "17"),
        (" 17 ", " 17 "),
        (17.5, "17.5"),
        (Decimal("17.00"), "17"),
        (Decimal("17.50"), "17.5"),
        (1712345678.0, "1712345678"),
        (True, "true"),
        (None, None),
        (float("nan"), None),
        (b"\x89PNG", None),
    ],
)
def test_a_stored_value_reads_as_a_person_reads_it(stored: Any, text: str | None) -> None:
    assert value_text(stored) == text


def test_17_as_number_text_or_float_is_one_row_and_padded_is_another() -> None:
    same = {row_id("t", {"id": v}) for v in (17, "17", 17.0, Decimal("17.0"))}
    assert len(same) == 1
    assert row_id("t", {"id": " 17 "}) not in same
    assert row_id("u", {"id": 17}) not in same  # another table
    place = {"file": "a.csv", "row": 12}
    assert row_id("t", place) == row_id("t", {"row": "12", "file": "a.csv"})
    assert [key_number(v) for v in (12, "12", 12.0, "012", "12.5", " 12", None)] == [
        12, 12, 12, None, None, None, None,
    ]  # fmt: skip


# -- match modes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "value", "stored", "found"),
    [
        ("digits", "1712345678", "0171_2345678", True),
        ("digits", "1712345678", "0171 2345678", True),
        ("digits", "1712345678", "+49 171 2345678", True),
        ("digits", "1712345678", "0171 2345678 (mobil)", True),
        ("digits", "1712345678", 1712345678.0, True),
        ("digits", "1712345678", "0171 2345679", False),
        ("digits", "1712345678", "١٧١٢٣٤٥٦٧٨", False),  # not ASCII digits
        ("digits", "+49 171", "+49 171 2345678", False),  # not an identifier of digits
        ("digits_within", "1712345678", "Rückruf 0171 234 56 78 ab 18 Uhr", True),
        ("digits_within", "1712345678", "0171/2345678", True),
        ("digits_within", "1712345678", 491712345678, True),
        ("digits_within", "1712345678", "Tel. 0171 2345679", False),
        ("digits_within", "1712345678", "١٧١٢٣٤٥٦٧٨", False),  # not ASCII digits
        ("digits_within", "+49 171", "+49 171 2345678", False),  # not an identifier of digits
        ("digits_within", "1712345678", None, False),
        ("exact", "17", 17, True),
        ("exact", "17", "17", True),
        ("exact", "17", 17.0, True),
        ("exact", "17", " 17 ", True),  # spaces around a value do not stop a match
        ("exact", "17", "\t17", False),  # only spaces are padding
        ("exact", "17", "170", False),
        ("exact", "17", "17.0", False),  # text, not a number: reads 17.0
        ("exact", "Anna@X.de", "anna@x.de", False),
        ("casefold", "anna@x.de", "Anna@X.DE", True),
        ("casefold", "jürgen@b.de", "JÜRGEN@B.DE", True),
        ("casefold", "anna@x.de", " anna@x.de ", True),
        ("contains", "müller", "Herr MÜLLER rief an", True),
        ("contains", "100%", "100% zufrieden", True),
        ("contains", "", "anything", False),
    ],
)
def test_match_modes(mode: Any, value: str, stored: Any, found: bool) -> None:
    assert matches(mode, stored, frozenset({value})) == ([value] if found else [])


def test_digits_name_every_value_whose_number_ends_the_stored_one() -> None:
    values = frozenset({"1712345678", "2345678", "999"})
    assert matches("digits", "+49 171 2345678", values) == ["1712345678", "2345678"]


# -- engine patterns: supersets of the definition on a real SQLite ------------------------------


def _sqlite() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (v TEXT)")
    return conn


STORED = [
    "jürgen@müller.de", "JÜRGEN@MÜLLER.DE", "Jürgen@Müller.De", "JUERGEN@MUELLER.DE",
    "Herr MÜLLER rief an", "Weißgerber", "WEIẞGERBER", "Šárka Dvořáková", "ŠÁRKA DVOŘÁKOVÁ",
    "0171_2345678", "0171 2345678 (mobil)", "+49 171 2345678", "1712345679", "17123456780",
    "100% zufrieden", "an_ 100", "x!y",
]  # fmt: skip


def test_casefold_spellings_find_what_python_finds_where_lower_folds_only_ascii() -> None:
    conn = _sqlite()
    conn.executemany("INSERT INTO t VALUES (?)", [(s,) for s in STORED])
    for value in ("jürgen@müller.de", "weißgerber", "šárka dvořáková", "juergen@mueller.de"):
        spellings = case_variants(value)
        assert spellings is not None
        marks = ",".join("?" * len(spellings))
        query = f"SELECT v FROM t WHERE lower(v) IN ({marks})"
        got = {r[0] for r in conn.execute(query, spellings)}
        assert got == {s for s in STORED if matches("casefold", s, frozenset({value}))}, value


def test_too_many_spellings_give_none() -> None:
    assert case_variants("äöüäöüäöü") is None  # 2**9 spellings
    assert case_variants("anna@example.com") == ["anna@example.com"]


def test_like_patterns_never_lose_a_match_on_sqlite() -> None:
    conn = _sqlite()
    rng = random.Random(5)
    pool = [*STORED, *(
        "".join(rng.choice("aÄäöÖüÜß_%!-17 ") for _ in range(rng.randint(0, 9))) for _ in range(400)
    )]  # fmt: skip
    conn.executemany("INSERT INTO t VALUES (?)", [(s,) for s in pool])
    for value in ("müller", "ä_ö", "100%", "an_ 100", "x!y", "ß", "äÄ"):
        found = {
            r[0]
            for r in conn.execute(
                "SELECT v FROM t WHERE lower(v) LIKE ? ESCAPE '!'", [like_contains(value)]
            )
        }
        wanted = {s for s in pool if matches("contains", s, frozenset({value}))}
        assert wanted <= found, value
    for value in ("1712345678", "17"):
        found = {r[0] for r in conn.execute("SELECT v FROM t WHERE v LIKE ?", [like_digits(value)])}
        assert {s for s in pool if matches("digits", s, frozenset({value}))} <= found


def test_exact_numbers_are_the_numbers_that_read_like_the_values() -> None:
    values = ["17", "017", "17.0", "17.5", "x", "1e3", ""]
    assert exact_numbers(values, "integer") == [17]
    assert exact_numbers(values, "float") == [17.0, 17.5]
    assert exact_numbers(values, "decimal") == [Decimal("17"), Decimal("17.5")]


# -- erasure effects ---------------------------------------------------------------------------


@pytest.mark.parametrize("empty", [None, "", "   "])
@pytest.mark.parametrize("kind", ["null", "mask", "redact"])
def test_an_empty_cell_is_left_as_it_is(kind: Any, empty: Any) -> None:
    action = ErasureAction("t", {"id": 1}, kind, ("phone",), "***", ("anna",))
    assert changes(action, {"id": 1, "phone": empty}) == {}


def test_effects_on_filled_cells_and_a_rerun() -> None:
    row = {"id": 1, "email": "anna@x.de", "note": "Anna Schmidt und Anna"}
    null = ErasureAction("t", {"id": 1}, "null", ("email",))
    mask = ErasureAction("t", {"id": 1}, "mask", ("email",), "***")
    assert changes(null, row) == {"email": None}
    assert changes(null, row, "") == {"email": ""}
    assert changes(mask, row) == {"email": "***"}
    assert changes(mask, {**row, "email": "***"}) == {}  # a re-run changes nothing
    assert changes(ErasureAction("t", {"id": 1}, "delete"), {"a": "x", "b": None}, "") == {"a": ""}


def test_redaction_is_one_pass_longest_first_and_never_redacts_the_mask() -> None:
    text = "Anna Schmidt rief an; ANNA bestätigt. Entfernt bleibt entfernt."
    assert redact(text, ["Anna", "Anna Schmidt", "entfernt"], "[entfernt]") == (
        "[entfernt] rief an; [entfernt] bestätigt. [entfernt] bleibt [entfernt]."
    )


# -- reading by key, also for connectors written before read() existed ---------------------------


class LegacySqlConnector(SqlConnector):
    """A connector as plugins were written before ``read``: the method is not there."""

    read: ClassVar[None] = None  # type: ignore[assignment]


class LegacyCsvConnector(CsvConnector):
    read: ClassVar[None] = None  # type: ignore[assignment]


def _database(tmp_path: Path) -> str:
    path = tmp_path / "crm.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE kunden (nr INTEGER PRIMARY KEY, email TEXT)")
    conn.executemany("INSERT INTO kunden VALUES (?, ?)", [(17, "a@x.de"), (170, "b@x.de")])
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"


@pytest.mark.parametrize("cls", [SqlConnector, LegacySqlConnector])
def test_read_rows_by_key_with_and_without_read(tmp_path: Path, cls: type[SqlConnector]) -> None:
    connector = cls("crm", SqlOptions.model_validate({"url": _database(tmp_path)}))
    try:
        rows = read_rows(connector, "kunden", [{"nr": "17"}, {"nr": 17.0}, {"nr": 99}])
        assert rows == {row_id("kunden", {"nr": 17}): {"nr": 17, "email": "a@x.de"}}
    finally:
        connector.close()


def test_a_connector_without_read_cannot_read_places_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    path.write_text("E-Mail\na@x.de\n", encoding="utf-8")
    key = {"file": "liste.csv", "row": 2}
    with pytest.raises(CannotRead, match="cannot read rows of 'liste' by their place"):
        read_rows(LegacyCsvConnector("liste", CsvOptions(path=path)), "liste", [key])
    found = read_rows(CsvConnector("liste", CsvOptions(path=path)), "liste", [key])
    assert found == {row_id("liste", key): {"E-Mail": "a@x.de"}}
