"""The file connectors (csv, xlsx, ods, parquet) on real files written in tmp_path.

Each connector runs the conformance suite (dsr.connectors.testing) on a small
source of four people; the other tests cover what real files bring: sniffed
encodings and delimiters, quoted line breaks, line endings and byte-order marks
that must survive a rewrite, headers below a title row, formats and other
sheets that must survive an erasure, a crash during a rewrite, and damaged or
missing files. No test here goes through the CLI (so no exit code is involved);
``dsr sources check`` over these connectors is tested with the CLI.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table as OdfTable
from odf.table import TableCell, TableRow
from odf.text import P
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from dsr.connectors.files.csv import CsvConnector, CsvOptions
from dsr.connectors.files.parquet import ParquetConnector, ParquetOptions
from dsr.connectors.files.spreadsheet import (
    OdsConnector,
    SpreadsheetOptions,
    XlsxConnector,
    find_header,
)
from dsr.connectors.protocol import ErasureAction, Lookup
from dsr.connectors.rows import matches
from dsr.connectors.testing import ID_FORMS, PHONE_FORMS, ConnectorContract, Subject
from dsr.errors import SourceError

HEADER = ["E-Mail", "Name", "Telefon", "Bemerkung"]
PEOPLE = [
    ["anna.schmidt@example.com", "Anna Schmidt", "0171 1234567", "Kundin seit 2019"],
    [
        "Bernd.Mueller@Example.COM",
        "Bernd Müller",
        "+49 (30) 987654",
        "Bitte zwei Plätze\nnebeneinander",
    ],
    ["claire.dubois@example.fr", "Claire Dubois", "", "Newsletter abbestellt"],
    ["dieter.koch@example.de", "Dieter Koch", "0049 89 555123", "Empfohlen von Björn Weißgerber"],
]
MENTION = "Weißgerber"


def _people_keys(key: Any) -> dict[str, dict[str, Any]]:
    """Normalised e-mail -> row key, with ``key(index)`` giving the key of PEOPLE[index]."""
    return {row[0].lower(): key(i) for i, row in enumerate(PEOPLE)}


CONTRACT_HEADER = [*HEADER, "Kundennr"]
"""The conformance suite's table: the people, then rows holding its phone and id forms."""
TEXT_IDS = ("text", "padded", "longer")
"""The id forms a CSV can hold (every cell is text)."""
TYPED_IDS = ("int", "text", "float", "padded", "longer")
"""The id forms a workbook or Parquet file can hold."""


def contract_rows(id_forms: tuple[str, ...]) -> list[list[Any]]:
    """PEOPLE with an empty Kundennr, then one row per phone form and per id form.

    Row ``len(PEOPLE) + i`` (0-based) holds ``PHONE_FORMS[i]``, the rows after them the
    id forms in the order given; ``contract_subject`` keys them the same way.
    """
    rows: list[list[Any]] = [[*person, ""] for person in PEOPLE]
    rows += [["", f"Telefon {i + 1}", phone, "", ""] for i, phone in enumerate(PHONE_FORMS)]
    rows += [["", f"Kunde {form}", "", "", ID_FORMS[form]] for form in id_forms]
    return rows


def _subject(connector: Any, reopen: Any, table: str, key: Any) -> Subject:
    return Subject(
        connector=connector,
        reopen=reopen,
        table=table,
        email_column="E-Mail",
        people=_people_keys(key),
        text_column="Bemerkung",
        mention=MENTION,
        mention_key=key(3),
    )


def contract_subject(
    connector: Any, reopen: Any, table: str, key: Any, id_forms: tuple[str, ...]
) -> Subject:
    """``_subject`` over ``contract_rows(id_forms)``: with phones, ids and empty cells
    (Claire's phone is an empty string, Anna's Kundennr holds nothing)."""
    subject = _subject(connector, reopen, table, key)
    first_phone = len(PEOPLE)
    first_id = first_phone + len(PHONE_FORMS)
    subject.phone_column = "Telefon"
    subject.phones = {phone: key(first_phone + i) for i, phone in enumerate(PHONE_FORMS)}
    subject.ids = {form: ("Kundennr", key(first_id + i)) for i, form in enumerate(id_forms)}
    subject.empty_cells = [("Telefon", key(2)), ("Kundennr", key(0))]
    return subject


# -- fixtures: real files ------------------------------------------------------------


def write_csv(
    path: Path,
    rows: list[list[str]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    newline: str = "\r\n",
    bom: bool = False,
) -> bytes:
    """A CSV as spreadsheet programs write it; returns the bytes written."""

    def field(value: str) -> str:
        if any(c in value for c in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    text = "".join(delimiter.join(field(v) for v in row) + newline for row in rows)
    data = (codecs.BOM_UTF8 if bom else b"") + text.encode(encoding)
    path.write_bytes(data)
    return data


def write_xlsx(path: Path, *, title: bool = False, extra: list[list[Any]] | None = None) -> None:
    """People on sheet ``Kontakte`` (a title row above the header when ``title``), plus a
    second sheet, a bold header, a number format and a column width. ``extra`` rows
    (cells for HEADER and then Kundennr) follow the people, with a Kundennr column."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Kontakte"
    if title:
        sheet.append(["Kontaktliste – Stand 01.03.2025"])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([])
    sheet.append([*HEADER, "Betrag", *(["Kundennr"] if extra is not None else [])])
    header = sheet.max_row
    for cell in sheet[header]:
        cell.font = Font(bold=True)
    for index, row in enumerate(PEOPLE):
        sheet.append([*row, 10.5 * (index + 1)])
        sheet.cell(row=sheet.max_row, column=5).number_format = "#,##0.00 €"
    for row in extra or []:
        sheet.append([*(None if v == "" else v for v in row[:4]), None, row[4] or None])
    sheet.column_dimensions["A"].width = 34
    other = book.create_sheet("Notizen")
    other.append(["Thema", "Text"])
    other.append(["Messe", "Stand 12 reserviert"])
    book.save(path)


def write_ods(path: Path, sheets: dict[str, list[list[Any]]]) -> None:
    """An ODS as LibreOffice writes it: empty rows as repeated rows, trailing repeats."""
    document = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        table = OdfTable(name=name)
        for row in rows:
            element = TableRow()
            if not row:
                element.addElement(TableCell(numbercolumnsrepeated=4))
            for value in row:
                if value is None or value == "":
                    element.addElement(TableCell())
                elif isinstance(value, int | float):
                    cell = TableCell(valuetype="float", value=value)
                    cell.addElement(P(text=str(value)))
                    element.addElement(cell)
                else:
                    cell = TableCell(valuetype="string")
                    for line in str(value).split("\n"):
                        cell.addElement(P(text=line))
                    element.addElement(cell)
            element.addElement(TableCell(numbercolumnsrepeated=1020))
            table.addElement(element)
        trailing = TableRow(numberrowsrepeated=1_048_000)
        trailing.addElement(TableCell(numbercolumnsrepeated=1024))
        table.addElement(trailing)
        document.spreadsheet.addElement(table)
    document.save(str(path))


def write_parquet(
    path: Path, rows: list[list[Any]], header: list[str], types: dict[str, str] | None = None
) -> None:
    con = duckdb.connect()
    columns = ", ".join(f'"{h}" {(types or {}).get(h, "VARCHAR")}' for h in header)
    con.execute(f"CREATE TABLE t ({columns})")
    con.executemany(f"INSERT INTO t VALUES ({', '.join('?' for _ in header)})", rows)
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    con.close()


def csv_source(path: Path, **options: Any) -> CsvConnector:
    return CsvConnector("signups", CsvOptions(path=path, **options))


# -- the conformance suite on every file type ----------------------------------------


class TestCsvUtf8BomContract(ConnectorContract):
    @pytest.fixture
    def subject(self, tmp_path: Path) -> Subject:
        path = tmp_path / "signups.csv"
        write_csv(path, [CONTRACT_HEADER, *contract_rows(TEXT_IDS)], bom=True)
        return contract_subject(
            csv_source(path),
            lambda: csv_source(path),
            "signups",
            lambda i: {"file": "signups.csv", "row": i + 2},
            TEXT_IDS,
        )


class TestCsvCp1252SemicolonContract(ConnectorContract):
    @pytest.fixture
    def subject(self, tmp_path: Path) -> Subject:
        path = tmp_path / "anmeldungen.csv"
        rows = [CONTRACT_HEADER, *contract_rows(TEXT_IDS)]
        write_csv(path, rows, encoding="cp1252", delimiter=";")
        return contract_subject(
            csv_source(path),
            lambda: csv_source(path),
            "anmeldungen",
            lambda i: {"file": "anmeldungen.csv", "row": i + 2},
            TEXT_IDS,
        )


class TestCsvFolderContract(ConnectorContract):
    @pytest.fixture
    def subject(self, tmp_path: Path) -> Subject:
        (tmp_path / "2025").mkdir()
        write_csv(tmp_path / "2024.csv", [HEADER, ["x@example.org", "X", "", ""]])
        rows = [CONTRACT_HEADER, *contract_rows(TEXT_IDS)]
        write_csv(tmp_path / "2025" / "signups.csv", rows, delimiter=";")
        return contract_subject(
            csv_source(tmp_path),
            lambda: csv_source(tmp_path),
            "2025/signups",
            lambda i: {"file": "2025/signups.csv", "row": i + 2},
            TEXT_IDS,
        )


class TestXlsxContract(ConnectorContract):
    @pytest.fixture
    def subject(self, tmp_path: Path) -> Subject:
        path = tmp_path / "kontakte.xlsx"
        write_xlsx(path, title=True, extra=contract_rows(TYPED_IDS)[len(PEOPLE) :])

        def open_() -> XlsxConnector:
            return XlsxConnector("kontakte", SpreadsheetOptions(path=path))

        return contract_subject(
            open_(),
            open_,
            "Kontakte",
            lambda i: {"file": "kontakte.xlsx", "sheet": "Kontakte", "row": i + 4},
            TYPED_IDS,
        )


class TestXlsxFolderContract(ConnectorContract):
    @pytest.fixture
    def subject(self, tmp_path: Path) -> Subject:
        (tmp_path / "listen").mkdir()
        write_xlsx(tmp_path / "listen" / "kontakte.xlsx")

        def open_() -> XlsxConnector:
            return XlsxConnector("listen", SpreadsheetOptions(path=tmp_path))

        return _subject(
            open_(),
            open_,
            "listen/kontakte/Kontakte",
            lambda i: {"file": "listen/kontakte.xlsx", "sheet": "Kontakte", "row": i + 2},
        )


class TestOdsContract(ConnectorContract):
    @pytest.fixture
    def subject(self, tmp_path: Path) -> Subject:
        path = tmp_path / "kontakte.ods"
        write_ods(
            path,
            {
                "Notizen": [["Thema", "Text"], ["Messe", "Stand 12"]],
                "Kontakte": [
                    ["Kontaktliste"], [], [], CONTRACT_HEADER, *contract_rows(TYPED_IDS)
                ],
            },
        )

        def open_() -> OdsConnector:
            return OdsConnector("kontakte", SpreadsheetOptions(path=path))

        return contract_subject(
            open_(),
            open_,
            "Kontakte",
            lambda i: {"file": "kontakte.ods", "sheet": "Kontakte", "row": i + 5},
            TYPED_IDS,
        )


class TestParquetContract(ConnectorContract):
    """Parquet columns are typed: the text ids stay in Kundennr, 17 is also stored in an
    integer column and 17.0 in a double column, and the empty Kundennr cells are NULL."""

    @pytest.fixture
    def subject(self, tmp_path: Path) -> Subject:
        path = tmp_path / "kontakte.parquet"
        rows = contract_rows(("text", "padded", "longer"))
        header = [*CONTRACT_HEADER, "Nummer", "Wert"]
        table = [[*r[:4], r[4] if r[4] != "" else None, None, None] for r in rows]
        table += [["", "Kunde int", "", "", None, 17, None]]
        table += [["", "Kunde float", "", "", None, None, 17.0]]
        write_parquet(path, table, header, {"Nummer": "BIGINT", "Wert": "DOUBLE"})

        def open_() -> ParquetConnector:
            return ParquetConnector("lake", ParquetOptions(path=path))

        def key(i: int) -> dict[str, Any]:
            return {"file": "kontakte.parquet", "row": i + 1}

        subject = contract_subject(
            open_(), open_, "kontakte", key, ("text", "padded", "longer")
        )
        subject.ids["int"] = ("Nummer", key(len(rows)))
        subject.ids["float"] = ("Wert", key(len(rows) + 1))
        return subject


# -- CSV as it really arrives --------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [("utf-8", ",", True), ("utf-8", ",", False), ("cp1252", ";", False)],
)
def test_encoding_and_delimiter_are_sniffed_and_umlauts_survive(
    tmp_path: Path, encoding: str, delimiter: str, bom: bool
) -> None:
    path = tmp_path / "export.csv"
    write_csv(path, [HEADER, *PEOPLE], encoding=encoding, delimiter=delimiter, bom=bom)
    connector = csv_source(path)
    (table,) = connector.tables()
    assert [c.name for c in table.columns] == HEADER  # no BOM glued to "E-Mail"
    assert (table.rows, table.rows_exact) == (4, True)
    rows = connector.sample("export", 10)
    assert rows[1]["Name"] == "Bernd Müller"
    assert rows[1]["Bemerkung"] == "Bitte zwei Plätze\nnebeneinander"
    assert rows[3]["Bemerkung"] == "Empfohlen von Björn Weißgerber"


def test_lookup_modes_digits_exact_casefold(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    write_csv(path, [HEADER, *PEOPLE])
    connector = csv_source(path)
    hits = list(
        connector.find(
            [
                Lookup("export", "Telefon", frozenset({"1711234567", "89555123"}), "digits"),
                Lookup("export", "Name", frozenset({"Claire Dubois", "claire dubois"}), "exact"),
                Lookup("export", "E-Mail", frozenset({"bernd.mueller@example.com"}), "casefold"),
            ]
        )
    )
    found = sorted((h.column, h.value, h.key["row"]) for h in hits)
    assert found == [
        ("E-Mail", "bernd.mueller@example.com", 3),
        ("Name", "Claire Dubois", 4),
        ("Telefon", "1711234567", 2),
        ("Telefon", "89555123", 5),
    ]


def test_rewrite_keeps_bytes_of_other_rows_crlf_bom_and_quoted_line_breaks(
    tmp_path: Path,
) -> None:
    path = tmp_path / "export.csv"
    original = write_csv(path, [HEADER, *PEOPLE], bom=True, newline="\r\n")
    os.chmod(path, 0o640)
    result = csv_source(path).apply(
        [ErasureAction("export", {"file": "export.csv", "row": 5}, "mask", ("E-Mail",), "***")]
    )
    assert (result.applied, result.unchanged) == (1, 0)
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert original.replace(b"dieter.koch@example.de", b"***") == data
    assert b'"Bitte zwei Pl\xc3\xa4tze\r\nnebeneinander"' not in data  # the break stays \n
    assert b'"Bitte zwei Pl\xc3\xa4tze\nnebeneinander"' in data
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]


def test_changed_record_keeps_cp1252_semicolons_and_lf(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    write_csv(path, [HEADER, *PEOPLE], encoding="cp1252", delimiter=";", newline="\n")
    action = ErasureAction(
        "events",
        {"file": "events.csv", "row": 3},
        "redact",
        ("Bemerkung",),
        "[entfernt]",
        ("plätze",),
    )
    assert csv_source(path).apply([action]).applied == 1
    data = path.read_bytes()
    assert b"\r\n" not in data
    assert '"Bitte zwei [entfernt]\nnebeneinander"'.encode("cp1252") in data
    assert "Björn Weißgerber".encode("cp1252") in data
    rows = csv_source(path).sample("events")
    assert rows[1]["Bemerkung"] == "Bitte zwei [entfernt]\nnebeneinander"
    assert rows[1]["Name"] == "Bernd Müller"


def test_delete_empties_the_record_so_later_row_numbers_stay(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    write_csv(path, [HEADER, *PEOPLE])
    source = csv_source(path)
    delete = ErasureAction("export", {"file": "export.csv", "row": 2}, "delete")
    assert source.apply([delete]).applied == 1
    hits = list(
        csv_source(path).find(
            [Lookup("export", "E-Mail", frozenset({"dieter.koch@example.de"}), "casefold")]
        )
    )
    assert [h.key["row"] for h in hits] == [5]
    assert csv_source(path).tables()[0].rows == 3


def test_a_crash_during_rewrite_leaves_the_original_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "export.csv"
    original = write_csv(path, [HEADER, *PEOPLE])

    def crash(*_args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    action = ErasureAction("export", {"file": "export.csv", "row": 2}, "delete")
    with pytest.raises(SourceError, match=r"export\.csv.*unchanged"):
        csv_source(path).apply([action])
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]


def test_a_crash_during_xlsx_save_leaves_the_workbook_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kontakte.xlsx"
    write_xlsx(path)
    original = path.read_bytes()

    def crash(*_args: Any) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", crash)
    action = ErasureAction(
        "Kontakte", {"file": "kontakte.xlsx", "sheet": "Kontakte", "row": 2}, "delete"
    )
    with pytest.raises(SourceError):
        XlsxConnector("k", SpreadsheetOptions(path=path)).apply([action])
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["kontakte.xlsx"]


# -- workbooks ------------------------------------------------------------------------


def test_header_is_found_below_a_title_row() -> None:
    rows = [
        (1, ["Abgemeldete Empfänger – Stand 01.03.2025"]),
        (3, ["E-Mail", "Vorname", "Nachname", "Abgemeldet am"]),
        (4, ["a@example.com", "A", "B", 45000]),
    ]
    assert find_header(rows) == 3
    assert find_header([(1, ["E-Mail", "Name"]), (2, ["a@example.com", "A"])]) == 1
    assert find_header([]) is None


def test_xlsx_erasure_keeps_other_sheets_and_formats(tmp_path: Path) -> None:
    path = tmp_path / "kontakte.xlsx"
    write_xlsx(path, title=True)
    connector = XlsxConnector("k", SpreadsheetOptions(path=path))
    assert {t.name: t.rows for t in connector.tables()} == {"Kontakte": 4, "Notizen": 1}
    key = {"file": "kontakte.xlsx", "sheet": "Kontakte", "row": 5}
    result = connector.apply([ErasureAction("Kontakte", key, "null", ("E-Mail", "Telefon"))])
    assert result.applied == 1
    book = load_workbook(path)
    sheet = book["Kontakte"]
    assert sheet["A1"].font.bold and sheet["A3"].font.bold
    assert sheet["A5"].value is None and sheet["C5"].value is None
    assert sheet["B5"].value == "Bernd Müller"
    assert sheet["E6"].number_format == "#,##0.00 €" and sheet["E6"].value == 31.5
    assert sheet.column_dimensions["A"].width == 34
    assert book["Notizen"]["B2"].value == "Stand 12 reserviert"


def test_ods_header_below_title_and_erasure_keeps_other_sheets(tmp_path: Path) -> None:
    path = tmp_path / "kontakte.ods"
    write_ods(
        path,
        {
            "Kontakte": [["Kontaktliste"], [], HEADER, *PEOPLE],
            "Notizen": [["Thema", "Text"], ["Messe", "Stand 12"]],
        },
    )
    connector = OdsConnector("k", SpreadsheetOptions(path=path))
    tables = {t.name: t for t in connector.tables()}
    assert [c.name for c in tables["Kontakte"].columns] == HEADER
    assert tables["Kontakte"].rows == 4
    key = {"file": "kontakte.ods", "sheet": "Kontakte", "row": 7}
    assert connector.apply([ErasureAction("Kontakte", key, "delete")]).applied == 1
    after = OdsConnector("k", SpreadsheetOptions(path=path))
    assert after.sample("Notizen") == [{"Thema": "Messe", "Text": "Stand 12"}]
    rows = after.sample("Kontakte")
    assert [r["Name"] for r in rows] == ["Anna Schmidt", "Bernd Müller", "Claire Dubois"]
    assert rows[1]["Bemerkung"] == "Bitte zwei Plätze\nnebeneinander"


def test_ods_repeated_rows_and_cells_are_split_to_change_one(tmp_path: Path) -> None:
    """LibreOffice stores equal neighbours once, with a repeat count; erasing one must
    change only that one."""
    document = OpenDocumentSpreadsheet()
    table = OdfTable(name="Liste")
    header = TableRow()
    for name in ("E-Mail", "Stadt", "Ort"):
        cell = TableCell(valuetype="string")
        cell.addElement(P(text=name))
        header.addElement(cell)
    table.addElement(header)
    twin = TableRow(numberrowsrepeated=3)
    email = TableCell(valuetype="string")
    email.addElement(P(text="zwilling@example.com"))
    twin.addElement(email)
    city = TableCell(valuetype="string", numbercolumnsrepeated=2)
    city.addElement(P(text="Berlin"))
    twin.addElement(city)
    table.addElement(twin)
    document.spreadsheet.addElement(table)
    path = tmp_path / "liste.ods"
    document.save(str(path))

    connector = OdsConnector("liste", SpreadsheetOptions(path=path))
    assert [r["Ort"] for r in connector.sample("Liste")] == ["Berlin"] * 3
    key = {"file": "liste.ods", "sheet": "Liste", "row": 3}
    assert connector.apply([ErasureAction("Liste", key, "mask", ("Ort",), "***")]).applied == 1
    rows = OdsConnector("liste", SpreadsheetOptions(path=path)).sample("Liste")
    assert [(r["Stadt"], r["Ort"]) for r in rows] == [
        ("Berlin", "Berlin"),
        ("Berlin", "***"),
        ("Berlin", "Berlin"),
    ]
    assert {r["E-Mail"] for r in rows} == {"zwilling@example.com"}


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
@pytest.mark.parametrize("damage", ["truncated", "text"])
def test_damaged_workbook_is_one_line_naming_the_file(
    tmp_path: Path, kind: str, damage: str
) -> None:
    path = tmp_path / f"liste.{kind}"
    if kind == "xlsx":
        write_xlsx(path)
    else:
        write_ods(path, {"Kontakte": [HEADER, *PEOPLE]})
    if damage == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_text("E-Mail;Name\nanna@example.com;Anna\n")
    connector_class = XlsxConnector if kind == "xlsx" else OdsConnector
    with pytest.raises(SourceError) as caught:
        connector_class("liste", SpreadsheetOptions(path=path)).tables()
    message = str(caught.value)
    assert "\n" not in message
    assert f"liste.{kind}" in message and "source 'liste'" in message
    assert f"damaged or not an {kind.upper()} workbook; export it again" in message


def test_damaged_parquet_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "lake.parquet"
    path.write_text("not parquet")
    with pytest.raises(SourceError, match=r"lake\.parquet.*damaged or not a Parquet file"):
        ParquetConnector("lake", ParquetOptions(path=path)).tables()


# -- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "connector",
    [
        lambda p: csv_source(p / "missing.csv"),
        lambda p: XlsxConnector("signups", SpreadsheetOptions(path=p / "missing.xlsx")),
        lambda p: OdsConnector("signups", SpreadsheetOptions(path=p / "missing.ods")),
        lambda p: ParquetConnector("signups", ParquetOptions(path=p / "missing.parquet")),
    ],
)
def test_missing_file_is_one_line_naming_source_and_path(tmp_path: Path, connector: Any) -> None:
    with pytest.raises(SourceError) as caught:
        connector(tmp_path).tables()
    message = str(caught.value)
    assert "missing." in message and "source 'signups'" in message
    assert "does not exist (check `path` in dsr.yaml)" in message


def test_wrong_encoding_given_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    write_csv(path, [HEADER, *PEOPLE], encoding="cp1252", delimiter=";")
    with pytest.raises(SourceError, match="not utf-8; set `encoding:`"):
        csv_source(path, encoding="utf-8").tables()
    with pytest.raises(ValueError, match="unknown encoding"):
        CsvOptions(path=path, encoding="latin-9x")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_permission_denied_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    write_csv(path, [HEADER, *PEOPLE])
    path.chmod(0)
    try:
        with pytest.raises(SourceError, match=r"events\.csv: source 'signups': permission denied"):
            csv_source(path).tables()
    finally:
        path.chmod(0o600)


def test_unknown_column_in_a_batch_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    original = write_csv(path, [HEADER, *PEOPLE])
    actions = [
        ErasureAction("export", {"file": "export.csv", "row": 2}, "delete"),
        ErasureAction("export", {"file": "export.csv", "row": 3}, "null", ("Fax",)),
    ]
    with pytest.raises(SourceError, match="has no column 'Fax'"):
        csv_source(path).apply(actions)
    assert path.read_bytes() == original


# -- the demo company's files, when the demo builder is there ------------------------


def test_demo_event_signups_read_as_german_excel_csv(demo: Path) -> None:
    connector = csv_source(demo / "data" / "event-signups.csv")
    (table,) = connector.tables()
    assert table.name == "event-signups" and table.rows and table.rows > 0
    names = {row.get("Nachname") for row in connector.sample("event-signups", 10_000)}
    assert any(name and "ß" in name for name in names), "cp1252 umlauts must survive"


def test_demo_newsletter_second_sheet_header_below_title(demo: Path) -> None:
    connector = XlsxConnector("newsletter", SpreadsheetOptions(path=demo / "data/newsletter.xlsx"))
    tables = {t.name: t for t in connector.tables()}
    assert set(tables) == {"Abonnenten", "Abgemeldet"}
    assert tables["Abgemeldet"].columns[0].name == "E-Mail"
    assert tables["Abonnenten"].rows and tables["Abonnenten"].rows > 0


def test_quote_all_style_is_kept_for_a_changed_record(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(
        b'"E-Mail","Name"\r\n"anna@example.com","Anna"\r\n"bernd@example.com","Bernd"\r\n'
    )
    action = ErasureAction("export", {"file": "export.csv", "row": 2}, "mask", ("E-Mail",), "***")
    assert csv_source(path).apply([action]).applied == 1
    assert path.read_bytes() == (
        b'"E-Mail","Name"\r\n"***","Anna"\r\n"bernd@example.com","Bernd"\r\n'
    )


def test_parquet_lookup_modes_run_in_duckdb(tmp_path: Path) -> None:
    path = tmp_path / "kontakte.parquet"
    write_parquet(path, PEOPLE, HEADER)
    connector = ParquetConnector("lake", ParquetOptions(path=path))
    hits = list(
        connector.find(
            [
                Lookup("kontakte", "Telefon", frozenset({"1711234567", "89555123"}), "digits"),
                Lookup("kontakte", "Name", frozenset({"Claire Dubois"}), "exact"),
                Lookup("kontakte", "E-Mail", frozenset({"bernd.mueller@example.com"}), "casefold"),
                Lookup("kontakte", "Bemerkung", frozenset({"plätze", "weißgerber"}), "contains"),
            ]
        )
    )
    found = sorted((h.column, h.value, h.key["row"]) for h in hits)
    assert found == [
        ("Bemerkung", "plätze", 2),
        ("Bemerkung", "weißgerber", 4),
        ("E-Mail", "bernd.mueller@example.com", 2),
        ("Name", "Claire Dubois", 3),
        ("Telefon", "1711234567", 1),
        ("Telefon", "89555123", 4),
    ]
    assert hits[0].row["Name"] in {p[1] for p in PEOPLE}


def test_parquet_finds_exactly_what_the_shared_matcher_finds(tmp_path: Path) -> None:
    """DuckDB selects the rows; its text of a double 17.0 or a decimal 17.00 must read 17,
    as the shared definition (and a spreadsheet) reads them."""
    path = tmp_path / "werte.parquet"
    texts = [
        "Anna@X.de", " anna@x.de", "JÜRGEN@MÜLLER.DE", "0171_2345678", "0171 2345678 (mobil)",
        "Herr MÜLLER rief an", "17", " 17 ", "170", "17.0", None,
    ]  # fmt: skip
    numbers = [17, 170, None]
    floats = [17.0, 17.5, 1712345678.0, None]
    decimals = ["17.00", "17.50", None]
    rows = [
        [t, numbers[i % 3], floats[i % 4], decimals[i % 3]] for i, t in enumerate(texts)
    ]
    types = {"num": "BIGINT", "flt": "DOUBLE", "dec": "DECIMAL(10,2)"}
    write_parquet(path, rows, ["txt", "num", "flt", "dec"], types)
    connector = ParquetConnector("lake", ParquetOptions(path=path))
    stored = connector.sample("werte", 100)
    lookups = [
        ("txt", "casefold", {"anna@x.de", "jürgen@müller.de"}),
        ("txt", "exact", {"17", "Anna@X.de"}),
        ("txt", "digits", {"1712345678"}),
        ("txt", "contains", {"müller"}),
        ("num", "exact", {"17", "17.0"}),
        ("flt", "exact", {"17", "17.5", "17.0"}),
        ("flt", "digits", {"1712345678"}),
        ("dec", "exact", {"17", "17.5", "17.50"}),
    ]
    for column, mode, values in lookups:
        lookup = Lookup("werte", column, frozenset(values), mode)  # type: ignore[arg-type]
        got = sorted((h.key["row"], h.value) for h in connector.find([lookup]))
        expected = sorted(
            (number, value)
            for number, row in enumerate(stored, start=1)
            for value in matches(mode, row[column], frozenset(values))  # type: ignore[arg-type]
        )
        assert got == expected and expected, (column, mode)


def test_parquet_mask_needs_a_text_column(tmp_path: Path) -> None:
    path = tmp_path / "zahlen.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 1 AS id, 'a@example.com' AS email) TO '{path}' (FORMAT parquet)")
    con.close()
    connector = ParquetConnector("lake", ParquetOptions(path=path))
    with pytest.raises(SourceError, match="'id' of 'zahlen' holds INTEGER values"):
        connector.apply(
            [ErasureAction("zahlen", {"file": "zahlen.parquet", "row": 1}, "mask", ("id",))]
        )
    result = connector.apply(
        [ErasureAction("zahlen", {"file": "zahlen.parquet", "row": 1}, "null", ("id",))]
    )
    assert result.applied == 1
    assert ParquetConnector("lake", ParquetOptions(path=path)).sample("zahlen") == [
        {"id": None, "email": "a@example.com"}
    ]


def test_demo_event_signups_erasure_keeps_every_other_record(demo: Path, tmp_path: Path) -> None:
    path = tmp_path / "event-signups.csv"
    path.write_bytes((demo / "data" / "event-signups.csv").read_bytes())
    original = path.read_bytes()
    connector = csv_source(path)
    first = connector.sample("event-signups", 1)[0]
    email_column = next(c for c in first if "mail" in c.lower())
    action = ErasureAction(
        "event-signups", {"file": "event-signups.csv", "row": 2}, "mask", (email_column,), "***"
    )
    assert connector.apply([action]).applied == 1
    data = path.read_bytes()
    assert data.split(b"\r\n")[2:] == original.split(b"\r\n")[2:]
    assert csv_source(path).sample("event-signups", 1)[0][email_column] == "***"
