"""The inventory as a workbook laid out like the supervisory authorities' template.

A cover sheet for the controller (Art. 30(1)(a)), one sheet per processing
activity with the DSK template's fields as rows (field | content), then the
lists a DPO works through: findings, columns, tables (with their time limits
for erasure) and, when the document has them, the changes since the last run.
Every list has an auto-filter and a frozen header row; confidence, row counts
and dates are real numbers and dates, so they sort and filter. The wording
comes from ``inventory.labels.j2``, the same file the Markdown and HTML use,
so the three never say different things. The workbook is built in memory; the
caller writes it owner-only and atomically (dsr.render.writers).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_GAP = Font(bold=True, color="A4161A")
_HEAD = PatternFill("solid", fgColor="F3F4F7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31
_RESERVED = {"history"}  # Excel keeps this sheet name for itself
_TRAILING = " ,;:–—-/&+'"
_FUNCTION_WORDS = frozenset((
    "und", "oder", "zu", "zur", "zum", "für", "von", "vom", "der", "die", "das", "des", "den",
    "dem", "mit", "aus", "im", "in", "an", "am", "bei", "nach", "über",
    "and", "or", "to", "for", "of", "the", "with", "from", "on", "at", "by", "via",
))  # a tab ending in one reads as cut off: "Anmeldungen zu"
_DATE_FORMATS = {"de": "DD.MM.YYYY"}
_ISO_DATE = "YYYY-MM-DD"
_PERCENT = "0%"


def workbook_bytes(document: dict[str, Any], labels: Any) -> bytes:
    """The .xlsx file of ``document`` as bytes; ``labels`` is the inventory.labels.j2 module."""
    language = document["language"]
    names = labels.sheet_names
    date_format = _DATE_FORMATS.get(language, _ISO_DATE)
    book = Workbook()
    cover = book.active
    assert cover is not None
    used = {names[k].lower() for k in ("cover", "findings", "columns", "tables", "changes")}
    cover.title = names["cover"]
    _cover(cover, document, labels, date_format)
    for number, activity in enumerate(document["activities"], start=1):
        sheet = book.create_sheet(sheet_name(activity["name"], used, prefix=str(number)))
        _activity(sheet, activity, labels, date_format)
    _findings(book.create_sheet(names["findings"]), document, labels)
    _columns(book.create_sheet(names["columns"]), document, labels)
    _tables(book.create_sheet(names["tables"]), document, labels)
    if "changes" in document:
        _changes(book.create_sheet(names["changes"]), document, labels)
    for sheet in book.worksheets:
        _as_text(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- sheet names -------------------------------------------------------------------------------


def sheet_name(wanted: str, used: set[str], prefix: str = "") -> str:
    """A valid sheet name for ``wanted``, unique among ``used`` (lower-cased; the name is
    added). Excel allows 31 characters and none of []:*?/\\, and compares names without
    case. A name cut mid-word reads as a typo in the tab, so a long name loses whole
    trailing words and an unclosed parenthesis; only a single word longer than the
    whole tab is shortened, marked with "…". ``prefix`` (the activity's number) is kept
    in front and never shortened."""
    text = " ".join(_BAD_SHEET_CHARS.sub(" ", wanted).split()).strip("'").strip()
    lead = f"{prefix} " if prefix else ""
    if not text:
        text, lead = prefix or "Sheet", ""
    room = _SHEET_MAX - len(lead)
    name, n = lead + _fit(text, room), 2
    while name.lower() in used or name.lower() in _RESERVED:
        suffix = f" ({n})"
        name, n = lead + _fit(text, room - len(suffix)) + suffix, n + 1
    used.add(name.lower())
    return name


def _fit(text: str, room: int) -> str:
    """``text`` in at most ``room`` characters, cut only between words."""
    if len(text) <= room:
        return text
    kept = ""
    for word in text.split(" "):
        longer = f"{kept} {word}" if kept else word
        if len(longer) > room:
            break
        kept = longer
    if kept.count("(") > kept.count(")"):
        before = kept[: kept.rfind("(")].rstrip(_TRAILING)
        kept = before or kept
    kept = kept.rstrip(_TRAILING)
    words = kept.split(" ")
    while len(words) > 1 and words[-1].lower() in _FUNCTION_WORDS:  # "Anmeldungen zu"
        words.pop()
    kept = " ".join(words).rstrip(_TRAILING)
    if not kept:
        return text[: max(room - 1, 0)].rstrip(_TRAILING) + "…"
    return kept


# --- cells -------------------------------------------------------------------------------------


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


def _as_date(value: Any) -> date | None:
    """An ISO date (or date-time) of the document as a date Excel sorts and filters by;
    None when there is none."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        try:
            return datetime.fromisoformat(value).date()
        except ValueError:
            return None


def _gap_text(gap: dict[str, Any], labels: Any) -> str:
    return f"{labels.gap_prefix} {gap['key']}" if gap["key"] else labels.gap_scan_failed


def _setup(sheet: Worksheet, widths: list[int]) -> None:
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.sheet_view.showGridLines = True
    sheet.page_setup.orientation = "portrait" if len(widths) <= 2 else "landscape"
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


def _row(sheet: Worksheet, values: list[Any]) -> None:
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        cell.alignment = _WRAP


def _list_done(sheet: Worksheet, columns: int, rows: int) -> None:
    """A list sheet's header stays in view and every column filters: the auto-filter
    spans the header and the ``rows`` data rows below it."""
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{1 + max(rows, 1)}"
    sheet.print_title_rows = "1:1"


def _field(sheet: Worksheet, name: str, content: Any, gap: bool = False,
           number_format: str | None = None) -> None:
    sheet.append([name, content])
    row = sheet[sheet.max_row]
    row[0].font = _BOLD
    for cell in row:
        cell.alignment = _WRAP
    if number_format:
        row[1].number_format = number_format
        row[1].alignment = Alignment(horizontal="left", vertical="top")
    if gap:
        row[1].font = _GAP


def _contact(contact: dict[str, Any]) -> str:
    values = (contact.get(k) for k in ("name", "address", "email", "phone"))
    return ", ".join(v for v in values if v)


# --- the cover and the activities --------------------------------------------------------------


def _cover(sheet: Worksheet, document: dict[str, Any], labels: Any, date_format: str) -> None:
    _setup(sheet, [42, 90])
    sheet.append([labels.title])
    sheet["A1"].font = _TITLE
    generated = _as_date(document.get("generated"))
    top = [(labels.generated, generated or document.get("generated") or "–", date_format)]
    if document.get("version") is not None:
        top.append((labels.version, int(document["version"]), "0"))
    for name, value, number_format in top:
        sheet.append([name, value])
        sheet.cell(sheet.max_row, 1).font = _BOLD
        sheet.cell(sheet.max_row, 2).number_format = number_format
        sheet.cell(sheet.max_row, 2).alignment = Alignment(horizontal="left")
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


def _activity(sheet: Worksheet, activity: dict[str, Any], labels: Any, date_format: str) -> None:
    _setup(sheet, [42, 90])
    h = {**labels.xlsx_headings, **labels.headings}
    sheet.append([f"{h['activity']}: {activity['name']}"])
    sheet["A1"].font = _TITLE
    sheet.append([])
    _header(sheet, list(labels.field_header))
    gaps = activity.get("gaps", [])

    def field(key: str, lines: Iterable[str], heading: str | None = None) -> None:
        lines = list(lines)
        own = [_gap_text(g, labels) for g in gaps if g["field"] == key]
        _field(sheet, h[heading or key], "\n".join([*lines, *own]) or "–",
               gap=bool(own) and not lines)

    def dated(key: str) -> None:
        value = _as_date(activity.get(key))
        _field(sheet, h[key], value or activity.get(key) or "–",
               number_format=date_format if value else None)

    _field(sheet, h["name"], activity["name"])
    dated("created")
    dated("changed")
    if activity.get("last_change"):
        _field(sheet, h["last_change"], "\n".join(activity["last_change"]))
    if "department" in activity:
        field("department", [activity["department"]] if activity["department"] else [])
    if "contact" in activity:
        field("contact", [_contact(activity["contact"])] if activity["contact"] else [])
    if "joint_controllers" in activity:
        joint = activity["joint_controllers"]
        field("joint_controllers", [] if joint is None
              else [_contact(j) for j in joint] or [labels.joint_controllers_none])
    field(
        "sources",
        [
            f"{s['name']} ({s['type']})" + (f": {s['description']}" if s.get("description") else "")
            for s in activity["sources"]
        ],
    )
    field("purposes", activity["purposes"])
    field("legal_bases", activity["legal_bases"])
    field("data_subjects", [
        *activity["data_subjects"],
        *(f"{p['name']} ({labels.suggested} {p['key']}; {labels.in_columns} "
          f"{', '.join(p['evidence'])})" if p.get("key") else p["name"]
          for p in activity.get("suggested_subjects") or []),
    ])
    field(
        "data_categories",
        [f"{c['label']} ({', '.join(c['tables'])})" for c in activity["data_categories"]],
    )
    if activity["special_categories"]:
        field(
            "special_categories",
            [f"{s['label']}: {', '.join(s['columns'])}" for s in activity["special_categories"]],
        )
    field("recipients", _recipients(activity["recipients"], labels))
    field("transfers", _transfers(activity, labels))
    field("erasure", [
        f"{e['source']}.{e['table']}"
        + (f" ({', '.join(e['categories'])})" if e.get("categories") else "")
        + f": {_period(e, labels)}"
        for e in activity["erasure"]
    ])
    reference = activity.get("security_reference")
    field("security_measures", [
        *activity["security_measures"],
        *([f"{h['security_reference']}: {reference}"] if reference else []),
    ])


def _recipients(recipients: list[dict[str, Any]], labels: Any) -> list[str]:
    """One line per kind of recipient (internal, external, processors), as the DSK
    template asks; a recipient in a third country says so."""
    kinds: dict[str, list[str]] = {}
    for r in recipients:
        where = [p for p in (r.get("country"), labels.third_country if r.get("third_country")
                             else None) if p]
        name = r["name"] + (f" ({', '.join(where)})" if where else "")
        kinds.setdefault(r["kind"], []).append(name)
    order = [*labels.recipient_kinds, *sorted(set(kinds) - set(labels.recipient_kinds))]
    return [
        f"{labels.recipient_kinds.get(kind, kind)}: {'; '.join(kinds[kind])}"
        for kind in order
        if kind in kinds
    ]


def _transfers(activity: dict[str, Any], labels: Any) -> list[str]:
    transfers = activity["transfers"]
    if not transfers:
        return [labels.transfers_none] if activity.get("transfers_none") else []
    return [
        f"{t['recipient']}, {t['country']}: {labels.safeguards}: "
        + (t["safeguards"] or f"{labels.gap_prefix} {t.get('key') or ''}".rstrip())
        for t in transfers
    ]


def _period(entry: dict[str, Any], labels: Any) -> str:
    """A table's time limit for erasure as the Markdown record words it, or its gap."""
    origin = entry.get("origin")
    rule = (
        f"{entry.get('years')} {labels.years} {labels.from_end_of_year}"
        + (f" {labels.of_date} {entry['date_column']}" if entry.get("date_column") else "")
        + f" ({entry.get('rule')}: {entry.get('basis')})"
    )
    if origin == "rule":
        return rule
    if origin == "kept_with":
        return f"{labels.as_long_as} {entry['source']}.{entry.get('with_table')}: {rule}"
    if origin == "configured" and entry.get("period"):
        return str(entry["period"])
    return f"{labels.gap_prefix} {entry.get('key') or ''}".rstrip()


def _set_by(entry: dict[str, Any], labels: Any) -> str:
    """What set a table's time limit: a retention rule (by name) or dsr.yaml."""
    origin = entry.get("origin")
    if origin in ("rule", "kept_with"):
        return f"{labels.erasure_origins['rule']} {entry.get('rule') or ''}".rstrip()
    if origin == "configured" and entry.get("period"):
        return f"{labels.erasure_origins['configured']} ({entry.get('key')})" \
            if entry.get("key") else str(labels.erasure_origins["configured"])
    return ""


# --- the lists ---------------------------------------------------------------------------------


def _findings(sheet: Worksheet, document: dict[str, Any], labels: Any) -> None:
    _setup(sheet, [34, 16, 20, 20, 100, 24, 50])
    header = list(labels.xlsx_findings_header)
    _header(sheet, header)
    findings = [*document["findings"], *document.get("decided", [])]
    for finding in findings:
        source = finding["source"]
        other = finding.get("other_source")
        if other:
            source = f"{source} / {other if isinstance(other, str) else ', '.join(other)}"
        _row(sheet, [
            labels.kinds.get(finding["kind"], finding["kind"]),
            source,
            finding["table"] or "",
            finding["column"] or "",
            finding["detail"],
            finding.get("id") or "",
            str(finding.get("decision") or ""),
        ])
    if not findings:
        sheet.append([labels.no_findings])
    _list_done(sheet, len(header), len(findings))


def _reason() -> Callable[[list[str], str], str]:
    """The columns' evidence in the record's language (dsr.classify.evidence, when this
    dsr has it); otherwise the evidence as the classifier wrote it."""
    try:
        from dsr.classify.evidence import evidence_text
    except ImportError:
        return lambda evidence, language: "; ".join(evidence)
    return lambda evidence, language: "; ".join(evidence_text(e, language) for e in evidence)


def _columns(sheet: Worksheet, document: dict[str, Any], labels: Any) -> None:
    from dsr.classify.taxonomy import CATEGORIES, SPECIAL_KINDS

    language = document["language"]
    reason = _reason()
    _setup(sheet, [16, 24, 24, 50, 14, 14, 80])
    header = list(labels.xlsx_columns_header)
    _header(sheet, header)
    rows = 0
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
        status = ""
        if column.get("confirmed"):
            status = labels.confirmed
        elif column.get("review"):
            status = labels.unsure
        _row(sheet, [column["source"], column["table"], column["column"], categories,
                     float(column["confidence"]), status,
                     reason(column["evidence"], language)])
        sheet.cell(sheet.max_row, 5).number_format = _PERCENT
        rows += 1
    _list_done(sheet, len(header), rows)


def _tables(sheet: Worksheet, document: dict[str, Any], labels: Any) -> None:
    """Every table with personal data, its rows and its time limit for erasure: the
    list a DPO filters for the gaps."""
    _setup(sheet, [16, 28, 12, 40, 70, 36])
    header = list(labels.xlsx_tables_header)
    _header(sheet, header)
    activity_of: dict[str, str] = {}
    erasure: dict[tuple[str, str], dict[str, Any]] = {}
    for activity in document["activities"]:
        for source in activity["sources"]:
            activity_of.setdefault(source["name"], activity["name"])
        for entry in activity["erasure"]:
            erasure[(entry["source"], entry["table"])] = entry
    rows = 0
    for table in document.get("tables", []):
        if not table.get("personal"):
            continue
        entry = erasure.get((table["source"], table["table"])) or {
            "origin": "gap", "key": f"sources.{table['source']}.storage_period"}
        count = table.get("rows")
        _row(sheet, [table["source"], table["table"], None if count is None else int(count),
                     activity_of.get(table["source"], ""), _period(entry, labels),
                     _set_by(entry, labels)])
        sheet.cell(sheet.max_row, 3).number_format = "#,##0"
        if not _set_by(entry, labels):
            sheet.cell(sheet.max_row, 5).font = _GAP
        rows += 1
    _list_done(sheet, len(header), rows)


def _changes(sheet: Worksheet, document: dict[str, Any], labels: Any) -> None:
    """What changed since the previous run, one row each; the first run says so."""
    _setup(sheet, [16, 28, 28, 100])
    header = list(labels.xlsx_changes_header)
    _header(sheet, header)
    changes = document.get("changes") or []
    for change in changes:
        _row(sheet, [change.get("source") or "", change.get("table") or "",
                     change.get("column") or "", change.get("text") or ""])
    if not changes:
        sheet.append([labels.no_changes if document.get("previous_run") else labels.first_run])
    _list_done(sheet, len(header), len(changes))
