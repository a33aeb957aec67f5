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

Real applications name their tables with a prefix (``oc_``, ``llx_``, ``ps_``,
``jos_``, ``matomo_``), which is read past, and declare no foreign keys: a key
names the table it points to (``fk_soc`` → ``llx_societe``, ``id_customer``,
``user_id`` → ``jos_users``), and a table named after another plus more words
(``customer_history``, ``user_profiles``, ``order_history``) is about that
table's rows rather than a second table of persons. Keys that only say who wrote
or changed a row (``fk_user_author``, ``created_by``, ``checked_out``) make it
*authored*, not a row about a person. Polymorphic keys (``fk_element`` with
``elementtype``, ``item_id`` holding ``com_contact.contact.61``) point to a person
where the sampled types name a person table.

Names, keys and connector marks decide most of it; sampled rows, where given,
settle what names cannot: advertisers whose names are companies (``Lindau AG``),
departments with role mailboxes, the types of polymorphic keys, the user names
texts elsewhere may hold. The columns' values are otherwise the classifier's
business.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dsr.classify.evidence import Evidence, ev
from dsr.classify.names import (
    ADDRESS_QUALIFIERS,
    is_key_name,
    joins,
    key_stem,
    key_words,
    name_hint,
    names_person,
    names_person_words,
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
    satellite_of: str | None = None  # named after that table plus more words: about its rows
    authored: bool = False  # rows carry keys of the persons who wrote or changed them
    person_keys: dict[str, str | None] = field(default_factory=dict)
    """Columns that point to a person, with the person table where known."""
    polymorphic: set[str] = field(default_factory=set)
    """Person keys whose value space a type column beside them decides (``fk_element``)."""
    key_targets: dict[str, str] = field(default_factory=dict)
    """Columns whose names name another table of the source (``fk_soc`` → ``llx_societe``)."""
    via_base: bool = False  # a link only by being about the rows of another link table
    known_logins: frozenset[str] = frozenset()
    """User names sampled from the source's person tables: texts that hold them name users."""

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


def _by_columns(table: Table, reasons: list[str]) -> Evidence:
    """A person table known by its columns, naming the first four."""
    return ev(
        "table: '{table}' holds persons (columns {columns})",
        table=table.name,
        columns=", ".join(reasons[:4]),
    )


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


# Words of a key's name that say the person wrote or changed the row (an audit column),
# not that the row is about them: such keys alone do not make a table a person's.
AUDIT_WORDS = frozenset(
    split_words(
        "created create creat creation creator modified modif modify mod modifier updated "
        "update upd deleted delete edited editor checked checkedout author valid validated "
        "validator validation closing cloture closed signature locked approved approver by "
        "import"
    )
)
# A table's rows are people's when a row carries one of these: things documents do not copy.
_PERSON_ONLY_RULES = frozenset(
    split_words("birthdate login password hiring salary birthplace tax_id")
)
_COMPANY_FORMS = frozenset(
    split_words(
        "gmbh ag kg ohg ug ltd inc llc corp sa sarl srl bv nv plc e.g. eg e.v. ev gbr mbh "
        "se kgaa co"
    )
)
_ROLE_MAILBOXES = frozenset(
    split_words(
        "info kontakt contact service kundenservice support webmaster admin administrator "
        "office buero büro sales vertrieb noreply no-reply mail hello hallo team presse press "
        "buchhaltung accounting billing rechnung shop bestellung orders order newsletter "
        "postmaster abuse hostmaster jobs karriere marketing"
    )
)


class SchemaNames:
    """Table names as an application writes them: with its prefix (``oc_``, ``llx_``,
    ``ps_``, ``jos_``, ``matomo_``) stripped, and keys resolved to the table they name."""

    def __init__(self, tables: Sequence[Table]) -> None:
        self.names = [t.name for t in tables]
        firsts = Counter(parts[0] for n in self.names if len(parts := words(n)) >= 2)
        word, count = firsts.most_common(1)[0] if firsts else ("", 0)
        self.prefix = word if count >= 3 and count >= 0.6 * len(self.names) else ""
        self.by_joined: dict[str, str] = {}
        for name in self.names:
            joined = "".join(self.own(name))
            for form in (joined, _singular(joined), joined + "s"):
                self.by_joined.setdefault(form, name)
        for name in self.names:  # an exact spelling wins over another table's plural
            self.by_joined["".join(self.own(name))] = name

    def own(self, name: str) -> list[str]:
        """A table's words without the application's prefix: ``oc_customer_ip`` → customer ip."""
        parts = words(name)
        if self.prefix and len(parts) >= 2 and parts[0] == self.prefix:
            parts = parts[1:]
        return parts

    def base(self, name: str) -> str | None:
        """The table this one is named after plus more words (``customer_history`` →
        ``customer``, ``user_profiles`` → ``users``): its rows are about that table's rows."""
        own = self.own(name)
        for length in range(len(own) - 1, 0, -1):
            found = self.by_joined.get("".join(own[:length]))
            if found is not None and found != name:
                return found
        return None

    def resolve(self, parts: Sequence[str]) -> str | None:
        """The table a key's words name: ``user`` → ``llx_user``, ``soc`` → ``llx_societe``
        (a lone abbreviation: the shortest table name it begins), ``c type contact`` →
        ``llx_c_type_contact``, ``last customer message`` → ``ps_customer_message``."""
        parts = [p for p in parts if not p.isdigit()]
        for length in range(len(parts), 0, -1):
            for start in range(len(parts) - length, -1, -1):
                found = self.by_joined.get("".join(parts[start : start + length]))
                if found is not None:
                    return found
        if len(parts) == 1 and len(parts[0]) >= 3:
            begun = [n for n in self.names if "".join(self.own(n)).startswith(parts[0])]
            if begun:
                return min(begun, key=lambda n: (len("".join(self.own(n))), n))
        return None


_NOT_PERSON_KEYS = frozenset(split_words("type typ group gruppe status role rolle"))
# Whole column names that name a person by role: they hold that person's id or login.
ROLE_COLUMNS = frozenset(
    split_words(
        "requester owner assignee creator author sender recipient reviewer approver submitter "
        "reporter inviter editor"
    )
)


def is_audit_key(column: str) -> bool:
    """``fk_user_author``, ``created_by``, ``modified_user_id``, ``checked_out``: who wrote or
    changed the row."""
    parts = words(column)
    return any(p in AUDIT_WORDS for p in parts) or "".join(parts) in ("checkedout",)


def _by_person_name(column: str) -> bool:
    """``created_by``, ``modified_by``, ``checked_out``, ``invited_by``: a person by role."""
    parts = words(column)
    return (len(parts) >= 2 and parts[-1] == "by") or "".join(parts) == "checkedout"


def person_key_target(
    table: Table,
    column: str,
    names: SchemaNames,
    persons: set[str] | None,
) -> tuple[bool, str | None]:
    """Whether ``column`` of ``table`` points to a person, and to which table where known.

    A key names the table it points to (``fk_soc``, ``id_customer``, ``user_id``); where
    that table is known, its kind decides (``persons``; None while persons are not known
    yet: a table named as persons counts), else the key's words (``fk_member``,
    ``SupportRepId``). ``login`` columns outside the person table and ``created_by``-style
    columns point to persons too.
    """
    hint = name_hint(column)
    if hint is not None and hint.rule.key == "login":
        return True, None
    if _by_person_name(column) or "".join(words(column)) in ROLE_COLUMNS:
        return True, None
    if not is_key_name(column) and not (hint is not None and hint.rule.key == "customer_number"):
        return False, None
    parts = key_words(column)
    if not parts or parts[-1] in _NOT_PERSON_KEYS:
        return False, None
    target = names.resolve(parts)
    if target is not None and target != table.name:
        if persons is not None:
            return target in persons, target
        return _named_person_table(target, names) or names_person_words(parts), target
    if target == table.name and hint is not None and hint.rule.key == "customer_number":
        return False, None  # the row's own number (``customer_number`` in ``customers``)
    if target == table.name or parts[-1] in ("parent", "eltern", "parentid"):
        # Another row of the same table: another person where the rows are persons.
        if persons is not None and table.name in persons:
            return True, table.name
        return False, None
    if hint is not None and hint.rule.key == "customer_number":
        return True, None
    return names_person_words(parts), None


def _named_person_table(name: str, names: SchemaNames) -> bool:
    return _name_matches(" ".join(names.own(name)), PERSON_TABLE_WORDS) and names.base(name) is None


def _person_key_columns(table: Table, names: SchemaNames) -> list[str]:
    """Columns named as keys of persons (``customer_id``, ``kdnr``) where no foreign key says so."""
    found = []
    for column in table.columns:
        if column.name in table.primary_key and len(table.primary_key) == 1:
            continue
        if person_key_target(table, column.name, names, None)[0]:
            found.append(column.name)
    return found


def _texts(rows: Sequence[Mapping[str, Any]], column: str) -> list[str]:
    return [v.strip() for r in rows if isinstance(v := r.get(column), str) and v.strip()]


def _company_valued(table: Table, rows: Sequence[Mapping[str, Any]]) -> bool:
    """A ``name`` column whose sampled values are mostly companies' (``Lindau AG``)."""
    for column in table.columns:
        hint = name_hint(column.name)
        if hint is None or hint.rule.key != "name" or hint.qualifier:
            continue
        texts = _texts(rows, column.name)
        if len(texts) >= 3:
            forms = sum(
                1
                for t in texts
                if any(w.strip(".,()").lower() in _COMPANY_FORMS for w in t.split())
            )
            if forms >= 0.5 * len(texts):
                return True
    return False


def role_mailbox(value: str) -> bool:
    """``info@``, ``webmaster@``, ``kundenservice@``: a department's mailbox, no person's."""
    local = value.strip().lower().split("@", 1)[0]
    return "@" in value and re.split(r"[.\-_+]", local)[0] in _ROLE_MAILBOXES


def _only_role_mailboxes(table: Table, rows: Sequence[Mapping[str, Any]]) -> bool:
    """Every sampled e-mail address of the table is a department's mailbox."""
    found = [
        t
        for c in table.columns
        if (hint := name_hint(c.name)) is not None and hint.rule.key == "email"
        for t in _texts(rows, c.name)
    ]
    return bool(found) and all(role_mailbox(t) for t in found)


def _person_only(table: Table) -> bool:
    return any(
        (hint := name_hint(c.name)) is not None and hint.rule.key in _PERSON_ONLY_RULES
        for c in table.columns
    )


def _has_contact_columns(table: Table) -> bool:
    return any(
        (hint := name_hint(c.name)) is not None and hint.rule.key in ("email", "phone")
        for c in table.columns
    ) and _has_name_column(table)


def table_contexts(
    tables: Sequence[Table],
    samples: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> dict[str, TableContext]:
    """Every table's context; person tables first, since the others are read against them.

    ``samples`` are sampled rows by table, where they were read: they tell a table of
    advertisers (``Lindau AG``) from one of persons, and a department list with role
    mailboxes from one of contact persons.
    """
    samples = samples or {}
    contexts = {t.name: TableContext(t.name) for t in tables}
    by_name = {t.name: t for t in tables}
    names = SchemaNames(tables)
    referenced = Counter(
        target
        for table in tables
        for column in table.columns
        if not (column.name in table.primary_key and len(table.primary_key) == 1)
        for target in [
            next((fk.table for fk in table.foreign_keys if column.name in fk.columns), None)
            or (names.resolve(key_words(column.name)) if is_key_name(column.name) else None)
        ]
        if target is not None and target != table.name
    )

    for table in tables:
        context = contexts[table.name]
        rows = samples.get(table.name, ())
        context.satellite_of = names.base(table.name)
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
            and hint.term in ("city", "ort", "stadt", "town", "wohnort", "gemeinde", "suburb")
        }
        own = " ".join(names.own(table.name))
        context.employees = _name_matches(own, EMPLOYEE_TABLE_WORDS)
        score, reasons = _person_score(table)
        named_person = (
            _name_matches(own, PERSON_TABLE_WORDS)
            and not _satellite(table)
            and context.satellite_of is None
        )
        named_company = _name_matches(own, COMPANY_TABLE_WORDS)
        named_address = _name_matches(own, ADDRESS_TABLE_WORDS)
        named_document = _name_matches(own, DOCUMENT_TABLE_WORDS)
        has_company_column = (
            any(_company_column(c.name) for c in table.columns)
            or (
                any("".join(words(c.name)) in WEBSITE_TERMS for c in table.columns)
                and score < 2
                and any("".join(words(c.name)) in ("name", "namen") for c in table.columns)
            )
            or _company_valued(table, rows)
        )
        points_to_person_by_name = bool(_person_key_columns(table, names)) and not named_person
        person_base = context.satellite_of is not None and _named_person_table(
            context.satellite_of, names
        )
        if (
            (named_company or has_company_column)
            and not context.has_person_columns
            and (named_company or named_person or score < 2)
            and (named_company or not person_base)
        ):
            context.kind = "company"
            context.evidence.append(
                ev(
                    "table: '{table}' holds companies (a company-name column)"
                    if has_company_column
                    else "table: '{table}' holds companies",
                    table=table.name,
                )
            )
            continue
        if (
            (named_person or score >= 1)
            and _only_role_mailboxes(table, rows)
            and not (context.has_person_columns)
        ):
            context.evidence.append(
                ev(
                    "table: '{table}' holds departments (its e-mail addresses are role mailboxes)",
                    table=table.name,
                )
            )
            continue
        if named_person and (
            score >= 1 or context.has_address or _keyed_as_person(table) or _has_name_column(table)
        ):
            context.kind = "person"
            context.evidence.append(
                ev("table: '{table}' holds persons (its name)", table=table.name)
            )
        elif (
            score >= 2.5
            and not _points_to_person(table)
            and not named_address
            and not named_document
            and (
                (not points_to_person_by_name and context.satellite_of is None)
                or _person_only(table)
            )
        ):
            context.kind = "person"
            context.evidence.append(_by_columns(table, reasons))
        elif (
            referenced[table.name] >= 2
            and context.has_address
            and _has_contact_columns(table)
            and context.satellite_of is None
            and not named_document
            and not points_to_person_by_name
        ):
            context.kind = "person"
            context.evidence.append(
                ev(
                    "table: '{table}' holds persons (names, addresses and contact details, "
                    "and {n} tables point to it)",
                    table=table.name,
                    n=referenced[table.name],
                )
            )

    persons = {name for name, c in contexts.items() if c.kind == "person"}
    companies = {name for name, c in contexts.items() if c.kind == "company"}
    logins = frozenset(
        text.lower()
        for name in persons
        for column in by_name[name].columns
        if _by_login(column.name)
        for text in _texts(samples.get(name, ()), column.name)
        if len(text) >= 4 and not text.isdigit() and "@" not in text
    )
    for context in contexts.values():
        context.known_logins = logins

    for table in tables:
        context = contexts[table.name]
        for column in table.columns:
            fk = next((fk for fk in table.foreign_keys if column.name in fk.columns), None)
            if fk is not None:
                if fk.table in persons and (fk.table != table.name or context.kind == "person"):
                    context.person_keys[column.name] = fk.table
                continue
            sole_key = column.name in table.primary_key and len(table.primary_key) == 1
            points, target = person_key_target(table, column.name, names, persons)
            if target is not None and target != table.name:
                context.key_targets[column.name] = target
            if (
                points
                and (
                    not sole_key
                    or (target is not None and target != table.name)
                    or _by_login(column.name)
                )
                and not (context.kind == "person" and _by_login(column.name))
                and not (
                    context.kind == "company" and target is None and not is_audit_key(column.name)
                )
            ):
                context.person_keys[column.name] = target

    for table in tables:
        context = contexts[table.name]
        for key, target in _polymorphic_keys(
            table, samples.get(table.name, ()), names, persons, by_name, samples
        ).items():
            if key not in context.person_keys:
                context.person_keys[key] = target
                context.polymorphic.add(key)

    for table in tables:
        context = contexts[table.name]
        if context.kind in ("person", "company"):
            continue
        keys = context.person_keys
        about = {c: t for c, t in keys.items() if not is_audit_key(c)}
        context.authored = any(is_audit_key(c) for c in keys)
        target = next(
            (
                fk.table
                for fk in table.foreign_keys
                if fk.table in persons and fk.table != table.name and fk.columns[0] in about
            ),
            None,
        ) or next((t for t in about.values() if t is not None), None)
        by_key_name = [c for c in about if not any(c in fk.columns for fk in table.foreign_keys)]
        named_address = _name_matches(" ".join(names.own(table.name)), ADDRESS_TABLE_WORDS)
        referred_by_person = [
            other.name
            for other in tables
            if other.name in persons and any(fk.table == table.name for fk in other.foreign_keys)
        ]
        if named_address and (target or about or referred_by_person or context.has_address):
            context.kind = "address"
            context.person_table = target or (referred_by_person[0] if referred_by_person else None)
            context.evidence.append(
                ev(
                    "table: '{table}' holds addresses of persons (a key to '{target}')",
                    table=table.name,
                    target=target,
                )
                if target
                else ev(
                    "table: '{table}' holds addresses of persons (reached from '{target}')",
                    table=table.name,
                    target=referred_by_person[0],
                )
                if referred_by_person
                else ev(
                    "table: '{table}' holds addresses of persons (its name and columns)",
                    table=table.name,
                )
            )
            continue
        company_customer = [
            fk
            for fk in table.foreign_keys
            if fk.table in companies and any(names_person(key_stem(c)) for c in fk.columns)
        ]
        context.recipient_is_company = bool(company_customer)
        if about:
            document = _copies_personal_data(table)
            context.kind = "document" if document else "link"
            context.person_table = target
            if target:
                said = (
                    "table: '{table}' copies personal data of the person it points to "
                    "(a key to person table '{target}')"
                    if document
                    else "table: '{table}' points to persons (a key to person table '{target}')"
                )
                context.evidence.append(ev(said, table=table.name, target=target))
            else:
                said = (
                    "table: '{table}' copies personal data of the person it points to "
                    "(column '{column}' names a person's key)"
                    if document
                    else "table: '{table}' points to persons (column '{column}' names a "
                    "person's key)"
                )
                context.evidence.append(ev(said, table=table.name, column=by_key_name[0]))
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
                ev(
                    "table: '{table}' copies recipient data (a key to '{target}')",
                    table=table.name,
                    target=company_target,
                )
            )
            continue
        if _name_matches(table.name, DOCUMENT_TABLE_WORDS) and _copies_personal_data(table):
            context.kind = "document"
            context.evidence.append(
                ev("table: '{table}' is a document with recipient data", table=table.name)
            )
            continue
        score, reasons = _person_score(table)
        if score >= 2.5 and by_name.get(table.name) is not None and context.satellite_of is None:
            context.kind = "person"
            context.evidence.append(_by_columns(table, reasons))
            continue
        mailed = _person_mail_column(table, samples.get(table.name, ()))
        if mailed is not None:
            context.kind = "link"
            context.evidence.append(
                ev(
                    "table: '{table}' names persons by their e-mail address ('{column}')",
                    table=table.name,
                    column=mailed,
                )
            )
            continue
        if context.authored:
            context.evidence.append(
                ev("table: '{table}' names the staff who wrote its rows", table=table.name)
            )

    # A table named after a table of rows about persons (an order's history, a visit's
    # actions) is about those persons too.
    for table in tables:
        context = contexts[table.name]
        base = contexts.get(context.satellite_of or "")
        if (
            context.kind == "other"
            and base is not None
            and base.kind in ("link", "document")
            and base.table in context.key_targets.values()
        ):
            context.kind = "link"
            context.via_base = True
            context.person_table = base.person_table
            context.evidence.append(
                ev(
                    "table: '{table}' is about the rows of '{base}', which point to persons",
                    table=table.name,
                    base=base.table,
                )
            )
    return contexts


# Last words of keys that point to a row of any of several tables, with a type beside them.
_POLYMORPHIC = frozenset(split_words("element object item source target entity record"))
_TYPE_WORDS = frozenset(
    split_words("type typ elementtype objecttype sourcetype context extension alias kind")
)


def _polymorphic_keys(
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    names: SchemaNames,
    persons: set[str],
    by_name: Mapping[str, Table],
    samples: Mapping[str, Sequence[Mapping[str, Any]]],
) -> dict[str, str | None]:
    """Keys like ``fk_element`` + ``elementtype``, ``object_id`` + ``object_type``, or
    ``item_id`` holding ``com_contact.contact.61``: they point to a person where the
    sampled types (or the key's own text) name a person table. A satellite's generic key
    without a type (``llx_societe_extrafields.fk_object``) points to the table it is
    named after; a key whose type sits in another table (``field_id`` → ``context``) is
    read there."""
    found: dict[str, str | None] = {}
    for column in table.columns:
        parts = key_words(column.name) if is_key_name(column.name) else []
        if not parts or parts[-1] not in _POLYMORPHIC:
            continue
        if column.name in table.primary_key and len(table.primary_key) == 1:
            continue
        types = _type_columns(table, parts[-1])
        values = [r.get(column.name) for r in rows if r.get(column.name) not in (None, "", 0, "0")]
        named: list[str] = []
        for row in rows:
            if row.get(column.name) in (None, "", 0, "0"):
                continue
            named += [str(row.get(t) or "") for t in types]
        named += [str(v) for v in values if isinstance(v, str) and not v.strip().isdigit()]
        if not types and not named:
            named = _types_elsewhere(table, rows, names, by_name, samples)
        person, target = _person_named(named, names, persons)
        if person:
            found[column.name] = target
            continue
        base = names.base(table.name)
        if not types and not named and base in persons and not _person_key_present(table):
            found[column.name] = base
    return found


def _type_columns(table: Table, word: str) -> list[str]:
    """The columns saying what a polymorphic key points to: ``elementtype`` beside
    ``fk_element``, ``source_type`` beside ``source_id``; any type column otherwise."""
    own = [
        c.name
        for c in table.columns
        if (parts := words(c.name))
        and parts[-1] in _TYPE_WORDS | {"type"}
        and word in [*parts[:-1], parts[-1].removesuffix("type")]
    ]
    if own:
        return own
    return [
        c.name
        for c in table.columns
        if (parts := words(c.name)) and len(parts) <= 2 and parts[-1] in _TYPE_WORDS
    ]


def _types_elsewhere(
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    names: SchemaNames,
    by_name: Mapping[str, Table],
    samples: Mapping[str, Sequence[Mapping[str, Any]]],
) -> list[str]:
    """The type texts of the rows another key of the table points to (``field_id`` →
    ``jos_fields.context``)."""
    found: list[str] = []
    for column in table.columns:
        if not is_key_name(column.name):
            continue
        target = names.resolve(key_words(column.name))
        other = by_name.get(target or "")
        if other is None or target == table.name:
            continue
        keys = {str(r.get(column.name)) for r in rows if r.get(column.name) is not None}
        types = [
            c.name
            for c in other.columns
            if (parts := words(c.name)) and len(parts) <= 2 and parts[-1] in _TYPE_WORDS
        ]
        primary = other.primary_key[0] if len(other.primary_key) == 1 else None
        for row in samples.get(other.name, ()):
            if primary is None or str(row.get(primary)) in keys:
                found += [str(row.get(t) or "") for t in types]
    return found


def _person_named(
    texts: Sequence[str], names: SchemaNames, persons: set[str]
) -> tuple[bool, str | None]:
    """Whether a type text names persons (``societe``, ``user``, ``com_users.user``,
    ``Customer``, ``com_contact.contact``, ``member``), and the person table where it
    names one of the source."""
    for text in dict.fromkeys(t for t in texts if t):
        for part in re.split(r"[^0-9A-Za-z]+", text):
            parts = words(part)
            if not parts or parts[0].isdigit():
                continue
            target = names.resolve(parts)
            if target in persons:
                return True, target
            if target is None and names_person_words(parts):
                return True, None
    return False, None


def _person_key_present(table: Table) -> bool:
    return any(is_key_name(c.name) and names_person(key_stem(c.name)) for c in table.columns)


def _person_mail_column(table: Table, rows: Sequence[Mapping[str, Any]]) -> str | None:
    """An e-mail column holding persons' addresses (not role mailboxes): the rows name them."""
    for column in table.columns:
        hint = name_hint(column.name)
        if hint is None or hint.rule.key != "email":
            continue
        texts = _texts(rows, column.name)
        if not texts or not all(role_mailbox(t) for t in texts):
            return column.name
    return None


def _by_login(column: str) -> bool:
    hint = name_hint(column)
    return hint is not None and hint.rule.key == "login"


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
