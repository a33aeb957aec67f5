"""The access letter's data section as a customer reads it: labels, values, order.

A customer does not know ``customer_id``, ``GMTOFF`` or ``via.source.rel``. Each column
of the copy gets a label in the letter's language: the user's own (``sources.X.labels``
in dsr.yaml), else the vendor's column map (SaaS connectors know their exports'
columns), else a built-in word list, else the category the classifier found
("Kundennummer"), else the column's name as it stands: a German letter never shows a
half-translated English name. Columns that mean nothing to a person (keys of other
tables, hashes, tokens, vendor internals) are left out of the letter and stay in the
ZIP, which is the complete copy. Values are written as people write them (dates,
yes/no, text instead of HTML); the ZIP keeps them as stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from dsr import clock
from dsr.classify.names import name_hint, words
from dsr.render.templates import format_number

VendorLabel = tuple[str, str] | None
"""A vendor's column as (German, English) label; None: an internal the letter leaves out."""

_CATEGORY_WORD: dict[str, tuple[str, str]] = {
    "identity": ("Name", "Name"),
    "contact": ("Kontaktangabe", "Contact detail"),
    "address": ("Anschrift", "Address"),
    "birthdate": ("Geburtsdatum", "Date of birth"),
    "financial": ("Bankverbindung", "Bank details"),
    "government_id": ("Steuer- oder Ausweisnummer", "Tax or ID number"),
    "online_id": ("Online-Kennung", "Online identifier"),
    "customer_id": ("Kundennummer", "Customer number"),
    "employment": ("Angabe zur Beschäftigung", "Employment detail"),
    "special": ("Besondere Angabe", "Special category"),
    "photo": ("Foto", "Photo"),
    "free_text": ("Notiz", "Note"),
}
"""One column's category in the singular, the label of last resort for a German letter."""

_WORDS: dict[str, tuple[str, str]] = {
    "firstname": ("Vorname", "First name"),
    "vorname": ("Vorname", "First name"),
    "givenname": ("Vorname", "First name"),
    "lastname": ("Nachname", "Last name"),
    "nachname": ("Nachname", "Last name"),
    "surname": ("Nachname", "Last name"),
    "familyname": ("Nachname", "Last name"),
    "name": ("Name", "Name"),
    "fullname": ("Name", "Name"),
    "salutation": ("Anrede", "Salutation"),
    "anrede": ("Anrede", "Salutation"),
    "title": ("Titel", "Title"),
    "email": ("E-Mail-Adresse", "E-mail address"),
    "emailaddress": ("E-Mail-Adresse", "E-mail address"),
    "emailadresse": ("E-Mail-Adresse", "E-mail address"),
    "phone": ("Telefonnummer", "Phone number"),
    "phonenumber": ("Telefonnummer", "Phone number"),
    "telefon": ("Telefonnummer", "Phone number"),
    "telefonnummer": ("Telefonnummer", "Phone number"),
    "mobile": ("Mobilnummer", "Mobile number"),
    "birthdate": ("Geburtsdatum", "Date of birth"),
    "dateofbirth": ("Geburtsdatum", "Date of birth"),
    "geburtsdatum": ("Geburtsdatum", "Date of birth"),
    "birthday": ("Geburtstag", "Birthday"),
    "street": ("Straße und Hausnummer", "Street and number"),
    "strasse": ("Straße und Hausnummer", "Street and number"),
    "address": ("Anschrift", "Address"),
    "postcode": ("Postleitzahl", "Postcode"),
    "zip": ("Postleitzahl", "Postcode"),
    "plz": ("Postleitzahl", "Postcode"),
    "postalcode": ("Postleitzahl", "Postcode"),
    "zipcode": ("Postleitzahl", "Postcode"),
    "state": ("Bundesland oder Region", "State or region"),
    "region": ("Region", "Region"),
    "fax": ("Faxnummer", "Fax number"),
    "total": ("Gesamtbetrag", "Total amount"),
    "amount": ("Betrag", "Amount"),
    "price": ("Preis", "Price"),
    "city": ("Ort", "City"),
    "ort": ("Ort", "City"),
    "country": ("Land", "Country"),
    "land": ("Land", "Country"),
    "language": ("Sprache", "Language"),
    "sprache": ("Sprache", "Language"),
    "locale": ("Sprache", "Language"),
    "newsletteroptin": ("Newsletter bestellt", "Newsletter subscribed"),
    "doubleoptin": ("Anmeldung bestätigt", "Sign-up confirmed"),
    "createdat": ("Angelegt am", "Created on"),
    "created": ("Angelegt am", "Created on"),
    "createdate": ("Angelegt am", "Created on"),
    "updatedat": ("Zuletzt geändert am", "Last changed on"),
    "lastchanged": ("Zuletzt geändert am", "Last changed on"),
    "angemeldetam": ("Angemeldet am", "Signed up on"),
    "quelle": ("Quelle", "Source"),
    "kind": ("Art", "Kind"),
    "type": ("Art", "Kind"),
    "status": ("Status", "Status"),
    "customernumber": ("Kundennummer", "Customer number"),
    "kundennummer": ("Kundennummer", "Customer number"),
    "invoicenumber": ("Rechnungsnummer", "Invoice number"),
    "invoicedate": ("Rechnungsdatum", "Invoice date"),
    "ordernumber": ("Bestellnummer", "Order number"),
    "orderedat": ("Bestellt am", "Ordered on"),
    "paymentmethod": ("Zahlungsart", "Payment method"),
    "totalnet": ("Nettobetrag", "Net amount"),
    "totaltax": ("Umsatzsteuer", "VAT"),
    "totalgross": ("Gesamtbetrag", "Total amount"),
    "currency": ("Währung", "Currency"),
    "position": ("Position", "Item"),
    "sku": ("Artikelnummer", "Item number"),
    "description": ("Beschreibung", "Description"),
    "quantity": ("Menge", "Quantity"),
    "unitprice": ("Einzelpreis", "Unit price"),
    "taxrate": ("Steuersatz (%)", "Tax rate (%)"),
    "linetotal": ("Betrag", "Amount"),
    "startedat": ("Beginn", "Started on"),
    "ipaddress": ("IP-Adresse", "IP address"),
    "useragent": ("Browser und Gerät", "Browser and device"),
    "author": ("Verfasst von", "Written by"),
    "note": ("Notiz", "Note"),
    "notes": ("Notizen", "Notes"),
    "comment": ("Kommentar", "Comment"),
    "subject": ("Betreff", "Subject"),
    "body": ("Nachricht", "Message"),
    "message": ("Nachricht", "Message"),
    "tags": ("Schlagwörter", "Tags"),
    "company": ("Firma", "Company"),
    "event": ("Veranstaltung", "Event"),
    "eventdate": ("Datum der Veranstaltung", "Event date"),
    "veranstaltung": ("Veranstaltung", "Event"),
    "datum": ("Datum", "Date"),
    "date": ("Datum", "Date"),
    "personen": ("Personen", "People"),
    "bemerkung": ("Bemerkung", "Remark"),
    "iban": ("IBAN", "IBAN"),
}
"""Column names many schemas share (``"".join(words(column))``), in German and English."""

_QUALIFIERS: dict[str, tuple[str, str]] = {
    "billing": ("Rechnung", "billing"),
    "invoice": ("Rechnung", "billing"),
    "shipping": ("Lieferung", "shipping"),
    "delivery": ("Lieferung", "shipping"),
}
"""A prefix that says whose address or name a column holds: ``billing_street``."""

_TECHNICAL_RULES = ("cookie", "credential", "password")
"""Name rules of columns that hold secrets or session handles, never shown in a letter."""
_NUMBER_WORDS = {"number", "nummer", "nr", "no"}
_HEX = re.compile(r"[0-9a-fA-F]{16,}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
)
_INTERNAL = ("Interne Angabe des Anbieters", "Vendor's internal field")
_OWN_KEY = ("Interne Nummer dieses Eintrags", "Internal number of this record")
_LINK_KEY = ("Interne Nummer eines verknüpften Eintrags", "Internal number of a linked record")
_YES = {"de": "Ja", "en": "Yes"}
_NO = {"de": "Nein", "en": "No"}
_MAX = 500


@dataclass(frozen=True)
class Label:
    """A column as the letter shows it; ``technical`` columns stay out of the letter."""

    text: str
    technical: bool = False


def column_label(
    column: str,
    table: str,
    categories: Sequence[str],
    language: str,
    *,
    configured: Mapping[str, Any],
    vendor: Mapping[str, VendorLabel],
    key: Sequence[str] = (),
    others: Sequence[str] = (),
    values: Sequence[Any] = (),
) -> Label:
    """The label of ``table.column`` in ``language`` and whether the letter leaves it out.

    ``configured`` are dsr.yaml's ``labels`` of the source (by ``TABLE.COLUMN`` or column),
    ``vendor`` the connector's map (by ``table:column`` or column, lower case), ``key``
    the row key's columns, ``others`` the table's other columns, ``values`` the person's."""
    index = 0 if language == "de" else 1
    for name in (f"{table}.{column}", column):
        text = configured.get(name)
        if text:
            version = text.version(language) if hasattr(text, "version") else text
            if version:
                return Label(str(version))
    lowered = column.strip().lower()
    for name in (f"{table.lower()}:{lowered}", lowered):
        if name in vendor:
            found = vendor[name]
            if found is None:  # in the data dictionary still with a label a person reads
                text = _built_in(column, categories, index)
                return Label(text if text != column else _INTERNAL[index], technical=True)
            return Label(found[index])
    text = _built_in(column, categories, index)
    technical = _technical(column, categories, key, others, values)
    if technical and text == column:  # the data dictionary still says what it is
        text = (_OWN_KEY if column in key else _LINK_KEY)[index]
    return Label(text, technical=technical)


def _built_in(column: str, categories: Sequence[str], index: int) -> str:
    parts = words(column)
    joined = "".join(parts)
    if joined in _WORDS:
        return _WORDS[joined][index]
    if parts and parts[0] in _QUALIFIERS and "".join(parts[1:]) in _WORDS:
        base = _WORDS["".join(parts[1:])][index]
        qualifier = _QUALIFIERS[parts[0]][index]
        return f"{base} ({qualifier})"
    if categories and categories[0] in _CATEGORY_WORD:
        return _CATEGORY_WORD[categories[0]][index]
    if index == 1 and parts:
        text = " ".join(parts)
        return text[0].upper() + text[1:]
    return column


def _technical(
    column: str,
    categories: Sequence[str],
    key: Sequence[str],
    others: Sequence[str],
    values: Sequence[Any],
) -> bool:
    """Keys of other tables, the table's own surrogate key (unless it is a customer number
    and the table has no other, as Chinook's ``CustomerId``), hashes, tokens and session
    handles."""
    hint = name_hint(column)
    if hint is not None and hint.rule.key in _TECHNICAL_RULES:
        return True
    parts = words(column)
    if column in key:  # a surrogate key, unless it is the number people know them by
        return "customer_id" not in categories or any(
            _is_number(other) for other in others if other not in key
        )
    if len(parts) > 1 and parts[-1] in ("id", "ids"):
        return True
    filled = [str(v) for v in values if v not in (None, "", [], {})]
    return bool(filled) and all(_HEX.fullmatch(v) or v.startswith("base64:") for v in filled)


def _is_number(column: str) -> bool:
    parts = words(column)
    return bool(parts) and parts[-1] in _NUMBER_WORDS and parts[0] not in ("phone", "telefon")


# -- values ------------------------------------------------------------------------------

_FLAG_FIRST = {"is", "has", "ist", "hat"}
_FLAG_LAST = {"optin", "in", "active", "enabled", "verified", "confirmed", "flag", "aktiv"}


def as_flag(column: str, values: Sequence[Any]) -> bool:
    """Whether a column stores yes/no as 0 and 1 (``newsletter_opt_in``, ``is_active``):
    the letter then writes Ja/Nein."""
    parts = words(column)
    named = bool(parts) and (parts[0] in _FLAG_FIRST or parts[-1] in _FLAG_LAST)
    filled = [v for v in values if v is not None and v != ""]
    return (
        named
        and bool(filled)
        and all(str(v) in ("0", "1") and not isinstance(v, float) for v in filled)
    )


def display(value: Any, language: str) -> str:
    """A stored value as a letter writes it: dates as people write them (07.12.2026,
    7 December 2026, times in Berlin time), Ja/Nein, nothing for empty lists, HTML as
    its text, long texts cut (the ZIP holds them whole)."""
    if value is None or value in ([], {}, ""):
        return ""
    if isinstance(value, bool):
        return (_YES if value else _NO)[language]
    if isinstance(value, float | Decimal):
        return format_number(value, language, grouped=False)  # 70,12 in a German letter
    if isinstance(value, datetime):
        return _moment(value, language)
    if isinstance(value, date):
        return _day(value, language)
    if isinstance(value, list | tuple):
        return ", ".join(t for t in (display(v, language) for v in value) if t)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    text = str(value).strip()
    if text in ("[]", "{}", "None", "null"):
        return ""
    if text in ("True", "False", "true", "false"):
        return (_YES if text.lower() == "true" else _NO)[language]
    if text.startswith("[") and text.endswith("]"):
        try:
            items = json.loads(text)
        except ValueError:
            items = None
        if isinstance(items, list):
            return display(items, language)
    if _ISO_DATE.fullmatch(text):
        try:
            return _day(date.fromisoformat(text), language)
        except ValueError:
            return text
    found = _ISO_TIME.fullmatch(text)
    if found:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
        return _moment(moment, language)
    if "<" in text and ">" in text:
        text = html_text(text) or text
    return text if len(text) <= _MAX else text[:_MAX] + " …"


def _day(day: date, language: str) -> str:
    from babel.dates import format_date

    pattern = "dd.MM.y" if language == "de" else "d MMMM y"
    return str(format_date(day, pattern, locale=language))


def _moment(moment: datetime, language: str) -> str:
    """A timestamp with its zone is shown in Berlin time (the company's clock); one
    without is shown as stored."""
    if moment.tzinfo is not None:
        moment = clock.in_berlin(moment)
    elif moment.time() == datetime.min.time():
        return _day(moment.date(), language)  # a date a spreadsheet stored as midnight
    time = moment.strftime("%H:%M")
    if language == "de":
        return f"{_day(moment.date(), language)}, {time} Uhr"
    return f"{_day(moment.date(), language)}, {time}"


_BREAKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})


class _Text(HTMLParser):
    """The text of an HTML fragment: paragraphs and line breaks become line ends."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1
        if tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self.tags += 1
        if tag in _BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(markup: str) -> str:
    """The text of ``markup`` (``<div class="zd-comment"><p>Hallo,</p>…``), or "" when it
    holds no tag (a "<" in plain text is not HTML)."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    if not parser.tags:
        return ""
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    return "\n".join(line for line in lines if line)
