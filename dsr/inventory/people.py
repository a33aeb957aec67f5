"""The persons of a source, reduced to the fields that show accuracy problems.

To find the same person twice in one source, or with diverging values in two
sources (Art. 5(1)(d)), the inventory reads the person tables the classifier
found and keeps, per row, only the normalised e-mail, the name (as written and
folded), the phone in E.164 and the birthdate. These records stay in memory for
the comparison; reports carry counts and field names, never the values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from dsr.classify.names import identifier_kind, words
from dsr.classify.result import ColumnClassification, TableClassification
from dsr.connectors.protocol import Lookup, RowKey
from dsr.connectors.rows import key_text
from dsr.errors import DsrError
from dsr.identifiers import normalise_email, normalise_name, normalise_phone, phone_digits

PEOPLE_SAMPLE = 5000
"""Rows read per person table: enough for a small company's customer list, bounded
for a large one (then the comparison covers the first rows only, and says so)."""

_FIRST = ("first", "firstname", "vorname", "given", "givenname", "fname", "forename")
_LAST = ("last", "lastname", "nachname", "surname", "family", "familyname", "lname", "familienname")
_NOT_NAME = (
    "salutation", "anrede", "title", "titel", "gender", "geschlecht", "alias", "nick",
    "nickname", "user", "username", "login", "company", "firma", "owner", "agent", "author",
    "assignee", "to", "org", "organization", "organisation", "file", "filename", "url",
)


_ISO_DATE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:$|[T ])")
_DAY_FIRST = re.compile(r"^(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4})$")


@dataclass(frozen=True)
class PersonRecord:
    """One row of a person table, as far as it identifies and describes the person."""

    table: str
    email: str | None  # normalised (dsr.identifiers.normalise_email)
    name: str | None  # as written, blanks collapsed
    name_key: str | None  # dsr.identifiers.normalise_name
    phone: str | None  # as written; compared through phone_key(), only where needed
    birthdate: str | None  # ISO date
    key: RowKey | None = field(default=None, compare=False)
    """The row's key as the connector's ``find`` gives it (``{"id": 498}``, or the place
    ``{"file", "sheet", "row"}`` in a file), so a finding can name the row; None where
    the row has no e-mail to find it by."""


@dataclass(frozen=True)
class PersonColumns:
    """Which columns of a table hold the fields compared."""

    email: str | None = None
    first: str | None = None
    last: str | None = None
    full: str | None = None
    phone: str | None = None
    birthdate: str | None = None

    @property
    def useful(self) -> bool:
        return self.email is not None or (
            (self.full is not None or self.last is not None) and self.birthdate is not None
        )


def person_tables(tables: list[TableClassification]) -> list[TableClassification]:
    """The tables whose rows are persons; failing those, non-link tables with an e-mail column."""
    persons = [t for t in tables if t.kind == "person"]
    if persons:
        return persons
    return [
        t
        for t in tables
        if t.kind not in ("link", "document", "company") and person_columns(t).email is not None
    ]


def person_columns(table: TableClassification) -> PersonColumns:
    """Pick the e-mail, name, phone and birthdate columns from the classification."""
    email = phone = birthdate = first = last = full = None
    for column in table.columns:
        if not column.personal:
            continue
        kind = column.lookup or _name_kind(column)
        parts = words(column.column)
        if kind == "email" and email is None:
            email = column.column
        elif kind == "phone" and phone is None and "fax" not in parts:
            phone = column.column
        elif "birthdate" in column.categories and birthdate is None:
            birthdate = column.column
        elif _is_name(column, parts):
            joined = "".join(parts)
            if any(p in _FIRST for p in parts) or joined in _FIRST:
                first = first or column.column
            elif any(p in _LAST for p in parts) or joined in _LAST:
                last = last or column.column
            elif "name" in parts or joined.endswith("name"):
                full = full or column.column
    return PersonColumns(email, first, last, full, phone, birthdate)


def _name_kind(column: ColumnClassification) -> str | None:
    if "contact" in column.categories:
        return identifier_kind(column.column)
    return None


def _is_name(column: ColumnClassification, parts: list[str]) -> bool:
    named = column.lookup == "name" or (column.lookup is None and "identity" in column.categories)
    return named and not any(p in _NOT_NAME for p in parts)


def read_people(connector: Any, table: TableClassification, limit: int = PEOPLE_SAMPLE) -> tuple[
    list[PersonRecord], bool
]:
    """The person records of ``table`` and whether the table had more rows than were read."""
    columns = person_columns(table)
    if not columns.useful:
        return [], False
    rows = connector.sample(table.table, limit)
    records = [_record(table.table, row, columns) for row in rows]
    if columns.email:
        records = _with_keys(connector, table.table, columns.email, rows, records)
    truncated = len(rows) >= limit and (table.rows is None or table.rows > limit)
    return [r for r in records if r.email or r.name_key], truncated


def _with_keys(
    connector: Any, table: str, column: str, rows: list[dict[str, Any]],
    records: list[PersonRecord],
) -> list[PersonRecord]:
    """The records with their rows' keys, asked of the connector in one batched ``find``.

    ``sample`` gives rows without their keys, and only the connector knows what names a
    row (a primary key, a record id, a line of a file). Rows sharing an address are told
    apart by the key's columns where the row holds them, else taken in reading order.
    """
    raw = {str(row.get(column)).strip() for row, r in zip(rows, records, strict=True) if r.email}
    if not raw:
        return records
    keys: dict[str, list[RowKey]] = {}
    try:
        for hit in connector.find([Lookup(table, column, frozenset(raw), "casefold")]):
            email = normalise_email(hit.value)
            if email and hit.key not in keys.setdefault(email, []):
                keys[email].append(hit.key)
    except DsrError:
        return records  # the findings then name no rows, but still count them
    keyed: list[PersonRecord] = []
    for row, record in zip(rows, records, strict=True):
        candidates = keys.get(record.email or "", [])
        key = next((k for k in candidates if _names_row(k, row)), None)
        if key is None and candidates:
            key = candidates[0]
        if key is not None:
            candidates.remove(key)
        keyed.append(replace(record, key=key))
    return keyed


def _names_row(key: RowKey, row: dict[str, Any]) -> bool:
    return all(k in row and key_text(row[k]) == key_text(v) for k, v in key.items())


def _record(table: str, row: dict[str, Any], columns: PersonColumns) -> PersonRecord:
    email = _text(row.get(columns.email)) if columns.email else None
    phone = _text(row.get(columns.phone)) if columns.phone else None
    if columns.first or columns.last:
        parts = [_text(row.get(c)) if c else None for c in (columns.first, columns.last)]
        name = " ".join(p for p in parts if p) or None
    else:
        name = _text(row.get(columns.full)) if columns.full else None
    name = " ".join(name.split()) if name else None
    return PersonRecord(
        table=table,
        email=normalise_email(email) if email else None,
        name=name,
        name_key=normalise_name(name) if name else None,
        phone=phone,
        birthdate=_birthdate(row.get(columns.birthdate)) if columns.birthdate else None,
    )


@lru_cache(maxsize=65536)
def phone_key(value: str) -> str | None:
    """The national significant number of a phone as written; None if it is no number.

    National numbers are read as German, so a UK customer's "07700 900053" becomes
    +49...; comparing the national part still matches "+44 7700 900053". Parsing is
    the slow part of reading persons, so it happens only for people that are compared.
    """
    e164 = normalise_phone(value)
    return phone_digits(e164) if e164 else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _birthdate(value: Any) -> str | None:
    """An ISO date from a date, a datetime or the usual written forms; None if not a full date."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _text(value)
    if not text:
        return None
    match = _ISO_DATE.match(text) or _DAY_FIRST.match(text)
    if match is None:
        return None
    try:  # strptime is slow enough to dominate reading persons; these forms need none
        return date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
    except ValueError:
        return None
