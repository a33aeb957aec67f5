"""The inventory as a workbook laid out like the supervisory authorities' template.

A cover sheet for the controller (Art. 30(1)(a)), one sheet per processing
activity with the DSK template's fields as rows (field | content), a findings
sheet and a columns sheet. The wording comes from ``inventory.labels.j2``,
the same file the Markdown and HTML use, so the three never say different
things. The workbook is built in memory; the caller writes it owner-only and
atomically (dsr.render.writers).
"""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_GAP = Font(bold=True, color="A4161A")
_HEAD = PatternFill("solid", fgColor="F3F4F7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_SHEET_NAMES = {
    "de": {"cover": "Verantwortlicher", "findings": "Feststellungen", "columns": "Spalten"},
    "en": {"cover": "Controller", "findings": "Findings", "columns": "Columns"},
}


def workbook_bytes(document: dict[str, Any], labels: Any) -> bytes:
    """The .xlsx file of ``document`` as bytes; ``labels`` is the inventory.labels.j2 module."""
    language = document["language"]
    names = _SHEET_NAMES.get(language, _SHEET_NAMES["en"])
    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = names["cover"]
    _cover(cover, document, labels)
    used = {cover.title}
    for number, activity in enumerate(document["activities"], start=1):
        sheet = book.create_sheet(_sheet_name(f"{number} {activity['name']}", used))
        _activity(sheet, activity, labels)
    _findings(book.create_sheet(names["findings"]), document, labels)
    _columns(book.create_sheet(names["columns"]), document, labels)
    for sheet in book.worksheets:
        _as_text(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _as_text(sheet: Worksheet) -> None:
    """Every text cell stays text. Table and column names come from the sources, and
    openpyxl stores ``=HYPERLINK(...)`` as a live formula; a leading +, - or @ turns
    into one when someone edits the cell. So such cells are written as strings with
    Excel's quote prefix (the CSV of an access copy puts an apostrophe instead)."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_START):
                cell.data_type = "s"
                cell.quotePrefix = True


def _sheet_name(wanted: str, used: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of []:*?/\\."""
    base = _BAD_SHEET_CHARS.sub(" ", wanted).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def _gap_text(gap: dict[str, Any], labels: Any) -> str:
    return f"{labels.gap_prefix} {gap['key']}" if gap["key"] else labels.gap_scan_failed


def _setup(sheet: Worksheet, widths: list[int]) -> None:
    for i, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    sheet.sheet_view.showGridLines = True
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1
    fit = sheet.sheet_properties.pageSetUpPr
    assert fit is not None  # openpyxl gives every new sheet one; its type allows None
    fit.fitToPage = True
    sheet.page_setup.fitToHeight = 0


def _header(sheet: Worksheet, values: list[str]) -> None:
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
        cell.fill = _HEAD
        cell.alignment = _WRAP


def _field(sheet: Worksheet, name: str, content: str, gap: bool = False) -> None:
    sheet.append([name, content])
    row = sheet[sheet.max_row]
    row[0].font = _BOLD
    for cell in row:
        cell.alignment = _WRAP
    if gap:
        row[1].font = _GAP


def _cover(sheet: Worksheet, document: dict[str, Any], labels: Any) -> None:
    _setup(sheet, [42, 90])
    sheet.append([labels.title])
    sheet["A1"].font = _TITLE
    sheet.append([f"{labels.generated} {document['generated']}"])
    sheet.append([])
    _header(sheet, list(labels.field_header))
    controller = document["controller"]
    fields = labels.controller_fields
    for key in ("name", "address", "phone", "email", "website"):
        value = controller[key]
        missing = not value and key in ("address", "email")
        text = value or (f"{labels.gap_prefix} controller.{key}" if missing else "–")
        _field(sheet, fields[key], text, gap=missing)
    rep = controller["representative"]
    _field(sheet, fields["representative"], _contact(rep) if rep else labels.no_representative)
    dpo = controller["dpo"]
    _field(sheet, fields["dpo"], _contact(dpo) if dpo else f"{labels.gap_prefix} controller.dpo",
           gap=dpo is None)
    _field(sheet, fields["supervisory_authority"], controller["supervisory_authority"] or "–")
    sheet.append([])
    sheet.append([labels.intro])
    sheet.append([labels.dates_note])


def _contact(contact: dict[str, Any]) -> str:
    values = (contact.get(k) for k in ("name", "address", "email", "phone"))
    return ", ".join(v for v in values if v)


def _activity(sheet: Worksheet, activity: dict[str, Any], labels: Any) -> None:
    _setup(sheet, [42, 90])
    h = labels.headings
    sheet.append([f"{h['activity']}: {activity['name']}"])
    sheet["A1"].font = _TITLE
    sheet.append([])
    _header(sheet, list(labels.field_header))
    gaps = activity["gaps"]

    def field(key: str, lines: list[str]) -> None:
        own = [_gap_text(g, labels) for g in gaps if g["field"] == key]
        _field(sheet, h[key], "\n".join([*lines, *own]) or "–", gap=bool(own) and not lines)

    _field(sheet, h["name"], activity["name"])
    _field(sheet, h["created"], activity["created"])
    _field(sheet, h["changed"], activity["changed"])
    field(
        "sources",
        [
            f"{s['name']} ({s['type']})" + (f": {s['description']}" if s["description"] else "")
            for s in activity["sources"]
        ],
    )
    field("purposes", activity["purposes"])
    field("legal_bases", activity["legal_bases"])
    field("data_subjects", activity["data_subjects"])
    field(
        "data_categories",
        [f"{c['label']} ({', '.join(c['tables'])})" for c in activity["data_categories"]],
    )
    if activity["special_categories"]:
        field(
            "special_categories",
            [f"{s['label']}: {', '.join(s['columns'])}" for s in activity["special_categories"]],
        )
    field(
        "recipients",
        [
            r["name"]
            + (f" ({labels.processor}, {r['country']})" if r["kind"] == "processor" else "")
            for r in activity["recipients"]
        ],
    )
    transfers = [
        f"{t['recipient']}, {t['country']}: {labels.safeguards}: {t['safeguards']}"
        for t in activity["transfers"]
        if t["safeguards"]
    ]
    if not activity["transfers"]:
        transfers = [labels.no_transfers]
    field("transfers", transfers)
    field(
        "erasure",
        [
            f"{e['rule']}: {e['years']} {labels.years} {labels.from_end_of_year}"
            + (f" {labels.of_date} {e['date_column']}" if e["date_column"] else "")
            + f" ({e['basis']}); {', '.join(e['tables'])}"
            + (f": {', '.join(e['categories'])}" if e["categories"] else "")
            for e in activity["erasure"]
        ],
    )
    field("security_measures", activity["security_measures"])


def _findings(sheet: Worksheet, document: dict[str, Any], labels: Any) -> None:
    _setup(sheet, [34, 16, 20, 20, 100])
    _header(sheet, list(labels.findings_header))
    for finding in document["findings"]:
        source = finding["source"]
        if finding.get("other_source"):
            source = f"{source} / {finding['other_source']}"
        sheet.append(
            [
                labels.kinds.get(finding["kind"], finding["kind"]),
                source,
                finding["table"] or "",
                finding["column"] or "",
                finding["detail"],
            ]
        )
        for cell in sheet[sheet.max_row]:
            cell.alignment = _WRAP
    if not document["findings"]:
        sheet.append([labels.no_findings])
    sheet.freeze_panes = "A2"


def _columns(sheet: Worksheet, document: dict[str, Any], labels: Any) -> None:
    from dsr.classify.taxonomy import CATEGORIES, SPECIAL_KINDS

    language = document["language"]
    _setup(sheet, [16, 24, 24, 50, 12, 80])
    _header(sheet, list(labels.columns_header))
    for column in document["columns"]:
        if not (column["personal"] or column.get("review")):
            continue
        categories = ", ".join(
            CATEGORIES[c](language) if c in CATEGORIES else c for c in column["categories"]
        )
        special = ", ".join(
            SPECIAL_KINDS[k](language) if k in SPECIAL_KINDS else k
            for k in column.get("special", [])
        )
        if special:
            categories = f"{categories} ({special})"
        confidence = f"{column['confidence']:.2f}"
        if column.get("confirmed"):
            confidence += f" ({labels.confirmed})"
        elif column.get("review"):
            confidence += f" ({labels.unsure})"
        sheet.append(
            [column["source"], column["table"], column["column"], categories, confidence,
             "; ".join(column["evidence"])]
        )
        for cell in sheet[sheet.max_row]:
            cell.alignment = _WRAP
    sheet.freeze_panes = "A2"
