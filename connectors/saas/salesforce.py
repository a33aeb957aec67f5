"""Salesforce: contacts and leads, as report CSVs or the Data Export ZIP (formats.md, 6).

A report's columns are whatever its owner chose, labelled in the user's
language, and end in a footer ("Grand Totals", "Confidential Information",
"Copyright"), so labels are mapped and reading stops at the first empty record
after the data. The weekly Data Export Service gives ``Contact.csv``,
``Lead.csv`` (and ``Account.csv``) headed by API names. Contacts and leads are
told apart by file name, else by lead-only columns.
"""

from __future__ import annotations

from typing import ClassVar

from dsr.connectors.protocol import IdentifierKind
from dsr.connectors.saas.export import ExportConnector, TableSpec

PERSON_IDENTIFIERS: dict[str, IdentifierKind] = {
    "email": "email",
    "phone": "phone",
    "mobile": "phone",
    "mobilephone": "phone",
    "mobile phone": "phone",
    "homephone": "phone",
    "home phone": "phone",
    "otherphone": "phone",
    "other phone": "phone",
    "fax": "phone",
    "first name": "name",
    "firstname": "name",
    "last name": "name",
    "lastname": "name",
    "full name": "name",
    "name": "name",
    "contact id": "id",
    "lead id": "id",
    "id": "id",
    "description": "text",
    # German report labels: expected (reports use the user's language), not yet seen
    "e-mail": "email",
    "telefon": "phone",
    "mobil": "phone",
    "mobiltelefon": "phone",
    "vorname": "name",
    "nachname": "name",
    "beschreibung": "text",
}
_PERSON = (
    ("Email", "Phone", "Mobile", "MobilePhone", "Last Name", "LastName", "E-Mail", "Nachname"),
)

LEADS = TableSpec(
    "leads",
    what="leads",
    files=r"^leads?[ _.-]",
    hints=(
        "lead id",
        "lead owner",
        "lead source",
        "lead status",
        "company / account",
        "convertedcontactid",
        "isconverted",
    ),
    requires=_PERSON,
    key=("lead id", "id"),
    identifies=PERSON_IDENTIFIERS,
    links={"convertedcontactid": "contacts", "convertedaccountid": "accounts"},
    footer=True,
)
CONTACTS = TableSpec(
    "contacts",
    what="contacts",
    files=r"^contacts?[ _.-]",
    requires=_PERSON,
    key=("contact id", "id"),
    identifies=PERSON_IDENTIFIERS,
    links={"accountid": "accounts", "account id": "accounts"},
    footer=True,
)
ACCOUNTS = TableSpec(
    "accounts",
    what="accounts",
    files=r"^account\.csv$",
    hints=None,
    requires=(("Id", "Account ID"),),
    key=("account id", "id"),
    identifies={"phone": "phone", "fax": "phone", "description": "text"},
    footer=True,
)


class SalesforceConnector(ExportConnector):
    """Salesforce contacts/leads report (CSV) or Data Export ZIP (Contact.csv, Lead.csv)."""

    type_name: ClassVar[str] = "salesforce"
    summary: ClassVar[str] = "Salesforce contacts/leads report (CSV)"
    vendor: ClassVar[str] = "Salesforce"
    expected: ClassVar[str] = "report<ms>.csv, or Contact.csv / Lead.csv from Data Export"
    specs: ClassVar[tuple[TableSpec, ...]] = (CONTACTS, LEADS, ACCOUNTS)
    candidates: ClassVar[str | None] = r"^report"  # a Data Export ZIP holds every object
    deletion_procedure: ClassVar[dict[str, str]] = {
        "de": (
            "Salesforce: Lead und Kontakt der Person löschen, mit den zugehörigen "
            "Aktivitäten, Fällen und E-Mail-Nachrichten. Gelöschte Datensätze liegen 15 Tage "
            "im Papierkorb: danach den Papierkorb leeren (emptyRecycleBin()) oder gleich mit "
            "einem Bulk-API-Auftrag hardDelete löschen. Mit Privacy Center: eine "
            "Right-to-be-forgotten-Richtlinie ausführen."
        ),
        "en": (
            "Salesforce: delete the person's lead and contact, with their activities, cases "
            "and e-mail messages. Deleted records stay in the Recycle Bin for 15 days: then "
            "empty it (emptyRecycleBin()) or delete at once with a Bulk API hardDelete job. "
            "With Privacy Center: run a right-to-be-forgotten policy."
        ),
    }
