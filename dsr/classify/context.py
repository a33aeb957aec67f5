"""Table context: what a table's rows are, because on real schemas that decides most columns.

``City`` is a person's address in ``customers``, a document's copy of it in
``invoices``, a company's seat in ``suppliers`` and catalogue data in
``city``. ``Name`` is a person in ``employees`` and a band in ``Artist``. So
every table is first read as a whole:

- **person**: its rows are people (customers, users, employees, Kunden,
  Mitarbeiter, sign-ups) by its name, or by person columns (first and last
  name, e-mail, birth date, salutation) or by connector-marked identifiers;
- **company**: B2B rows (a company-name column and no personal name columns,
  or named suppliers, vendors, firms); a contact person's columns in them are
  still personal;
- **address**: a shared address table (Sakila's ``address``) reached by a key
  from a person table, or holding a person key itself;
- **document**: a row pointing to a person that copies personal data onto
  itself (an invoice with its billing address, an order with its recipient);
- **link**: a row pointing to a person (orders, tickets, sessions, notes);
- **other**: catalogue and reference data.

Only names, keys and connector marks are read here; values are the
classifier's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from dsr.classify.names import (
    ADDRESS_QUALIFIERS,
    is_key_name,
    joins,
    key_stem,
    name_hint,
    names_person,
    split_words,
    words,
)
from dsr.classify.result import TableKind
from dsr.connectors.protocol import Table

PERSON_TABLE_WORDS = frozenset(
    split_words(
        "customer customers kunde kunden kundin kundinnen user users benutzer nutzer member "
        "members mitglied mitglieder employee employees mitarbeiter mitarbeiterin "
        "mitarbeitende staff personal person persons people personen contact contacts kontakt "
        "kontakte subscriber subscribers abonnent abonnenten abonnentin patient patients "
        "patienten client clients klient klienten lead leads guest guests gast gaeste gäste "
        "teilnehmer teilnehmerin teilnehmende participant participants attendee attendees "
        "applicant applicants bewerber bewerbung bewerbungen student students schueler "
        "schüler signup signups anmeldung anmeldungen registrierung registrations "
        "registration recipient recipients empfaenger empfänger debitor debitoren debtor "
        "debtors mieter tenant tenants interessent interessenten prospect prospects driver "
        "drivers fahrer passenger passengers agent agents author authors requester requesters "
        "profile profiles profil profile angestellte beschaeftigte beschäftigte adressbuch "
        "addressbook ansprechpartner kundenstamm kundendaten mitarbeiterdaten personaldaten "
        "versicherte spender donor donors volunteer volunteers ehrenamtliche"
    )
)
EMPLOYEE_TABLE_WORDS = frozenset(
    split_words(
        "employee employees mitarbeiter mitarbeiterin mitarbeitende staff personal "
        "angestellte beschaeftigte beschäftigte personaldaten mitarbeiterdaten"
    )
)
COMPANY_TABLE_WORDS = frozenset(
    split_words(
        "company companies firma firmen unternehmen organisation organisations organization "
        "organizations supplier suppliers lieferant lieferanten vendor vendors shipper "
        "shippers carrier carriers haendler händler partner partners manufacturer "
        "manufacturers hersteller kreditor kreditoren"
    )
)
ADDRESS_TABLE_WORDS = frozenset(
    split_words("address addresses adresse adressen anschrift anschriften")
)
DOCUMENT_TABLE_WORDS = frozenset(
    split_words(
        "invoice invoices rechnung rechnungen order orders bestellung bestellungen auftrag "
        "auftraege aufträge lieferschein lieferscheine receipt receipts beleg belege quittung "
        "quittungen contract contracts vertrag vertraege verträge shipment shipments versand "
        "delivery deliveries lieferung lieferungen booking bookings buchung buchungen "
        "reservation reservations reservierung reservierungen angebot angebote quote quotes "
        "gutschrift gutschriften mahnung mahnungen payment payments zahlung zahlungen"
    )
)
COMPANY_NAME_TERMS = frozenset(
    split_words(
        "company companyname firma firmenname firmierung unternehmen unternehmensname "
        "organisation organization organisationname organizationname orgname businessname"
    )
)

# Name rules that say "a person is described here" when they appear as columns.
_PERSON_COLUMN_SCORES = {
    "person_name": 2.0,
    "birthdate": 2.0,
    "salutation": 1.0,
    "email": 1.0,
    "phone": 0.5,
    "login": 1.0,
    "password": 1.0,
    "hiring": 1.0,
    "salary": 1.5,
    "tax_id": 1.0,
    "birthplace": 1.0,
}
_IDENTIFIES_SCORES = {"email": 1.0, "name": 2.0, "phone": 0.5, "id": 0.5}


@dataclass
class TableContext:
    """What one table's rows are, with the reasons, for its columns' decisions."""

    table: str
    kind: TableKind = "other"
    person_table: str | None = None  # for link, document and address tables
    evidence: list[str] = field(default_factory=list)
    has_address: bool = False  # strong address columns (street, postcode) are present
    has_person_columns: bool = False  # first or last name, birth date columns are present
    has_contact_person: bool = False  # a company row naming its contact person
    recipient_is_company: bool = False  # copied names and addresses are a B2B customer's
    employees: bool = False  # the persons are staff: notes about them are employment data
    city_qualifiers: set[str] = field(default_factory=set)  # "billing" for billing_city

    @property
    def personal_rows(self) -> bool:
        """Rows that describe or point to a person: their columns can be personal."""
        return self.kind in ("person", "link", "document", "address")


def table_words(name: str) -> set[str]:
    parts = words(name)
    return set(parts) | joins(parts)


def _name_matches(name: str, vocabulary: frozenset[str]) -> bool:
    found = table_words(name)
    if found & vocabulary:
        return True
    joined = "".join(words(name))
    # German compounds: "kundenstamm", "mitarbeiterliste", "newsletterabonnenten"
    return any(
        len(word) >= 6 and (joined.startswith(word) or joined.endswith(word)) for word in vocabulary
    )


WEBSITE_TERMS = frozenset(
    split_words("website homepage webseite internetseite url web domain industry branche")
)


def _company_column(column: str) -> bool:
    return "".join(words(column)) in COMPANY_NAME_TERMS


def _person_score(table: Table) -> tuple[float, list[str]]:
    score = 0.0
    reasons: list[str] = []
    for column in table.columns:
        if column.identifies in _IDENTIFIES_SCORES and column.identifies != "id":
            score += _IDENTIFIES_SCORES[column.identifies]
            reasons.append(column.name)
            continue
        hint = name_hint(column.name)
        if hint is None or hint.rule.key not in _PERSON_COLUMN_SCORES:
            continue
        if hint.rule.key == "person_name" and hint.term.startswith(
            ("contact", "kontakt", "ansprech")
        ):
            continue  # a contact person's name: a company's row, not a person's
        score += _PERSON_COLUMN_SCORES[hint.rule.key]
        reasons.append(column.name)
    return score, reasons


def _has_person_name_columns(table: Table) -> bool:
    for column in table.columns:
        hint = name_hint(column.name)
        if (
            hint
            and hint.rule.key in ("person_name", "birthdate")
            and not hint.term.startswith(
                ("contact", "kontakt", "ansprech", "ship", "billing", "recipient")
            )
        ):
            return True
        if column.identifies == "name":
            return True
    return False


def _has_address(table: Table) -> bool:
    return any(
        (hint := name_hint(c.name)) is not None and hint.rule.key in ("street", "postcode")
        for c in table.columns
    )


def _copies_personal_data(table: Table) -> bool:
    """Columns a document copies from a person: a billing name or address, a recipient."""
    for column in table.columns:
        hint = name_hint(column.name)
        if hint is None:
            continue
        if hint.rule.key in ("street", "postcode", "person_name", "email", "phone"):
            return True
        if hint.rule.key in ("place", "name") and hint.qualifier in ADDRESS_QUALIFIERS:
            return True
    return False


def _person_key_columns(table: Table) -> list[str]:
    """Columns named as keys of persons (``customer_id``, ``kdnr``) where no foreign key says so."""
    found = []
    for column in table.columns:
        if column.name in table.primary_key and len(table.primary_key) == 1:
            continue
        hint = name_hint(column.name)
        if (hint is not None and hint.rule.key == "customer_number") or (
            is_key_name(column.name) and names_person(key_stem(column.name))
        ):
            found.append(column.name)
    return found


def table_contexts(tables: Sequence[Table]) -> dict[str, TableContext]:
    """Every table's context; person tables first, since the others are read against them."""
    contexts = {t.name: TableContext(t.name) for t in tables}
    by_name = {t.name: t for t in tables}

    for table in tables:
        context = contexts[table.name]
        context.has_address = _has_address(table)
        context.has_person_columns = _has_person_name_columns(table)
        context.has_contact_person = any(
            (hint := name_hint(c.name)) is not None
            and hint.rule.key == "person_name"
            and hint.term.startswith(("contact", "kontakt", "ansprech"))
            for c in table.columns
        )
        context.city_qualifiers = {
            hint.qualifier
            for c in table.columns
            if (hint := name_hint(c.name)) is not None
            and hint.rule.key == "place"
            and hint.term in ("city", "ort", "stadt", "town", "wohnort", "gemeinde")
        }
        context.employees = _name_matches(table.name, EMPLOYEE_TABLE_WORDS)
        score, reasons = _person_score(table)
        named_person = _name_matches(table.name, PERSON_TABLE_WORDS) and not _satellite(table)
        named_company = _name_matches(table.name, COMPANY_TABLE_WORDS)
        has_company_column = any(_company_column(c.name) for c in table.columns) or (
            any("".join(words(c.name)) in WEBSITE_TERMS for c in table.columns) and score < 2
        )
        points_to_person_by_name = bool(_person_key_columns(table)) and not named_person
        if (
            (named_company or has_company_column)
            and not context.has_person_columns
            and (named_company or named_person or score < 2)
        ):
            context.kind = "company"
            context.evidence.append(
                f"table: '{table.name}' holds companies"
                + (" (a company-name column)" if has_company_column else "")
            )
            continue
        if named_person and (
            score >= 1 or context.has_address or _keyed_as_person(table) or _has_name_column(table)
        ):
            context.kind = "person"
            context.evidence.append(f"table: '{table.name}' holds persons (its name)")
        elif (
            score >= 2.5
            and not _points_to_person(table)
            and (not points_to_person_by_name or context.has_person_columns)
        ):
            context.kind = "person"
            shown = ", ".join(reasons[:4])
            context.evidence.append(f"table: '{table.name}' holds persons (columns {shown})")

    persons = {name for name, c in contexts.items() if c.kind == "person"}
    companies = {name for name, c in contexts.items() if c.kind == "company"}

    for table in tables:
        context = contexts[table.name]
        if context.kind in ("person", "company"):
            continue
        target = next(
            (
                fk.table
                for fk in table.foreign_keys
                if fk.table in persons and fk.table != table.name
            ),
            None,
        )
        by_key_name = _person_key_columns(table)
        named_address = _name_matches(table.name, ADDRESS_TABLE_WORDS)
        referred_by_person = [
            other.name
            for other in tables
            if other.name in persons and any(fk.table == table.name for fk in other.foreign_keys)
        ]
        if named_address and (target or referred_by_person or context.has_address):
            context.kind = "address"
            context.person_table = target or (referred_by_person[0] if referred_by_person else None)
            via = (
                f"a key to '{target}'"
                if target
                else f"reached from '{referred_by_person[0]}'"
                if referred_by_person
                else "its name and columns"
            )
            context.evidence.append(f"table: '{table.name}' holds addresses of persons ({via})")
            continue
        company_customer = [
            fk
            for fk in table.foreign_keys
            if fk.table in companies and any(names_person(key_stem(c)) for c in fk.columns)
        ]
        context.recipient_is_company = bool(company_customer)
        if target or by_key_name:
            document = _copies_personal_data(table)
            context.kind = "document" if document else "link"
            context.person_table = target
            reason = (
                f"a key to person table '{target}'"
                if target
                else (f"column '{by_key_name[0]}' names a person's key")
            )
            what = (
                "copies personal data of the person it points to"
                if document
                else ("points to persons")
            )
            context.evidence.append(f"table: '{table.name}' {what} ({reason})")
            continue
        company_target = next(
            (fk.table for fk in table.foreign_keys if fk.table in companies), None
        )
        if (
            company_target
            and (_name_matches(table.name, DOCUMENT_TABLE_WORDS) or _copies_personal_data(table))
            and _copies_personal_data(table)
        ):
            context.kind = "document"
            context.person_table = None
            context.evidence.append(
                f"table: '{table.name}' copies recipient data (a key to '{company_target}')"
            )
            continue
        if _name_matches(table.name, DOCUMENT_TABLE_WORDS) and _copies_personal_data(table):
            context.kind = "document"
            context.evidence.append(f"table: '{table.name}' is a document with recipient data")
            continue
        score, reasons = _person_score(table)
        if score >= 2.5 and by_name.get(table.name) is not None:
            context.kind = "person"
            context.evidence.append(
                f"table: '{table.name}' holds persons (columns {', '.join(reasons[:4])})"
            )
    return contexts


def _singular(word: str) -> str:
    for ending in ("ies", "s", "en", "n"):
        if word.endswith(ending) and len(word) > len(ending) + 3:
            return word[: -len(ending)] + ("y" if ending == "ies" else "")
    return word


def _satellite(table: Table) -> bool:
    """A table about the rows of a person table it is named after: ``customer_history``."""
    own = "".join(words(table.name))
    for fk in table.foreign_keys:
        if fk.table == table.name or not _name_matches(fk.table, PERSON_TABLE_WORDS):
            continue
        target = _singular("".join(words(fk.table)))
        if target and target in own and own != target:
            return True
    return False


def _points_to_person(table: Table) -> bool:
    """A key to a table named as persons (decided before columns are weighed)."""
    return any(
        fk.table != table.name and _name_matches(fk.table, PERSON_TABLE_WORDS)
        for fk in table.foreign_keys
    )


def _keyed_as_person(table: Table) -> bool:
    """A person-named table whose own key reads as a person's id (``CustomerId``, ``user_id``)."""
    if len(table.primary_key) != 1:
        return False
    key = table.primary_key[0]
    if any(key in fk.columns for fk in table.foreign_keys):
        return False
    return is_key_name(key) and names_person(key_stem(key))


def _has_name_column(table: Table) -> bool:
    return any(
        (hint := name_hint(c.name)) is not None and hint.rule.key in ("name", "place")
        for c in table.columns
    )
