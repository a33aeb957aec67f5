"""The inventory workbook a DPO filters and files: `dsr inventory --format xlsx,json` on the
demo through the CLI, once per language, opened with openpyxl. Every list has an
auto-filter over all its rows and a frozen header, confidence and row counts are numbers,
dates are dates, sheet names fit Excel's 31 characters without cutting a word. The sheet
name rule and the fields the record is gaining (department, contact, joint controllers,
recipients by kind, per-table erasure, changes, decisions) are tested on the function and
on the CLI's own document with those keys added.
"""

from __future__ import annotations

import copy
import io
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from dsr.inventory.render import labels
from dsr.render.inventory_xlsx import sheet_name, workbook_bytes
from tests.helpers import run

LANGUAGES = ("de", "en")


@pytest.fixture(scope="module")
def runs(module_demo: Path) -> dict[str, tuple[Workbook, dict[str, Any]]]:
    """language -> (the workbook the CLI wrote, the JSON document of the same run)."""
    found = {}
    for language in LANGUAGES:
        result = run("inventory", "--language", language, "--format", "xlsx,json", "--json",
                     exit=0, cwd=module_demo)
        book = load_workbook(module_demo / "inventory" / f"inventory-{language}.xlsx")
        found[language] = (book, result.json)
    return found


def _lists(book: Workbook, document: dict[str, Any]) -> list[Worksheet]:
    """The list sheets: every sheet after the cover and the activities."""
    return book.worksheets[1 + len(document["activities"]):]


def _rows(sheet: Worksheet) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(min_row=2, values_only=True))


def _column(sheet: Worksheet, title: str) -> int:
    header = [c.value for c in sheet[1]]
    return header.index(title) + 1


# --- the demo through the CLI ----------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_list_filters_over_all_its_rows_under_a_frozen_header(
    runs: dict[str, tuple[Workbook, dict[str, Any]]], language: str
) -> None:
    book, document = runs[language]
    lists = _lists(book, document)
    names = labels(language).sheet_names
    assert [s.title for s in lists][:3] == [names["findings"], names["columns"], names["tables"]]
    for sheet in lists:
        last = sheet.cell(1, sheet.max_column).column_letter
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", sheet.title
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(sheet.column_dimensions[c.column_letter].width >= 10 for c in sheet[1])
    if language == "de":  # every list's header is in German (only "Status" is both)
        english = runs["en"][0]
        for sheet in lists:
            other = english.worksheets[book.worksheets.index(sheet)]
            same = {a.value for a, b in zip(sheet[1], other[1], strict=True) if a.value == b.value}
            assert same <= {"Status"}, (sheet.title, same)
    findings = book[names["findings"]]
    assert findings.max_row == 1 + len(document["findings"]) + len(document.get("decided", []))
    for sheet in book.worksheets[: 1 + len(document["activities"])]:
        assert not sheet.auto_filter.ref, sheet.title  # a form, not a list


@pytest.mark.parametrize("language", LANGUAGES)
def test_confidence_and_row_counts_are_numbers(
    runs: dict[str, tuple[Workbook, dict[str, Any]]], language: str
) -> None:
    book, document = runs[language]
    words = labels(language)
    columns = book[words.sheet_names["columns"]]
    at = _column(columns, words.xlsx_columns_header[4])
    cells = [row[at - 1] for row in columns.iter_rows(min_row=2)]
    shown = [c for c in document["columns"] if c["personal"] or c.get("review")]
    assert [c.value for c in cells] == pytest.approx([c["confidence"] for c in shown])
    assert all(isinstance(c.value, float) and c.number_format == "0%" for c in cells)
    reasons = [row[-1] for row in _rows(columns)]
    assert all(reasons)
    if language == "de":  # the classifier's English evidence, said in German
        english = re.compile(r"\b(key|name|values|points|sampled|column)\b")
        assert not [r for r in reasons if english.search(r)]
    tables = book[words.sheet_names["tables"]]
    rows = {(r[0], r[1]): r[2] for r in _rows(tables)}
    expected = {(t["source"], t["table"]): t["rows"] for t in document["tables"] if t["personal"]}
    assert rows == expected
    assert all(type(v) is int for v in rows.values())
    # every table with personal data has a time limit, or its gap names the key to fill in
    periods = [r[4] for r in _rows(tables)]
    assert all(periods) and len(periods) == len(rows)
    assert all(p.startswith(words.gap_prefix) == (not r[5]) for p, r in
               zip(periods, _rows(tables), strict=True))


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_are_dates(
    runs: dict[str, tuple[Workbook, dict[str, Any]]], language: str
) -> None:
    book, document = runs[language]
    words = labels(language)
    cover = book.worksheets[0]
    assert cover["A2"].value == words.generated
    assert isinstance(cover["B2"].value, datetime) and cover["B2"].is_date
    assert cover["B2"].value.date() == date.fromisoformat(document["generated"][:10])
    wanted = {words.headings["created"]: "created", words.headings["changed"]: "changed"}
    for activity, sheet in zip(document["activities"], book.worksheets[1:], strict=False):
        found = {wanted[r[0].value]: r[1] for r in sheet.iter_rows() if r[0].value in wanted}
        assert set(found) == {"created", "changed"}, sheet.title
        for key, cell in found.items():
            assert cell.is_date and cell.value.date() == date.fromisoformat(activity[key])


@pytest.mark.parametrize("language", LANGUAGES)
def test_sheet_titles_fit_and_end_between_words(
    runs: dict[str, tuple[Workbook, dict[str, Any]]], language: str
) -> None:
    book, document = runs[language]
    titles = book.sheetnames
    assert len({t.lower() for t in titles}) == len(titles)
    assert all(len(t) <= 31 and not re.search(r"[\[\]:*?/\\]", t) for t in titles)
    cut = 0
    for number, (activity, title) in enumerate(
            zip(document["activities"], titles[1:], strict=False), start=1):
        name = activity["name"]
        assert title.startswith(f"{number} ")
        shown = title[len(f"{number} "):]
        assert name == shown or name.startswith(shown + " "), (title, name)
        cut += shown != name
    assert cut >= 1  # the demo has names too long for a tab


# --- the sheet name rule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "prefix", "expected"),
    [
        ("Online-Shop (Kundenkonten, Bestellungen, Rechnungen)", "1", "1 Online-Shop"),
        ("Anmeldungen zu Veranstaltungen (Website)", "3", "3 Anmeldungen"),
        ("Bewerbungen und Personalakten der Beschäftigten", "2",
         "2 Bewerbungen und Personalakten"),
        ("Customer accounts, orders and invoices of the web shop", "2",
         "2 Customer accounts, orders"),
        ("Newsletter subscribers (old list from the trade fair)", "", "Newsletter subscribers"),
        ("CRM-Kontakte (HubSpot-Export)", "5", "5 CRM-Kontakte (HubSpot-Export)"),
        ("Donaudampfschifffahrtsgesellschaftskapitänsmützen", "4",
         "4 Donaudampfschifffahrtsgesell…"),
        ("Donaudampfschifffahrtsgesellschaftskapitänsmützen und Uniformen", "",
         "Donaudampfschifffahrtsgesellsc…"),
        ("Kunden: Bestellungen/Rechnungen [alt]?", "7", "7 Kunden Bestellungen"),
        ("Lieferanten*Partner\\Händler", "", "Lieferanten Partner Händler"),
        ("'Zitate'", "", "Zitate"),
        ("///", "8", "8"),
    ],
)
def test_sheet_name_cuts_between_words(name: str, prefix: str, expected: str) -> None:
    got = sheet_name(name, set(), prefix=prefix)
    assert got == expected
    assert len(got) <= 31 and not re.search(r"[\[\]:*?/\\]", got)


def test_sheet_names_stay_unique_ignoring_case() -> None:
    used = {"feststellungen", "spalten"}
    long = "Kundenservice mit Tickets aus dem alten Zendesk-Konto"
    names = [
        sheet_name("Kundenservice", used),
        sheet_name("KUNDENSERVICE", used),
        sheet_name("Spalten", used),
        sheet_name("History", used),
        sheet_name(long, used),
        sheet_name(long, used),
        sheet_name(long, used),
        sheet_name("?", used),
        sheet_name("*", used),
    ]
    assert names == [
        "Kundenservice",
        "KUNDENSERVICE (2)",
        "Spalten (2)",
        "History (2)",
        "Kundenservice mit Tickets",
        "Kundenservice mit Tickets (2)",
        "Kundenservice mit Tickets (3)",
        "Sheet",
        "Sheet (2)",
    ]
    assert len({n.lower() for n in names}) == len(names)
    assert all(len(n) <= 31 for n in names)


# --- the fields the record gains, on the CLI's own document ----------------------------------


def test_new_fields_are_rendered_when_present(
    runs: dict[str, tuple[Workbook, dict[str, Any]]]
) -> None:
    document = copy.deepcopy(runs["en"][1])
    words = labels("en")
    activity = document["activities"][0]
    source = activity["sources"][0]["name"]
    filled = {"department", "contact", "joint_controllers", "recipients", "transfers", "erasure"}
    activity["gaps"] = [g for g in activity["gaps"] if g["field"] not in filled]
    activity.update(
        department="Sales back office",
        contact={"name": "Jana Roth", "phone": "+49 711 1", "email": "jana@example.com"},
        joint_controllers=[{"name": "Partner AG", "address": "Weg 1, Berlin",
                            "email": "p@example.com", "phone": None}],
        recipients=[
            {"name": "Accounting", "kind": "internal", "country": None, "third_country": False},
            {"name": "Tax adviser", "kind": "external", "country": None, "third_country": False},
            {"name": "Mail host", "kind": "processor", "country": "US", "third_country": True},
        ],
        transfers=[], transfers_none=True,
        erasure=[
            {"source": source, "table": "invoices", "origin": "rule", "period": None,
             "rule": "Invoices", "years": 10, "basis": "§ 147 AO", "date_column": None},
            {"source": source, "table": "orders", "origin": "kept_with", "period": None,
             "rule": "Invoices", "years": 10, "basis": "§ 147 AO", "date_column": None,
             "with_table": "invoices"},
            {"source": source, "table": "customers", "origin": "configured",
             "period": "while the account exists", "key": f"sources.{source}.storage_period"},
            {"source": source, "table": "addresses", "origin": "gap", "period": None,
             "key": f"sources.{source}.storage_periods.addresses"},
        ],
        security_reference="Security concept v3, annex B",
        last_change=["new column customers.email2"],
    )
    second_key = f"sources.{document['activities'][1]['sources'][0]['name']}.joint_controllers"
    document["activities"][1]["joint_controllers"] = None  # not stated: the record's gap
    document["activities"][1]["gaps"] = [{"field": "joint_controllers", "key": second_key}]
    document["activities"][2]["joint_controllers"] = []  # stated: nobody
    document["version"] = 3
    document["previous_run"] = "2026-11-30"
    document["changes"] = [{"kind": "new_column", "source": source, "table": "customers",
                            "column": "email2", "text": "New column with e-mail addresses"}]
    decided = dict(document["findings"][0], id="special_category:x", decision="Consent on file")
    document["decided"] = [decided]
    book = load_workbook(io.BytesIO(workbook_bytes(document, words)))
    fields = {r[0]: r[1] for r in book.worksheets[1].iter_rows(values_only=True) if r[0]}
    h = {**words.xlsx_headings, **words.headings}
    assert fields[h["department"]] == "Sales back office"
    assert fields[h["contact"]] == "Jana Roth, jana@example.com, +49 711 1"
    assert fields[h["joint_controllers"]] == "Partner AG, Weg 1, Berlin, p@example.com"
    assert fields[h["recipients"]].split("\n") == [
        f"{words.recipient_kinds['internal']}: Accounting",
        f"{words.recipient_kinds['external']}: Tax adviser",
        f"{words.recipient_kinds['processor']}: Mail host (US, {words.third_country})",
    ]
    assert fields[h["transfers"]] == words.transfers_none
    ten = f"10 {words.years} {words.from_end_of_year} (Invoices: § 147 AO)"
    assert fields[h["erasure"]].split("\n") == [
        f"{source}.invoices: {ten}",
        f"{source}.orders: {words.as_long_as} {source}.invoices: {ten}",
        f"{source}.customers: while the account exists",
        f"{source}.addresses: {words.gap_prefix} sources.{source}.storage_periods.addresses",
    ]
    assert fields[h["security_measures"]].split("\n")[-1] == (
        f"{h['security_reference']}: Security concept v3, annex B")
    assert fields[h["last_change"]] == "new column customers.email2"
    second = {r[0].value: r[1] for r in book.worksheets[2].iter_rows() if r[0].value}
    assert second[h["joint_controllers"]].value == f"{words.gap_prefix} {second_key}"
    assert second[h["joint_controllers"]].font.color.rgb.endswith("A4161A")  # red: a gap
    third = {r[0]: r[1] for r in book.worksheets[3].iter_rows(values_only=True) if r[0]}
    assert third[h["joint_controllers"]] == words.joint_controllers_none
    cover = {r[0]: r[1] for r in book.worksheets[0].iter_rows(values_only=True) if r[0]}
    assert cover[words.version] == 3
    changes = book[words.sheet_names["changes"]]
    assert _rows(changes) == [(source, "customers", "email2", "New column with e-mail addresses")]
    assert changes.auto_filter.ref == "A1:D2"
    findings = book[words.sheet_names["findings"]]
    assert _rows(findings)[-1][-2:] == ("special_category:x", "Consent on file")
    tables = {(r[0], r[1]): r[4:] for r in _rows(book[words.sheet_names["tables"]])}
    rule = f"{words.erasure_origins['rule']} Invoices"
    assert tables[(source, "invoices")] == (ten, rule)
    assert tables[(source, "orders")][1] == rule
    assert tables[(source, "customers")] == (
        "while the account exists", f"{words.erasure_origins['configured']} "
        f"(sources.{source}.storage_period)")
    assert tables[(source, "addresses")] == (
        f"{words.gap_prefix} sources.{source}.storage_periods.addresses", None)
