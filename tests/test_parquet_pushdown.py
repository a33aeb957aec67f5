"""Parquet lookups DuckDB can push down (issue 17) find exactly what the ORed query found.

The connector now sends one query per match mode, compares the stored column with
needles normalised in Python, trims only the few values that start or end with a
space, and searches mentions with RE2 alternations. The reference here is the query
form it replaced (one OR of ``trim``/``lower(trim)``/``list_filter`` tests, kept
below verbatim) and the shared definition (``rows.matches`` on every row): all three
must name the same rows and values, on values with spaces, case, trailing dots and
punctuation that no trim removes, NULLs, numbers and mentions.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dsr.connectors.files.parquet import (
    _PATTERN_CHARS,
    ParquetConnector,
    ParquetOptions,
    _literal_pattern,
    _patterns,
    _text,
)
from dsr.connectors.protocol import Lookup, MatchMode
from dsr.connectors.rows import matches
from tests.helpers import run

TEXTS = [
    "anna@x.de", " anna@x.de", "anna@x.de  ", "  ANNA@X.DE ", "Anna@X.de", "anna@x.de.",
    "anna@x.de,", "(anna@x.de)", "\tanna@x.de", "anna@x.de\n", "anna@x.de\u00a0", "annaxx.de",
    "anna@xxde", "a+b@x.de", "A+B@X.DE ", "JÜRGEN@MÜLLER.DE", " jürgen@müller.de", "",
    " ", None, "0171 2345678", "+49 (171) 234-5678", "0171_2345678\n", "1712345678x",
    "01712345678 9", "0171/2345678 (mobil)", "089 555123", "17", " 17 ", "17.", "170",
    'Rückfrage von Anna@X.de:\r\n"bitte zurückrufen"', "Mail an anna%40x.de im Link",
    "Herr MÜLLER, Tel. 0171 2345678.", "jürgen@müller.de; anna@x.de", "Anna Alt (Kundin)",
    "x" * 300 + "anna@x.de", "a.b@x.de", "axb@x.de", "[a]b@x.de", "c|d@x.de", "e\\f@x.de",
]  # fmt: skip
"""Stored values: padding, case, punctuation around a value (not padding), line breaks,
NULL, regular-expression characters and mentions."""

LOOKUPS: list[tuple[MatchMode, set[str]]] = [
    ("casefold", {"anna@x.de", "jürgen@müller.de", "a+b@x.de"}),
    ("casefold", {"ANNA@X.DE"}),
    ("exact", {"anna@x.de", "17", "Anna@X.de", "JÜRGEN@MÜLLER.DE"}),
    ("exact", {"17.", "(anna@x.de)", "[a]b@x.de"}),
    ("digits", {"1712345678", "89555123"}),
    ("digits", {f"17123456{n:02d}" for n in range(70, 90)} | {"89555123", "x17"}),
    ("contains", {"anna@x.de", "anna%40x.de", "müller", "anna alt"}),
    ("contains", {"a.b@x.de", "[a]b@x.de", "c|d@x.de", "e\\f@x.de", "a+b@x.de", "0171 2"}),
    ("contains", {f"person{i}@example.org" for i in range(400)} | {"anna@x.de"}),
    ("contains", {f"person{i}{sign}example.org" for i in range(400) for sign in ("@", "%40")}
     | {"anna@x.de", "anna%40x.de"}),
]
"""One or more lookups per mode; the digits batch is over the regular-expression limit, and
the last two batches of addresses are, per sign (``@``, ``%40``), more than one pattern:
their lower case is made once per row in a subquery behind both signs' guards."""


def _old_candidates(lookup: Lookup, kind: str) -> tuple[str, list[list[str]]] | None:
    """The condition the connector used before issue 17, verbatim (the reference)."""
    text = _text(lookup.column, kind)
    values = sorted(v for v in lookup.values if v)
    if text is None or not values:
        return None
    if lookup.match == "exact":
        return f"list_contains(CAST(? AS VARCHAR[]), trim({text}, ' '))", [values]
    if lookup.match == "casefold":
        lowered = sorted({v.lower() for v in values})
        return f"list_contains(CAST(? AS VARCHAR[]), lower(trim({text}, ' ')))", [lowered]
    if lookup.match == "digits":
        numbers = [v for v in values if v.isascii() and v.isdigit()]
        if not numbers:
            return None
        digits = f"regexp_replace({text}, '[^0-9]', '', 'g')"
        return (
            f"len(list_filter(CAST(? AS VARCHAR[]), lambda x: ends_with({digits}, x))) > 0",
            [numbers],
        )
    lowered = sorted({v.lower() for v in values})
    found = f"len(list_filter(CAST(? AS VARCHAR[]), lambda x: contains(lower({text}), x))) > 0"
    addresses = [v for v in lowered if "@" in v]
    others = [v for v in lowered if "@" not in v]
    return f"{found} OR (contains({text}, '@') AND {found})", [others, addresses]


def _old_find(path: Path, lookups: list[Lookup], types: dict[str, str]) -> list[tuple[Any, ...]]:
    """(row, column, value) as the old single ORed query and the matcher found them."""
    conditions: list[str] = []
    parameters: list[Any] = [str(path)]
    for lookup in lookups:
        found = _old_candidates(lookup, types[lookup.column])
        if found is not None:
            conditions.append(found[0])
            parameters.extend(found[1])
    sql = (
        "SELECT file_row_number, * EXCLUDE (file_row_number) FROM read_parquet(?, "
        "file_row_number = true) WHERE " + " OR ".join(f"({c})" for c in conditions)
    )
    names = list(types)
    with duckdb.connect() as con:
        rows = con.execute(sql, parameters).fetchall()
    return sorted(
        (int(row[0]) + 1, lookup.column, value)
        for row in rows
        for lookup in lookups
        for value in matches(lookup.match, dict(zip(names, row[1:], strict=True))[lookup.column],
                             lookup.values)
    )  # fmt: skip


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """The stored values as text, number, double and decimal columns; the rows as stored."""
    path = tmp_path_factory.mktemp("lake") / "werte.parquet"
    numbers = [17, 170, None, 1712345678, -17]
    floats = [17.0, 17.5, 1712345678.0, None, 89555123.0]
    decimals = ["17.00", "17.50", None, "89555123.00"]
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (txt VARCHAR, num BIGINT, flt DOUBLE, dec DECIMAL(12,2))")
        con.executemany(
            "INSERT INTO t VALUES (?, ?, ?, ?)",
            [[t, numbers[i % 5], floats[i % 5], decimals[i % 4]] for i, t in enumerate(TEXTS)],
        )
        con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    stored = ParquetConnector("lake", ParquetOptions(path=path)).sample("werte", 1000)
    return path, stored


TYPES = {"txt": "VARCHAR", "num": "BIGINT", "flt": "DOUBLE", "dec": "DECIMAL(12,2)"}


@pytest.mark.parametrize("column", list(TYPES))
@pytest.mark.parametrize("lookup", LOOKUPS, ids=lambda x: x[0] if isinstance(x, tuple) else "")
def test_same_hits_as_the_ored_query_and_the_definition(
    lake: tuple[Path, list[dict[str, Any]]], column: str, lookup: tuple[MatchMode, set[str]]
) -> None:
    path, stored = lake
    mode, values = lookup
    wanted = [Lookup("werte", column, frozenset(values), mode)]
    connector = ParquetConnector("lake", ParquetOptions(path=path))
    got = sorted((h.key["row"], h.column, h.value) for h in connector.find(wanted))
    definition = sorted(
        (number, column, value)
        for number, row in enumerate(stored, start=1)
        for value in matches(mode, row[column], frozenset(values))
    )
    assert got == definition == _old_find(path, wanted, TYPES)


def test_all_lookups_at_once_in_file_order(lake: tuple[Path, list[dict[str, Any]]]) -> None:
    """One query per mode, merged: the hits come in the old order (row, then lookup)."""
    path, _ = lake
    wanted = [
        Lookup("werte", column, frozenset(values), mode)
        for mode, values in LOOKUPS
        for column in TYPES
    ]
    connector = ParquetConnector("lake", ParquetOptions(path=path))
    hits = list(connector.find(wanted))
    got = [(h.key["row"], h.column, h.value) for h in hits]
    assert sorted(got) == _old_find(path, wanted, TYPES)
    assert [row for row, _, _ in got] == sorted(row for row, _, _ in got)
    trailing = {h.key["row"] for h in hits if h.column == "txt" and h.value == "anna@x.de"}
    assert TEXTS.index("anna@x.de.") + 1 in trailing  # by the mention search
    exact = {h.key["row"] for h in hits if h.column == "txt" and h.value == "Anna@X.de"}
    assert exact == {TEXTS.index("Anna@X.de") + 1}


def test_every_ascii_character_is_a_literal_in_a_pattern() -> None:
    needles = [f"a{chr(code)}b" for code in range(1, 128)]
    with duckdb.connect() as con:
        found = [
            con.execute(
                "SELECT regexp_matches(?, ?), regexp_matches(?, ?)",
                [
                    f"x{n}y",
                    _literal_pattern(n),
                    "azb" if n != "azb" else "ayb",
                    _literal_pattern(n),
                ],
            ).fetchone()
            for n in needles
        ]
    assert found == [(True, False)] * len(needles)


def test_many_needles_are_split_into_patterns_re2_keeps_fast() -> None:
    needles = sorted(f"kunde.{i}@beispiel.de" for i in range(1000))
    patterns = list(_patterns(needles))
    assert len(patterns) > 1
    assert all(len(p) <= _PATTERN_CHARS for p in patterns)
    assert "|".join(patterns) == "|".join(_literal_pattern(n) for n in needles)


def test_dsr_find_on_parquet_names_the_rows_a_csv_of_the_same_data_names(tmp_path: Path) -> None:
    """End to end: the same customers as Parquet (DuckDB compares) and as CSV (Python
    compares every value): `dsr find` names the same rows in both, padded and mixed-case
    addresses and mentions included, a trailing dot only as a mention."""
    header = ["id", "email", "telefon", "notiz"]
    people = [
        ["1", " Anna@X.de ", "0171 2345678", ""],
        ["2", "bob@x.de", "089 555123", 'Rückruf an anna@x.de,\r\n"dringend"'],
        ["3", "anna@x.de.", "+49 171 2345678", ""],
        ["4", "carl@x.de", "0171_2345678", "Link: anna%40x.de"],
        ["5", "dora@x.de", "0301234567", "nichts"],
        ["6", "", "", ""],
    ]
    with (tmp_path / "kunden.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *people])
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT * FROM read_csv('{tmp_path / 'kunden.csv'}', all_varchar = true)) "
            f"TO '{tmp_path / 'kunden.parquet'}' (FORMAT parquet)"
        )
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: T}\nsources:\n"
        "  lake: {type: parquet, path: kunden.parquet}\n"
        "  list: {type: csv, path: kunden.csv}\n",
        encoding="utf-8",
    )
    found = run("find", "--email", "anna@x.de", "--json", exit=0, cwd=tmp_path).json
    by_source: dict[str, set[tuple[int, str, str]]] = {"lake": set(), "list": set()}
    for match in found["matches"]:
        row = int(match["key"]["row"]) - (match["source"] == "list")  # the CSV counts its header
        by_source[match["source"]].add((row, match["match"], match["via"]))
    assert by_source["lake"] == by_source["list"]
    assert {(row, kind) for row, kind, _ in by_source["lake"]} == {
        (1, "direct"),  # " Anna@X.de "
        (2, "mention"),
        (3, "direct"),  # "anna@x.de." is not her address: found by the phone her row gave
        (4, "mention"),  # "anna%40x.de"
    }
