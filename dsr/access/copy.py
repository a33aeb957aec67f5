"""The copy of the data for an access answer (Art. 15(3)), also the Art. 20 format.

The matches of one person become tables grouped by source and table. A
mention (the person named in someone else's note) is reduced to the passage
around the person's identifier, with other people's e-mails, phone numbers and
names redacted: Art. 15(4) asks to redact third parties, not to withhold the
passage. The ZIP holds JSON and CSV per table, a manifest with checksums so the
person (or a court) can check nothing changed, and a data dictionary that
explains each column.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import itertools
import json
import re
import zipfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dsr.classify.taxonomy import category_label
from dsr.classify.values import first_names
from dsr.identifiers import normalise_name, phone_digits
from dsr.lookup.engine import Match
from dsr.lookup.person import Person

REDACTED = {"de": "[geschwärzt]", "en": "[redacted]"}
_FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # identical input gives an identical ZIP
_CSV_DANGER = ("=", "+", "-", "@", "\t", "\r")
_CONTEXT = 160  # characters either side of the identifier in a mention
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])(?:\+|0)\d[\d ()/.-]{5,}\d(?![\w])")
_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2,4}|\d{4}-\d{2}-\d{2}")
_WORD = re.compile(r"[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?")
_STREET = re.compile(
    r"\b[A-ZÄÖÜ][\w.-]*?(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer)"
    r"\s+\d+\s?[a-zA-Z]?\b"
)
"""A street and house number in German text (``Schwabstraße 40``, ``Am-Ring 3a``)."""


@dataclass
class TableCopy:
    """The rows of one table that belong to (or mention) the person."""

    source: str
    table: str
    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    mentions: int = 0
    key: list[str] = field(default_factory=list)
    """The columns of the row key (``id``), where the key is made of the row's columns."""
    parents: list[str] = field(default_factory=list)
    """The tables of the same source a linked row was reached from (``customers``)."""
    person: bool = False
    """Whether the table's rows are persons (the customer account): shown first."""

    def add(self, row: dict[str, Any]) -> None:
        for column in row:
            if column not in self.columns:
                self.columns.append(column)
        self.rows.append(row)


@dataclass
class PersonCopy:
    """Everything the copy shows for one person, and how many passages were redacted."""

    tables: list[TableCopy] = field(default_factory=list)
    possible: list[Match] = field(default_factory=list)
    redactions: int = 0

    @property
    def found(self) -> bool:
        return bool(self.tables)


@dataclass(frozen=True)
class Others:
    """Other people dsr knows from the sources (their rows in person tables) whose names
    stand in the person's texts: recognised by name, not only by the first-name list."""

    names: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()


def build_copy(
    person: Person,
    matches: Sequence[Match],
    language: str,
    texts: Collection[tuple[str, str, str]] = (),
    others: Others | None = None,
) -> PersonCopy:
    """Group the person's matches by source and table; mentions become redacted passages,
    possible matches are kept apart for staff to confirm (never copied unchecked).

    ``texts`` are the free-text columns (source, table, column): in the person's OWN rows
    too, what they hold of other people (the neighbour a parcel was left with, her
    e-mail and phone) is redacted, Art. 15(4); the person's own identifiers stay."""
    copy = PersonCopy()
    tables: dict[tuple[str, str], TableCopy] = {}
    for match in matches:
        if match.match == "possible":
            copy.possible.append(match)
            continue
        place = (match.source, match.table)
        table = tables.get(place)
        if table is None:
            table = tables[place] = TableCopy(match.source, match.table)
            copy.tables.append(table)
        if match.match == "mention":
            column = match.via.removesuffix(" mentions")
            text, count = passage(str(match.row.get(column) or ""), person, language, others)
            copy.redactions += count
            table.mentions += 1
            table.add({column: text})
        else:
            row = {k: plain(v) for k, v in match.row.items()}
            for column, value in row.items():
                if isinstance(value, str) and (match.source, match.table, column) in texts:
                    row[column], count = redact(value, person, language, others)
                    copy.redactions += count
            table.add(row)
            for column in match.key:
                if column in row and column not in table.key:
                    table.key.append(column)
            parent = _parent(match)
            if parent and parent != match.table and parent not in table.parents:
                table.parents.append(parent)
    return copy


def _parent(match: Match) -> str | None:
    """The table a linked row was reached from: ``customers`` of ``customers.id →
    invoices.customer_id``."""
    if match.match != "linked" or " → " not in match.via:
        return None
    parent, _, _ = match.via.split(" → ", 1)[0].rpartition(".")
    return parent or None


def plain(value: Any) -> Any:
    """A value JSON can hold: dates as ISO text, decimals as text, binary as base64."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "base64:" + base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


# -- mentions -----------------------------------------------------------------------------


def passage(
    text: str, person: Person, language: str, others: Others | None = None
) -> tuple[str, int]:
    """The part of ``text`` around the person's identifier, other people redacted."""
    folded = text.casefold()
    needles = [*person.emails, *(n.casefold() for n in person.names)]
    hits = [folded.find(n) for n in needles if n and n in folded]
    if hits:
        start = max(0, min(hits) - _CONTEXT)
        end = min(len(text), max(hits) + _CONTEXT)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
        text = ("… " if start else "") + text[start:end].strip() + (" …" if end < len(text) else "")
    return redact(text, person, language, others)


def redact(
    text: str, person: Person, language: str, others: Others | None = None
) -> tuple[str, int]:
    """Replace other people's e-mails, phone numbers, streets and names with the redaction
    mark; the person's own stay. Names are those of ``others`` (people the sources know),
    with "Frau"/"Herr" and their surname alone, and any known first name followed by a
    capitalised word."""
    mark = REDACTED.get(language, REDACTED["en"])
    own_mails = set(person.emails)
    own_phones = {phone_digits(p) for p in person.phones}
    own_names = {normalise_name(n) for n in person.names}
    count = 0

    def mail(found: re.Match[str]) -> str:
        nonlocal count
        if found.group(0).casefold() in own_mails:
            return found.group(0)
        count += 1
        return mark

    def phone(found: re.Match[str]) -> str:
        nonlocal count
        digits = re.sub(r"\D", "", found.group(0))
        own = any(d[-7:] == digits[-7:] for d in own_phones)
        if own or len(digits) < 7 or _DATE.fullmatch(found.group(0).strip()):
            return found.group(0)
        count += 1
        return mark

    own_streets = {normalise_name(s) for s in person.streets}

    def street(found: re.Match[str]) -> str:
        nonlocal count
        if normalise_name(found.group(0)) in own_streets:
            return found.group(0)
        count += 1
        return mark

    text = _EMAIL.sub(mail, text)
    text = _PHONE.sub(phone, text)
    text = _STREET.sub(street, text)
    for pattern in _known(others or Others(), own_names, own_streets):
        text, found = pattern.subn(mark, text)
        count += found
    known = first_names()
    words = list(_WORD.finditer(text))
    spans: list[tuple[int, int]] = []
    for first, last in itertools.pairwise(words):
        between = text[first.end() : last.start()]
        if between != " " or first.group(0).lower() not in known:
            continue
        if normalise_name(f"{first.group(0)} {last.group(0)}") in own_names:
            continue
        spans.append((first.start(), last.end()))
    for start, end in reversed(spans):
        text = text[:start] + mark + text[end:]
        count += 1
    return text, count


def _known(
    others: Others, own_names: set[str], own_streets: set[str]
) -> list[re.Pattern[str]]:
    """Patterns for the known other people's names (also "Frau Klein") and streets,
    longest first, none that is the person's own."""
    names = [n for n in others.names if normalise_name(n) not in own_names]
    patterns = [re.escape(n) for n in sorted(names, key=len, reverse=True)]
    surnames = {n.split()[-1] for n in names if len(n.split()) > 1}
    own_words = {w for n in own_names for w in n.split()}
    patterns += [
        rf"(?:Frau|Herrn?|Fr\.|Hr\.|Mrs?\.?|Ms\.?)\s+{re.escape(s)}"
        for s in sorted(surnames)
        if normalise_name(s) not in own_words
    ]
    patterns += [
        re.escape(s)
        for s in sorted(others.streets, key=len, reverse=True)
        if s.strip() and normalise_name(s) not in own_streets
    ]
    return [re.compile(rf"(?<!\w){p}(?!\w)", re.IGNORECASE) for p in patterns]


# -- the ZIP ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnInfo:
    """What the letter and the data dictionary say about one column: its label in the
    letter's language, its categories, the source's purpose and the storage period;
    ``technical`` columns (keys, hashes, vendor internals) are left out of the letter."""

    label: str
    categories: tuple[str, ...]
    purpose: str
    storage: str
    technical: bool = False


_DICTIONARY = {
    "de": ["Datei", "Spalte", "Bezeichnung", "Kategorie", "Zweck", "Speicherdauer"],
    "en": ["File", "Column", "Label", "Category", "Purpose", "Storage period"],
}
CSV_DELIMITER = ";"
"""German Excel splits a CSV at semicolons (the comma is its decimal mark)."""


def csv_cell(value: Any) -> str:
    """A value as its CSV cell: text as it is, anything else as JSON writes it (so the CSV
    and the JSON of a table hold the same values); text that a spreadsheet would run as a
    formula (=, +, -, @) gets a leading quote."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return "'" + value if value.startswith(_CSV_DANGER) else value


def _csv(rows: list[list[Any]]) -> bytes:
    """CSV as German Excel opens it: UTF-8 with a byte-order mark, semicolons."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerows([[csv_cell(cell) for cell in row] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def build_zip(
    copy: PersonCopy, info: dict[tuple[str, str, str], ColumnInfo], language: str = "de"
) -> bytes:
    """The ZIP: SOURCE/TABLE.json and .csv, manifest.json, dictionary.csv (per column its
    label, category, purpose and storage period, in the letter's language)."""
    members: list[tuple[str, bytes]] = []
    manifest: list[dict[str, Any]] = []
    dictionary: list[list[Any]] = [_DICTIONARY.get(language, _DICTIONARY["en"])]
    for table in copy.tables:
        base = f"{_safe(table.source)}/{_safe(table.table)}"
        records = [{c: row.get(c) for c in table.columns} for row in table.rows]
        payloads = {
            ".json": json.dumps(records, ensure_ascii=False, indent=2, default=str).encode(),
            ".csv": _csv([table.columns, *([r[c] for c in table.columns] for r in records)]),
        }
        categories = sorted(
            {c for col in table.columns for c in _info(info, table, col).categories}
        )
        for suffix, payload in payloads.items():
            members.append((base + suffix, payload))
            manifest.append(
                {
                    "path": base + suffix,
                    "source": table.source,
                    "table": table.table,
                    "columns": list(table.columns),
                    "letter_columns": [
                        c for c in table.columns if not _info(info, table, c).technical
                    ],
                    "categories": categories,
                    "rows": len(records),
                    "sha256": hashlib.sha256(payload).hexdigest(),
                }
            )
        for column in table.columns:
            item = _info(info, table, column)
            kinds = ", ".join(category_label(c, language) for c in item.categories)
            dictionary.append(
                [base + ".csv", column, item.label, kinds, item.purpose, item.storage]
            )
    members.append(("dictionary.csv", _csv(dictionary)))
    members.append(
        ("manifest.json", json.dumps({"files": manifest}, ensure_ascii=False, indent=2).encode())
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in members:
            entry = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            archive.writestr(entry, payload)
    return out.getvalue()


def _info(
    info: dict[tuple[str, str, str], ColumnInfo], table: TableCopy, column: str
) -> ColumnInfo:
    return info.get((table.source, table.table, column)) or ColumnInfo(column, (), "", "")


def _safe(name: str) -> str:
    """A path part that cannot leave its folder inside the ZIP."""
    cleaned = re.sub(r"[^\w.@-]+", "_", name).strip("._")
    return cleaned or "_"
