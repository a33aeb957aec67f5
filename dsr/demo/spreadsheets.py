"""The office files of the demo: a newsletter workbook and an Excel-made event list.

They carry the mess that spreadsheets kept by people carry: a second sheet whose
header sits under a title row, German dates, a CSV saved by German Excel
(Windows-1252, ``;``, CRLF) with umlauts and a line break inside a cell. The
file readers and the classifier are tested against exactly that.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from dsr.demo.archive import restamp
from dsr.demo.people import ANCHOR, EXPORT_DATE, Person, Population, ascii_fold

NEWSLETTER_HEADER = (
    "E-Mail",
    "Anrede",
    "Vorname",
    "Nachname",
    "Angemeldet am",
    "Quelle",
    "Double-Opt-In",
)
LEFT_HEADER = ("E-Mail", "Vorname", "Nachname", "Angemeldet am", "Abgemeldet am", "Grund")
LEFT_HEADER_ROW = 3
EVENT_HEADER = (
    "Anmeldung-Nr",
    "Veranstaltung",
    "Datum",
    "Anrede",
    "Vorname",
    "Nachname",
    "E-Mail",
    "Telefon",
    "Personen",
    "Angemeldet am",
    "Bemerkung",
)

_EVENTS = (
    ("Kochkurs Schwäbische Küche", date(2025, 5, 17)),
    ("Weinprobe Württemberg", date(2024, 10, 11)),
    ("Sommerfest im Laden Stuttgart-Mitte", date(2025, 7, 12)),
    ("Brotback-Workshop", date(2026, 3, 21)),
    ("Adventsmarkt Beispiel GmbH", date(2025, 12, 6)),
)
_REMARKS = (
    "",
    "",
    "",
    "",
    "Komme etwas später, ca. 30 Minuten.",
    "Parkplatz vorhanden?",
    "Bringe zwei Kolleginnen mit.",
    "Bitte Rechnung an die Firma.\nAdresse folgt per E-Mail.",
    "Gibt es eine Warteliste?\nFalls ausgebucht, gern nächster Termin.",
)
_LEFT_REASONS = ("Zu viele E-Mails", "Kein Interesse mehr", "", "Telefonisch abgemeldet", "")


@dataclass
class FileResult:
    """Rows written to one file (per sheet where there are sheets) and planted locations."""

    parts: dict[str, int]
    locations: dict[str, list[str]] = field(default_factory=dict)


def _signup(rng: random.Random, person: Person) -> datetime:
    start = max(person.created_at, datetime(2016, 1, 1))
    end = datetime(ANCHOR.year, ANCHOR.month, ANCHOR.day, 18)
    if start >= end:
        return end
    return start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds())))


_FIXED_SIGNUPS = {
    "juergen-mueller": datetime(2019, 4, 1, 8, 12),
    "lena-vogel": datetime(2024, 2, 11, 14, 5),
}


def newsletter_workbook(population: Population, seed: int) -> tuple[bytes, FileResult]:
    """The legacy newsletter list, kept by hand in Excel before the move to Mailchimp."""
    rng = random.Random(f"dsr-demo-newsletter-{seed}")
    customers = {p.key for p in population.customers}
    rows = []
    for person in population.newsletter:
        at = _FIXED_SIGNUPS.get(person.key) or _signup(rng, person)
        if person.key == "lena-vogel":
            source = "Messe Stuttgart"
        elif person.key in customers:
            source = "Shop-Checkout"
        else:
            source = rng.choice(("Website-Formular", "Messe Stuttgart", "Gewinnspiel"))
        doi = "ja" if person.case is not None or rng.random() < 0.92 else "nein"
        email = person.spelled("newsletter", "email", person.email) or person.email
        rows.append(
            (
                at,
                person.key,
                (
                    email,
                    person.salutation,
                    person.first_name,
                    person.last_name,
                    at.date(),
                    source,
                    doi,
                ),
            )
        )
    rows.sort(key=lambda r: (r[0], r[1]))

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook starts with one worksheet
    sheet.title = "Abonnenten"
    sheet.append(NEWSLETTER_HEADER)
    result = FileResult(parts={})
    for number, (_, key, values) in enumerate(rows, start=2):
        sheet.append(values)
        sheet.cell(row=number, column=5).number_format = "DD.MM.YYYY"
        if key in population.planted:
            result.locations.setdefault(key, []).append(
                f"newsletter: data/newsletter.xlsx, sheet Abonnenten, row {number} ({values[0]})"
            )
    _style_header(sheet, 1, len(NEWSLETTER_HEADER))
    result.parts["Abonnenten"] = len(rows)

    left = workbook.create_sheet("Abgemeldet")
    left.append((f"Abgemeldete Empfänger – Stand {ANCHOR:%d.%m.%Y}",))
    left["A1"].font = Font(bold=True, size=14)
    left.append(())
    left.append(LEFT_HEADER)
    _style_header(left, LEFT_HEADER_ROW, len(LEFT_HEADER))
    left_rows = []
    for person in population.newsletter_left:
        at = _signup(rng, person)
        gone = at + timedelta(days=rng.randint(20, 900))
        gone = min(gone, datetime(ANCHOR.year, ANCHOR.month, ANCHOR.day))
        left_rows.append(
            (
                at,
                person.key,
                (
                    person.email,
                    person.first_name,
                    person.last_name,
                    at.date(),
                    gone.date(),
                    rng.choice(_LEFT_REASONS),
                ),
            )
        )
    left_rows.sort(key=lambda r: (r[0], r[1]))
    for number, (_, _key, left_values) in enumerate(left_rows, start=LEFT_HEADER_ROW + 1):
        left.append(left_values)
        left.cell(row=number, column=4).number_format = "DD.MM.YYYY"
        left.cell(row=number, column=5).number_format = "DD.MM.YYYY"
    result.parts["Abgemeldet"] = len(left_rows)
    for ws, widths in ((sheet, (34, 8, 14, 18, 14, 18, 14)), (left, (34, 14, 18, 14, 14, 24))):
        for column, width in zip("ABCDEFG", widths, strict=False):
            ws.column_dimensions[column].width = width

    fixed = datetime(EXPORT_DATE.year, EXPORT_DATE.month, EXPORT_DATE.day, 6, 0, 0)
    workbook.properties.creator = "Beispiel GmbH Marketing"
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    buffer = io.BytesIO()
    # ExcelWriter, not Workbook.save: save() stamps "modified" with the clock.
    with ZipFile(buffer, "w", ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return restamp(buffer.getvalue()), result


def _style_header(sheet, row: int, columns: int) -> None:  # type: ignore[no-untyped-def]
    for column in range(1, columns + 1):
        sheet.cell(row=row, column=column).font = Font(bold=True)


def _cp1252(value: str) -> str:
    """Keep what Windows-1252 can hold (umlauts, ß, –); fold the rest as Excel users would."""
    try:
        value.encode("cp1252")
        return value
    except UnicodeEncodeError:
        return "".join(c if _encodable(c) else ascii_fold(c) for c in value)


def _encodable(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


_BJOERN_REMARK = "Ich bringe meine Frau mit.\nBitte zwei Plätze nebeneinander – danke!"


def event_signups_csv(population: Population, seed: int) -> tuple[bytes, FileResult]:
    """Sign-ups for shop events, as German Excel saves a CSV: cp1252, ``;``, CRLF."""
    rng = random.Random(f"dsr-demo-events-{seed}")
    drafts = []
    for person in population.events:
        if person.key == "bjoern-weissgerber":
            event, day = _EVENTS[0]
            at = datetime(2025, 4, 2, 20, 31)
            people, remark = 2, _BJOERN_REMARK
        else:
            event, day = rng.choice(_EVENTS)
            at = datetime.combine(day, datetime.min.time()) - timedelta(
                days=rng.randint(3, 60), minutes=rng.randint(0, 1439)
            )
            people, remark = rng.choice((1, 1, 1, 2, 2, 3)), rng.choice(_REMARKS)
        phone = person.phone.national() if person.phone and rng.random() < 0.8 else ""
        if person.key == "bjoern-weissgerber" and person.phone is not None:
            phone = person.phone.national()
        drafts.append((at, person.key, event, day, person, phone, people, remark))
    drafts.sort(key=lambda d: (d[0], d[1]))

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(EVENT_HEADER)
    result = FileResult(parts={})
    for number, (at, key, event, day, person, phone, people, remark) in enumerate(drafts, 1):
        writer.writerow(
            [
                _cp1252(str(v))
                for v in (
                    number,
                    event,
                    f"{day:%d.%m.%Y}",
                    person.salutation,
                    person.first_name,
                    person.last_name,
                    person.email,
                    phone,
                    people,
                    f"{at:%d.%m.%Y}",
                    remark,
                )
            ]
        )
        if key in population.planted:
            result.locations.setdefault(key, []).append(
                f"events: data/event-signups.csv, Anmeldung-Nr {number} "
                f"(record {number}; the file has a line break inside the Bemerkung field)"
            )
    result.parts["event-signups.csv"] = len(drafts)
    return buffer.getvalue().encode("cp1252"), result
